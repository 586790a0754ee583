/**
 * `lut transfer` through the engine with two fake targets: the source (latency from MACs) and a new one whose
 * depthwise convolutions are 3x slower and 1x1 convolutions 1.5x faster (per-op costs that differ), plus a
 * larger per-graph cost. Deterministic; no real timing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { graphLayerCosts } from '../../../src/models/cost.js';
import { LutError } from '../../../src/lut/errors.js';
import { measureAndBuild, measureAndValidate, type LutExecution } from '../../../src/lut/measure.js';
import { parseTable, serializeTable } from '../../../src/lut/schema.js';
import { spaceIndex } from '../../../src/lut/space-index.js';
import { planTransfer } from '../../../src/lut/transfer.js';
import { measureAndTransfer } from '../../../src/lut/transfer-measure.js';
import { referenceArch } from '../../../src/lut/units.js';
import { parseDeviceProfile } from '../../../src/profiles/device.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import type { Runner } from '../../../src/runners/types.js';
import { cacheSandbox } from '../../helpers/cache-sandbox.js';
import { createFakeRunner, fakeLatencyMs, fakePrepare, installFakeRunners } from '../../helpers/fake-runner.js';
import { fixtureTable } from '../../helpers/lut-fixture.js';

const tmp = cacheSandbox('mnv4-lut-transfer-');
let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
  clearTargetsMemoryCache();
});

/** The new target: per-layer costs by op class, a larger per-graph cost; the fake's jitter kept. */
function otherTarget(): Runner {
  const base = createFakeRunner({ id: 'fake-b' });
  const model = (w: Parameters<typeof fakeLatencyMs>[0]): number =>
    0.12 +
    graphLayerCosts(w.graph).reduce((a, c) => {
      const layer = w.graph.layers.find((l) => l.name === c.layer)!;
      const dw = layer.op.kind === 'conv' && layer.op.groups > 1;
      const pw = layer.op.kind === 'conv' && layer.op.kernel === 1;
      return a + (c.macs / 1e9) * 20 * (dw ? 3 : pw ? 1 / 1.5 : 1);
    }, 0);
  return {
    ...base,
    async measure(w, protocol, settings, ctx, options) {
      const r = await base.measure(w, protocol, settings, ctx, options);
      const f = model(w) / fakeLatencyMs(w);
      return { ...r, protocol: { ...r.protocol!, samplesMs: r.protocol!.samplesMs.map((s) => s * f) } } as typeof r;
    },
  };
}

const device = parseDeviceProfile(
  JSON.stringify({
    schemaVersion: 1,
    id: 'fakedev',
    name: 'Fake device',
    connection: { kind: 'local' },
    preset: 'quick',
    workloads: ['conv-s'],
    targets: [
      { target: 'fake-cpu', dtype: 'fp32' },
      { target: 'fake-b', dtype: 'fp32' },
    ],
  }),
  'fakedev.json',
);

let counter = 0;
const execution = (): LutExecution => ({ outDir: tmp, runId: `x-${++counter}`, resume: false, prepare: fakePrepare, command: ['test'] });

describe('lut transfer', () => {
  it('measures at most the budget, chosen per op class, and validates on the new target like a full build', async () => {
    undo = installFakeRunners(createFakeRunner({ id: 'fake-cpu' }), otherTarget());
    const src = (await measureAndBuild({ device, target: 'fake-cpu', space: 'conv-s', sessions: 2, calibration: 4 }, execution())).table!;
    const r = await measureAndTransfer({ source: src, sourceFile: 'src.json', budget: 12, device, target: 'fake-b', sessions: 2 }, execution());
    const t = r.table!;
    expect(parseTable(serializeTable(t))).toEqual(t);
    expect(t.target.id).toBe('fake-b');
    expect(t.transfer!.from).toMatchObject({ file: 'src.json', target: { id: 'fake-cpu' }, digest: src.integrity.digest });
    expect(t.transfer!.measured.length).toBeLessThanOrEqual(12);
    expect(t.transfer!.measured[0]).toMatchObject({ kind: 'reference', workload: `arch:${referenceArch(spaceIndex('conv-s'))}` });
    // the factors found what changed: depthwise slower than the reference, 1x1 faster
    expect(t.transfer!.factors['dw3x3']!).toBeGreaterThan(1.3);
    expect(t.transfer!.factors['conv1x1']!).toBeLessThan(0.9);
    const measured = t.entries.filter((e) => e.latency.provenance === 'measured');
    expect(measured.length).toBe(t.transfer!.measured.filter((m) => m.kind === 'block').length);
    expect(t.entries.length).toBe(src.entries.length);
    const { report } = await measureAndValidate({ table: t, tableFile: 't.json', device, sessions: 2, n: 8, seed: 5, models: false }, execution());
    expect(report!.summary.within5).toBe(1);
  });

  it('refuses a budget that cannot cover the op classes, saying how many it needs', () => {
    const src = fakeSourceTable();
    const index = spaceIndex('conv-s');
    const err = (() => {
      try {
        planTransfer(src, index, 2, referenceArch(index));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LutError);
    expect((err as Error).message).toMatch(/--budget 2 cannot cover the op classes .*dw3x3.*: it needs at least \d+/);
  });

  it('refuses a transfer between spaces or resolutions, or to the same target', async () => {
    const source = fakeSourceTable();
    const base = { source, sourceFile: 's.json', budget: 20, device, sessions: 1 };
    await expect(measureAndTransfer({ ...base, target: 'fake-b', space: 'conv-m' }, execution())).rejects.toThrow(/cannot transfer between spaces/);
    await expect(measureAndTransfer({ ...base, target: 'fake-b', resolution: 256 }, execution())).rejects.toThrow(
      /cannot transfer between resolutions/,
    );
    await expect(measureAndTransfer({ ...base, target: 'ort-cpu' }, execution())).rejects.toThrow(/already for ort-cpu fp32/);
  });
});

function fakeSourceTable() {
  return fixtureTable({ spaceId: 'conv-s', reference: true, calibration: 4 });
}
