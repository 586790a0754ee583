/**
 * The measurement protocol: how long and how often to measure, and the ONE sampling loop every runner uses.
 *
 * No Node imports: esbuild bundles this module (with the pure modules it imports: steady-state.ts,
 * src/util/median.ts, src/errors.ts) into the browser page, and browser runners call `runProtocol` there, so no sample
 * crosses a puppeteer round trip. Node runners call the very same function with `performance.now()`.
 *
 * A measurement is `sessions` (k) independent sessions; the engine creates a fresh runtime session for
 * each and interleaves them across workloads and targets. `runProtocol` is ONE session, in order:
 *  1. cold call: the first call of `fn` is timed on its own and never mixed with the samples;
 *  2. timer: its resolution is the clock's granularity (the grid its readings fall on: the approximate
 *     greatest common divisor of the differences between readings), unless the clock states it; the cost
 *     of one read is measured apart (`timerReadCostMs`);
 *  3. warm-up until steady: single calls until `warmupMinIterations` and `warmupMinMs` are reached AND the
 *     last `warmupWindow` calls show no trend (steady-state.ts: Mann-Kendall p < 0.05 with a drift of at
 *     least the convergence target), checked every half window, at most `warmupMaxMs` (then
 *     `warmupSteady: false`). Warm-up calls are kept and reported, never part of the samples;
 *  4. batching: when one call (median of the last warm-up window) is shorter than `batchResolutionFactor` x
 *     max(timer resolution, read cost), one sample times `batch` consecutive calls and records
 *     elapsed/batch (quantisation error and clock overhead per sample <= 1/factor of a call);
 *  5. sampling in two stages (Stein's two-stage scheme; checking the CI after every sample and stopping
 *     when it is narrow enough lowers its coverage, to 0.93 at a nominal 0.95 in our simulation): a pilot of
 *     `minSamples` samples and `minTimeMs`; from the pilot's CI half-width e0 the second stage's size is
 *     fixed, n = ceil(n_pilot x (e0 / target)^2 x 2), at least `minSamples` (the CI width shrinks as
 *     1/sqrt(n)); the second stage alone is the sample (its size was fixed before its values were seen),
 *     the pilot is kept apart like warm-up. `maxSamples` (pilot included) and `maxTimeMs` (of the whole
 *     sampling phase) cap it; when a cap or an abort cuts sampling short, every sample taken is the sample;
 *  6. verdict, on the sample: the distribution-free CI of the median at `confidence`; its relative
 *     half-width is the LARGER one-sided distance, max(median - lo, hi - median) / median, so "converged"
 *     means the whole CI lies within median x (1 +- targetRelHalfWidth). A session converges when that holds
 *     and the sampling phase (pilot included) shows no trend (Mann-Kendall p < 0.01 with |drift| >= target).
 *
 * All times are milliseconds per call of `fn`.
 */
import { InputError } from '../errors.js';
import { medianSorted } from '../util/median.js';
import type { MedianCi, ProtocolHooks, ProtocolRun, ProtocolSettings, StopReason } from '../core/protocol-run.js';
import { trendTest } from './steady-state.js';

export { medianSorted };

/** Names of the built-in presets. */
export type PresetName = 'quick' | 'default' | 'rigorous' | 'paper';

/** Mann-Kendall level of the warm-up's steady-state test (stricter about calling a series steady). */
export const WARMUP_TREND_ALPHA = 0.05;
/** Mann-Kendall level of the trend test on a session's samples. */
export const SAMPLES_TREND_ALPHA = 0.01;
/**
 * Margin on the planned sample size (the pilot's CI width is itself an estimate): in the coverage simulation
 * (log-normal calls, 5% spread, pilot of 30, target 1%) 1.5 let 79% of sessions converge, 2 lets 89%.
 */
export const PLAN_SAFETY = 2;

