/** Lookup tables of the hybrid spaces: MQA entries with their per-op profile, the hybrid models from entries. */
import { describe, expect, it } from 'vitest';
import { exportCsv, exportOfa, exportTunas } from '../../../src/lut/export.js';
import { compileTable, predictGraph, predictLatency } from '../../../src/lut/predict.js';
import { searchFrontier } from '../../../src/lut/search.js';
import { lowerModel } from '../../../src/models/graph.js';
import { getModel } from '../../../src/models/registry.js';
import { encodeArch, sampleArch } from '../../../src/models/search-space.js';
import { fixtureTable, trueArchMs } from '../../helpers/lut-fixture.js';

describe('hybrid-space tables', () => {
  for (const id of ['hybrid-m', 'hybrid-l']) {
    it(`${id}: MQA entries carry their per-op profile; the model is predicted from entries alone`, () => {
      const t = fixtureTable({ spaceId: id, reference: true, profiles: true, calibration: 10 });
      const mqa = t.entries.filter((e) => e.op === 'mqa');
      expect(mqa.length).toBeGreaterThanOrEqual(4); // kv1 and kv2 in two stages
      expect(new Set(mqa.map((e) => e.key.match(/kv(\d)/)![1]))).toEqual(new Set(['1', '2']));
      for (const e of mqa) expect(e.ops!.layers.map((l) => l.layer)).toEqual(expect.arrayContaining(['q', 'k', 'v', 'attn', 'out']));
      expect(t.entries.some((e) => e.op === 'identity')).toBe(true);
      const c = compileTable(t);
      const p = predictGraph(lowerModel(getModel(id), t.space.resolution), c);
      expect(p.source).toBe('table');
      expect(p.regressionConfigs).toEqual([]);
      // the model is the space's reference: predicted as exactly its measured median
      expect(p.medianMs).toBeCloseTo(t.reference!.latency.median, 9);
      const v = sampleArch(c.index.space, 9);
      const a = predictLatency(encodeArch(c.index.space, v), c);
      expect(Math.abs(a.medianMs / trueArchMs(c.index, v) - 1)).toBeLessThan(0.02);
    });
  }

  it('exports and searches a hybrid table', () => {
    const t = fixtureTable({ spaceId: 'hybrid-m', reference: true, calibration: 6 });
    expect(exportCsv(t)).toMatch(/mqa\(h4,kd64,vd64,kv2/);
    expect(Object.keys(exportOfa(t).table).length).toBe(t.entries.length + 1);
    expect(exportTunas(t, { trainArchs: 300, heldOutArchs: 50 }).weights.length).toBe(compileTable(t).index.space.positions.length);
    const r = searchFrontier(t, { budgetMs: t.reference!.latency.median, evaluations: 400, seed: 1 });
    expect(r.frontier.length).toBeGreaterThan(0);
    expect(r.frontier.every((f) => f.predictedMs <= t.reference!.latency.median)).toBe(true);
  });
});
