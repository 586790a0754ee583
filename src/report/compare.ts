/**
 * Comparison of two runs: per workload x target (same measurement key in both), the change of the median,
 * whether it is significant, and the noise floor of each run.
 *
 * The test (two-sided, alpha 0.05):
 * - units: the centres of independent sessions when both records have at least 3; otherwise the per-call
 *   samples pooled, with a note (samples of one session are not independent, so the p-value is optimistic);
 * - Mann-Whitney U on those units (exact for small sets). When the sizes cannot reach alpha at all (3 vs 3
 *   sessions: the smallest two-sided p is 0.1), the 95% CI of the relative change decides instead:
 *   significant when it excludes 0; the row says so. With sessions, that CI is built like a record's own
 *   (significance.ts hierarchicalBootstrapChange: within-session bootstrap part, between-session part
 *   widened for few sessions with Welch's t), or Welch's t on the log session centres when they have no
 *   samples; with per-call samples, a plain percentile bootstrap.
 * A row is a regression when the change is significant and above +threshold (slower), an improvement when
 * significant and below -threshold. `compare` exits 1 when any regression is found.
 *
 * When both records hold the ratio to the same co-measured reference (src/profiles/paired.ts), the ratio is
 * compared instead (compareRatios): a host that got slower between the runs moves the absolute figures of the
 * workload and the reference alike, and that is named as the host's change, not called a regression.
 *
 * Noise floor of a record: the relative spread of its session centres ((max - min) / median) when it has
 * two or more sessions, else the relative half-width of its CI of the median (the larger side). A run's
 * noise floor is the median over its records.
 */
import { bootstrapRelativeChange, hierarchicalBootstrapChange, mannWhitney, median, welchLogChange } from './significance.js';
import type { MeasurementView, RunView } from './views.js';

export const DEFAULT_THRESHOLD = 0.03;
export const DEFAULT_ALPHA = 0.05;
export const MIN_SESSIONS = 3;

export type ChangeStatus = 'regression' | 'improvement' | 'within-threshold' | 'no-significant-change' | 'only-in-a' | 'only-in-b';

export interface CompareRow {
  key: string;
  workloadId: string;
  targetLabel: string;
  device: string;
  provenance: string;
  medianA: number | null;
  medianB: number | null;
  /** relative change of the median, B / A - 1. */
  change: number | null;
  /** bootstrap CI of the change. */
  changeLo: number | null;
  changeHi: number | null;
  units: 'sessions' | 'samples' | null;
  nA: number;
  nB: number;
  test: 'mann-whitney' | 'bootstrap' | null;
  p: number | null;
  significant: boolean;
  noiseA: number | null;
  noiseB: number | null;
  status: ChangeStatus;
  notes: string[];
  /**
   * what `change` is the change of: 'ratio' = the ratio to the reference co-measured in both runs (the host's
   * drift cancels in it); 'absolute' = the median latency. Absent = 'absolute'.
   */
  basis?: 'ratio' | 'absolute';
  /** with basis 'ratio': the change of the absolute medians, and of the reference's own median (the host). */
  absoluteChange?: number;
  hostChange?: number;
}

export interface CompareResult {
  runA: { runId: string; device: string; createdAt: string; noiseFloor: number | null };
  runB: { runId: string; device: string; createdAt: string; noiseFloor: number | null };
  threshold: number;
  alpha: number;
  rows: CompareRow[];
  regressions: number;
  improvements: number;
  notes: string[];
}

/** Relative noise of one record (see the module comment); null when it has neither sessions nor a CI. */
/** What a change is: not significant, or a regression / improvement beyond the threshold, or within it. */
function changeStatus(significant: boolean, change: number, threshold: number): ChangeStatus {
  if (!significant) return 'no-significant-change';
  if (change > threshold) return 'regression';
  return change < -threshold ? 'improvement' : 'within-threshold';
}

export function noiseOf(m: MeasurementView): number | null {
  if (m.sessionMedians.length >= 2) return m.sessionSpread;
  if (m.ci && m.medianMs > 0) return Math.max(m.ci.hi - m.medianMs, m.medianMs - m.ci.lo) / m.medianMs;
  return null;
}