/**
 * Presets. `rigorous` meets MLPerf Mobile's single-stream minimum (>= 1024 queries and >= 60 s) over its
 * five sessions together. `quick` is for smoke runs and the host job (26 cells on 2 cores in minutes);
 * `default` for interactive use.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<ProtocolSettings>>> = {
  quick: {
    name: 'quick',
    sessions: 3,
    warmupMinIterations: 3,
    warmupMinMs: 100,
    warmupWindow: 10,
    warmupMaxMs: 1_500,
    minSamples: 20,
    minTimeMs: 300,
    maxSamples: 2000,
    maxTimeMs: 2_000,
    targetRelHalfWidth: 0.02,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
  default: {
    name: 'default',
    sessions: 3,
    warmupMinIterations: 10,
    warmupMinMs: 500,
    warmupWindow: 20,
    warmupMaxMs: 10_000,
    minSamples: 50,
    minTimeMs: 1_000,
    maxSamples: 20_000,
    maxTimeMs: 15_000,
    targetRelHalfWidth: 0.01,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
  rigorous: {
    name: 'rigorous',
    sessions: 5,
    warmupMinIterations: 20,
    warmupMinMs: 5_000,
    warmupWindow: 40,
    warmupMaxMs: 60_000,
    minSamples: 256,
    minTimeMs: 12_000,
    maxSamples: 1_000_000,
    maxTimeMs: 120_000,
    targetRelHalfWidth: 0.005,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
  /**
   * The paper's App. B protocol: "each model is run about 1000 times and the mean taken; this is repeated 5
   * times and the median of the means reported" (arXiv 2404.10518; /work/shared/reference/mnv4.md). So 5
   * sessions of exactly 1000 timed runs, no minimum time. App. B states no warm-up: 50 runs and 1 s are ours,
   * and the cap of 10 min per phase only stops a model slower than 0.6 s per run.
   */
  paper: {
    name: 'paper',
    sessions: 5,
    warmupMinIterations: 50,
    warmupMinMs: 1_000,
    warmupWindow: 20,
    warmupMaxMs: 60_000,
    minSamples: 1000,
    minTimeMs: 0,
    maxSamples: 1000,
    maxTimeMs: 600_000,
    targetRelHalfWidth: 0.01,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
};

/** Names of the presets: three of rising rigour, then the paper's App. B protocol. */
export const PRESET_NAMES: readonly PresetName[] = ['quick', 'default', 'rigorous', 'paper'];

/** Thrown for an unknown preset or inconsistent settings; the message says what to change. */
export class ProtocolError extends InputError {
  override name = 'ProtocolError';
}

/** A preset by name (a copy), optionally with overrides (then `name` becomes `<preset>+custom`). */
export function getPreset(name: string, overrides: Partial<ProtocolSettings> = {}): ProtocolSettings {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new ProtocolError(`unknown preset '${name}'; use one of: ${PRESET_NAMES.join(', ')}`);
  }
  const base = PRESETS[name as PresetName];
  const changed = Object.keys(overrides).some((k) => k !== 'name' && overrides[k as keyof ProtocolSettings] !== undefined);
  const merged: ProtocolSettings = { ...base };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  if (overrides.name === undefined) merged.name = changed ? `${base.name}+custom` : base.name;
  return validateProtocol(merged);
}

