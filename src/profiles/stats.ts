/**
 * Statistics of sample sets (ms per call), computed once after the protocol stopped: one session's
 * (`computeStats`) and a measurement's k sessions together (`summariseSessions`).
 *
 * Definitions (chosen and fixed; they are part of the result schema):
 * - Percentiles (p10, p90, p99, quartiles): linear interpolation between order statistics, Hyndman & Fan
 *   type 7 (numpy.percentile's default, R's quantile default): h = (n-1) p, x_(floor h) + (h - floor h) *
 *   (x_(floor h + 1) - x_(floor h)). This is exactly what simple-statistics 7.12 `quantileSorted` does
 *   (checked in its source), so we call it on a sorted copy. A percentile is reported only where n
 *   supports it (PERCENTILE_MIN_N: p10/p90 from n = 10, p99 from n = 100), else null.
 * - Batched samples (`batchSize` > 1) are means of a batch of calls: their spread is that of batch means
 *   (`spreadOf: 'batch-means'`, narrower than the spread of calls), so p99 and outlier counts are null.
 * - median: the type-7 0.5 quantile (mean of the middle two for even n).
 * - stdev: sample standard deviation (n - 1); cv = stdev / mean.
 * - mad: raw median absolute deviation from the median (NOT scaled by 1.4826).
 * - CI of the median of one session, two of them:
 *   `ciMedian`: distribution-free order-statistic interval (the one the protocol's verdict uses), with its
 *   relative half-width max(median - lo, hi - median) / median;
 *   `ciMedianBootstrap`: percentile bootstrap, seeded (deterministic), default 2000 resamples, capped at
 *   2e8 drawn values in total for huge n (the number actually used is recorded).
 * - Outliers: Tukey fences on the type-7 quartiles; `mild` = beyond 1.5 IQR but within 3 IQR, `severe` =
 *   beyond 3 IQR. Counted and reported; never dropped.
 * - Several sessions (`summariseSessions`): see its comment.
 * - Warnings follow pyperf's spirit (each with a code and a message saying what to do).
 */
import { mulberry32 } from '../util/random.js';
import { gammaln, mean as ssMean, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { normalQuantile } from './steady-state.js';
import { type ProtocolRun } from '../core/protocol-run.js';
import { medianCiRanks, relHalfWidth } from './protocol.js';

/** Name of the percentile definition, stored with every stats block. */
export const PERCENTILE_DEFINITION = 'hyndman-fan-type7-linear';

/** Default bootstrap settings. */
export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 0x6d6e7634; // 'mnv4'
/** cap on resamples x n (draws) so huge sample sets stay fast; resamples shrink to fit. */
export const BOOTSTRAP_MAX_DRAWS = 2e8;

/** Smallest n for which each percentile is reported (below it the value is mostly the min/max). */
export const PERCENTILE_MIN_N = { p10: 10, p90: 10, p99: 100 } as const;

/** Summary statistics of samples, in ms. */
export interface SampleStats {
  n: number;
  /** 'calls': each sample is one call; 'batch-means': each sample is the mean call of a batch of `batchSize`. */
  spreadOf: 'calls' | 'batch-means';
  batchSize: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** null when n < PERCENTILE_MIN_N (p99 also for batch means: a tail of means is not a tail of calls). */
  p10: number | null;
  p90: number | null;
  p99: number | null;
  stdev: number;
  mad: number;
  cv: number;
  ciMedian: { method: 'order-statistic'; lo: number; hi: number; confidence: number; coverage: number; relHalfWidth: number } | null;
  ciMedianBootstrap: { method: 'bootstrap-percentile'; lo: number; hi: number; confidence: number; resamples: number; seed: number } | null;
  /** Tukey fences; null for batch means (an outlier call is averaged away inside its batch). */
  outliers: {
    q1: number;
    q3: number;
    iqr: number;
    /** beyond 1.5 IQR, within 3 IQR. */
    mild: number;
    /** beyond 3 IQR. */
    severe: number;
    low: number;
    high: number;
  } | null;
  percentileDefinition: typeof PERCENTILE_DEFINITION;
}

/** A quality warning about a measurement. */
export interface StatsWarning {
  code:
    | 'high-cv'
    | 'not-converged'
    | 'min-below-half-median'
    | 'too-few-samples'
    | 'timer-resolution'
    | 'high-load'
    | 'high-steal'
    | 'trend'
    | 'warmup-not-steady'
    | 'sessions-disagree'
    | 'single-session';
  message: string;
}

/** Deterministic PRNG, uniform in [0, 1) (mulberry32; shared with the weight generator). */
export const seededRandom = mulberry32;

function sortedCopy(x: ArrayLike<number>): number[] {
  return Array.from(Float64Array.from(x).sort());
}

/** type-7 quantile of ascending-sorted data. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  return quantileSorted(sorted as number[], p);
}

/**
 * Percentile bootstrap CI of the median. Each resample draws n indices into the sorted data; the resample's
 * median is found from the per-index counts (O(n) per resample, no sort).
 */
export function bootstrapMedianCi(
  samples: readonly number[],
  opts: { resamples?: number; seed?: number; confidence?: number } = {},
): SampleStats['ciMedianBootstrap'] {
  const n = samples.length;
  if (n < 2) return null;
  const confidence = opts.confidence ?? 0.95;
  const seed = opts.seed ?? BOOTSTRAP_SEED;
  const wanted = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const resamples = Math.max(100, Math.min(wanted, Math.floor(BOOTSTRAP_MAX_DRAWS / n)));
  const sorted = sortedCopy(samples);
  const rnd = seededRandom(seed);
  const counts = new Uint32Array(n);
  const medians = new Float64Array(resamples);
  // 0-based ranks of the median within a resample of size n.
  const rLo = (n - 1) >> 1;
  const rHi = n >> 1;
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(rnd() * n)]!++;
    let cum = 0;
    let vLo = NaN;
    let vHi = NaN;
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      const next = cum + c;
      if (Number.isNaN(vLo) && rLo < next) vLo = sorted[i]!;
      if (rHi < next) {
        vHi = sorted[i]!;
        break;
      }
      cum = next;
    }
    medians[b] = (vLo + vHi) / 2;
  }
  medians.sort();
  const m = Array.from(medians);
  const a = (1 - confidence) / 2;
  return { method: 'bootstrap-percentile', lo: percentileSorted(m, a), hi: percentileSorted(m, 1 - a), confidence, resamples, seed };
}

