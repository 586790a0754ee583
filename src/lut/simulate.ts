/**
 * Simulated latency tables: `lut build --device D --simulate --space S` fills a table from the device model
 * (src/profiles/device-model*.ts) fitted to the paper's published Table 6 column of D, so a NAS can search a
 * phone nobody has plugged in. Every figure carries `provenance: 'simulated'`, the table too; the predictor,
 * `lut search` and the exports read it like a measured one. A table measured later on the phone replaces it,
 * and `lut compare SIMULATED MEASURED` shows where the simulation was wrong.
 *
 * Each entry is what the device model says the block costs when run alone: the per-inference floor plus the
 * block's own terms. Each identity graph (the `overhead` correction's input) costs the floor, so the
 * `overhead` method gives floor + sum of blocks: the device model's figure for the whole network.
 */
import type { DeviceProfile } from '../profiles/device.js';
import { fitDeviceModel, type DeviceModelColumnReport } from '../profiles/device-model-fit.js';
import { DEVICE_MODEL_METHOD, simulateWithDeviceModel } from '../profiles/device-model-simulate.js';
import { blockWorkload } from '../models/workload.js';
import { DEVICE_COLUMN_INFO, type DeviceColumn } from '../models/published.js';
import { LutError } from './errors.js';
import { configFields, identityShapes } from './build.js';
import { pointLatency, signTable, type Latency, type LutEntry, type LutTable, type UnsignedTable } from './schema.js';
import { spaceIndex, type IndexedConfig } from './space-index.js';

export interface SimulateTableInputs {
  device: DeviceProfile;
  space: string;
  /** pick the device's target of this id when it has several published columns. */
  target?: string;
  resolution?: number;
  createdAt?: string;
}

/** The device target whose Table 6 column the table simulates (one only; several need --target). */
export function simulatedTarget(device: DeviceProfile, targetId?: string): DeviceProfile['targets'][number] & { publishedColumn: DeviceColumn } {
  const withColumn = device.targets.filter((t): t is typeof t & { publishedColumn: DeviceColumn } => t.publishedColumn !== undefined);
  const pick = targetId === undefined ? withColumn : withColumn.filter((t) => t.target === targetId);
  if (pick.length === 1) return pick[0]!;
  if (withColumn.length === 0)
    throw new LutError(
      `device ${device.id} has no target with a published Table 6 column ("publishedColumn"): there is nothing to fit a simulation to`,
    );
  throw new LutError(
    `device ${device.id} has ${pick.length === 0 ? 'no such target with a Table 6 column' : 'several targets with a Table 6 column'}: give --target ${withColumn.map((t) => t.target).join(' | ')}`,
  );
}

const simLatency = (ms: number): Latency => pointLatency(ms, 'simulated');

function entryOf(c: IndexedConfig, ms: number): LutEntry {
  return {
    ...configFields(c),
    workloadId: blockWorkload(c.spec, c.inShape).id,
    latency: simLatency(ms),
  };
}

/** Relative RMS of the device model's leave-one-out errors: the simulated table's own model uncertainty. */
function looRelRmse(r: DeviceModelColumnReport): number | null {
  const errs = r.leaveOneOut.points.flatMap((p) => (p.deviceModel === null ? [] : [p.deviceModel / p.published.value - 1]));
  return errs.length ? Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length) : null;
}

/** Builds a signed simulated table. Throws UncostableOpError (exit 2) naming an op the column cannot cost. */
export function buildSimulatedTable(inp: SimulateTableInputs): LutTable {
  const target = simulatedTarget(inp.device, inp.target);
  const column = target.publishedColumn;
  const fit = fitDeviceModel(column);
  const index = spaceIndex(inp.space, inp.resolution);
  const floor = fit.model.coefficients[0]!;
  // floor included: what the block would cost run alone on the device
  const entries = index.configs.map((c) => entryOf(c, simulateWithDeviceModel(blockWorkload(c.spec, c.inShape).graph, fit.model).latency.value));
  const overhead = identityShapes(index).map((shape) => {
    const key = `identity()@${shape.join('x')}`;
    return { key, shape, workloadId: `block:${key}`, latency: simLatency(floor) };
  });
  const loo = fit.leaveOneOut;
  const draft: UnsignedTable = {
    kind: 'mnv4-bench-lut',
    schemaVersion: 1,
    createdAt: inp.createdAt ?? new Date().toISOString(),
    space: { id: index.space.id, resolution: index.resolution, fingerprint: index.fingerprint },
    device: { id: inp.device.id, hostname: 'simulated', cpu: 'simulated' },
    target: { id: target.target, runner: 'device-model', backend: column, settings: target.settings },
    dtype: DEVICE_COLUMN_INFO[column].precision,
    format: 'tflite',
    protocol: 'simulated',
    sessions: 1,
    provenance: 'simulated',
    simulation: {
      column,
      label: fit.label,
      method: `${DEVICE_MODEL_METHOD} fitted to the published ${fit.label} column of arXiv 2404.10518 Table 6`,
      ridgePoint: fit.ridgePoint,
      estimates: fit.estimates,
      onChipMemory: fit.onChipMemory,
      leaveOneOut: { n: loo.deviceModel.n, spearman: loo.deviceModel.spearman, mape: loo.deviceModel.mape },
      macCountLeaveOneOut: { spearman: loo.macs.spearman, mape: loo.macs.mape },
      rooflineLeaveOneOut: { spearman: loo.roofline.spearman, mape: loo.roofline.mape },
    },
    runs: [],
    entries,
    overhead,
    archs: [],
    method: { id: 'overhead', chosenBy: 'requested', noiseFloor: null, looRelRmse: looRelRmse(fit), comparison: [] },
  };
  return signTable(draft);
}

/** `lut validate` compares a table with measurements on its target: a simulated table is not one. */
export function assertMeasuredTable(t: LutTable, file: string, doing: string): void {
  if (t.provenance === 'simulated')
    throw new LutError(
      `${file} is a SIMULATED table (device model, provenance: simulated), not a measured one: ${doing} needs a table measured with 'mnv4-bench lut build --device ${t.device.id} --target ${t.target.id}'; to see where the simulation is wrong, build that table on the device and run 'mnv4-bench lut compare ${file} MEASURED'`,
    );
}