/** Checks ranges and consistency; returns the same object or throws ProtocolError. */
export function validateProtocol(p: ProtocolSettings): ProtocolSettings {
  const intAtLeast = (k: keyof ProtocolSettings, min: number) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new ProtocolError(`protocol ${k} must be an integer >= ${min}, got ${String(v)}`);
  };
  const numAtLeast = (k: keyof ProtocolSettings, min: number) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
      throw new ProtocolError(`protocol ${k} must be a number >= ${min}, got ${String(v)}`);
  };
  intAtLeast('sessions', 1);
  intAtLeast('warmupMinIterations', 0);
  numAtLeast('warmupMinMs', 0);
  intAtLeast('warmupWindow', 4);
  numAtLeast('warmupMaxMs', 0);
  intAtLeast('minSamples', 6);
  numAtLeast('minTimeMs', 0);
  intAtLeast('maxSamples', 1);
  numAtLeast('maxTimeMs', 0);
  numAtLeast('batchResolutionFactor', 1);
  intAtLeast('maxBatch', 1);
  if (!(p.targetRelHalfWidth > 0 && p.targetRelHalfWidth < 1))
    throw new ProtocolError(`protocol targetRelHalfWidth must be in (0, 1), got ${p.targetRelHalfWidth}`);
  if (!(p.confidence > 0.5 && p.confidence < 1)) throw new ProtocolError(`protocol confidence must be in (0.5, 1), got ${p.confidence}`);
  if (p.maxSamples < p.minSamples) throw new ProtocolError(`protocol maxSamples (${p.maxSamples}) must be >= minSamples (${p.minSamples})`);
  if (p.maxTimeMs < p.minTimeMs) throw new ProtocolError(`protocol maxTimeMs (${p.maxTimeMs}) must be >= minTimeMs (${p.minTimeMs})`);
  if (p.warmupMaxMs < p.warmupMinMs) throw new ProtocolError(`protocol warmupMaxMs (${p.warmupMaxMs}) must be >= warmupMinMs (${p.warmupMinMs})`);
  return p;
}

/** A monotonic clock in milliseconds. */
export interface Clock {
  /** e.g. 'performance.now' or 'process.hrtime'. Recorded with the result. */
  name: string;
  now(): number;
  /** known resolution in ms; when absent, `runProtocol` measures it. */
  resolutionMs?: number;
}

/** `performance.now()` of the current realm (Node >= 16 and browsers). */
export function performanceClock(): Clock {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  if (!perf) throw new ProtocolError('performance.now() is not available in this runtime');
  return { name: 'performance.now', now: () => perf.now() };
}

/**
 * 0-based ranks [lo, hi] of the distribution-free (order statistic) confidence interval of the median:
 * [x_(j), x_(n-j+1)] in 1-based terms, with the largest j such that 2 P(B <= j-1) <= 1 - confidence,
 * B ~ Binomial(n, 1/2). Exact for every n (binomial pmf summed in log space, O(n) at worst).
 * Returns null when n is too small for any interval at that confidence (n < 6 at 95%).
 * The actual coverage (>= confidence) is returned as well.
 */
export function medianCiRanks(n: number, confidence = 0.95): { lo: number; hi: number; coverage: number } | null {
  if (n < 1) return null;
  const alphaHalf = (1 - confidence) / 2;
  // cumulative P(B <= k), k = 0, 1, ...; stop at the first k where it exceeds alpha/2.
  let logPmf = -n * Math.LN2; // log P(B = 0)
  let cdf = 0;
  let j = 0; // number of order statistics we may cut from each tail
  for (let k = 0; k < n; k++) {
    const next = cdf + Math.exp(logPmf);
    if (next > alphaHalf) break;
    cdf = next;
    j = k + 1;
    logPmf += Math.log((n - k) / (k + 1));
  }
  if (j < 1) return null;
  // with 1-based j, the interval [x_(j), x_(n-j+1)] has coverage 1 - 2 P(B <= j-1) = 1 - 2 cdf.
  const lo = j - 1;
  const hi = n - j;
  if (lo > hi) return null;
  return { lo, hi, coverage: 1 - 2 * cdf };
}

/** Relative half-width of a CI around `median`: the larger one-sided distance over the median. */
export function relHalfWidth(lo: number, hi: number, median: number): number {
  return median > 0 ? Math.max(median - lo, hi - median) / median : Infinity;
}

