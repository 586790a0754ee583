/**
 * Statistics of a sample set (ms per call), computed once after the protocol stopped.
 *
 * Definitions (chosen and fixed; they are part of the result schema):
 * - Percentiles (p10, p90, p99, quartiles): linear interpolation between order statistics, Hyndman & Fan
 *   type 7 (numpy.percentile's default, R's quantile default): h = (n-1) p, x_(floor h) + (h - floor h) *
 *   (x_(floor h + 1) - x_(floor h)). This is exactly what simple-statistics 7.12 `quantileSorted` does
 *   (checked in its source), so we call it on a sorted copy.
 * - median: the type-7 0.5 quantile (mean of the middle two for even n).
 * - stdev: sample standard deviation (n - 1); cv = stdev / mean.
 * - mad: raw median absolute deviation from the median (NOT scaled by 1.4826).
 * - CI of the median, two of them:
 *   `ciMedian`: distribution-free order-statistic interval (the one the protocol's stopping rule uses);
 *   `ciMedianBootstrap`: percentile bootstrap, seeded (deterministic), default 2000 resamples, capped at
 *   2e8 drawn values in total for huge n (the number actually used is recorded).
 * - Outliers: Tukey fences on the type-7 quartiles; `mild` = beyond 1.5 IQR but within 3 IQR, `severe` =
 *   beyond 3 IQR. Counted and reported; never dropped.
 * - Warnings follow pyperf's spirit (each with a code and a message saying what to do).
 */
import { mulberry32 } from '../util/random.js';
import { mean as ssMean, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { medianCiRanks, type ProtocolRun } from './protocol.js';

/** Name of the percentile definition, stored with every stats block. */
export const PERCENTILE_DEFINITION = 'hyndman-fan-type7-linear';

/** Default bootstrap settings. */
export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 0x6d6e7634; // 'mnv4'
/** cap on resamples x n (draws) so huge sample sets stay fast; resamples shrink to fit. */
export const BOOTSTRAP_MAX_DRAWS = 2e8;

/** Summary statistics of samples, in ms. */
export interface SampleStats {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
  p99: number;
  stdev: number;
  mad: number;
  cv: number;
  ciMedian: { method: 'order-statistic'; lo: number; hi: number; confidence: number; coverage: number } | null;
  ciMedianBootstrap: { method: 'bootstrap-percentile'; lo: number; hi: number; confidence: number; resamples: number; seed: number } | null;
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
  };
  percentileDefinition: typeof PERCENTILE_DEFINITION;
}

/** A quality warning about a measurement. */
export interface StatsWarning {
  code: 'high-cv' | 'not-converged' | 'min-below-half-median' | 'too-few-samples' | 'timer-resolution' | 'high-load';
  message: string;
}

/** Deterministic PRNG, uniform in [0, 1) (mulberry32; shared with the weight generator). */
export const seededRandom = mulberry32;

