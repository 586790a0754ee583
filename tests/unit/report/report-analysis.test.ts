/** Pareto, significance tests, comparison, published join and report formats, on synthetic runs. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, appendFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../../src/report/analysis.js';
import { compareMeasurements, compareRuns, parseThreshold } from '../../../src/report/compare.js';
import { listRunDirs, loadRuns, parseWorkloadId } from '../../../src/report/load.js';
import { parseLutValidation } from '../../../src/report/lut-validation.js';
import { frontier, markPareto } from '../../../src/report/pareto.js';
import { pngFileName } from '../../../src/report/png.js';
import { parseSimulations } from '../../../src/report/simulation-input.js';
import { modelFacts } from '../../../src/report/published-join.js';
import { csvCell, renderReport } from '../../../src/report/report-format.js';
import { bootstrapRelativeChange, hierarchicalBootstrapChange, mannWhitney, median, welchLogChange } from '../../../src/report/significance.js';
import { seededRandom } from '../../../src/profiles/stats.js';
import { standardNormal } from '../../../src/util/random.js';
import type { MeasurementView } from '../../../src/report/views.js';
import { definedTable6Models } from '../../../src/models/table6-models.js';
import {
  deviceTarget,
  fixtureManifest,
  fixtureSimulation,
  hostMeasurements,
  MODEL_MS,
  ORT_CPU,
  writeFixtureRun,
  XSS,
} from '../../helpers/report-fixture.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MODELS = Object.keys(MODEL_MS);
const ORT_WEBGPU = { id: 'ort-webgpu', runner: 'ort-webgpu', backend: 'webgpu', settings: {} };
const PIXEL6_CPU = deviceTarget('pixel6', 'android-cpu').target;

let runA: string;
let runB: string;
let runSim: string;
beforeAll(async () => {
  const ms = (scale: number, seed: number) => hostMeasurements(scale, seed, { blocks: 3, peak: true });
  runA = await writeFixtureRun(tmp, 'run-a', ms(1, 1), {
    createdAt: '2026-01-01T00:00:00.000Z',
    errors: [{ workload: 'conv-l', target: ORT_WEBGPU, message: XSS }],
  });
  // B: ort-cpu 10% slower, ort-wasm unchanged
  runB = await writeFixtureRun(tmp, 'run-b', ms(1.1, 100), { createdAt: '2026-01-02T00:00:00.000Z' });
  runSim = await writeFixtureRun(
    tmp,
    'run-sim',
    MODELS.map((m, i) => ({ workload: m, dtype: 'int8' as const, target: PIXEL6_CPU, medianMs: MODEL_MS[m]! / 2.5, simulated: true, seed: 200 + i })),
    { device: 'pixel6', createdAt: '2026-01-03T00:00:00.000Z' },
  );
});

describe('Pareto frontier', () => {
  it('marks dominated points and keeps them', () => {
    const pts = [
      { name: 'a', cost: 1, accuracy: 70 },
      { name: 'b', cost: 2, accuracy: 75 },
      { name: 'c', cost: 3, accuracy: 74 }, // dominated by b
      { name: 'd', cost: 2, accuracy: 75 }, // equal to b: neither dominates
      { name: 'e', cost: 5, accuracy: 80 },
    ];
    const m = markPareto(pts);
    expect(m.map((p) => p.dominated)).toEqual([false, false, true, false, false]);
    expect(m[2]!.dominatedBy).toEqual([1, 3]);
    expect(m).toHaveLength(5);
    expect(frontier(pts).map((p) => p.name)).toEqual(['a', 'b', 'd', 'e']);
  });
  it('a point equal on cost but worse on accuracy is dominated', () => {
    expect(
      markPareto([
        { cost: 1, accuracy: 1 },
        { cost: 1, accuracy: 2 },
      ]).map((p) => p.dominated),
    ).toEqual([true, false]);
  });
});

describe('significance', () => {
  it('Mann-Whitney exact p-values match scipy.stats.mannwhitneyu', () => {
    expect(mannWhitney([1, 2, 3], [4, 5, 6])).toMatchObject({ u: 0, p: 0.1, method: 'exact', minAttainableP: 0.1 });
    const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.p).toBeCloseTo(0.007936507936507936, 12);
    expect(r.minAttainableP).toBeCloseTo(2 / 252, 12);
  });
  it('exact permutation p with ties (itertools enumeration reference: 38/252)', () => {
    const r = mannWhitney([1.1, 2.2, 2.2, 3.5, 4.0], [2.2, 3.0, 5.1, 6.0, 7.5]);
    expect(r.u).toBe(5);
    expect(r.p).toBeCloseTo(38 / 252, 12);
  });
  it('normal approximation with tie and continuity correction matches scipy (asymptotic)', () => {
    const a = Array.from({ length: 40 }, (_, i) => (i * 0.37) % 5);
    const b = Array.from({ length: 45 }, (_, i) => 0.3 + ((i * 0.53) % 5));
    const r = mannWhitney(a, b);
    expect(r.method).toBe('normal');
    expect(r.u).toBeCloseTo(843.5, 9);
    expect(r.p).toBeCloseTo(0.6219737848815354, 5);
    // heavy ties: integers 0..7
    const t = mannWhitney(
      Array.from({ length: 40 }, (_, i) => i % 7),
      Array.from({ length: 45 }, (_, i) => (i * 3) % 8),
    );
    expect(t.u).toBeCloseTo(777.5, 9);
    expect(t.p).toBeCloseTo(0.2785617791367275, 5);
  });
  it('the bootstrap is seeded and brackets the change', () => {
    const a = [10, 10.2, 9.9, 10.1, 10.05, 9.95];
    const b = a.map((v) => v * 1.2);
    const x = bootstrapRelativeChange(a, b);
    expect(x).toEqual(bootstrapRelativeChange(a, b));
    expect(x.change).toBeCloseTo(0.2, 9);
    expect(x.lo).toBeLessThanOrEqual(0.2);
    expect(x.hi).toBeGreaterThanOrEqual(0.2);
    expect(x.lo).toBeGreaterThan(0.1);
    expect(median([3, 1, 2, 4])).toBe(2.5);
  });
  it("Welch's t on log session centres matches scipy.stats.ttest_ind(equal_var=False)", () => {
    // reference: scipy 1.17 ttest_ind(log b, log a, equal_var=False).confidence_interval(0.95), exponentiated
    const x = welchLogChange([10, 10.4, 9.8], [11, 11.9, 10.6, 11.3]);
    expect(x.change).toBeCloseTo(0.1119310312696511, 10);
    expect(x.lo).toBeCloseTo(0.02918911501022503, 8);
    expect(x.hi).toBeCloseTo(0.2013250045771291, 8);
    expect(welchLogChange([5, 5], [5, 5])).toMatchObject({ change: 0, lo: 0, hi: 0 });
    expect(() => welchLogChange([5], [5, 6])).toThrow(/at least 2 session centres/);
  });
});

describe('CI of the change over 3 vs 3 sessions (simulation, seeded)', () => {
  // two runs of the same steady host: lognormal session effects (spread tau) and per-call noise (sigma);
  // the CI must contain 0 in >= 94% of pairs at a nominal 95%. A plain two-level percentile bootstrap gives
  // 82% in the first case (it treats the spread of 3 session medians as known).
  const rate = (tau: number, sigma: number, n: number, reps: number, seed: number) => {
    const rnd = seededRandom(seed);
    const gauss = () => standardNormal(rnd);
    const run = () =>
      Array.from({ length: 3 }, () => {
        const effect = tau * gauss();
        return Array.from({ length: n }, () => 10 * Math.exp(effect + sigma * gauss()));
      });
    let covered = 0;
    for (let t = 0; t < reps; t++) {
      const r = hierarchicalBootstrapChange(run(), run(), { resamples: 200, seed: t });
      if (r.lo <= 0 && r.hi >= 0) covered++;
    }
    return covered / reps;
  };
  it('sessions apart by more than their own noise: no significant change >= 94% of the time', () => {
    expect(rate(0.03, 0.02, 20, 200, 5)).toBeGreaterThanOrEqual(0.94);
  });
  it('per-call noise only: >= 94% as well', () => {
    expect(rate(0, 0.04, 20, 200, 6)).toBeGreaterThanOrEqual(0.94);
  });
  it('seeded and brackets a real change; a real 10% change is found', () => {
    const rnd = seededRandom(9);
    const s = (c: number) => [1, 1.01, 0.99].map((e) => Array.from({ length: 30 }, () => c * e * (1 + 0.01 * (rnd() - 0.5))));
    const a = s(10);
    const b = s(11);
    const x = hierarchicalBootstrapChange(a, b);
    expect(hierarchicalBootstrapChange(a, b)).toEqual(x);
    expect(x.lo).toBeLessThanOrEqual(x.change);
    expect(x.hi).toBeGreaterThanOrEqual(x.change);
    expect(x.lo).toBeGreaterThan(0);
    expect(() => hierarchicalBootstrapChange([[]], b)).toThrow(/sessions with samples/);
  });
});

function view(over: Partial<MeasurementView>): MeasurementView {
  return {
    runId: 'r',
    device: 'host',
    key: 'k',
    workloadId: 'model:conv-s@224',
    workloadKind: 'model',
    model: 'conv-s',
    block: null,
    resolution: 224,
    dtype: 'fp32',
    macs: 1e8,
    target: ORT_CPU,
    targetLabel: 't',
    targetKey: 'host|t',
    provenance: 'measured',
    timing: 'protocol',
    medianMs: 10,
    ci: null,
    n: 3,
    sessionMedians: [10],
    sessionSpread: 0,
    sessionSamples: [[]],
    samples: [],
    converged: true,
    warnings: [],
    executedBackend: 'cpu',
    backendShare: null,
    softwareAdapter: false,
    profile: null,
    ...over,
  };
}

describe('comparison', () => {
  it('uses session medians when both sides have >= 3; 3 vs 3 falls back to the bootstrap', () => {
    const around = (c: number) => Array.from({ length: 20 }, (_, i) => c * (1 + ((i % 5) - 2) * 0.002));
    const a = view({ sessionMedians: [10, 10.1, 9.9], sessionSamples: [10, 10.1, 9.9].map(around), medianMs: 10 });
    const b = view({ sessionMedians: [11, 11.1, 10.9], sessionSamples: [11, 11.1, 10.9].map(around), medianMs: 11 });
    const r = compareMeasurements(a, b, 0.03);
    expect(r.units).toBe('sessions');
    expect(r.test).toBe('bootstrap');
    expect(r.significant).toBe(true);
    expect(r.status).toBe('regression');
    expect(r.change).toBeCloseTo(0.1, 9);
    expect(r.notes.join(' ')).toMatch(/cannot reach p < 0.05/);
  });
  it('drift between sessions widens the interval: a 3% shift inside 20% drift is not significant', () => {
    const around = (c: number) => Array.from({ length: 50 }, (_, i) => c * (1 + ((i % 5) - 2) * 0.001));
    const ca = [10, 11, 12];
    const cb = ca.map((c) => c * 1.03);
    const a = view({ sessionMedians: ca, sessionSpread: 2 / 11, sessionSamples: ca.map(around), samples: ca.flatMap(around), medianMs: 11 });
    const b = view({ sessionMedians: cb, sessionSamples: cb.map(around), samples: cb.flatMap(around), medianMs: 11.33 });
    const r = compareMeasurements(a, b, 0.01);
    expect(r.significant).toBe(false);
    expect(r.changeLo!).toBeLessThan(0);
    expect(r.noiseA).toBeCloseTo(2 / 11, 9);
    // the same data pooled as if from one session looks significant: why sessions are the unit
    const pooled = compareMeasurements(
      { ...a, sessionMedians: [11], sessionSamples: [a.samples] },
      { ...b, sessionMedians: [11.33], sessionSamples: [b.samples] },
      0.01,
    );
    expect(pooled.units).toBe('samples');
    expect(pooled.significant).toBe(true);
  });
  it('5 vs 5 sessions use Mann-Whitney; a 2% change under a 3% threshold is not a regression', () => {
    const a = view({ sessionMedians: [10, 10.01, 9.99, 10.02, 9.98], medianMs: 10 });
    const b = view({ sessionMedians: [10.2, 10.21, 10.19, 10.22, 10.18], medianMs: 10.2 });
    const r = compareMeasurements(a, b, 0.03);
    expect(r.test).toBe('mann-whitney');
    expect(r.p).toBeCloseTo(2 / 252, 9);
    expect(r.status).toBe('within-threshold');
  });
  it('falls back to samples with a note, and finds no change between identical distributions', () => {
    const s = Array.from({ length: 30 }, (_, i) => 10 + (i % 7) * 0.01);
    const r = compareMeasurements(view({ samples: s, sessionSamples: [s] }), view({ samples: [...s].reverse(), sessionSamples: [[...s].reverse()] }));
    expect(r.units).toBe('samples');
    expect(r.notes[0]).toMatch(/A has 1 independent session \(< 3\).*optimistic/);
    expect(r.significant).toBe(false);
    expect(r.status).toBe('no-significant-change');
  });
  it('finds the 10% ort-cpu regression between the fixture runs and nothing on ort-wasm', async () => {
    const { runs } = await loadRuns([runA, runB]);
    const c = compareRuns(runs[0]!, runs[1]!, { threshold: 0.03 });
    const cpuModels = c.rows.filter((r) => r.workloadId.startsWith('model:') && r.key.includes('|ort-cpu|'));
    const wasmModels = c.rows.filter((r) => r.key.includes('|ort-wasm|'));
    expect(cpuModels).toHaveLength(5);
    expect(cpuModels.every((r) => r.status === 'regression')).toBe(true);
    expect(wasmModels.every((r) => r.status !== 'regression' && r.status !== 'improvement')).toBe(true);
    expect(c.regressions).toBe(cpuModels.length + c.rows.filter((r) => r.workloadId.startsWith('block:') && r.status === 'regression').length);
    expect(c.runA.noiseFloor).toBeGreaterThan(0);
    // with a threshold of 20%, the same change is not a regression
    expect(compareRuns(runs[0]!, runs[1]!, { threshold: 0.2 }).regressions).toBe(0);
  });
  it('externally timed records: sessions are the only unit; one session gives no test', async () => {
    const cpu = PIXEL6_CPU;
    const mk = (id: string, ms: number, sessions: number, at: string) =>
      writeFixtureRun(tmp, id, [{ workload: 'conv-s', dtype: 'int8', target: cpu, medianMs: ms, external: true, drift: 0.002 }], {
        device: 'pixel6',
        sessions,
        createdAt: at,
      });
    const { runs } = await loadRuns([await mk('ext-a', 2.5, 3, '2026-03-01T00:00:00.000Z'), await mk('ext-b', 2.8, 3, '2026-03-02T00:00:00.000Z')]);
    const m = runs[0]!.measurements[0]!;
    expect(m.timing).toBe('external');
    expect(m.samples).toEqual([]);
    expect(m.ci).toBeNull();
    expect(m.sessionMedians).toHaveLength(3);
    const c = compareRuns(runs[0]!, runs[1]!);
    expect(c.rows[0]).toMatchObject({ units: 'sessions', test: 'bootstrap', status: 'regression' });
    const one = await loadRuns([await mk('ext-1a', 2.5, 1, '2026-03-03T00:00:00.000Z'), await mk('ext-1b', 2.8, 1, '2026-03-04T00:00:00.000Z')]);
    const r1 = compareRuns(one.runs[0]!, one.runs[1]!).rows[0]!;
    expect(r1.test).toBeNull();
    expect(r1.status).toBe('no-significant-change');
    expect(r1.notes.join(' ')).toMatch(/not enough independent data/);
    expect(analyse(one).modelRows[0]!.flags.find((f) => f.startsWith('externally timed'))).toMatch(
      /^externally timed: (mean|median) per session, median over sessions$/,
    );
    expect(m.externalStatistic).toMatch(/per session, median over sessions$/);
  });

  it('parses thresholds', () => {
    expect(parseThreshold('3%')).toBeCloseTo(0.03, 12);
    expect(parseThreshold('0.5%')).toBeCloseTo(0.005, 12);
    expect(parseThreshold('3')).toBeCloseTo(0.03, 12);
    expect(() => parseThreshold('abc')).toThrow(/percentage/);
    expect(() => parseThreshold('150%')).toThrow(/between/);
  });
});

describe('loading and analysis', () => {
  it('parses workload ids', () => {
    expect(parseWorkloadId('model:conv-m@256')).toEqual({ model: 'conv-m', block: null, resolution: 256 });
    expect(parseWorkloadId('block:conv-s/b05_uib@224')).toEqual({
      model: null,
      block: { model: 'conv-s', id: 'b05_uib', index: 5 },
      resolution: 224,
    });
    expect(parseWorkloadId('block:uib(a3,m5,s2,e4,o80,relu)@48x64x64').block).toBeNull();
  });

  it('joins measured, simulated and published series without mixing them', async () => {
    const loaded = await loadRuns([runA, runB, runSim]);
    const a = analyse(loaded);
    const cpu = a.pareto.find((g) => g.device === 'host' && g.targetLabel?.includes('onnxruntime-node CPU'))!;
    expect(cpu.series.measured.map((p) => p.model).sort()).toEqual([...MODELS].sort());
    expect(cpu.series.simulated).toEqual([]);
    expect(cpu.series.published).toEqual([]); // the host has no Table 6 column
    // the latest run (B) wins for the Pareto points
    expect(cpu.series.measured.every((p) => p.runId === 'run-b')).toBe(true);
    const px = a.pareto.find((g) => g.device === 'pixel6')!;
    expect(px.publishedColumn).toBe('pixel6_cpu');
    expect(px.series.measured).toEqual([]);
    expect(px.series.simulated).toHaveLength(5);
    expect(px.series.published.find((p) => p.model === 'conv-s')).toMatchObject({ cost: 2.4, accuracy: 73.8, provenance: 'published' });
    // the Pixel 6 CPU column is not shown twice (once with the simulated series, not again on its own)
    expect(a.pareto.filter((g) => g.publishedColumn === 'pixel6_cpu')).toHaveLength(1);
    expect(a.pareto.filter((g) => g.id.startsWith('latency|table6|'))).toHaveLength(6);
    // dominated points are kept and marked: in Table 6 on Pixel 6 CPU, MobileNet-V2 (5.0 ms, 73.4) is dominated by MNv4-Conv-S (2.4 ms, 73.8)
    const v2 = px.series.published.find((p) => p.model === 'mobilenet-v2-1.0')!;
    expect(v2.dominated).toBe(true);
    expect(v2.dominatedBy).toContain('MNv4-Conv-S');
    // accuracy comes with its citation
    expect(cpu.series.measured[0]!.accuracySource).toMatch(/2404\.10518/);
  });

  it('a measured chart names the defined Table 6 models it lacks, and on this host the profile that measures them all', async () => {
    const a = analyse(await loadRuns([runA]));
    const cpu = a.pareto.find((g) => g.device === 'host' && g.targetLabel?.includes('onnxruntime-node CPU'))!;
    const defined = definedTable6Models();
    const missing = defined.filter((m) => !MODELS.includes(m.spec.id)).map((m) => m.published.name);
    expect(missing.length).toBeGreaterThan(0);
    expect(cpu.notes).toContain(
      `measured 5 of the ${defined.length} Table 6 models defined here; not measured on this target: ${missing.join(', ')}; mnv4-bench run --device host-table6 measures them all on this host`,
    );
  });

  it('device-model simulations are a simulated series beside the published one, in charts, rows and statuses', async () => {
    // the JSON the simulator itself produces (src/report/simulation.ts), as `run --simulate --json` prints it
    const raw = [fixtureSimulation('pixel6', 'pixel6_cpu'), fixtureSimulation('pixel8', 'pixel8_edgetpu')];
    const sims = parseSimulations(raw, 'sim.json');
    const simMs = (model: string): number => sims[0]!.points.find((p) => p.model === model)!.valueMs;
    const a = analyse({ runs: [], problems: [] }, { simulations: sims });
    const p6 = a.pareto.find((g) => g.publishedColumn === 'pixel6_cpu')!;
    expect(p6.device).toBe('pixel6');
    expect(p6.title).toMatch(/simulated and published/);
    expect(p6.series.measured).toEqual([]);
    expect(p6.series.simulated.find((p) => p.model === 'conv-s')).toMatchObject({ cost: simMs('conv-s'), provenance: 'simulated', accuracy: 73.8 });
    expect(p6.series.published.find((p) => p.model === 'conv-s')).toMatchObject({ cost: 2.4, provenance: 'published' });
    expect(p6.notes.join(' ')).toMatch(/leave-one-out against Table 6: Spearman r_s 0\.\d{3}, MAPE \d+\.\d%/);
    // dominance is decided within the simulated series only
    const simPts = p6.series.simulated;
    for (const p of simPts)
      expect(p.dominated).toBe(
        simPts.some((q) => q !== p && q.cost <= p.cost && q.accuracy >= p.accuracy && (q.cost < p.cost || q.accuracy > p.accuracy)),
      );
    const simRows = a.modelRows.filter((r) => r.provenance === 'simulated');
    expect(
      simRows
        .filter((r) => r.device === 'pixel6')
        .map((r) => r.model)
        .sort(),
    ).toEqual(['conv-l', 'conv-m', 'conv-s', 'hybrid-l', 'hybrid-m']);
    expect(a.modelRows.filter((r) => r.provenance === 'published' && r.device === 'pixel8').length).toBeGreaterThanOrEqual(4);
    expect(a.targets.filter((t) => t.status === 'simulated').map((t) => t.device)).toEqual(['pixel6', 'pixel8']);
    // with a measured run of the same device column, the simulated series joins that chart
    const withRun = analyse(await loadRuns([runSim]), { simulations: sims.slice(0, 1) });
    expect(withRun.pareto.filter((g) => g.publishedColumn === 'pixel6_cpu')).toHaveLength(1);
    const md = renderReport({ runs: [], problems: [] }, 'md', a);
    expect(md).toMatch(/pixel6 · Pixel 6 CPU \(device model simulation\) \(simulated\)/);
    expect(renderReport({ runs: [], problems: [] }, 'csv', a)).toContain(`,simulated,${Number(simMs('conv-s').toPrecision(6))},`);
    // a measured Pixel 6 CPU run: its roofline share comes from the fitted roofline of that column
    const phone = await writeFixtureRun(tmp, 'phone-measured', [{ workload: 'conv-s', dtype: 'int8', target: PIXEL6_CPU, medianMs: 3.3 }], {
      device: 'pixel6',
    });
    const eff = analyse(await loadRuns([phone]), { simulations: sims }).efficiency[0]!;
    expect(eff.rooflineSource).toBe('fitted roofline');
    // the share is the plain roofline's figure, not the device model's simulated one
    const roofMs = sims[0]!.points.find((p) => p.model === 'conv-s')!.rooflineMs;
    expect(roofMs).not.toBeCloseTo(simMs('conv-s'), 6);
    expect(eff.rooflineShare).toBeCloseTo(roofMs / eff.medianMs, 12);
    // the device model's out-of-sample validation travels with the analysis, the baselines beside it
    const dm = a.deviceModels.find((d) => d.column === 'pixel6_cpu')!;
    expect(dm.validation.map((v) => v.scheme)).toEqual(['leave-one-out', 'MNv4 from baselines', 'baselines from MNv4', 'leave-family-out, both']);
    expect(dm.validation[0]!.roofline.spearman).toBeGreaterThan(0.9);
    expect(dm.validation[0]!.macs.n).toBe(dm.validation[0]!.deviceModel.n);
    // the Pareto tab's simulated search-space frontier, with the models beside it
    const fr = a.spaceFrontiers.find((f) => f.column === 'pixel8_edgetpu')!;
    expect(fr.frontier).toMatchObject({ space: 'conv-m', provenance: 'simulated' });
    expect(fr.models.find((m) => m.id === 'conv-s')).toMatchObject({ publishedMs: 0.7, simulatedMs: expect.any(Number) });
    // a file of the roofline-only simulator (no device model) is still read, and labelled a roofline simulation
    const old = JSON.parse(JSON.stringify(raw[0])) as { columns: Record<string, unknown>[]; rows: { cells: Record<string, unknown>[] }[] };
    old.columns.forEach((c) => delete c.deviceModel);
    old.rows.forEach((r) => r.cells.forEach((c) => delete c.roofline));
    const oldView = parseSimulations(old, 'old.json')[0]!;
    expect(oldView.kind).toBe('roofline');
    expect(oldView.points[0]!.rooflineMs).toBe(oldView.points[0]!.valueMs);
    expect(analyse(await loadRuns([phone])).efficiency[0]!.rooflineShare).toBeNull();
    expect(() => parseSimulations({ schema: 'other' }, 'x.json')).toThrow(/x\.json: not a simulation file \(schema: /);
  });

  it('overview: statuses with reasons, failed targets, model rows, efficiency, blocks and ops', async () => {
    const a = analyse(await loadRuns([runA, runB, runSim]));
    expect(a.targets.find((t) => t.status === 'error')!.reason).toContain(XSS);
    expect(a.targets.some((t) => t.status === 'simulated' && t.device === 'pixel6')).toBe(true);
    expect(a.targets.some((t) => t.status === 'published' && t.device === 'pixel6')).toBe(true);
    expect(a.modelRows.filter((r) => r.provenance === 'published' && r.device === 'pixel6')).toHaveLength(5);
    const eff = a.efficiency.find((e) => e.workloadId === 'model:conv-s@224' && e.runId === 'run-a' && e.targetLabel.includes('CPU'))!;
    expect(eff.gmacPerSecond).toBeCloseTo(eff.gmac / (eff.medianMs / 1000), 9);
    expect(eff.peakGmacPerSecond).not.toBeNull();
    expect(eff.rooflineShare).toBeCloseTo(eff.rooflineMs! / eff.medianMs, 9);
    expect(a.efficiency.find((e) => e.targetLabel.includes('WASM'))!.peakGmacPerSecond).toBeNull();
    const standalone = a.blocks.filter((b) => b.source === 'standalone');
    expect(standalone.map((b) => b.index)).toEqual([0, 1, 2]);
    expect(standalone[0]!.ciLo).not.toBeNull();
    const inModel = a.blocks.filter((b) => b.source === 'in-model profile' && b.runId === 'run-b');
    expect(inModel.map((b) => b.index)).toEqual(inModel.map((_, i) => i)); // b00, b01, ... in order
    expect(inModel[5]!.block).toBe('b05_uib');
    expect(a.ops.map((o) => o.op)).toContain('Conv');
  });

  it('a later run without a profile does not hide the latest profile of a model', async () => {
    const later = await writeFixtureRun(tmp, 'later-unprofiled', [{ workload: 'conv-s', medianMs: 7 }], { createdAt: '2026-02-01T00:00:00.000Z' });
    const a = analyse(await loadRuns([runA, later]));
    expect(a.modelRows.find((r) => r.model === 'conv-s' && r.targetLabel.includes('CPU'))!.runId).toBe('later-unprofiled');
    expect(new Set(a.ops.map((o) => o.runId))).toEqual(new Set(['run-a']));
    expect(a.blocks.filter((b) => b.source === 'in-model profile').every((b) => b.runId === 'run-a')).toBe(true);
  });

  it('bad runs become one-line problems; the others still load', async () => {
    const noManifest = path.join(tmp, 'bad-no-manifest');
    mkdirSync(noManifest);
    writeFileSync(path.join(noManifest, 'measurements.jsonl'), '');
    // a run written by the previous schema version (1)
    const otherVersion = path.join(tmp, 'bad-version');
    mkdirSync(otherVersion);
    writeFileSync(path.join(otherVersion, 'manifest.json'), JSON.stringify({ ...fixtureManifest('old'), schemaVersion: 1 }));
    const truncated = await writeFixtureRun(tmp, 'truncated', [
      { workload: 'conv-s', medianMs: 7 },
      { workload: 'conv-m', medianMs: 30 },
    ]);
    const f = path.join(truncated, 'measurements.jsonl');
    const text = readFileSync(f, 'utf8');
    writeFileSync(f, text.slice(0, text.length - 200)); // cut inside the last record
    const { runs, problems } = await loadRuns([runA, noManifest, otherVersion, truncated]);
    expect(runs.map((r) => r.runId).sort()).toEqual(['run-a', 'truncated']);
    expect(runs.find((r) => r.runId === 'truncated')!.measurements).toHaveLength(1);
    expect(runs.find((r) => r.runId === 'truncated')!.notes[0]).toMatch(/cut off/);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/no manifest/),
      expect.stringMatching(/schemaVersion 1 is not supported .*older mnv4-bench/),
    ]);
    for (const p of problems) expect(p.message).not.toContain('\n');
    // a corrupt line in the middle is a problem too
    appendFileSync(f, '\n{"broken"\n' + text.split('\n')[0] + '\n');
    expect((await loadRuns([truncated])).problems[0]!.message).toMatch(/measurements.jsonl:\d+/);
    expect(listRunDirs(tmp)).toContain(noManifest);
  });

  it('published facts carry citations for the five models', () => {
    const f = modelFacts();
    for (const id of MODELS) {
      const m = f.find((x) => x.id === id)!;
      expect(m.top1!.source).toMatch(/2404\.10518/);
      expect(m.mnv4).toBe(true);
    }
  });
});

describe('report formats', () => {
  it('md, csv and json', async () => {
    const loaded = await loadRuns([runA, runB, runSim]);
    const md = renderReport(loaded, 'md');
    expect(md).toContain('## Latency of the models (ms)');
    expect(md).toMatch(/\| MNv4-Conv-S \| 73\.8 \|/);
    expect(md).toContain('(simulated)');
    expect(md).toContain('(published)');
    expect(md).toContain('## Pareto frontier');
    const csv = renderReport(loaded, 'csv');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'run,device,target,workload,model,provenance,medianMs,ciLo,ciHi,n,ratio,ratioLo,ratioHi,reference,gmacPerSecond,top1,top1Source,pareto,flags',
    );
    const convS = lines.find((l) => l.startsWith('run-b,host,') && l.includes('model:conv-s@224') && l.includes('CPU'))!;
    expect(convS).toMatch(/,measured,/);
    expect(convS).toMatch(/,73\.8,/);
    expect(lines.filter((l) => l.includes(',published,'))).toHaveLength(5);
    const json = JSON.parse(renderReport(loaded, 'json')) as { rows: unknown[]; analysis: { pareto: unknown[] } };
    expect(json.rows.length).toBe(lines.length - 1);
    expect(json.analysis.pareto.length).toBeGreaterThan(5);
  });
  it('CSV cells are quoted and formula-safe', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "x"')).toBe('"say ""x"""');
    expect(csvCell('=cmd()')).toBe("'=cmd()");
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(null)).toBe('');
  });
  it('reports with no runs list the published figures', () => {
    const md = renderReport({ runs: [], problems: [] }, 'md');
    expect(md).toContain('No runs loaded');
    expect(md).toContain('MNv4-Conv-S');
  });
});

describe('PNG file names', () => {
  it('carry the chart id and a slug of its title', () => {
    expect(pngFileName('pareto-3', 'host · onnxruntime-node CPU, 1 thread')).toBe('pareto-3-host-onnxruntime-node-cpu-1-thread.png');
    expect(pngFileName('ops', '<img src=x onerror=alert(1)>')).toBe('ops-img-src-x-onerror-alert-1.png');
    expect(pngFileName('x/../y', '')).toBe('x_.._y.png');
  });
});

describe('LUT validation input', () => {
  it('accepts an array or an object holding one, and computes error statistics', () => {
    const rows = [
      { arch: 'a', predictedMs: 10, measuredMs: 10 },
      { arch: 'b', predictedMs: 11, measuredMs: 10 },
      { arch: 'c', predictedMs: 9.6, measuredMs: 10 },
      { arch: 'd', predictedMs: 12, measuredMs: 10 },
    ];
    const v = parseLutValidation(rows, 'x.json');
    expect(v.stats.n).toBe(4);
    expect(v.stats.mape).toBeCloseTo((0 + 0.1 + 0.04 + 0.2) / 4, 12);
    expect(v.stats.within5).toBe(0.5);
    expect(v.stats.within10).toBe(0.75);
    expect(v.stats.rmseMs).toBeCloseTo(Math.sqrt((0 + 1 + 0.16 + 4) / 4), 12);
    expect(parseLutValidation({ architectures: rows, mape: 1 }, 'y').stats.n).toBe(4);
    expect(() => parseLutValidation({ nope: 1 }, 'z.json')).toThrow(/z\.json: not a LUT validation file/);
    expect(() => parseLutValidation([{ arch: 'a', predictedMs: -1, measuredMs: 1 }], 'n.json')).toThrow(/n\.json: .*\(root\)\.0\.predictedMs/);
  });
  it("reads the report of 'lut validate': models apart, warnings, table context, noise floor", () => {
    const report = {
      table: { file: 't.json', space: 'conv-s', resolution: 224, target: 'ort-cpu', device: 'host', method: 'in-context', digest: 'x' },
      seed: 1,
      archs: [
        { arch: 'conv-s:1,2', predictedMs: 10, measuredMs: 10.5, spreadMs: 0.21, error: -0.0476 },
        { arch: 'conv-s:2,2', predictedMs: 12, measuredMs: 11, spreadMs: 0.44, error: 0.0909 },
        { arch: 'conv-s:0,1', predictedMs: 9, measuredMs: 9, spreadMs: 0.09, error: 0 },
      ],
      models: [{ arch: 'conv-s', predictedMs: 8, measuredMs: 7, spreadMs: 0.1, error: 0.14, source: 'x' }],
      summary: {},
      drift: [],
      warnings: ['the host is too noisy'],
      runId: 'r',
      provenance: { predicted: 'estimated', measured: 'measured' },
    };
    const v = parseLutValidation(report, 'report.json');
    expect(v.stats.n).toBe(3);
    expect(v.points.filter((p) => p.kind === 'model').map((p) => p.arch)).toEqual(['conv-s']);
    expect(v.stats.noiseFloor).toBeCloseTo(0.02, 12); // median of 0.02, 0.04, 0.01
    expect(v.stats.within5).toBeCloseTo(2 / 3, 12);
    expect(v.warnings).toEqual(['the host is too noisy']);
    expect(v.context).toBe('space conv-s, target ort-cpu, device host, method in-context, resolution 224');
  });
});