function runNoise(r: RunView): number | null {
  const v = r.measurements.map(noiseOf).filter((x): x is number => x !== null);
  return v.length ? median(v) : null;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * The test of the module comment on prepared units (session centres, or samples) and the CI of the change:
 * Mann-Whitney, or the CI where the sizes cannot reach `alpha` (`test: 'bootstrap'`, its name in the result
 * schema, also when the CI is Welch's t).
 */
export function decideChange(
  unitsA: readonly number[],
  unitsB: readonly number[],
  boot: { lo: number; hi: number },
  alpha = DEFAULT_ALPHA,
): { test: 'mann-whitney' | 'bootstrap'; p: number; significant: boolean; minAttainableP: number } {
  const mw = mannWhitney(unitsA, unitsB);
  if (mw.minAttainableP >= alpha) return { test: 'bootstrap', p: mw.p, significant: boot.lo > 0 || boot.hi < 0, minAttainableP: mw.minAttainableP };
  return { test: 'mann-whitney', p: mw.p, significant: mw.p < alpha, minAttainableP: mw.minAttainableP };
}

/**
 * Both records hold the ratio to the same co-measured reference, with its pairs: the change of the ratio decides
 * (its CI: hierarchicalBootstrapChange over the sessions' pair ratios; significant when it excludes 0), and a
 * move of the absolute figure that the reference shared is named as the host's, not the workload's.
 */
function compareRatios(a: MeasurementView, b: MeasurementView, threshold: number): CompareRow | null {
  const ra = a.relative;
  const rb = b.relative;
  if (!ra || !rb || ra.referenceId !== rb.referenceId) return null;
  const pa = ra.sessionPairRatios.filter((s) => s.length > 0);
  const pb = rb.sessionPairRatios.filter((s) => s.length > 0);
  if (pa.length < 2 || pb.length < 2) return null;
  const boot = hierarchicalBootstrapChange(pa, pb);
  const change = rb.ratio / ra.ratio - 1;
  const significant = boot.lo > 0 || boot.hi < 0;
  const status = changeStatus(significant, change, threshold);
  const absoluteChange = b.medianMs / a.medianMs - 1;
  const hostChange = rb.referenceMs / ra.referenceMs - 1;
  const notes = [`compared as the ratio to ${ra.referenceId}, co-measured in every session of both runs`];
  if (Math.abs(absoluteChange) > threshold && status !== 'regression' && status !== 'improvement')
    notes.push(
      `${a.workloadId} on ${a.targetLabel}: the absolute median moved ${pct(absoluteChange)} with the host (the reference moved ${pct(hostChange)}); its ratio to the reference did not change beyond the threshold: not a change of the workload`,
    );
  return {
    key: a.key,
    workloadId: a.workloadId,
    targetLabel: a.targetLabel,
    device: a.device,
    provenance: a.provenance === b.provenance ? a.provenance : `${a.provenance} vs ${b.provenance}`,
    medianA: a.medianMs,
    medianB: b.medianMs,
    change,
    changeLo: boot.lo,
    changeHi: boot.hi,
    units: 'sessions',
    nA: pa.length,
    nB: pb.length,
    test: 'bootstrap',
    p: null,
    significant,
    noiseA: ra.ci.relHalfWidth,
    noiseB: rb.ci.relHalfWidth,
    status,
    notes,
    basis: 'ratio',
    absoluteChange,
    hostChange,
  };
}

/** Compares one pair of records (by the ratio to their co-measured reference when both hold it). */
export function compareMeasurements(a: MeasurementView, b: MeasurementView, threshold = DEFAULT_THRESHOLD, alpha = DEFAULT_ALPHA): CompareRow {
  const byRatio = compareRatios(a, b, threshold);
  if (byRatio) return byRatio;
  const notes: string[] = [];
  const sessions = a.sessionMedians.length >= MIN_SESSIONS && b.sessionMedians.length >= MIN_SESSIONS;
  const unitsA = sessions ? a.sessionMedians : a.samples;
  const unitsB = sessions ? b.sessionMedians : b.samples;
  if (!sessions) {
    const fewer = a.sessionMedians.length < MIN_SESSIONS ? a : b;
    notes.push(
      `${fewer === a ? 'A' : 'B'} has ${fewer.sessionMedians.length} independent session${fewer.sessionMedians.length === 1 ? '' : 's'} (< ${MIN_SESSIONS}): tested on per-call samples, which are not independent, so the p-value is optimistic`,
    );
  }
  const base: Omit<CompareRow, 'change' | 'changeLo' | 'changeHi' | 'units' | 'nA' | 'nB' | 'test' | 'p' | 'significant' | 'status'> = {
    key: a.key,
    workloadId: a.workloadId,
    targetLabel: a.targetLabel,
    device: a.device,
    provenance: a.provenance === b.provenance ? a.provenance : `${a.provenance} vs ${b.provenance}`,
    medianA: a.medianMs,
    medianB: b.medianMs,
    noiseA: noiseOf(a),
    noiseB: noiseOf(b),
    notes,
  };
  if (a.provenance !== b.provenance) notes.push('one side is simulated: the change is not a measured one');
  const change = b.medianMs / a.medianMs - 1;
  if (unitsA.length < 2 || unitsB.length < 2) {
    notes.push('not enough independent data for a test (an externally timed summary with fewer than 3 sessions?)');
    return {
      ...base,
      change,
      changeLo: null,
      changeHi: null,
      units: null,
      nA: unitsA.length,
      nB: unitsB.length,
      test: null,
      p: null,
      significant: false,
      status: 'no-significant-change',
    };
  }
  const withSamples = (m: MeasurementView): boolean => m.sessionSamples.length > 0 && m.sessionSamples.every((s) => s.length > 0);
  // sessions with samples: the two-part interval a record's own CI uses; sessions known only by their centres:
  // Welch's t on their logs; per-call samples of fewer sessions: a plain bootstrap (the row says it is optimistic)
  const boot = !sessions
    ? bootstrapRelativeChange(unitsA, unitsB)
    : withSamples(a) && withSamples(b)
      ? hierarchicalBootstrapChange(a.sessionSamples, b.sessionSamples)
      : welchLogChange(unitsA, unitsB);
  const { test, p, significant, minAttainableP } = decideChange(unitsA, unitsB, boot, alpha);
  if (test === 'bootstrap')
    notes.push(
      `${unitsA.length} vs ${unitsB.length} ${sessions ? 'sessions' : 'samples'} cannot reach p < ${alpha} with Mann-Whitney (smallest p ${minAttainableP.toFixed(3)}): the CI of the change decides`,
    );
  const status = changeStatus(significant, change, threshold);
  const floor = Math.max(base.noiseA ?? 0, base.noiseB ?? 0);
  if ((status === 'regression' || status === 'improvement') && floor > Math.abs(change)) {
    notes.push(`the change (${pct(change)}) is within the noise floor of the runs (${pct(floor)})`);
  }
  return {
    ...base,
    change,
    changeLo: boot.lo,
    changeHi: boot.hi,
    units: sessions ? 'sessions' : 'samples',
    nA: unitsA.length,
    nB: unitsB.length,
    test,
    p,
    significant,
    status,
  };
}

/** Compares run B against run A (A is the baseline). */
export function compareRuns(a: RunView, b: RunView, opts: { threshold?: number; alpha?: number } = {}): CompareResult {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const byKey = (r: RunView) => new Map(r.measurements.map((m) => [m.key, m]));
  const ma = byKey(a);
  const mb = byKey(b);
  const rows: CompareRow[] = [];
  const only = (m: MeasurementView, side: 'a' | 'b'): CompareRow => ({
    key: m.key,
    workloadId: m.workloadId,
    targetLabel: m.targetLabel,
    device: m.device,
    provenance: m.provenance,
    medianA: side === 'a' ? m.medianMs : null,
    medianB: side === 'b' ? m.medianMs : null,
    change: null,
    changeLo: null,
    changeHi: null,
    units: null,
    nA: side === 'a' ? m.n : 0,
    nB: side === 'b' ? m.n : 0,
    test: null,
    p: null,
    significant: false,
    noiseA: side === 'a' ? noiseOf(m) : null,
    noiseB: side === 'b' ? noiseOf(m) : null,
    status: side === 'a' ? 'only-in-a' : 'only-in-b',
    notes: [],
  });
  for (const [k, m] of ma) rows.push(mb.has(k) ? compareMeasurements(m, mb.get(k)!, threshold, alpha) : only(m, 'a'));
  for (const [k, m] of mb) if (!ma.has(k)) rows.push(only(m, 'b'));
  const notes: string[] = [];
  const noiseA = runNoise(a);
  const noiseB = runNoise(b);
  const ids = (r: RunView): string => r.devices.map((d) => d.id).join(',');
  if (ids(a) !== ids(b)) notes.push(`the runs are of different devices (${ids(a)} vs ${ids(b)})`);
  if (a.host.cpu !== b.host.cpu) notes.push(`the runs are from different CPUs (${a.host.cpu} vs ${b.host.cpu})`);
  const floor = Math.max(noiseA ?? 0, noiseB ?? 0);
  if (floor > threshold)
    notes.push(`the threshold ${pct(threshold)} is below the noise floor ${pct(floor)}: changes of that size are hard to tell from noise`);
  if (!rows.some((r) => r.change !== null)) notes.push('the runs have no measurement in common (same workload, dtype, target and settings)');
  return {
    runA: { runId: a.runId, device: ids(a), createdAt: a.createdAt, noiseFloor: noiseA },
    runB: { runId: b.runId, device: ids(b), createdAt: b.createdAt, noiseFloor: noiseB },
    threshold,
    alpha,
    rows,
    regressions: rows.filter((r) => r.status === 'regression').length,
    improvements: rows.filter((r) => r.status === 'improvement').length,
    notes,
  };
}

/** Parses a percentage (`3%`, `0.5%`; the sign is optional: `3` = 3%) into a fraction; throws a one-line message otherwise. */
export function parseThreshold(text: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(t);
  if (!m) throw new Error(`--threshold '${text}': expected a percentage such as 3% or 0.5%`);
  const frac = Number(m[1]) / 100;
  if (!(frac > 0 && frac < 1)) throw new Error(`--threshold '${text}': must be between 0% and 100%`);
  return frac;
}