/** Distribution-free CI of the median of (unsorted) samples; null when n is too small. */
export function medianCi(samples: ArrayLike<number>, confidence = 0.95): MedianCi | null {
  const r = medianCiRanks(samples.length, confidence);
  if (!r) return null;
  const sorted = Float64Array.from(samples).sort();
  const median = medianSorted(sorted);
  const lo = sorted[r.lo] as number;
  const hi = sorted[r.hi] as number;
  return { lo, hi, median, relHalfWidth: relHalfWidth(lo, hi, median), confidence };
}

/**
 * Greatest common divisor of positive numbers up to `tol`: Euclid with the nearest remainder, so a value
 * that is a multiple of the grid plus rounding noise below `tol` still divides. Returns at least `tol`.
 */
export function approximateGcd(values: readonly number[], tol: number): number {
  let g = 0;
  for (const v0 of values) {
    let a = Math.abs(v0);
    let b = g;
    if (a < b) [a, b] = [b, a];
    while (b > tol) {
      const r = Math.abs(a - b * Math.round(a / b));
      a = b;
      b = r;
    }
    g = a;
  }
  return Math.max(g, tol);
}

/** What `measureClock` finds. */
export interface ClockFacts {
  /** the grid the readings fall on, ms (the clock's resolution). */
  granularityMs: number;
  /** smallest nonzero difference between two consecutive reads, ms (>= granularity; often the read cost). */
  minDeltaMs: number;
  /** mean cost of one read, ms. */
  readCostMs: number;
}

/**
 * Measures a clock: reads it until at least `wantedDeltas` nonzero differences between consecutive reads
 * were seen (at least `minReads` reads, at most `hardCap`). The granularity is the approximate GCD of those
 * differences, with a tolerance of 64 units in the last place of the largest reading (the rounding noise of
 * a millisecond double); a fine clock read slowly then still shows its real grid, not the read cost.
 * Throws ProtocolError for a clock that never advances.
 */
export function measureClock(clock: Clock, minReads = 20_000, wantedDeltas = 64, hardCap = 20_000_000): ClockFacts {
  const deltas: number[] = [];
  const first = clock.now();
  let prev = first;
  let reads = 1;
  let maxAbs = Math.abs(first);
  while (reads < hardCap && (reads < minReads || deltas.length < wantedDeltas)) {
    const t = clock.now();
    reads++;
    const d = t - prev;
    if (d > 0 && deltas.length < 4 * wantedDeltas) deltas.push(d);
    prev = t;
    if (reads % 1024 === 0) maxAbs = Math.max(maxAbs, Math.abs(t));
  }
  if (deltas.length === 0) throw new ProtocolError(`clock '${clock.name}' did not advance in ${hardCap} reads; it cannot time anything`);
  maxAbs = Math.max(maxAbs, Math.abs(prev));
  const tol = 64 * maxAbs * Number.EPSILON;
  const minDeltaMs = Math.min(...deltas);
  return { granularityMs: Math.min(minDeltaMs, approximateGcd(deltas, tol)), minDeltaMs, readCostMs: (prev - first) / (reads - 1) };
}

/** Mean cost of one read of `clock` over `reads` reads, ms (0 for a clock that does not advance on reads). */
export function readCost(clock: Clock, reads: number): number {
  const first = clock.now();
  let last = first;
  for (let i = 1; i < reads; i++) last = clock.now();
  return Math.max(0, (last - first) / (reads - 1));
}

/** The clock's resolution (granularity) in ms; see measureClock. Kept for callers that want one number. */
export function detectTimerResolution(clock: Clock): number {
  return measureClock(clock).granularityMs;
}

/**
 * Size of the second stage from a pilot of `n0` samples whose CI relative half-width is `e0`: the CI
 * half-width shrinks as 1/sqrt(n), so n = n0 (e0 / target)^2 x PLAN_SAFETY, at least `minSamples`.
 * Infinite e0 (pilot too small for a CI) plans a huge stage that the caps cut short.
 */
export function plannedSampleSize(minSamples: number, n0: number, e0: number, target: number): number {
  if (!Number.isFinite(e0)) return Number.MAX_SAFE_INTEGER;
  return Math.max(minSamples, Math.ceil(n0 * (e0 / target) ** 2 * PLAN_SAFETY));
}

