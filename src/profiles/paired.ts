/**
 * Statistics of a co-measured reference: a workload and a reference workload timed in paired batches (one
 * batch of each per pair, their order within the pair randomized), so whatever the host does to both in the
 * same few milliseconds cancels in their ratio (duet benchmarking, Bulej et al. 2020; randomized multiple
 * interleaved trials, Abedi and Brecht 2017).
 *
 * Definitions (part of the result schema):
 * - pair ratio: workload batch mean / reference batch mean (ms per call each), one per pair;
 * - ratio: the pooled median of the pair ratios over k sessions, each session weighing the same
 *   (`summariseSessions` of stats.ts applied to the pair ratios);
 * - geometric mean: exp of the mean over sessions of each session's mean log pair ratio (a second centre,
 *   reported beside the median; it reacts to a skewed tail where the median does not);
 * - CI of the ratio: summariseSessions' CI on the pair ratios, i.e. on the log scale a within-session part
 *   (bootstrap over pairs, sessions fixed) and a between-session part (the variance a session draw adds,
 *   widened by smallSessionFactor(k) for few sessions), combined in quadrature (Kalibera and Jones 2013: each
 *   level of repetition counted). Seeded, deterministic;
 * - host change seen by the reference: the reference's session medians, their range, and the last session's
 *   median over the first; within one session, the reference's last quarter of pairs over its first quarter.
 *   A multiplicative host drift common to both sides moves these and leaves the ratio alone.
 */
import { type SessionsSummary, summariseSessions } from './stats.js';
import { medianSorted } from '../util/median.js';

/** One pair: a batch of the workload and a batch of the reference, adjacent in time. */
export interface PairedBatch {
  /** mean ms per call of the workload's batch. */
  workloadMs: number;
  /** mean ms per call of the reference's batch. */
  referenceMs: number;
  /** whether the reference's batch ran first in this pair (the order is randomized per pair). */
  referenceFirst: boolean;
}

/** One session's pairs as given to summarisePaired. */
export interface PairedSession {
  pairs: readonly PairedBatch[];
  /** the session's own verdict; absent = unknown, counts as converged. */
  converged?: boolean;
  /** why it did not converge. */
  stopReason?: string;
}

/** What summarisePaired returns. */
export interface PairedSummary {
  k: number;
  /** pairs per session. */
  sessionPairs: number[];
  /** pooled median of the pair ratios (workload / reference), each session weighing the same. */
  ratio: number;
  /** exp(mean over sessions of the session's mean log pair ratio). */
  geometricMean: number;
  /** each session's median pair ratio. */
  sessionRatios: number[];
  /** CI of `ratio` (summariseSessions' hierarchical CI on the pair ratios). */
  ci: SessionsSummary['ci'];
  /** spread of the session ratios, relative to `ratio`. */
  between: SessionsSummary['between'];
  /** every session converged and the session ratios agree within the target (k >= 2). */
  converged: boolean;
  /** why not converged (empty when converged). */
  reasons: string[];
  /** pooled medians of the absolute figures, ms per call, each session weighing the same. */
  workloadMs: number;
  referenceMs: number;
  /** what the host did, as the reference saw it. */
  host: {
    /** the reference's median per session, ms. */
    referenceSessionMs: number[];
    /** (max - min) of the reference's session medians / their pooled median. */
    referenceRangeRel: number;
    /** last session's reference median / first session's - 1. */
    referenceChangeRel: number;
    /** largest within-session change of the reference: median of the last quarter of pairs / first quarter - 1. */
    referenceWithinSessionRel: number;
  };
  /** median pair ratio when the reference ran first / when the workload ran first (1 = no order effect). */
  orderEffect: number | null;
}

/** The pair ratios workload / reference of one session's pairs. Throws on a non-positive or non-finite time. */
export function pairRatios(pairs: readonly PairedBatch[]): number[] {
  return pairs.map((p, i) => {
    if (!(p.workloadMs > 0 && p.referenceMs > 0 && Number.isFinite(p.workloadMs) && Number.isFinite(p.referenceMs)))
      throw new Error(`pair ${i + 1} has a non-positive or non-finite time (workload ${p.workloadMs}, reference ${p.referenceMs})`);
    return p.workloadMs / p.referenceMs;
  });
}

const medianOf = (x: readonly number[]): number => medianSorted(Float64Array.from(x).sort());

