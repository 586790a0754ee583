/** Lookup tables on synthetic measurements (tests/helpers/lut-fixture.ts): deterministic, no timing. */
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../../src/models/cost.js';
import { lowerModel } from '../../../src/models/graph.js';
import { buildArchModel, encodeArch, enumerateBlockConfigs, getSearchSpace, sampleArch, skeletonArch } from '../../../src/models/search-space.js';
import { buildTable, calibrationArchs, latencyFromSessions, nodeLayerRole } from '../../../src/lut/build.js';
import { InputError } from '../../../src/errors.js';
import { LutError } from '../../../src/lut/errors.js';
import { exportCsv, exportOfa, exportTunas, ofaKey, predictTunas } from '../../../src/lut/export.js';
import { solveLeastSquares } from '../../../src/lut/least-squares.js';
import { selectMethod } from '../../../src/lut/corrections.js';
import { compileTable, predictGraph, predictLatency, predictVector } from '../../../src/lut/predict.js';
import { parseTable, serializeTable, signTable, type LutTable } from '../../../src/lut/schema.js';
import { searchFrontier } from '../../../src/lut/search.js';
import { archConfigs, archMacs, configKey, spaceIndex } from '../../../src/lut/space-index.js';
import { driftArchs, driftPoint, hostStateRatio, summarizeValidation, validationPoint, validationWarnings } from '../../../src/lut/validate.js';
import { getModel } from '../../../src/models/registry.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { blockText, parseBlockText } from '../../../src/models/block-text.js';
import { DEVICE, fixtureInputs, fixtureTable, runSummary, sessions, trueArchMs } from '../../helpers/lut-fixture.js';

const withProfiles = fixtureTable({ profiles: true });
const noProfiles = fixtureTable({ profiles: false });
const vec = (text: string): number[] =>
  text
    .slice(text.indexOf(':') + 1)
    .split(',')
    .map(Number);

function expectLutError(fn: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LutError);
  expect(err).toBeInstanceOf(InputError); // exit 2
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain('\n');
}

describe('space index', () => {
  it.each(['conv-m', 'conv-s', 'conv-m-coarse', 'conv-s+e'])('%s: the same configurations as enumerateBlockConfigs', (id) => {
    const index = spaceIndex(id);
    const expected = enumerateBlockConfigs(getSearchSpace(id))
      .map((c) => c.key)
      .sort();
    expect(index.configs.map((c) => c.key).sort()).toEqual(expected);
  });

  it('conv-m lists 57 configurations', () => {
    expect(spaceIndex('conv-m').configs).toHaveLength(57);
  });

  it.each(['conv-m', 'conv-m-coarse', 'conv-l+e'])('%s: maps sampled architectures to the configurations their lowered model has', (id) => {
    const index = spaceIndex(id);
    for (let seed = 0; seed < 5; seed++) {
      const v = sampleArch(index.space, seed);
      const g = lowerModel(buildArchModel(index.space, v), index.resolution);
      expect(archConfigs(index, v).map((ci) => index.configs[ci]!.key)).toEqual(g.blocks.map((b) => configKey(b.spec, b.inShape)));
      expect(archMacs(index, v)).toBe(graphCost(g).macs);
    }
  });
});

describe('identity workload', () => {
  it('is one multiply by ones with the input shape, and its text round-trips', () => {
    const w = resolveWorkload('block:identity()@48x64x64');
    expect(w.id).toBe('block:identity()@48x64x64');
    expect(w.graph.layers.map((l) => l.op)).toEqual([{ kind: 'scale', ch: 48, init: 1 }]);
    expect(w.graph.outputShape).toEqual([48, 64, 64]);
    expect(parseBlockText(blockText({ type: 'identity' }))).toEqual({ type: 'identity' });
  });
});