/** All summary statistics of `samples` (ms). Throws on an empty or non-finite sample set. */
export function computeStats(
  samples: ArrayLike<number>,
  opts: { confidence?: number; resamples?: number; seed?: number; batchSize?: number } = {},
): SampleStats {
  const n = samples.length;
  if (n === 0) throw new Error('no samples to summarise');
  for (let i = 0; i < n; i++) if (!Number.isFinite(samples[i]!)) throw new Error('samples contain a non-finite value');
  const confidence = opts.confidence ?? 0.95;
  const batchSize = opts.batchSize ?? 1;
  const batched = batchSize > 1;
  const s = sortedCopy(samples);
  const median = percentileSorted(s, 0.5);
  const mean = ssMean(s);
  const stdev = n > 1 ? sampleStandardDeviation(s) : 0;
  const dev = sortedCopy(s.map((v) => Math.abs(v - median)));
  const mad = percentileSorted(dev, 0.5);
  let outliers: SampleStats['outliers'] = null;
  if (!batched) {
    const q1 = percentileSorted(s, 0.25);
    const q3 = percentileSorted(s, 0.75);
    const iqr = q3 - q1;
    let mild = 0;
    let severe = 0;
    let low = 0;
    let high = 0;
    for (const v of s) {
      const below = q1 - v;
      const above = v - q3;
      const d = Math.max(below, above);
      if (d > 3 * iqr) severe++;
      else if (d > 1.5 * iqr) mild++;
      else continue;
      if (below > 0) low++;
      else high++;
    }
    outliers = { q1, q3, iqr, mild, severe, low, high };
  }
  const ranks = medianCiRanks(n, confidence);
  const pct = (p: number, minN: number) => (n >= minN ? percentileSorted(s, p) : null);
  return {
    n,
    spreadOf: batched ? 'batch-means' : 'calls',
    batchSize,
    median,
    mean,
    min: s[0]!,
    max: s[n - 1]!,
    p10: pct(0.1, PERCENTILE_MIN_N.p10),
    p90: pct(0.9, PERCENTILE_MIN_N.p90),
    p99: batched ? null : pct(0.99, PERCENTILE_MIN_N.p99),
    stdev,
    mad,
    cv: mean > 0 ? stdev / mean : 0,
    ciMedian: ranks
      ? {
          method: 'order-statistic',
          lo: s[ranks.lo]!,
          hi: s[ranks.hi]!,
          confidence,
          coverage: ranks.coverage,
          relHalfWidth: relHalfWidth(s[ranks.lo]!, s[ranks.hi]!, median),
        }
      : null,
    ciMedianBootstrap: bootstrapMedianCi(s, { confidence, resamples: opts.resamples, seed: opts.seed }),
    outliers,
    percentileDefinition: PERCENTILE_DEFINITION,
  };
}

