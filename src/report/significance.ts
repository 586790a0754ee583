/**
 * Two-sample tests for run comparison: Mann-Whitney U (exact permutation p-value for small samples, normal
 * approximation with tie correction otherwise) and a seeded percentile bootstrap of the relative change of
 * the median. Pure functions, deterministic.
 */
import { sampleVariance } from 'simple-statistics';
import { percentileSorted, studentTQuantile, weightedMedianSorted } from '../profiles/stats.js';
import { median, medianSorted } from '../util/median.js';
import { mulberry32 } from '../util/random.js';

export { median };

/** Mid-ranks (1-based; ties get the mean of their ranks) of the pooled values. */
function midRanks(pooled: readonly number[]): number[] {
  const order = pooled.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(pooled.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = r;
    i = j + 1;
  }
  return ranks;
}

export interface MannWhitneyResult {
  /** U of the first sample (number of pairs a > b, ties counted 1/2). */
  u: number;
  /** two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
  /** the smallest two-sided p-value these sample sizes can give (exact method); 0 for the normal method. */
  minAttainableP: number;
}

/** Exact enumeration is used up to this many splits of the pooled sample (C(n1+n2, n1)). */
const EXACT_MAX_SPLITS = 200_000;

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Standard normal upper tail, 1 - Phi(z) (Abramowitz-Stegun 7.1.26 on erfc; |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Two-sided Mann-Whitney U test of `a` against `b`. Exact when C(n1+n2, n1) <= 200,000: every split of the
 * pooled mid-ranks is enumerated, so ties are handled exactly; otherwise the normal approximation with tie
 * correction and continuity correction.
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('Mann-Whitney needs two non-empty samples');
  const ranks = midRanks([...a, ...b]);
  const r1 = ranks.slice(0, n1).reduce((s, r) => s + r, 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const splits = binomial(n1 + n2, n1);
  if (splits <= EXACT_MAX_SPLITS) {
    // enumerate all n1-subsets of the pooled ranks; p = share with |U - mu| >= observed.
    const n = n1 + n2;
    const observed = Math.abs(u - mu) - 1e-9;
    let extreme = 0;
    let total = 0;
    const dev = new Map<number, number>();
    const idx = Array.from({ length: n1 }, (_, i) => i);
    for (;;) {
      let rs = 0;
      for (const i of idx) rs += ranks[i]!;
      const d = Math.abs(rs - (n1 * (n1 + 1)) / 2 - mu);
      dev.set(d, (dev.get(d) ?? 0) + 1);
      if (d >= observed) extreme++;
      total++;
      let k = n1 - 1;
      while (k >= 0 && idx[k] === n - n1 + k) k--;
      if (k < 0) break;
      idx[k]!++;
      for (let j = k + 1; j < n1; j++) idx[j] = idx[j - 1]! + 1;
    }
    const maxDev = Math.max(...dev.keys());
    return { u, p: Math.min(1, extreme / total), method: 'exact', minAttainableP: (dev.get(maxDev) ?? 1) / total };
  }
  const pooled = [...a, ...b];
  const counts = new Map<number, number>();
  for (const v of pooled) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tieSum = 0;
  for (const t of counts.values()) tieSum += t ** 3 - t;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: 'normal', minAttainableP: 0 };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal', minAttainableP: 0 };
}

export interface BootstrapChange {
  /** relative change of the median, B / A - 1. */
  change: number;
  lo: number;
  hi: number;
  confidence: number;
  resamples: number;
  seed: number;
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  confidence?: number;
}

/**
 * Percentile bootstrap CI of a relative change: `drawA` / `drawB` each return the median of one resample of
 * their side (drawing from the shared seeded generator); the CI is type-7 percentiles of drawB / drawA - 1.
 */