/**
 * The state of two-stage sampling (pilot, then a second stage of planned size), shared by `runProtocol` and the
 * paired loop of src/profiles/paired-protocol.ts so that both stop by the same rule.
 */
export interface TwoStage {
  capped: 'max-samples' | 'max-time' | 'aborted' | null;
  /** samples in the pilot (0 until it is complete). */
  pilotN: number;
  /** pilot + planned second stage. */
  plannedTotal: number;
  /** relative half-width of the pilot's CI (Infinity before it). */
  lastRel: number;
}

export function startTwoStage(): TwoStage {
  return { capped: null, pilotN: 0, plannedTotal: 0, lastRel: Infinity };
}

/**
 * One step after a new sample (n samples so far, `elapsed` ms of sampling): completes the pilot once it has
 * its minimum samples and time (planning the second stage once, from the pilot's CI of `samples()`), reports
 * progress, and says whether to stop (setting `capped` when a cap, not the plan, ended it).
 */
export function twoStageStep(
  st: TwoStage,
  p: ProtocolSettings,
  n: number,
  elapsed: number,
  samples: () => ArrayLike<number>,
  hooks: ProtocolHooks,
): boolean {
  if (st.pilotN === 0 && n >= p.minSamples && elapsed >= p.minTimeMs) {
    // the pilot is complete: plan the second stage once, from the pilot's CI.
    const ci = medianCi(samples(), p.confidence);
    st.lastRel = ci ? ci.relHalfWidth : Infinity;
    st.pilotN = n;
    st.plannedTotal = Math.min(p.maxSamples, n + plannedSampleSize(p.minSamples, n, st.lastRel, p.targetRelHalfWidth));
  }
  hooks.onSample?.(n, elapsed, st.lastRel);
  if (n >= p.maxSamples) {
    // also when the plan itself was clamped to the cap: the data asked for more
    st.capped = 'max-samples';
    return true;
  }
  if (st.pilotN > 0 && n >= st.plannedTotal) return true;
  if (elapsed >= p.maxTimeMs) {
    st.capped = 'max-time';
    return true;
  }
  return false;
}

/**
 * Runs one session of the protocol on `fn` (one inference, sync or async) and returns the raw samples.
 * See the module comment for the phases. `fn` must do the complete work of one call, including any
 * read-back that proves the work finished (e.g. GPU output download).
 * Long on purpose (about 145 lines): the six numbered phases share the clock, the call counter and the
 * samples, and read top to bottom in the order they run; each phase is a short block.
 */