// ------------------------------------------------------------------ Student t

/**
 * Regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz; Press et al.,
 * Numerical Recipes, 6.4), with the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where the fraction converges slowly.
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** CDF of Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t (bisection on the CDF to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`t quantile needs 0 < p < 1, got ${p}`);
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentTCdf(lo, df) > p) lo *= 2;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Widening of the between-session part of a bootstrap CI for k sessions: t_{k-1} / z x sqrt(k / (k-1)).
 * A bootstrap over k sessions estimates their variance with divisor k (too small by (k-1)/k) and treats the
 * estimate as exact (z instead of Student's t with k-1 degrees of freedom); with k = 3 a plain bootstrap
 * covers ~75% where it claims 95%. 2.69 for k = 3 at 95%, 1.64 for k = 5, 1 in the limit.
 */
export function smallSessionFactor(k: number, confidence: number): number {
  if (k < 2) return 1;
  const q = 1 - (1 - confidence) / 2;
  return (studentTQuantile(q, k - 1) / normalQuantile(q)) * Math.sqrt(k / (k - 1));
}

// ------------------------------------------------------------------ several sessions

/** One session's samples as given to summariseSessions. */
export interface SessionSamples {
  samplesMs: ArrayLike<number>;
  /** the session's own verdict (protocol.ts); absent = unknown, counts as converged. */
  converged?: boolean;
  /** why it did not converge, for the message. */
  stopReason?: string;
}

/** What summariseSessions returns. */
export interface SessionsSummary {
  k: number;
  /** median of the pooled samples, each session weighing the same. */
  pooledMedian: number;
  sessionMedians: number[];
  sessionSamples: number[];
  between: {
    /** (max - min) of the session medians / pooled median. */
    rangeRel: number;
    /** max |session median - pooled median| / pooled median: the agreement "converged" checks. */
    maxDeviationRel: number;
    /** sample standard deviation of the session medians / pooled median (0 for k = 1). */
    stdevRel: number;
  };
  /** CI of the pooled median that includes between-session variation (see summariseSessions). */
  ci: {
    method: 'hierarchical-bootstrap';
    lo: number;
    hi: number;
    confidence: number;
    relHalfWidth: number;
    resamples: number;
    seed: number;
    /** smallSessionFactor(k) applied to the between-session part. */
    smallSessionFactor: number;
  };
  /** every session converged on its own (within-session CI within target, no trend). */
  withinConverged: boolean;
  /** k >= 2 and maxDeviationRel <= target. */
  sessionsAgree: boolean;
  /** withinConverged && sessionsAgree. */
  converged: boolean;
  /** why not converged (one line each; empty when converged). */
  reasons: string[];
}

/**
 * Median of ascending `values` with weights (e.g. how often a resample drew each one; `totalWeight` their sum):
 * the value where the cumulative weight reaches half, the mean of the two middle ones when it lands exactly on
 * half (with unit counts, the ordinary median of the drawn values).
 */
export function weightedMedianSorted(values: Float64Array, weights: Float64Array, totalWeight: number): number {
  const half = totalWeight / 2;
  const eps = totalWeight * 1e-12;
  let cum = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    cum += w;
    if (cum >= half - eps) {
      if (Math.abs(cum - half) <= eps) {
        // exactly half below: the mean of this value and the next one with weight (the usual even-n median)
        for (let j = i + 1; j < values.length; j++) if (weights[j]! > 0) return (values[i]! + values[j]!) / 2;
      }
      return values[i]!;
    }
  }
  return values[values.length - 1]!;
}

/** How a not-converged reason about disagreeing sessions begins (report/measurement.ts reads it). */
export const SESSIONS_DISAGREE = 'session medians differ';