function bootstrapChange(
  change: number,
  drawA: (rnd: () => number) => number,
  drawB: (rnd: () => number) => number,
  opts: BootstrapOptions,
  defaultResamples: number,
): BootstrapChange {
  const resamples = opts.resamples ?? defaultResamples;
  const seed = opts.seed ?? 0x636d7072; // 'cmpr'
  const confidence = opts.confidence ?? 0.95;
  const rnd = mulberry32(seed);
  const changes = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) changes[i] = drawB(rnd) / drawA(rnd) - 1;
  const sorted = Array.from(changes.sort());
  const alpha = (1 - confidence) / 2;
  return { change, lo: percentileSorted(sorted, alpha), hi: percentileSorted(sorted, 1 - alpha), confidence, resamples, seed };
}

/** Median of a resample (with replacement, same size) of `x`. */
function resampleMedian(x: readonly number[], rnd: () => number): number {
  const s = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) s[i] = x[Math.floor(rnd() * x.length)]!;
  return medianSorted(s.sort());
}

/** Percentile bootstrap CI of median(b) / median(a) - 1, resampling each sample independently, seeded. */
export function bootstrapRelativeChange(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): BootstrapChange {
  return bootstrapChange(
    median(b) / median(a) - 1,
    (r) => resampleMedian(a, r),
    (r) => resampleMedian(b, r),
    opts,
    2000,
  );
}

/**
 * CI of the relative change median(B) / median(A) - 1 over independent sessions, built like a record's own CI
 * (stats.ts summariseSessions), on the log scale (latency noise is multiplicative):
 * - within-session part: a seeded bootstrap with the sessions fixed (samples resampled within each) gives
 *   the percentile distances of log(B/A) from the point estimate, per side;
 * - between-session part: per side, the variance a session draw adds (a two-level bootstrap, sessions then
 *   samples, minus the sessions-fixed one), made unbiased (x k / (k - 1): a bootstrap over k sessions
 *   divides by k) and combined as in Welch's t interval, with Welch-Satterthwaite degrees of freedom;
 * - half-width per side = sqrt(within^2 + between^2).
 * A plain percentile bootstrap over 3 vs 3 sessions treats the spread of the session medians as known: on a
 * simulated steady host its 95% CI held 0 in only 82-88% of pairs when the sessions differed by more than their
 * own noise; this one keeps its nominal coverage (tests/unit/report/report-analysis.test.ts; it errs wide: resampling
 * samples inside resampled sessions counts the within-session noise twice). Seeded, deterministic.
 */
