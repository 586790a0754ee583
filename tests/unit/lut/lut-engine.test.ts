/**
 * Lookup tables measured through the run engine with the fake runner (virtual clock, latency from MACs,
 * plus a synthetic per-block profile): build, resume after an interrupt, validate, measure a frontier.
 * Deterministic; no real timing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { graphLayerCosts } from '../../../src/models/cost.js';
import { InputError } from '../../../src/errors.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { measureAndBuild, measureAndValidate, measureArchs, type LutExecution } from '../../../src/lut/measure.js';
import { parseTable, serializeTable, signTable } from '../../../src/lut/schema.js';
import { predictLatency } from '../../../src/lut/predict.js';
import { spaceIndex } from '../../../src/lut/space-index.js';
import { referenceArch } from '../../../src/lut/units.js';
import { parseDeviceProfile } from '../../../src/profiles/device.js';
import { readRun } from '../../../src/results/reader.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import type { OpProfile } from '../../../src/core/measurement.js';
import type { Runner } from '../../../src/runners/types.js';
import { cacheSandbox } from '../../helpers/cache-sandbox.js';
import { createFakeRunner, FAKE_MS_PER_GMAC, fakePrepare, installFakeRunners } from '../../helpers/fake-runner.js';

const tmp = cacheSandbox('mnv4-lut-engine-');

/** The fake runner plus a profile: each layer's MAC time x 1.1 (a profiler's own cost), two layout reorders. */
function profilingFake(): Runner {
  const base = createFakeRunner({ id: 'fake-prof' });
  return {
    ...base,
    async measure(w, protocol, settings, ctx, options) {
      const r = await base.measure(w, protocol, settings, ctx, options);
      if (!options?.profile) return r;
      const costs = graphLayerCosts(w.graph);
      const nodes = costs.map((c) => ({
        name: c.layer,
        op: c.kind === 'conv' ? 'Conv' : 'Other',
        block: c.block,
        medianMs: (c.macs / 1e9) * FAKE_MS_PER_GMAC * 1.1,
      }));
      const blocks = w.graph.blocks.map((b) => {
        const own = nodes.filter((n) => n.block === b.id);
        return { block: b.id, ms: own.reduce((a, n) => a + n.medianMs, 0), nodes: own.length, ops: {} };
      });
      const profile: OpProfile = {
        source: 'fake-profiler',
        runs: 10,
        runMedianMs: null,
        nodes,
        blocks,
        unattributedMs: 0.02,
        coverage: null,
        notes: [],
      };
      return { ...r, profile };
    },
  };
}

const device = (threads = 1) =>
  parseDeviceProfile(
    JSON.stringify({
      schemaVersion: 1,
      id: 'fakedev',
      name: 'Fake device',
      connection: { kind: 'local' },
      preset: 'quick',
      workloads: ['conv-s'],
      targets: [{ target: 'fake-prof', dtype: 'fp32', settings: { threads } }],
    }),
    'fakedev.json',
  );

let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
  clearTargetsMemoryCache();
});

let counter = 0;
function execution(over: Partial<LutExecution> = {}): LutExecution & { events: EngineEvent[] } {
  const events: EngineEvent[] = [];
  return {
    outDir: tmp,
    runId: `lut-${++counter}`,
    resume: false,
    prepare: fakePrepare,
    command: ['test'],
    onEvent: (e) => events.push(e),
    events,
    ...over,
  };
}

describe('lut build through the engine', () => {
  it('measures every configuration, identity graph and calibration architecture, and picks a correction', async () => {
    undo = installFakeRunners(profilingFake());
    const x = execution();
    const out = await measureAndBuild({ device: device(), target: 'fake-prof', space: 'conv-s', sessions: 2, calibration: 4 }, x);
    const t = out.table!;
    expect(out.missing).toEqual([]);
    expect(t.entries).toHaveLength(43);
    expect(t.entries.every((e) => e.latency.sessions === 2 && e.ops !== undefined)).toBe(true);
    expect(t.overhead.length).toBeGreaterThan(5);
    expect(t.archs).toHaveLength(4);
    expect(t.archs.every((a) => a.profiles.length === 1)).toBe(true);
    expect(t.target).toMatchObject({ id: 'fake-prof', settings: { threads: 1 } });
    expect(t.device.id).toBe('fakedev');
    // the reference (conv-s's own choices) is measured in every round too
    expect(t.build!.measurements).toBe(2 * (1 + 43 + t.overhead.length + 4));
    expect(t.reference!.arch).toBe(referenceArch(spaceIndex('conv-s')));
    expect(t.entries.every((e) => Math.abs(e.relative! - e.latency.median / t.reference!.latency.median) < 0.02)).toBe(true);
    // the fake costs 0.05 ms per graph on top of its MACs: anchored on the reference, even the plain sum
    // pays it once (the reference's), so no method is shown better than the simplest
    const cmp = new Map(t.method.comparison.map((s) => [s.method, s]));
    expect(cmp.get('sum')!.looMape!).toBeLessThan(0.01);
    expect(cmp.get('overhead')!.looMape!).toBeLessThan(0.01);
    expect(t.method).toMatchObject({ id: 'sum', anchored: true });
    expect(t.method.why).toMatch(/paired leave-one-out test/);
    expect(parseTable(serializeTable(t))).toEqual(t);
    // sessions were interleaved: session 2 of the first workload ran after session 1 of the last
    const sessions = (await readRun(out.result.runDir)).records.filter((r) => r.kind === 'session');
    expect(sessions.slice(0, out.plan.jobs.length).every((s) => s.kind === 'session' && s.session.index === 0)).toBe(true);
  });

  it('resumes an interrupted build without measuring twice', async () => {
    undo = installFakeRunners(profilingFake());
    const ac = new AbortController();
    let seen = 0;
    const first = execution({ signal: ac.signal, onEvent: (e) => e.type === 'session' && ++seen === 30 && ac.abort() });
    const req = { device: device(), target: 'fake-prof', space: 'conv-s', sessions: 2, calibration: 3 };
    const a = await measureAndBuild(req, first);
    expect(a.table).toBeNull();
    expect(a.result.interrupted).toBe(true);
    const b = await measureAndBuild(req, execution({ runId: first.runId, resume: true }));
    expect(b.table!.entries).toHaveLength(43);
    const sessions = (await readRun(b.result.runDir)).records.filter((r) => r.kind === 'session');
    expect(sessions).toHaveLength(2 * b.plan.jobs.length);
  });
});