/**
 * A measurement's k sessions together.
 *
 * - pooled median: the median of all samples with every session weighing the same (a session that ran
 *   longer does not count more);
 * - between-session spread: the session medians' range, largest deviation and standard deviation, each
 *   relative to the pooled median;
 * - CI of the pooled median, hierarchical bootstrap (seeded): each resample draws k sessions with
 *   replacement, then within each drawn session as many samples as it has, with replacement, and takes
 *   the equal-weight pooled median. A second bootstrap with the sessions fixed (samples resampled only)
 *   gives the within-session part: the percentile distances from the pooled median, per side. The
 *   between-session part is the variance the session draw adds (variance of the first bootstrap minus
 *   that of the second) as a normal-theory half-width z sqrt(.), widened by smallSessionFactor(k) (Student
 *   t with k-1 degrees of freedom: a percentile bootstrap over 3 sessions covers far less than it claims).
 *   Half-width per side = sqrt(within^2 + between^2), all on the log scale (latency noise is
 *   multiplicative, and the interval stays positive however few and far apart the sessions). Resampling samples inside resampled sessions counts
 *   within-session noise twice, so the interval errs wide, not narrow; coverage is checked by simulation
 *   in the tests (>= 0.94 at a nominal 0.95);
 * - converged: every session converged on its own AND the session medians agree, max |m_i - pooled| /
 *   pooled <= target. With k = 1 there is no between-session evidence: not converged, reason given.
 */
export function summariseSessions(
  sessions: readonly (ArrayLike<number> | SessionSamples)[],
  opts: { targetRelHalfWidth: number; confidence?: number; resamples?: number; seed?: number },
): SessionsSummary {
  const list: SessionSamples[] = sessions.map((s) => ('samplesMs' in (s as object) ? (s as SessionSamples) : { samplesMs: s as ArrayLike<number> }));
  const k = list.length;
  if (k === 0) throw new Error('no sessions to summarise');
  const confidence = opts.confidence ?? 0.95;
  const seed = opts.seed ?? BOOTSTRAP_SEED;
  const sorted = list.map((s, i) => {
    if (s.samplesMs.length === 0) throw new Error(`session ${i + 1} has no samples`);
    const a = Float64Array.from(s.samplesMs).sort();
    if (!Number.isFinite(a[0]!) || !Number.isFinite(a[a.length - 1]!)) throw new Error(`session ${i + 1} has a non-finite sample`);
    return a;
  });
  const sizes = sorted.map((a) => a.length);
  const total = sizes.reduce((a, b) => a + b, 0);

  // all samples in one ascending order; globalOf[session][rank in session] = position in that order
  const entries: { v: number; s: number; r: number }[] = [];
  sorted.forEach((a, si) => a.forEach((v, r) => entries.push({ v, s: si, r })));
  entries.sort((x, y) => x.v - y.v);
  const values = Float64Array.from(entries, (e) => e.v);
  const globalOf = sorted.map((a) => new Int32Array(a.length));
  entries.forEach((e, i) => (globalOf[e.s]![e.r] = i));
  const weights = Float64Array.from(entries, (e) => 1 / sizes[e.s]!);
  const pooledMedian = weightedMedianSorted(values, weights, k);
  const sessionMedians = sorted.map((a) => percentileSorted(Array.from(a), 0.5));

  const wanted = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const resamples = Math.max(200, Math.min(wanted, Math.floor(BOOTSTRAP_MAX_DRAWS / 10 / total)));
  const rnd = seededRandom(seed);
  const counts = new Float64Array(total);
  const draw = (hierarchical: boolean): number[] => {
    const out = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) {
      counts.fill(0);
      for (let j = 0; j < k; j++) {
        const si = hierarchical ? Math.floor(rnd() * k) : j;
        const n = sizes[si]!;
        const map = globalOf[si]!;
        const w = 1 / n;
        for (let i = 0; i < n; i++) counts[map[Math.floor(rnd() * n)]!]! += w;
      }
      out[b] = weightedMedianSorted(values, counts, k);
    }
    return Array.from(out.sort());
  };
  const within = draw(false);
  const hier = k >= 2 ? draw(true) : within;
  const a = (1 - confidence) / 2;
  // On the log scale (latencies are positive and their noise multiplicative; the interval stays above 0):
  // within-session part: percentile distances of the sessions-fixed bootstrap from the pooled median, per side
  const logOf = (x: number) => Math.log(Math.max(x, Number.MIN_VALUE));
  const logM = logOf(pooledMedian);
  const wLo = Math.max(0, logM - logOf(percentileSorted(within, a)));
  const wHi = Math.max(0, logOf(percentileSorted(within, 1 - a)) - logM);
  // between-session part: the variance the session draw adds, as a normal-theory half-width, widened for k
  const logVariance = (x: number[]) => (x.length > 1 ? sampleStandardDeviation(x.map(logOf)) ** 2 : 0);
  const factor = smallSessionFactor(k, confidence);
  const between = k >= 2 ? factor * normalQuantile(1 - a) * Math.sqrt(Math.max(0, logVariance(hier) - logVariance(within))) : 0;
  const lo = pooledMedian * Math.exp(-Math.hypot(wLo, between));
  const hi = pooledMedian * Math.exp(Math.hypot(wHi, between));

  const rel = (x: number) => (pooledMedian > 0 ? x / pooledMedian : Infinity);
  const maxM = Math.max(...sessionMedians);
  const minM = Math.min(...sessionMedians);
  const maxDeviationRel = rel(Math.max(...sessionMedians.map((m) => Math.abs(m - pooledMedian))));
  const stdevRel = k >= 2 ? rel(sampleStandardDeviation(sessionMedians)) : 0;
  const target = opts.targetRelHalfWidth;

  const reasons: string[] = [];
  const notConverged = list.map((s, i) => ({ s, i })).filter(({ s }) => s.converged === false);
  if (notConverged.length > 0) {
    reasons.push(
      `${notConverged.length} of ${k} sessions did not converge (${notConverged.map(({ s, i }) => `#${i + 1}: ${s.stopReason ?? 'not converged'}`).join(', ')})`,
    );
  }
  const sessionsAgree = k >= 2 && maxDeviationRel <= target;
  if (k < 2) reasons.push('one session only: nothing shows how much a new session would differ');
  else if (!sessionsAgree)
    reasons.push(
      `${SESSIONS_DISAGREE} from the pooled median by up to ${(maxDeviationRel * 100).toFixed(2)}% (target ${(target * 100).toFixed(2)}%)`,
    );
  const withinConverged = notConverged.length === 0;
  return {
    k,
    pooledMedian,
    sessionMedians,
    sessionSamples: sizes,
    between: { rangeRel: rel(maxM - minM), maxDeviationRel, stdevRel },
    ci: {
      method: 'hierarchical-bootstrap',
      lo,
      hi,
      confidence,
      relHalfWidth: relHalfWidth(lo, hi, pooledMedian),
      resamples,
      seed,
      smallSessionFactor: factor,
    },
    withinConverged,
    sessionsAgree,
    converged: withinConverged && sessionsAgree,
    reasons,
  };
}