function sortedCopy(x: readonly number[]): number[] {
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
export function computeStats(samples: readonly number[], opts: { confidence?: number; resamples?: number; seed?: number } = {}): SampleStats {
  const n = samples.length;
  if (n === 0) throw new Error('no samples to summarise');
  if (samples.some((v) => !Number.isFinite(v))) throw new Error('samples contain a non-finite value');
  const confidence = opts.confidence ?? 0.95;
  const s = sortedCopy(samples);
  const median = percentileSorted(s, 0.5);
  const mean = ssMean(s);
  const stdev = n > 1 ? sampleStandardDeviation(s) : 0;
  const dev = sortedCopy(s.map((v) => Math.abs(v - median)));
  const mad = percentileSorted(dev, 0.5);
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
  const ranks = medianCiRanks(n, confidence);
  return {
    n,
    median,
    mean,
    min: s[0]!,
    max: s[n - 1]!,
    p10: percentileSorted(s, 0.1),
    p90: percentileSorted(s, 0.9),
    p99: percentileSorted(s, 0.99),
    stdev,
    mad,
    cv: mean > 0 ? stdev / mean : 0,
    ciMedian: ranks ? { method: 'order-statistic', lo: s[ranks.lo]!, hi: s[ranks.hi]!, confidence, coverage: ranks.coverage } : null,
    ciMedianBootstrap: bootstrapMedianCi(s, { confidence, resamples: opts.resamples, seed: opts.seed }),
    outliers: { q1, q3, iqr, mild, severe, low, high },
    percentileDefinition: PERCENTILE_DEFINITION,
  };
}

/** Facts about the run that warnings need besides the stats. */
export interface WarningContext {
  converged?: boolean;
  stopReason?: string;
  /** timer resolution, ms. */
  timerResolutionMs?: number;
  /** calls per sample. */
  batchSize?: number;
  /** CPU share (0..1 of the whole machine) used by other processes during the measurement. */
  otherLoad?: number;
}

/** Thresholds of the warnings (pyperf-like). */
export const WARNING_THRESHOLDS = {
  cv: 0.1,
  minSamples: 20,
  /** a sample (median x batch) shorter than this many timer ticks is resolution-bound (>1% quantisation). */
  timerTicks: 100,
  otherLoad: 0.1,
} as const;

/** Quality warnings: each says what is wrong and what to do. */
export function statsWarnings(st: SampleStats, ctx: WarningContext = {}): StatsWarning[] {
  const w: StatsWarning[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (st.cv > WARNING_THRESHOLDS.cv) {
    w.push({ code: 'high-cv', message: `coefficient of variation is ${pct(st.cv)} (> ${pct(WARNING_THRESHOLDS.cv)}): the host is noisy; close other programs or use --preset rigorous` });
  }
  if (ctx.converged === false) {
    w.push({ code: 'not-converged', message: `did not converge (stopped by ${ctx.stopReason ?? 'a cap'}): the CI of the median is wider than the target; use a longer preset` });
  }
  if (st.min < st.median / 2) {
    w.push({ code: 'min-below-half-median', message: `minimum ${st.min.toPrecision(3)} ms is below half the median ${st.median.toPrecision(3)} ms: the distribution is unstable (frequency scaling, caching?)` });
  }
  if (st.n < WARNING_THRESHOLDS.minSamples) {
    w.push({ code: 'too-few-samples', message: `only ${st.n} samples (< ${WARNING_THRESHOLDS.minSamples}): statistics are rough; use a longer preset` });
  }
  if (ctx.timerResolutionMs !== undefined && ctx.timerResolutionMs > 0) {
    const ticks = (st.median * (ctx.batchSize ?? 1)) / ctx.timerResolutionMs;
    if (ticks < WARNING_THRESHOLDS.timerTicks) {
      w.push({ code: 'timer-resolution', message: `a sample spans only ${ticks.toFixed(0)} timer ticks of ${ctx.timerResolutionMs} ms: figures are timer-resolution-bound; allow more batching` });
    }
  }
  if (ctx.otherLoad !== undefined && ctx.otherLoad > WARNING_THRESHOLDS.otherLoad) {
    w.push({ code: 'high-load', message: `other processes used ${pct(ctx.otherLoad)} of the CPU during the measurement: stop them and re-run` });
  }
  return w;
}

/** Stats plus warnings for a protocol run. */
export function summariseRun(run: ProtocolRun, extra: { otherLoad?: number; resamples?: number; seed?: number } = {}): { stats: SampleStats; warnings: StatsWarning[] } {
  const stats = computeStats(run.samplesMs, { confidence: run.settings.confidence, resamples: extra.resamples, seed: extra.seed });
  const warnings = statsWarnings(stats, {
    converged: run.converged,
    stopReason: run.stopReason,
    timerResolutionMs: run.timerResolutionMs,
    batchSize: run.batchSize,
    otherLoad: extra.otherLoad,
  });
  return { stats, warnings };
}