export async function runProtocol(
  fn: () => unknown,
  settings: ProtocolSettings,
  clock: Clock = performanceClock(),
  hooks: ProtocolHooks = {},
): Promise<ProtocolRun> {
  const p = validateProtocol({ ...settings });
  const t = () => clock.now();
  const tStart = t();
  let totalCalls = 0;
  const call = async () => {
    // await only real promises: a sync fn must not pay a microtask per call inside the timed region.
    const r = fn();
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') await r;
  };

  // 1. cold call, timed apart.
  hooks.onPhase?.('cold');
  const c0 = t();
  await call();
  const coldMs = t() - c0;
  totalCalls++;

  // 2. timer: granularity and read cost.
  hooks.onPhase?.('resolution');
  const stated = clock.resolutionMs !== undefined && clock.resolutionMs > 0;
  // a stated resolution needs only the read cost (a virtual clock may not advance on reads at all: cost 0)
  const facts = stated ? { readCostMs: readCost(clock, 1000) } : measureClock(clock);
  const timerResolutionMs = stated ? clock.resolutionMs! : (facts as ClockFacts).granularityMs;

  // 3. warm-up until steady (or the cap).
  hooks.onPhase?.('warmup');
  const warmupMs: number[] = [];
  const w0 = t();
  let wEnd = w0;
  let warmupSteady = false;
  let nextTrendCheck = 0;
  const half = Math.max(1, p.warmupWindow >> 1);
  for (;;) {
    if (hooks.shouldAbort?.()) break;
    const a = t();
    await call();
    wEnd = t();
    warmupMs.push(wEnd - a);
    totalCalls++;
    const n = warmupMs.length;
    if (n >= p.warmupMinIterations && wEnd - w0 >= p.warmupMinMs && n >= p.warmupWindow && n >= nextTrendCheck) {
      nextTrendCheck = n + half;
      const window = warmupMs.slice(n - p.warmupWindow);
      if (!trendTest(window, { alpha: WARMUP_TREND_ALPHA, minDrift: p.targetRelHalfWidth }).trending) {
        warmupSteady = true;
        break;
      }
    }
    if (wEnd - w0 >= p.warmupMaxMs && n >= p.warmupMinIterations) break;
  }

  // 4. batch size from the steady calls: the median of the last window (the early, slow calls of warm-up
  // would under-batch). The median of quantised single calls is still within one tick.
  const steadyTail = warmupMs.slice(-p.warmupWindow);
  const perCall = steadyTail.length > 0 ? medianSorted(Float64Array.from(steadyTail).sort()) : coldMs;
  const wanted = p.batchResolutionFactor * Math.max(timerResolutionMs, facts.readCostMs);
  let batchSize = 1;
  if (perCall < wanted) batchSize = Math.min(p.maxBatch, Math.max(1, Math.ceil(wanted / Math.max(perCall, timerResolutionMs / 1000))));

  // 5. sampling: a pilot, then a second stage of the size planned from it.
  hooks.onPhase?.('sampling');
  const all: number[] = [];
  const s0 = t();
  let elapsed = 0;
  const st = startTwoStage();
  for (;;) {
    if (hooks.shouldAbort?.()) {
      st.capped = 'aborted';
      break;
    }
    const a = t();
    for (let i = 0; i < batchSize; i++) await call();
    const b = t();
    all.push((b - a) / batchSize);
    totalCalls += batchSize;
    elapsed = b - s0;
    const n = all.length;
    if (twoStageStep(st, p, n, elapsed, () => all, hooks)) break;
  }
  // The second stage alone is the sample when it ran to its planned size: its size was fixed before any of
  // its values were seen, so its CI has the stated coverage. When a cap or an abort cut sampling short,
  // the sample size was set by the clock, not by the data: all samples form the sample.
  const complete = st.pilotN > 0 && st.capped === null;
  const pilotMs = complete ? all.slice(0, st.pilotN) : [];
  const samplesMs = complete ? all.slice(st.pilotN) : all;

  // 6. verdict: one CI, and a trend test over the whole sampling phase.
  const ci = medianCi(samplesMs, p.confidence);
  const trend = trendTest(all, { alpha: SAMPLES_TREND_ALPHA, minDrift: p.targetRelHalfWidth });
  const within = ci !== null && ci.relHalfWidth <= p.targetRelHalfWidth;
  let stopReason: StopReason;
  if (st.capped === 'aborted') stopReason = 'aborted';
  else if (trend.trending) stopReason = 'trend';
  else if (within) stopReason = 'converged';
  else stopReason = st.capped ?? 'ci-too-wide';
  hooks.onPhase?.('done');
  const tEnd = t();
  return {
    settings: p,
    clock: clock.name,
    timerResolutionMs,
    timerResolutionMeasured: !stated,
    timerReadCostMs: facts.readCostMs,
    coldMs,
    warmupMs,
    warmupSteady,
    batchSize,
    pilotMs,
    samplesMs,
    plannedSamples: complete ? st.plannedTotal - st.pilotN : samplesMs.length,
    converged: stopReason === 'converged',
    stopReason,
    medianCi: ci,
    trend,
    samplingMs: elapsed,
    totalMs: tEnd - tStart,
    totalCalls,
  };
}