// ------------------------------------------------------------------ warnings

/** Facts about the run that warnings need besides the stats. */
export interface WarningContext {
  converged?: boolean;
  stopReason?: string;
  /** timer resolution (granularity), ms. */
  timerResolutionMs?: number;
  /** cost of one clock read, ms. */
  timerReadCostMs?: number;
  /** calls per sample. */
  batchSize?: number;
  /** CPU share (0..1 of the whole machine) used by other processes during the measurement. */
  otherLoad?: number;
  /** CPU share stolen by the hypervisor during the measurement. */
  stealShare?: number | null;
  /** trend test of the samples (protocol.ts). */
  trend?: { trending: boolean; drift: number; p: number };
  /** false when warm-up hit its cap still trending. */
  warmupSteady?: boolean;
  /** the multi-session summary, when there are sessions. */
  sessions?: SessionsSummary;
}

/** Thresholds of the warnings (pyperf-like). */
export const WARNING_THRESHOLDS = {
  cv: 0.1,
  minSamples: 20,
  /** a sample (median x batch) shorter than this many timer ticks or clock reads is resolution-bound (>1%). */
  timerTicks: 100,
  otherLoad: 0.1,
  steal: 0.02,
} as const;

/** Quality warnings: each says what is wrong and what to do. */
export function statsWarnings(st: SampleStats, ctx: WarningContext = {}): StatsWarning[] {
  const w: StatsWarning[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (st.cv > WARNING_THRESHOLDS.cv) {
    const of = st.spreadOf === 'batch-means' ? ' (of batch means)' : '';
    w.push({
      code: 'high-cv',
      message: `coefficient of variation${of} is ${pct(st.cv)} (> ${pct(WARNING_THRESHOLDS.cv)}): the host is noisy; close other programs or use --preset rigorous`,
    });
  }
  if (ctx.converged === false) {
    const why = ctx.sessions && ctx.sessions.reasons.length > 0 ? ctx.sessions.reasons.join('; ') : `stopped by ${ctx.stopReason ?? 'a cap'}`;
    w.push({ code: 'not-converged', message: `did not converge (${why}): use a longer preset or a quieter host` });
  }
  if (ctx.trend?.trending) {
    w.push({
      code: 'trend',
      message: `samples trend by ${pct(ctx.trend.drift)} between halves (Mann-Kendall p = ${ctx.trend.p.toPrecision(2)}): the host or runtime was still changing; re-run on a quiet host`,
    });
  }
  if (ctx.warmupSteady === false) {
    w.push({
      code: 'warmup-not-steady',
      message: 'warm-up hit its time cap while calls were still getting faster or slower: samples may include warm-up; use a longer preset',
    });
  }
  if (st.min < st.median / 2) {
    w.push({
      code: 'min-below-half-median',
      message: `minimum ${st.min.toPrecision(3)} ms is below half the median ${st.median.toPrecision(3)} ms: the distribution is unstable (frequency scaling, caching?)`,
    });
  }
  if (st.n < WARNING_THRESHOLDS.minSamples) {
    w.push({
      code: 'too-few-samples',
      message: `only ${st.n} samples (< ${WARNING_THRESHOLDS.minSamples}): statistics are rough; use a longer preset`,
    });
  }
  const sampleMs = st.median * (ctx.batchSize ?? st.batchSize);
  const tick = Math.max(ctx.timerResolutionMs ?? 0, ctx.timerReadCostMs ?? 0);
  if (tick > 0 && sampleMs / tick < WARNING_THRESHOLDS.timerTicks) {
    w.push({
      code: 'timer-resolution',
      message: `a sample spans only ${(sampleMs / tick).toFixed(0)} timer ticks of ${tick.toPrecision(2)} ms: figures are timer-resolution-bound; allow more batching`,
    });
  }
  if (ctx.otherLoad !== undefined && ctx.otherLoad > WARNING_THRESHOLDS.otherLoad) {
    w.push({ code: 'high-load', message: `other processes used ${pct(ctx.otherLoad)} of the CPU during the measurement: stop them and re-run` });
  }
  if (ctx.stealShare !== undefined && ctx.stealShare !== null && ctx.stealShare > WARNING_THRESHOLDS.steal) {
    w.push({
      code: 'high-steal',
      message: `the hypervisor took ${pct(ctx.stealShare)} of the CPU time (steal) during the measurement: figures from a shared virtual machine vary; use a dedicated host`,
    });
  }
  if (ctx.sessions && ctx.sessions.k >= 2 && !ctx.sessions.sessionsAgree) {
    w.push({
      code: 'sessions-disagree',
      message: `session medians spread ${pct(ctx.sessions.between.rangeRel)} (largest deviation ${pct(ctx.sessions.between.maxDeviationRel)}): a new session would likely differ as much; use more sessions or a quieter host`,
    });
  }
  if (ctx.sessions && ctx.sessions.k < 2) {
    w.push({
      code: 'single-session',
      message: 'measured in one session only: its CI does not cover session-to-session variation; use --preset default (3 sessions)',
    });
  }
  return w;
}

/** Stats plus warnings for one session (protocol run). */
export function summariseRun(
  run: ProtocolRun,
  extra: { otherLoad?: number; stealShare?: number | null; resamples?: number; seed?: number } = {},
): { stats: SampleStats; warnings: StatsWarning[] } {
  const stats = computeStats(run.samplesMs, {
    confidence: run.settings.confidence,
    resamples: extra.resamples,
    seed: extra.seed,
    batchSize: run.batchSize,
  });
  const warnings = statsWarnings(stats, {
    converged: run.converged,
    stopReason: run.stopReason,
    timerResolutionMs: run.timerResolutionMs,
    timerReadCostMs: run.timerReadCostMs,
    batchSize: run.batchSize,
    otherLoad: extra.otherLoad,
    stealShare: extra.stealShare,
    trend: run.trend,
    warmupSteady: run.warmupSteady,
  });
  return { stats, warnings };
}
