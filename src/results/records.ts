/**
 * Builds schema records (./schema.ts) from what runners return, so every writer produces the same shape:
 * one `session` record per runner.measure call, one `measurement` record per pair once its k sessions are
 * done (combined by `combineSessions`, the ONE place that turns sessions into the figures tables show),
 * `skipped` and `error` records.
 */
import { graphCost } from '../models/cost.js';
import { sampleStandardDeviation } from 'simple-statistics';
import { computeStats, statsWarnings, summariseSessions, type SampleStats } from '../profiles/stats.js';
import type { ExternalTiming, MeasurementResult } from '../core/measurement.js';
import type { Target } from '../core/target.js';
import type { PreparedWorkload } from '../core/workload-file.js';
import { median } from '../util/median.js';
import {
  measurementKey,
  SCHEMA_VERSION,
  type ErrorRecord,
  type Figure,
  type MeasurementRecord,
  type SessionRecord,
  type SessionSummary,
  type SkippedRecord,
  type Timing,
} from './schema.js';

/** Who and where a record belongs to. */
export interface RecordScope {
  runId: string;
  deviceId: string;
}

/** Derived figures of a measurement: achieved GMAC/s and inferences/s at the median. */
export function derivedFigures(macs: number, medianMs: number): Record<string, Figure> {
  if (!(medianMs > 0)) return {};
  return {
    gmacPerSecond: { value: macs / (medianMs * 1e-3) / 1e9, unit: 'GMAC/s', provenance: 'measured' },
    inferencesPerSecond: { value: 1000 / medianMs, unit: '1/s', provenance: 'measured' },
  };
}

/** The centre of one session: its sample median (protocol), or the tool's median, else its mean (external). */
export function sessionCenter(r: MeasurementResult): { ms: number; statistic: 'median' | 'mean'; n: number } {
  if (r.protocol) return { ms: median(r.protocol.samplesMs), statistic: 'median', n: r.protocol.samplesMs.length };
  const s = r.external.summary;
  return s.medianMs !== undefined ? { ms: s.medianMs, statistic: 'median', n: s.count } : { ms: s.meanMs, statistic: 'mean', n: s.count };
}

/** External timing (no target, no CI): a relative spread of the session centres above this is a warning. */
export const SESSION_SPREAD_WARNING = 0.05;

/** A quality warning of a measurement (the stats codes of src/profiles/stats.ts plus session-level ones). */
export interface RecordWarning {
  code: string;
  message: string;
}

/** What combineSessions makes of a pair's sessions. */
export interface CombinedSessions {
  timing: Timing;
  /** the figure tables show, ms per inference. */
  medianMs: number;
  ciMedian: { method: string; lo: number; hi: number; confidence: number; relHalfWidth: number } | null;
  converged: boolean;
  /** stats of the pooled per-call samples (protocol timing); null for external timing. */
  stats: SampleStats | null;
  between: { centersMs: number[]; spreadRel: number; maxDeviationRel: number; stdevRel: number };
  /** why not converged (empty when converged). */
  reasons: string[];
  warnings: RecordWarning[];
}

/** The largest value of a load figure over the sessions (null when no session reported it). */
function worstLoad(sessions: readonly MeasurementResult[], key: 'otherLoad' | 'stealShare'): number | null {
  const v = sessions.map((s) => (s.context?.load as Record<string, number | null | undefined> | undefined)?.[key]).filter((x): x is number => typeof x === 'number');
  return v.length > 0 ? Math.max(...v) : null;
}

/**
 * Combines the independent sessions of one pair into its figures.
 *
 * Protocol timing: summariseSessions (src/profiles/stats.ts) gives the figure (the pooled median, every
 * session weighing the same), its CI (hierarchical bootstrap over sessions, then samples, widened for small
 * k), the between-session spread and the verdict (converged = every session converged AND the session
 * medians agree within the target); the percentiles and spread come from the pooled per-call samples. The
 * warnings name sessions that trended, did not warm up, or disagree, and the worst host load of any session.
 * External timing: the median of the sessions' centres, no CI (the tool gives summaries only), never
 * converged, a warning when the centres spread by more than SESSION_SPREAD_WARNING.
 */