describe('table file', () => {
  it('round-trips through its JSON text', () => {
    const again = parseTable(serializeTable(withProfiles));
    expect(again).toEqual(withProfiles);
    expect(again.entries).toHaveLength(57);
    expect(again.entries[0]!.latency).toMatchObject({ sessions: 3, provenance: 'measured', unit: 'ms' });
  });

  it('rejects truncated, hand-edited, foreign and other-version tables in one line', () => {
    const text = serializeTable(withProfiles);
    expectLutError(() => parseTable(text.slice(0, text.length / 2), 't.json'), /t\.json is truncated or not JSON/);
    expectLutError(() => parseTable(text.replace(/"median": ([0-9.]+)/, '"median": 1$1'), 't.json'), /changed after it was written/);
    expectLutError(() => parseTable(JSON.stringify({ ...withProfiles, schemaVersion: 2 })), /schemaVersion 2/);
    expectLutError(() => parseTable(JSON.stringify({ schemaVersion: 1, kind: 'manifest' })), /not an mnv4-bench latency table/);
    const noEntries = signTable({ ...withProfiles, entries: [] } as unknown as LutTable);
    expectLutError(() => parseTable(JSON.stringify(noEntries)), /not a valid table \(entries/);
  });

  it('never mixes targets or devices', () => {
    const other = runSummary({ runId: 'run-2', target: { id: 'ort-wasm', runner: 'ort-wasm', backend: 'wasm', settings: { threads: 1 } } });
    expectLutError(() => buildTable({ ...fixtureInputs(), runs: [runSummary(), other] }), /run-2 measured ort-wasm.*never mixes targets/);
    const moved = runSummary({ runId: 'run-3', hostname: 'elsewhere' });
    expectLutError(() => buildTable({ ...fixtureInputs(), runs: [moved] }), /run-3 ran on elsewhere.*never mixes devices/);
    const mixed = signTable({ ...withProfiles, runs: [...withProfiles.runs, other] });
    expectLutError(() => parseTable(JSON.stringify(mixed), 'm.json'), /m\.json mixes targets: run run-2/);
  });

  it('rejects a table of another space definition or with foreign entries when compiled', () => {
    const wrongPrint = signTable({ ...withProfiles, space: { ...withProfiles.space, fingerprint: '0'.repeat(64) } });
    expectLutError(() => compileTable(parseTable(JSON.stringify(wrongPrint))), /another definition of space conv-m/);
    const foreign = signTable({
      ...withProfiles,
      entries: [...withProfiles.entries.slice(1), { ...withProfiles.entries[0]!, key: 'uib(a3,m3,s1,e4,o999,relu)@1x1x1' }],
    });
    expectLutError(() => compileTable(parseTable(JSON.stringify(foreign))), /is not a configuration of space conv-m/);
    const unknownSpace = signTable({ ...withProfiles, space: { ...withProfiles.space, id: 'conv-x' } });
    expectLutError(() => compileTable(parseTable(JSON.stringify(unknownSpace))), /space 'conv-x'/);
  });

  it('summarises sessions: median of session medians, pooled percentiles, spread of the medians', () => {
    const lat = latencyFromSessions([{ samplesMs: [1, 2, 3] }, { samplesMs: [2, 3, 4] }, { samplesMs: [10, 11, 12] }], 'x');
    expect(lat).toMatchObject({ median: 3, n: 9, sessions: 3, sessionMedians: [2, 3, 11] });
    // 1.4826 x MAD: |2-3|, |3-3|, |11-3| -> median 1; the disturbed third session does not blow it up
    expect(lat.spreadMs).toBeCloseTo(1.4826, 12);
    expectLutError(() => latencyFromSessions([], 'block x'), /block x: no samples/);
  });
});

describe('predictLatency', () => {
  it('with the plain sum method, predicts the sum of the entries of the lowered model', () => {
    const t = fixtureTable({ method: 'sum' });
    const space = getSearchSpace('conv-m');
    const byKey = new Map(t.entries.map((e) => [e.key, e.latency.median]));
    for (let seed = 0; seed < 4; seed++) {
      const v = sampleArch(space, seed);
      const g = lowerModel(buildArchModel(space, v), 256);
      const expected = g.blocks.reduce((a, b) => a + byKey.get(configKey(b.spec, b.inShape))!, 0);
      const p = predictLatency(encodeArch(space, v), t);
      expect(p.medianMs).toBeCloseTo(expected, 9);
      expect(p).toMatchObject({ method: 'sum', source: 'table', provenance: 'estimated', regressionConfigs: [] });
      expect(p.uncertaintyMs).toBeGreaterThan(0);
    }
  });

  it('accepts `space:...`, `arch:space:...` and vectors alike', () => {
    const text = encodeArch(getSearchSpace('conv-m'), sampleArch(getSearchSpace('conv-m'), 3));
    const a = predictLatency(text, withProfiles);
    expect(predictLatency(`arch:${text}`, withProfiles).medianMs).toBe(a.medianMs);
    expect(predictLatency(vec(text), withProfiles).medianMs).toBe(a.medianMs);
  });

  it('rejects an architecture of another space, of the wrong length, or with a bad choice', () => {
    expectLutError(
      () => predictLatency(encodeArch(getSearchSpace('conv-s'), skeletonArch(getSearchSpace('conv-s'))), withProfiles),
      /is from space conv-s; the table is for space conv-m/,
    );
    expectLutError(() => predictLatency('conv-m:1,2,3', withProfiles), /needs 21 choices, got 3/);
    expectLutError(() => predictLatency('conv-m:0' + ',1'.repeat(20), withProfiles), /stride-2 block/);
    expectLutError(() => predictLatency('conv-m:x' + ',1'.repeat(20), withProfiles), /bad choice 'x'/);
    expectLutError(() => predictLatency('nospace', withProfiles), /expected conv-m:<i>/);
  });

  it('the learned and in-context corrections predict unseen architectures of the synthetic truth within 1%', () => {
    const index = spaceIndex('conv-m');
    for (const method of ['learned', 'in-context'] as const) {
      const t = fixtureTable({ profiles: true, method });
      for (let seed = 500; seed < 520; seed++) {
        const v = sampleArch(index.space, seed);
        const err = predictLatency(v, t).medianMs / trueArchMs(index, v) - 1;
        expect(Math.abs(err), `${method} ${seed}`).toBeLessThan(0.01);
      }
    }
  });

  it('chooses the method by leave-one-out and records the comparison', () => {
    const cmp = new Map(withProfiles.method.comparison.map((s) => [s.method, s]));
    expect(withProfiles.method.chosenBy).toBe('leave-one-out');
    const best = Math.min(...withProfiles.method.comparison.flatMap((s) => (s.looMape === null ? [] : [s.looMape])));
    const noise = withProfiles.method.noiseFloor!;
    expect(noise).toBeGreaterThan(0.004); // the fixture's sessions are 0.4% apart
    expect(noise).toBeLessThan(0.01);
    expect(cmp.get(withProfiles.method.id)!.looMape!).toBeLessThanOrEqual(best + noise);
    expect(withProfiles.method.id).toBe('learned'); // the simplest within the noise of the best
    // the naive sum misses: standalone blocks pay the graph overhead 27 times and run with warm caches
    expect(cmp.get('sum')!.looMape!).toBeGreaterThan(0.05);
    expect(noProfiles.method.comparison.find((s) => s.method === 'in-context')).toMatchObject({
      looMape: null,
      note: expect.stringContaining('no profiled'),
    });
    expectLutError(() => buildTable(fixtureInputs({ profiles: false, method: 'in-context' })), /method 'in-context' cannot be used.*no profiled/);
  });

  it('keeps the simplest method that no other beats by more than the calibration noise', () => {
    const score = (method: 'sum' | 'overhead' | 'in-context' | 'learned', looMape: number | null) => ({
      method,
      looMape,
      looMaxAbsErr: null,
      within5: null,
      within10: null,
      note: '',
    });
    // a real ort-cpu build on a busy host: the differences are within its 3.3% noise
    const scores = [score('sum', 0.0879), score('overhead', 0.0747), score('in-context', 0.0823), score('learned', 0.0861)];
    expect(selectMethod(scores, 0.033)).toBe('sum');
    expect(selectMethod(scores, 0)).toBe('overhead');
    expect(selectMethod([score('sum', 0.3), score('in-context', 0.02), score('learned', 0.05)], 0.01)).toBe('in-context');
    expect(selectMethod([score('sum', null)], 0)).toBeNull();
  });

  it('the overhead method removes one identity graph per block and adds one for the network', () => {
    const t = fixtureTable({ method: 'overhead' });
    const sum = fixtureTable({ method: 'sum' });
    const v = sampleArch(getSearchSpace('conv-m'), 9);
    // synthetic standalone = kernel + (I(in) + I(out)) / 2 exactly, so overhead = in-context truth with factor 1
    const diff = predictLatency(v, sum).medianMs - predictLatency(v, t).medianMs;
    expect(diff).toBeGreaterThan(26 * 0.05);
    expect(fixtureTable({ identities: false }).method.comparison.find((s) => s.method === 'overhead')!.note).toMatch(/no identity-graph/);
  });

  it('fills a missing configuration by regression and says so', () => {
    const index = spaceIndex('conv-m');
    const missing = 'uib(a5,m5,s1,e4,o160,relu)@160x16x16';
    const t = fixtureTable({ profiles: true, drop: [missing], method: 'sum' });
    const full = fixtureTable({ profiles: true, method: 'sum' });
    const v = sampleArch(index.space, 0);
    const at = index.space.positions.findIndex((p) => p.name === 'b05.dw');
    v[at] = 8; // ExtraDW 5/5
    const p = predictLatency(v, t);
    expect(p.source).toBe('table+regression');
    expect(p.regressionConfigs).toEqual([missing]);
    expect(Math.abs(p.medianMs / predictLatency(v, full).medianMs - 1)).toBeLessThan(0.02);
    expect(compileTable(t).regression!.level).toBe('op');
    const noOps = fixtureTable({ profiles: false, drop: [missing], method: 'sum' });
    expect(compileTable(noOps).regression!.level).toBe('block');
    expect(Math.abs(predictLatency(v, noOps).medianMs / predictLatency(v, full).medianMs - 1)).toBeLessThan(0.02);
  });

  it('predicts another model through the regression, marked as such', () => {
    const p = predictGraph(lowerModel(getModel('conv-m'), 256), withProfiles);
    expect(p.source).toBe('table+regression');
    expect(p.medianMs).toBeGreaterThan(20);
    const arch = predictGraph(lowerModel(buildArchModel(getSearchSpace('conv-m'), vec(calibrationArchs('conv-m', 1)[0]!)), 256), withProfiles);
    expect(arch.source).toBe('table');
  });
});

describe('exports', () => {
  it('tunas: one weight per position and choice reproduces a fine space exactly', () => {
    const m = exportTunas(withProfiles, { trainArchs: 600, heldOutArchs: 100 });
    expect(m.weights).toHaveLength(21);
    expect(m.weights[0]![0]).toBeNull(); // b02 is strided: no FFN
    expect(m.fit.heldOut.maxAbsRelErr).toBeLessThan(1e-6);
    const c = compileTable(withProfiles);
    const v = sampleArch(c.index.space, 77);
    expect(predictTunas(m, v)).toBeCloseTo(predictVector(c, v), 6);
    const kernel = Buffer.from(m.tunas.kernelBase64, 'base64');
    expect(kernel.length).toBe(4 * m.weights.flat().length);
    expect(kernel.readFloatBE(4)).toBeCloseTo(m.weights[0]![1]!, 4);
    expect(m.fit.measured!.archs).toBe(8);
  });

  it('tunas on a coarse space reports a non-zero fit error', () => {
    const t = fixtureTable({ spaceId: 'conv-s-coarse', calibration: 4, method: 'sum' });
    const m = exportTunas(t, { trainArchs: 400, heldOutArchs: 100 });
    expect(m.fit.heldOut.mape).toBeGreaterThan(0);
    expect(m.fit.heldOut.mape).toBeLessThan(0.05);
  });

  it('ofa: keyed like Once-for-All; the sum of the blocks plus the graph overhead is the prediction', () => {
    const o = exportOfa(withProfiles);
    expect(o.table['uib-input:16x16x160-output:16x16x160-start:3-mid:5-expand:4-stride:1']).toBeDefined();
    expect(o.table['conv-input:256x256x3-output:128x128x32-kernel:3-stride:2']).toBeDefined();
    const index = spaceIndex('conv-m');
    const v = sampleArch(index.space, 5);
    const sum = archConfigs(index, v).reduce((a, ci) => a + o.table[ofaKey(index.configs[ci]!)]!.mean, o.table['graph-overhead']!.mean);
    expect(sum).toBeCloseTo(predictLatency(v, withProfiles).medianMs, 9);
  });

  it('csv: a header and one row per configuration', () => {
    const lines = exportCsv(withProfiles).trim().split('\n');
    expect(lines).toHaveLength(58);
    expect(lines[0]).toMatch(/^key,ofa_key,op,input,output,stride/);
    expect(lines[1]).toMatch(/^"conv_bn\(k3,s2,o32,relu\)@3x256x256",conv-input:256x256x3/);
  });
});

describe('search', () => {
  it('returns a deterministic MACs-vs-latency frontier within the budget', () => {
    const index = spaceIndex('conv-m');
    const skeletonMs = predictLatency(skeletonArch(index.space), withProfiles).medianMs;
    const budget = skeletonMs * 0.97;
    const a = searchFrontier(withProfiles, { budgetMs: budget, seed: 3, evaluations: 1500 });
    const b = searchFrontier(withProfiles, { budgetMs: budget, seed: 3, evaluations: 1500 });
    expect(a).toEqual(b);
    expect(a.frontier.length).toBeGreaterThan(1);
    for (const [i, p] of a.frontier.entries()) {
      expect(p.predictedMs).toBeLessThanOrEqual(budget);
      expect(p.predictedMs).toBeCloseTo(predictLatency(p.arch, withProfiles).medianMs, 9);
      if (i > 0) expect(p.macs).toBeGreaterThan(a.frontier[i - 1]!.macs);
    }
    const impossible = searchFrontier(withProfiles, { budgetMs: 1, seed: 3, evaluations: 200 });
    expect(impossible.frontier).toEqual([]);
    expect(impossible.fastest).not.toBeNull();
  });
});

describe('validation figures and helpers', () => {
  it('MAPE, RMSE, shares within ±5/±10% and the noise floor', () => {
    const s = summarizeValidation([
      validationPoint('a', 105, 100, 1),
      validationPoint('b', 90, 100, 3),
      validationPoint('c', 100, 100, 2),
      validationPoint('d', 104, 100, 2),
    ]);
    expect(s.mape).toBeCloseTo((0.05 + 0.1 + 0 + 0.04) / 4, 12);
    expect(s.bias).toBeCloseTo((0.05 - 0.1 + 0 + 0.04) / 4, 12);
    expect(s.rmseMs).toBeCloseTo(Math.sqrt((25 + 100 + 0 + 16) / 4), 12);
    expect(s.within5).toBe(0.75);
    expect(s.within10).toBe(1);
    expect(s.noiseFloor).toBe(0.02);
    expect(validationWarnings(s, [driftPoint('a', 1, 1.01)])).toEqual([]);
    const noisy = summarizeValidation([validationPoint('a', 100, 100, 30)]);
    const w = validationWarnings(noisy, [driftPoint('a', 1, 1.2), driftPoint('b', 1, 0.9), driftPoint('c', 1, 1.0)]);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/disagree by 30\.0%.*too noisy/);
    expect(w[1]).toMatch(/table entries moved by 10\.0% \(median\)/);
  });

  it('reads the host-state change from re-measured whole architectures, not from blocks', () => {
    const drift = [
      driftPoint('blockA', 1, 1.3),
      driftPoint('blockB', 1, 0.7),
      driftPoint('arch1', 16, 14.4, 'arch'),
      driftPoint('arch2', 15, 13.8, 'arch'),
      driftPoint('arch3', 14, 12.6, 'arch'),
    ];
    // ratios 0.9, 0.92, 0.9: median 0.9; the blocks (1.3, 0.7) do not enter it
    expect(hostStateRatio(drift)).toBeCloseTo(0.9, 12);
    expect(hostStateRatio(drift.filter((d) => d.kind === 'entry'))).toBeNull();
    const points = [validationPoint('x', 11, 9.9, 0.1), validationPoint('y', 22, 19.8, 0.1)];
    // the steadiest calibration architectures are the anchors
    const lat = (median: number, spreadMs: number) => ({ median, spreadMs });
    const table = {
      archs: [
        { arch: 'a', latency: lat(10, 1) },
        { arch: 'b', latency: lat(20, 0.2) },
        { arch: 'c', latency: lat(10, 0.2) },
      ],
    };
    expect(driftArchs(table as unknown as Parameters<typeof driftArchs>[0], 2)).toEqual(['b', 'c']);
    const w = validationWarnings(summarizeValidation(points), drift);
    expect(w.some((x) => /calibration architectures moved by 10\.0% \(median\)/.test(x))).toBe(true);
  });

  it('least squares recovers known coefficients, with zero columns left at 0', () => {
    const rows = Array.from({ length: 20 }, (_, i) => [1, i, (i * i) % 7, 0]);
    const y = rows.map((r) => 2 + 3 * r[1]! - 0.5 * r[2]!);
    const b = solveLeastSquares(rows, y);
    expect(b[0]).toBeCloseTo(2, 6);
    expect(b[1]).toBeCloseTo(3, 6);
    expect(b[2]).toBeCloseTo(-0.5, 6);
    expect(b[3]).toBe(0);
  });

  it('calibration architectures cover every searchable configuration of conv-m with a few archs', () => {
    const index = spaceIndex('conv-m');
    const archs = calibrationArchs('conv-m', 10, 1);
    expect(archs).toEqual(calibrationArchs('conv-m', 10, 1));
    const covered = new Set(archs.flatMap((a) => archConfigs(index, vec(a))));
    expect(covered.size).toBe(57);
  });

  it('maps profiler node names to layer roles', () => {
    expect(nodeLayerRole('b00_uib/expand')).toBe('expand');
    expect(nodeLayerRole('b00_uib/middle_dw/relu')).toBe('middle_dw');
    expect(nodeLayerRole('b00_uib/start_dw:out_nchwc')).toBe('start_dw');
    expect(nodeLayerRole('reorder_token_12')).toBeNull();
  });

  it('uses the device id and sessions of its inputs', () => {
    expect(withProfiles.device).toEqual(DEVICE);
    expect(sessions(1, 2)).toHaveLength(2);
  });
});