export function hierarchicalBootstrapChange(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  opts: BootstrapOptions = {},
): BootstrapChange {
  if (a.length === 0 || b.length === 0 || [...a, ...b].some((s) => s.length === 0))
    throw new Error('hierarchical bootstrap needs sessions with samples');
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 0x636d7072; // 'cmpr'
  const confidence = opts.confidence ?? 0.95;
  const rnd = mulberry32(seed);
  const sideA = pooledRanks(a);
  const sideB = pooledRanks(b);
  // log of the pooled median of one resample: sessions drawn with replacement (or kept), then samples. The
  // draw is counted per rank of the side's sorted pool (no copy, no sort per resample).
  const draw = (side: PooledRanks, drawSessions: boolean): number => {
    const { values, rankOf, counts } = side;
    const picks = drawSessions ? rankOf.map(() => rankOf[Math.floor(rnd() * rankOf.length)]!) : rankOf;
    counts.fill(0);
    let n = 0;
    for (const ranks of picks) {
      for (let i = 0; i < ranks.length; i++) counts[ranks[Math.floor(rnd() * ranks.length)]!]!++;
      n += ranks.length;
    }
    return Math.log(weightedMedianSorted(values, counts, n));
  };
  const within = { a: new Float64Array(resamples), b: new Float64Array(resamples) };
  const twoLevel = { a: new Float64Array(resamples), b: new Float64Array(resamples) };
  for (let r = 0; r < resamples; r++) {
    within.a[r] = draw(sideA, false);
    within.b[r] = draw(sideB, false);
    twoLevel.a[r] = draw(sideA, true);
    twoLevel.b[r] = draw(sideB, true);
  }
  const logChange = Math.log(median(b.flat()) / median(a.flat()));
  const alpha = (1 - confidence) / 2;
  const withinChange = Array.from(within.b, (x, r) => x - within.a[r]!).sort((x, y) => x - y);
  const wLo = Math.max(0, logChange - percentileSorted(withinChange, alpha));
  const wHi = Math.max(0, percentileSorted(withinChange, 1 - alpha) - logChange);
  // per side: unbiased between-session variance of its pooled log median (0 with one session: no evidence)
  const betweenOf = (side: 'a' | 'b', k: number): number =>
    k < 2 ? 0 : (Math.max(0, variance(twoLevel[side]) - variance(within[side])) * k) / (k - 1);
  const sA = betweenOf('a', a.length);
  const sB = betweenOf('b', b.length);
  let between = 0;
  if (sA + sB > 0) {
    const df = (sA + sB) ** 2 / ((a.length > 1 ? sA ** 2 / (a.length - 1) : 0) + (b.length > 1 ? sB ** 2 / (b.length - 1) : 0));
    between = studentTQuantile(1 - alpha, df) * Math.sqrt(sA + sB);
  }
  return {
    change: Math.exp(logChange) - 1,
    lo: Math.exp(logChange - Math.hypot(wLo, between)) - 1,
    hi: Math.exp(logChange + Math.hypot(wHi, between)) - 1,
    confidence,
    resamples,
    seed,
  };
}

/** One side's samples in one ascending pool: `rankOf[session][i]` is sample i's place in `values`. */
interface PooledRanks {
  values: Float64Array;
  rankOf: Int32Array[];
  /** scratch: draws per rank of the current resample. */
  counts: Float64Array;
}

function pooledRanks(sessions: readonly (readonly number[])[]): PooledRanks {
  const entries = sessions.flatMap((s, j) => s.map((v, i) => ({ v, j, i }))).sort((x, y) => x.v - y.v);
  const rankOf = sessions.map((s) => new Int32Array(s.length));
  entries.forEach((e, r) => (rankOf[e.j]![e.i] = r));
  return { values: Float64Array.from(entries, (e) => e.v), rankOf, counts: new Float64Array(entries.length) };
}

/**
 * Welch's t interval of the relative change of the geometric mean of independent session centres (B over A),
 * for sessions known only by their centres (externally timed records): on the log scale, each side's
 * variance of its mean from the spread of its centres, Welch-Satterthwaite degrees of freedom. Needs >= 2
 * centres per side. When both sides' centres are identical the interval is the point.
 */
export function welchLogChange(a: readonly number[], b: readonly number[], confidence = 0.95): BootstrapChange {
  if (a.length < 2 || b.length < 2) throw new Error('a t interval needs at least 2 session centres per side');
  const la = Float64Array.from(a, Math.log);
  const lb = Float64Array.from(b, Math.log);
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
  const logChange = mean(lb) - mean(la);
  const sA = variance(la) / la.length;
  const sB = variance(lb) / lb.length;
  let half = 0;
  if (sA + sB > 0) {
    const df = (sA + sB) ** 2 / (sA ** 2 / (la.length - 1) + sB ** 2 / (lb.length - 1));
    half = studentTQuantile(1 - (1 - confidence) / 2, df) * Math.sqrt(sA + sB);
  }
  return {
    change: Math.exp(logChange) - 1,
    lo: Math.exp(logChange - half) - 1,
    hi: Math.exp(logChange + half) - 1,
    confidence,
    resamples: 0,
    seed: 0,
  };
}

/** Sample variance (divisor n - 1), 0 for fewer than 2 values. */
const variance = (x: ArrayLike<number>): number => (x.length > 1 ? sampleVariance(Array.from(x)) : 0);