export function combineSessions(sessions: readonly MeasurementResult[]): CombinedSessions {
  if (sessions.length === 0) throw new Error('combineSessions: no sessions');
  const external = sessions.filter((s) => s.external !== undefined).length;
  if (external !== 0 && external !== sessions.length) throw new Error('combineSessions: sessions mix protocol and external timing');
  const otherLoad = worstLoad(sessions, 'otherLoad');
  const stealShare = worstLoad(sessions, 'stealShare');
  if (external === 0) {
    const runs = sessions.map((s) => s.protocol!);
    const settings = runs[0]!.settings;
    const summary = summariseSessions(
      runs.map((r) => ({ samplesMs: r.samplesMs, converged: r.converged, stopReason: r.stopReason })),
      { targetRelHalfWidth: settings.targetRelHalfWidth, confidence: settings.confidence },
    );
    const batchSize = Math.max(...runs.map((r) => r.batchSize));
    const stats = computeStats(
      runs.flatMap((r) => r.samplesMs),
      { confidence: settings.confidence, batchSize },
    );
    const trending = runs.map((r, i) => ({ i, t: r.trend })).filter(({ t }) => t.trending);
    const worstTrend = trending.sort((a, b) => Math.abs(b.t.drift) - Math.abs(a.t.drift))[0]?.t;
    const warnings: RecordWarning[] = statsWarnings(stats, {
      converged: summary.converged,
      sessions: summary,
      timerResolutionMs: Math.max(...runs.map((r) => r.timerResolutionMs)),
      timerReadCostMs: Math.max(...runs.map((r) => r.timerReadCostMs)),
      batchSize: Math.min(...runs.map((r) => r.batchSize)),
      ...(worstTrend ? { trend: worstTrend } : {}),
      warmupSteady: runs.every((r) => r.warmupSteady),
      ...(otherLoad !== null ? { otherLoad } : {}),
      stealShare,
    });
    return {
      timing: 'protocol',
      medianMs: summary.pooledMedian,
      ciMedian: { method: summary.ci.method, lo: summary.ci.lo, hi: summary.ci.hi, confidence: summary.ci.confidence, relHalfWidth: summary.ci.relHalfWidth },
      converged: summary.converged,
      stats,
      between: { centersMs: summary.sessionMedians, spreadRel: summary.between.rangeRel, maxDeviationRel: summary.between.maxDeviationRel, stdevRel: summary.between.stdevRel },
      reasons: summary.reasons,
      warnings,
    };
  }
  const centers = sessions.map((s) => sessionCenter(s).ms);
  const centerMedian = median(centers);
  const rel = (x: number) => (centerMedian > 0 ? x / centerMedian : 0);
  const spreadRel = centers.length > 1 ? rel(Math.max(...centers) - Math.min(...centers)) : 0;
  const maxDeviationRel = rel(Math.max(...centers.map((c) => Math.abs(c - centerMedian))));
  const stdevRel = centers.length > 1 ? rel(sampleStandardDeviation(centers)) : 0;
  const warnings: RecordWarning[] = [
    { code: 'external-summary', message: `timed by ${sessions[0]!.external!.tool}, which prints summary statistics only: no per-call samples, no CI of the median` },
  ];
  if (spreadRel > SESSION_SPREAD_WARNING) {
    warnings.push({
      code: 'sessions-disagree',
      message: `the ${centers.length} sessions' centres spread by ${(spreadRel * 100).toFixed(1)}% (> ${(SESSION_SPREAD_WARNING * 100).toFixed(0)}%): the host drifted between sessions; re-run on a quieter host`,
    });
  }
  return {
    timing: 'external',
    medianMs: centerMedian,
    ciMedian: null,
    converged: false,
    stats: null,
    between: { centersMs: centers, spreadRel, maxDeviationRel, stdevRel },
    reasons: ['timed externally: summary statistics only'],
    warnings,
  };
}

function coldStartOf(r: MeasurementResult): SessionRecord['coldStart'] {
  return { unit: 'ms', provenance: 'measured', ...(r.coldStart ?? {}) };
}

function workloadRef(w: PreparedWorkload): MeasurementRecord['workload'] {
  return { id: w.id, kind: w.kind, description: w.description, macs: graphCost(w.graph).macs, ...(w.model ? { model: { ...w.model } } : {}), file: { ...w.file } };
}

/** A `session` record: one runner.measure call, raw. */
export function sessionRecord(scope: RecordScope, w: PreparedWorkload, r: MeasurementResult, at: { index: number; round: number }): SessionRecord {
  const rec: SessionRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'session',
    runId: scope.runId,
    key: measurementKey(scope.deviceId, w.id, w.file.dtype, r.target),
    recordedAt: new Date().toISOString(),
    device: { id: scope.deviceId },
    target: r.target,
    workload: workloadRef(w),
    executed: r.executed,
    session: {
      index: at.index,
      round: at.round,
      timing: r.protocol ? 'protocol' : 'external',
      unit: 'ms',
      provenance: 'measured',
      ...(r.protocol ? { run: r.protocol } : { external: r.external }),
    },
    coldStart: coldStartOf(r),
    warnings: [...r.warnings],
  };
  if (r.profile) rec.profile = { unit: 'ms', provenance: 'measured', ...r.profile };
  if (r.context) rec.context = r.context;
  return rec;
}

