/**
 * Builds schema records (./schema.ts) from what runners return, so every writer produces the same shape.
 */
import { graphCost } from '../models/cost.js';
import { summariseRun, type SampleStats, type StatsWarning } from '../profiles/stats.js';
import { protocolRunOf, type MeasurementResult, type PreparedWorkload, type Target } from '../runners/types.js';
import { measurementKey, SCHEMA_VERSION, type ErrorRecord, type Figure, type MeasurementRecord } from './schema.js';

/** Derived figures of a measurement: achieved GMAC/s and inferences/s at the median. */
export function derivedFigures(macs: number, medianMs: number): Record<string, Figure> {
  if (!(medianMs > 0)) return {};
  return {
    gmacPerSecond: { value: macs / (medianMs * 1e-3) / 1e9, unit: 'GMAC/s', provenance: 'measured' },
    inferencesPerSecond: { value: 1000 / medianMs, unit: '1/s', provenance: 'measured' },
  };
}

/**
 * A `measurement` record: stats + warnings computed here from the raw samples (stats.ts), runner warnings
 * kept (code 'runner').
 */
export function measurementRecord(runId: string, w: PreparedWorkload, r: MeasurementResult, opts: { stats?: SampleStats; warnings?: StatsWarning[] } = {}): MeasurementRecord {
  const load = r.context?.load as { otherLoad?: number; stealShare?: number | null } | undefined;
  const summary = opts.stats ? { stats: opts.stats, warnings: opts.warnings ?? [] } : summariseRun(protocolRunOf(r), { otherLoad: load?.otherLoad, stealShare: load?.stealShare });
  const macs = graphCost(w.graph).macs;
  const p = protocolRunOf(r);
  const coldStart = r.coldStart as Required<Pick<typeof r, 'coldStart'>>['coldStart'] & { sessionCreateMs: number; firstInferenceMs: number };
  const rec: MeasurementRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'measurement',
    runId,
    key: measurementKey(w.id, w.file.dtype, r.target),
    recordedAt: new Date().toISOString(),
    workload: { id: w.id, kind: w.kind, description: w.description, macs, file: { ...w.file } },
    target: r.target,
    executed: r.executed,
    protocol: {
      name: p.settings.name,
      clock: p.clock,
      timerResolutionMs: p.timerResolutionMs,
      batchSize: p.batchSize,
      converged: p.converged,
      stopReason: p.stopReason,
      timerReadCostMs: p.timerReadCostMs,
      warmupSteady: p.warmupSteady,
      pilotSamples: p.pilotMs.length,
      plannedSamples: p.plannedSamples,
      trend: { z: p.trend.z, p: p.trend.p, drift: p.trend.drift, trending: p.trend.trending },
      samplingMs: p.samplingMs,
      totalMs: p.totalMs,
      totalCalls: p.totalCalls,
    },
    latency: { unit: 'ms', provenance: 'measured', stats: summary.stats },
    coldStart: { unit: 'ms', provenance: 'measured', ...coldStart },
    samples: { unit: 'ms', provenance: 'measured', warmup: p.warmupMs, pilot: p.pilotMs, values: p.samplesMs },
    derived: derivedFigures(macs, summary.stats.median),
    warnings: [...summary.warnings, ...r.warnings.map((message) => ({ code: 'runner', message }))],
  };
  if (r.profile) rec.profile = { unit: 'ms', provenance: 'measured', ...r.profile };
  if (r.context) rec.context = r.context;
  return rec;
}

/** An `error` record for a (workload, target) that failed; its key is not "finished", so resume retries it. */
export function errorRecord(runId: string, workloadId: string, dtype: string, target: Target, err: unknown): ErrorRecord {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'error',
    runId,
    key: measurementKey(workloadId, dtype, target),
    recordedAt: new Date().toISOString(),
    workload: { id: workloadId },
    target,
    error: { name: e.name, message: e.message },
  };
}