describe('lut validate and search through the engine', () => {
  it('validates seeded random architectures, re-measures entries for drift, predicts the MNv4 models', async () => {
    undo = installFakeRunners(profilingFake());
    const built = await measureAndBuild({ device: device(), target: 'fake-prof', space: 'conv-s', sessions: 2, calibration: 4 }, execution());
    const { report } = await measureAndValidate(
      { table: built.table!, tableFile: 't.json', device: device(), sessions: 2, n: 6, seed: 11 },
      execution(),
    );
    const r = report!;
    expect(r.archs).toHaveLength(6);
    expect(r.summary.within10).toBe(1);
    expect(r.summary.mape).toBeLessThan(0.02);
    expect(r.summary.noiseFloor).toBeGreaterThanOrEqual(0);
    expect(r.warnings).toEqual([]); // the fake host is quiet
    // 4 block entries and the 2 steadiest calibration architectures (whole networks)
    expect(r.drift.filter((d) => d.kind === 'entry')).toHaveLength(4);
    const anchors = r.drift.filter((d) => d.kind === 'arch');
    expect(anchors).toHaveLength(2);
    for (const a of anchors) expect(built.table!.archs.map((x) => x.arch)).toContain(a.key);
    for (const d of r.drift) expect(Math.abs(d.change)).toBeLessThan(0.02);
    // the fake host did not change: whole networks now vs the build ~1
    expect(r.hostState).toMatchObject({ archs: 2 });
    expect(r.hostState.ratio).toBeCloseTo(1, 1);
    expect(r.models.map((m) => m.arch)).toEqual([
      'model:conv-s@224',
      'model:conv-m@224',
      'model:conv-l@224',
      'model:hybrid-m@224',
      'model:hybrid-l@224',
    ]);
    expect(r.models.find((m) => m.arch === 'model:hybrid-m@224')!.source).toBe('table+regression');
    // every item was measured in pairs with the reference, in both orders; predictions at its median now
    expect(r.paired).toMatchObject({ units: 'reference', reference: built.table!.reference!.arch });
    expect(r.archs[0]!.predictedMs).toBeCloseTo(predictLatency(r.archs[0]!.arch, built.table!, r.paired!.referenceMsNow).medianMs, 12);
    const lines = readFileSync(path.join(tmp, r.runId, 'paired.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { first: string; item: string });
    expect(lines).toHaveLength(2 * (6 + 4 + 2 + 5));
    expect(new Set(lines.map((l) => l.first))).toEqual(new Set(['item', 'reference']));
  });

  it('refuses to validate a table on another target setting', async () => {
    undo = installFakeRunners(profilingFake());
    const built = await measureAndBuild({ device: device(), target: 'fake-prof', space: 'conv-s', sessions: 1, calibration: 2 }, execution());
    const err = await measureAndValidate(
      { table: built.table!, tableFile: 't.json', device: device(2), sessions: 1, n: 2, seed: 1 },
      execution(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/the table is for fake-prof \(threads=1.*gives fake-prof \(threads=2/);
    const moved = signTable({
      ...built.table!,
      device: { ...built.table!.device, hostname: 'elsewhere' },
      runs: built.table!.runs.map((r) => ({ ...r, hostname: 'elsewhere' })),
    });
    const err2 = await measureAndValidate({ table: moved, tableFile: 't.json', device: device(), sessions: 1, n: 2, seed: 1 }, execution()).catch(
      (e: unknown) => e,
    );
    expect(err2).toBeInstanceOf(InputError);
    expect((err2 as Error).message).toMatch(/measured on elsewhere .* a table never mixes devices/);
  });

  it('measures a list of architectures on the table target', async () => {
    undo = installFakeRunners(profilingFake());
    const built = await measureAndBuild({ device: device(), target: 'fake-prof', space: 'conv-s', sessions: 1, calibration: 2 }, execution());
    const arch = built.table!.archs[0]!.arch;
    const { measured } = await measureArchs(built.table!, [arch], { device: device(), sessions: 2 }, execution());
    expect(measured.get(arch)!.medianMs).toBeCloseTo(built.table!.archs[0]!.latency.median, 1);
  });
});