/** The MeasurementResult a session record was written from (to combine sessions of a resumed run). */
export function resultOfSession(rec: SessionRecord): MeasurementResult {
  const { unit: _u, provenance: _p, ...cold } = rec.coldStart;
  const base = {
    workloadId: rec.workload.id,
    target: rec.target,
    executed: rec.executed,
    warnings: [...rec.warnings],
    ...(rec.profile ? { profile: (({ unit: _a, provenance: _b, ...p }) => p)(rec.profile) } : {}),
    ...(rec.context ? { context: rec.context } : {}),
  };
  if (rec.session.run) {
    if (cold.sessionCreateMs === undefined || cold.firstInferenceMs === undefined) throw new Error(`session record ${rec.key} #${rec.session.index}: protocol session without cold-start figures`);
    return { ...base, protocol: rec.session.run, coldStart: { ...cold, sessionCreateMs: cold.sessionCreateMs, firstInferenceMs: cold.firstInferenceMs } };
  }
  if (!rec.session.external) throw new Error(`session record ${rec.key} #${rec.session.index}: neither protocol run nor external timing`);
  return { ...base, external: rec.session.external as ExternalTiming, coldStart: cold };
}

function sessionSummary(rec: SessionRecord): SessionSummary {
  const r = resultOfSession(rec);
  const c = sessionCenter(r);
  const run = rec.session.run;
  return {
    index: rec.session.index,
    round: rec.session.round,
    timing: rec.session.timing,
    centerMs: c.ms,
    centerStatistic: c.statistic,
    n: c.n,
    converged: run ? run.converged : null,
    stopReason: run ? run.stopReason : null,
    batchSize: run ? run.batchSize : null,
    timerResolutionMs: run ? run.timerResolutionMs : null,
    clock: run ? run.clock : null,
    ...(run ? { samples: { warmup: run.warmupMs, pilot: run.pilotMs, values: run.samplesMs } } : {}),
    ...(rec.session.external ? { external: rec.session.external } : {}),
    coldStart: rec.coldStart,
    recordedAt: rec.recordedAt,
  };
}

/**
 * A `measurement` record from the k session records of one pair (in session order): the sessions combined
 * (combineSessions), each session's samples and centre kept, runner warnings of every session kept (code
 * 'runner', prefixed with the session when k > 1).
 */
export function measurementRecord(scope: RecordScope, w: PreparedWorkload, sessions: readonly SessionRecord[], protocolName: string): MeasurementRecord {
  if (sessions.length === 0) throw new Error(`measurementRecord: ${w.id} has no sessions`);
  const ordered = [...sessions].sort((a, b) => a.session.index - b.session.index);
  const results = ordered.map(resultOfSession);
  const combined = combineSessions(results);
  const last = ordered[ordered.length - 1]!;
  const runnerWarnings = ordered.flatMap((s) => s.warnings.map((message) => ({ code: 'runner', message: ordered.length > 1 ? `session ${s.session.index + 1}: ${message}` : message })));
  const backends = new Set(ordered.map((s) => `${s.executed.runtime} ${s.executed.runtimeVersion} ${s.executed.provider ?? s.executed.backend}`));
  if (backends.size > 1) runnerWarnings.push({ code: 'sessions-executed-differently', message: `sessions ran on different backends: ${[...backends].join(' / ')}` });
  const workload = workloadRef(w);
  const rec: MeasurementRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'measurement',
    runId: scope.runId,
    key: measurementKey(scope.deviceId, w.id, w.file.dtype, last.target),
    recordedAt: new Date().toISOString(),
    device: { id: scope.deviceId },
    target: last.target,
    workload,
    executed: last.executed,
    timing: combined.timing,
    protocol: { name: protocolName, sessions: ordered.length },
    latency: {
      unit: 'ms',
      provenance: 'measured',
      medianMs: combined.medianMs,
      ciMedian: combined.ciMedian,
      converged: combined.converged,
      notConverged: combined.reasons,
      stats: combined.stats,
      between: combined.between,
    },
    sessions: ordered.map(sessionSummary),
    coldStart: ordered[0]!.coldStart,
    derived: derivedFigures(workload.macs, combined.medianMs),
    warnings: [...combined.warnings, ...runnerWarnings],
  };
  const profiled = ordered.find((s) => s.profile);
  if (profiled?.profile) rec.profile = profiled.profile;
  if (last.context) rec.context = last.context;
  return rec;
}

/** The fields every record of a pair that has no measurement starts with. */
function unmeasuredHead(scope: RecordScope, workloadId: string, dtype: string, target: Target) {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: scope.runId,
    key: measurementKey(scope.deviceId, workloadId, dtype, target),
    recordedAt: new Date().toISOString(),
    device: { id: scope.deviceId },
    target,
    workload: { id: workloadId },
    dtype,
  };
}

/** An `error` record for a pair that failed (in session `sessionIndex` when known); resume tries it again. */
export function errorRecord(scope: RecordScope, workloadId: string, dtype: string, target: Target, err: unknown, sessionIndex?: number): ErrorRecord {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    ...unmeasuredHead(scope, workloadId, dtype, target),
    kind: 'error',
    ...(sessionIndex !== undefined ? { sessionIndex } : {}),
    error: { name: e.name, message: e.message },
  };
}

/** A `skipped` record: a pair that was not measured, and why; resume considers it again. */
export function skippedRecord(scope: RecordScope, workloadId: string, dtype: string, target: Target, reason: string): SkippedRecord {
  return { ...unmeasuredHead(scope, workloadId, dtype, target), kind: 'skipped', reason };
}
