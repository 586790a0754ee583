/**
 * `lut compare SIMULATED MEASURED`: where a simulated table (device model) was wrong, once the same space has
 * been measured on the device. Per block configuration: simulated / measured - 1; per block type: the median
 * error; per architecture: both tables' predictions of the same seeded architectures (the ranking a NAS
 * relies on), and the measured table's own end-to-end architectures against the simulated prediction.
 */
import { sampleArch, encodeArch } from '../models/search-space.js';
import { spearman } from '../profiles/roofline.js';
import { median } from '../util/median.js';
import { LutError } from './errors.js';
import { compileTable, predictLatency } from './predict.js';
import type { LutTable } from './schema.js';

export interface SimCompareEntry {
  key: string;
  op: string;
  stage: string;
  simulatedMs: number;
  measuredMs: number;
  /** simulated / measured - 1. */
  error: number;
}

export interface SimCompareReport {
  space: string;
  resolution: number;
  simulated: { device: string; target: string; column: string | null };
  measured: { device: string; target: string };
  provenance: { simulated: 'simulated'; measured: 'measured'; predictions: 'estimated' };
  entries: { n: number; mape: number; medianError: number; spearman: number | null; worst: SimCompareEntry[] };
  byOp: { op: string; n: number; medianError: number; mape: number }[];
  archs: { n: number; seed: number; mape: number; spearman: number | null };
  /** the measured table's end-to-end architectures against the simulated table's prediction. */
  measuredArchs: { arch: string; simulatedMs: number; measuredMs: number; error: number }[];
}

export const mapeOf = (errs: readonly number[]): number => errs.reduce((s, e) => s + Math.abs(e), 0) / Math.max(1, errs.length);

export function compareSimulated(sim: LutTable, meas: LutTable, o: { archs?: number; seed?: number; worst?: number } = {}): SimCompareReport {
  if (sim.provenance !== 'simulated') throw new LutError('the first table of lut compare must be a simulated one (lut build --simulate)');
  if ((meas.provenance ?? 'measured') !== 'measured')
    throw new LutError('the second table of lut compare must be a measured one (lut build on the device)');
  if (sim.space.id !== meas.space.id || sim.space.resolution !== meas.space.resolution)
    throw new LutError(
      `the tables are of different spaces: ${sim.space.id}@${sim.space.resolution} (simulated) vs ${meas.space.id}@${meas.space.resolution} (measured)`,
    );
  const byKey = new Map(meas.entries.map((e) => [e.key, e]));
  const rows: SimCompareEntry[] = sim.entries.flatMap((e) => {
    const m = byKey.get(e.key);
    return m
      ? [
          {
            key: e.key,
            op: e.op,
            stage: e.stage,
            simulatedMs: e.latency.median,
            measuredMs: m.latency.median,
            error: e.latency.median / m.latency.median - 1,
          },
        ]
      : [];
  });
  if (rows.length === 0) throw new LutError('the tables share no block configuration: nothing to compare');
  const ops = [...new Set(rows.map((r) => r.op))];
  const cs = compileTable(sim);
  const cm = compileTable(meas);
  const seed = o.seed ?? 1;
  const n = o.archs ?? 50;
  const archTexts = Array.from({ length: n }, (_, i) => encodeArch(cs.index.space, sampleArch(cs.index.space, seed + i)));
  const ps = archTexts.map((a) => predictLatency(a, cs).medianMs);
  const pm = archTexts.map((a) => predictLatency(a, cm).medianMs);
  return {
    space: sim.space.id,
    resolution: sim.space.resolution,
    simulated: { device: sim.device.id, target: sim.target.id, column: typeof sim.simulation?.column === 'string' ? sim.simulation.column : null },
    measured: { device: meas.device.id, target: meas.target.id },
    provenance: { simulated: 'simulated', measured: 'measured', predictions: 'estimated' },
    entries: {
      n: rows.length,
      mape: mapeOf(rows.map((r) => r.error)),
      medianError: median(rows.map((r) => r.error)),
      spearman:
        rows.length >= 3
          ? spearman(
              rows.map((r) => r.simulatedMs),
              rows.map((r) => r.measuredMs),
            )
          : null,
      worst: [...rows].sort((a, b) => Math.abs(b.error) - Math.abs(a.error)).slice(0, o.worst ?? 8),
    },
    byOp: ops.map((op) => {
      const errs = rows.filter((r) => r.op === op).map((r) => r.error);
      return { op, n: errs.length, medianError: median(errs), mape: mapeOf(errs) };
    }),
    archs: { n, seed, mape: mapeOf(ps.map((p, i) => p / pm[i]! - 1)), spearman: n >= 3 ? spearman(ps, pm) : null },
    measuredArchs: meas.archs.map((a) => {
      const s = predictLatency(a.arch, cs).medianMs;
      return { arch: a.arch, simulatedMs: s, measuredMs: a.latency.median, error: s / a.latency.median - 1 };
    }),
  };
}