/** median(last quarter) / median(first quarter) - 1 of a series in time order (0 below 8 values). */
function quarterChange(x: readonly number[]): number {
  if (x.length < 8) return 0;
  const q = Math.floor(x.length / 4);
  return medianOf(x.slice(-q)) / medianOf(x.slice(0, q)) - 1;
}

/**
 * A co-measured reference's k sessions together: the ratio workload / reference with its CI (see the module
 * comment), the absolute figures, and the host change the reference saw. `targetRelHalfWidth` is the
 * agreement the session ratios need for `converged`.
 */
export function summarisePaired(
  sessions: readonly PairedSession[],
  opts: { targetRelHalfWidth: number; confidence?: number; resamples?: number; seed?: number },
): PairedSummary {
  if (sessions.length === 0) throw new Error('no paired sessions to summarise');
  sessions.forEach((s, i) => {
    if (s.pairs.length === 0) throw new Error(`paired session ${i + 1} has no pairs`);
  });
  const ratios = sessions.map((s) => pairRatios(s.pairs));
  const sum = summariseSessions(
    sessions.map((s, i) => ({ samplesMs: ratios[i]!, converged: s.converged, stopReason: s.stopReason })),
    opts,
  );
  const abs = (pick: (p: PairedBatch) => number) =>
    summariseSessions(
      sessions.map((s) => s.pairs.map(pick)),
      { ...opts, resamples: 200 },
    );
  const ref = abs((p) => p.referenceMs);
  const work = abs((p) => p.workloadMs);
  const meanLog = (r: number[]) => r.reduce((a, v) => a + Math.log(v), 0) / r.length;
  const geometricMean = Math.exp(ratios.reduce((a, r) => a + meanLog(r), 0) / ratios.length);
  const refFirst = sessions.flatMap((s, i) => s.pairs.flatMap((p, j) => (p.referenceFirst ? [ratios[i]![j]!] : [])));
  const workFirst = sessions.flatMap((s, i) => s.pairs.flatMap((p, j) => (p.referenceFirst ? [] : [ratios[i]![j]!])));
  const refSession = ref.sessionMedians;
  const within = sessions.map((s) => quarterChange(s.pairs.map((p) => p.referenceMs)));
  return {
    k: sum.k,
    sessionPairs: sum.sessionSamples,
    ratio: sum.pooledMedian,
    geometricMean,
    sessionRatios: sum.sessionMedians,
    ci: sum.ci,
    between: sum.between,
    converged: sum.converged,
    reasons: sum.reasons,
    workloadMs: work.pooledMedian,
    referenceMs: ref.pooledMedian,
    host: {
      referenceSessionMs: refSession,
      referenceRangeRel: ref.between.rangeRel,
      referenceChangeRel: refSession[refSession.length - 1]! / refSession[0]! - 1,
      referenceWithinSessionRel: within.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0),
    },
    orderEffect: refFirst.length > 0 && workFirst.length > 0 ? medianOf(refFirst) / medianOf(workFirst) : null,
  };
}

/** The verdict of an A/B ratio (B / A): a change is claimed only when the CI excludes 1 AND it is at least `minEffect`. */
export type AbVerdict = 'slower' | 'faster' | 'no-change';

/** Default smallest change an A/B verdict claims (1%): below it a CI that excludes 1 is still 'no-change'. */
export const AB_MIN_EFFECT = 0.01;

/**
 * Verdict on ratio = B / A with its CI: 'slower' when lo > 1 and ratio >= 1 + minEffect, 'faster' when hi < 1 and
 * ratio <= 1 - minEffect, else 'no-change'. `resolution` is the CI's relative half-width: a change smaller than
 * it could not have been told from none.
 */
export function abVerdict(
  s: Pick<PairedSummary, 'ratio' | 'ci'>,
  minEffect = AB_MIN_EFFECT,
): { verdict: AbVerdict; change: number; lo: number; hi: number; resolution: number } {
  const change = s.ratio - 1;
  let verdict: AbVerdict = 'no-change';
  if (s.ci.lo > 1 && change >= minEffect) verdict = 'slower';
  else if (s.ci.hi < 1 && -change >= minEffect) verdict = 'faster';
  return { verdict, change, lo: s.ci.lo - 1, hi: s.ci.hi - 1, resolution: s.ci.relHalfWidth };
}

/**
 * Randomized order of a pair: true = the reference's batch first. A fresh fair coin per pair from `rnd`
 * (seeded by the caller), so neither side always runs right after the other.
 */
export function referenceFirst(rnd: () => number): boolean {
  return rnd() < 0.5;
}
