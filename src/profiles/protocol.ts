/**
 * The measurement protocol: how long and how often to measure, and the ONE sampling loop every runner uses.
 *
 * This module has NO Node imports and no imports at all besides types: esbuild bundles it into the browser
 * page and browser runners call `runProtocol` there, so no sample crosses a puppeteer round trip. Node
 * runners call the very same function with `performance.now()`.
 *
 * The loop (`runProtocol`), in order:
 *  1. cold call: the first call of `fn` is timed on its own and never mixed with the samples;
 *  2. timer resolution: the smallest nonzero difference between two consecutive clock reads (unless the
 *     clock states its resolution);
 *  3. warm-up: single calls until BOTH `warmupMinIterations` and `warmupMinMs` are reached (kept, reported,
 *     never part of the samples);
 *  4. batching: when one call (mean over warm-up) is shorter than `batchResolutionFactor` x the timer
 *     resolution, one sample times `batch` consecutive calls and records elapsed/batch (quantisation error
 *     per sample <= 1/factor of a call);
 *  5. sampling: until the distribution-free 95% CI of the median is within `targetRelHalfWidth` of the median
 *     AND `minSamples` and `minTimeMs` are met (-> converged), or `maxSamples` / `maxTimeMs` is hit, or the
 *     caller aborts (-> converged: false, with the stop reason).
 *
 * All times are milliseconds per call of `fn`.
 */
import { InputError } from '../errors.js';

/** Names of the built-in presets. */
export type PresetName = 'quick' | 'default' | 'rigorous';

/** Everything that decides how long and how often to measure. Validated by `validateProtocol`. */
export interface ProtocolSettings {
  /** preset name, or 'custom' after overrides. */
  name: string;
  /** warm-up ends when at least this many single calls ran ... */
  warmupMinIterations: number;
  /** ... and at least this much time (ms) passed in warm-up. */
  warmupMinMs: number;
  /** never stop (converged) before this many samples. */
  minSamples: number;
  /** never stop (converged) before this much sampling time (ms, wall clock of the sampling phase). */
  minTimeMs: number;
  /** hard cap on samples: stop with converged=false ('max-samples') unless converged before. */
  maxSamples: number;
  /** hard cap on sampling time (ms): stop with converged=false ('max-time') unless converged before. */
  maxTimeMs: number;
  /**
   * convergence target: half-width of the CI of the median relative to the median, i.e. the CI must lie
   * within median x (1 +- targetRelHalfWidth). 0.01 = "median +- 1%".
   */
  targetRelHalfWidth: number;
  /** confidence level of the CI of the median (0.95). */
  confidence: number;
  /** batch calls when one call < factor x timer resolution (1000: quantisation error <= 0.1% per sample). */
  batchResolutionFactor: number;
  /** upper bound on calls per sample. */
  maxBatch: number;
}

/**
 * Presets. `rigorous` follows MLPerf Mobile's minimum for single-stream latency (>= 1024 queries and >= 60 s).
 * `quick` is for smoke runs and CI; `default` for interactive use.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<ProtocolSettings>>> = {
  quick: {
    name: 'quick',
    warmupMinIterations: 3,
    warmupMinMs: 200,
    minSamples: 20,
    minTimeMs: 500,
    maxSamples: 2000,
    maxTimeMs: 5_000,
    targetRelHalfWidth: 0.02,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
  default: {
    name: 'default',
    warmupMinIterations: 10,
    warmupMinMs: 1_000,
    minSamples: 50,
    minTimeMs: 2_000,
    maxSamples: 20_000,
    maxTimeMs: 30_000,
    targetRelHalfWidth: 0.01,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
  rigorous: {
    name: 'rigorous',
    warmupMinIterations: 20,
    warmupMinMs: 5_000,
    minSamples: 1024,
    minTimeMs: 60_000,
    maxSamples: 1_000_000,
    maxTimeMs: 600_000,
    targetRelHalfWidth: 0.005,
    confidence: 0.95,
    batchResolutionFactor: 1000,
    maxBatch: 10_000,
  },
};

/** Names of the presets, in order of rigour. */
export const PRESET_NAMES: readonly PresetName[] = ['quick', 'default', 'rigorous'];

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
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ProtocolError(`protocol ${k} must be an integer >= ${min}, got ${String(v)}`);
  };
  const numAtLeast = (k: keyof ProtocolSettings, min: number) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new ProtocolError(`protocol ${k} must be a number >= ${min}, got ${String(v)}`);
  };
  intAtLeast('warmupMinIterations', 0);
  numAtLeast('warmupMinMs', 0);
  intAtLeast('minSamples', 1);
  numAtLeast('minTimeMs', 0);
  intAtLeast('maxSamples', 1);
  numAtLeast('maxTimeMs', 0);
  numAtLeast('batchResolutionFactor', 1);
  intAtLeast('maxBatch', 1);
  if (!(p.targetRelHalfWidth > 0 && p.targetRelHalfWidth < 1)) throw new ProtocolError(`protocol targetRelHalfWidth must be in (0, 1), got ${p.targetRelHalfWidth}`);
  if (!(p.confidence > 0.5 && p.confidence < 1)) throw new ProtocolError(`protocol confidence must be in (0.5, 1), got ${p.confidence}`);
  if (p.maxSamples < p.minSamples) throw new ProtocolError(`protocol maxSamples (${p.maxSamples}) must be >= minSamples (${p.minSamples})`);
  if (p.maxTimeMs < p.minTimeMs) throw new ProtocolError(`protocol maxTimeMs (${p.maxTimeMs}) must be >= minTimeMs (${p.minTimeMs})`);
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

/** Why the sampling loop stopped. Only 'converged' means the CI target and the minimums were met. */
export type StopReason = 'converged' | 'max-samples' | 'max-time' | 'aborted';

/** Progress callbacks; all optional and cheap (called at most once per sample). */
export interface ProtocolHooks {
  /** phase changes: 'cold' -> 'resolution' -> 'warmup' -> 'sampling' -> 'done'. */
  onPhase?(phase: 'cold' | 'resolution' | 'warmup' | 'sampling' | 'done'): void;
  /** after each recorded sample. `relHalfWidth` is the last computed CI half-width (Infinity before). */
  onSample?(n: number, elapsedMs: number, relHalfWidth: number): void;
  /** polled between samples; when true the loop stops with stopReason 'aborted'. */
  shouldAbort?(): boolean;
}

/** What the sampling loop returns: raw data plus how and why it stopped. */
export interface ProtocolRun {
  /** the settings used (validated copy). */
  settings: ProtocolSettings;
  clock: string;
  /** smallest nonzero clock delta observed (or the clock's stated resolution), ms. */
  timerResolutionMs: number;
  /** whether the resolution was measured (true) or stated by the clock (false). */
  timerResolutionMeasured: boolean;
  /** the first call, ms (after whatever setup the caller did; the runner records session creation apart). */
  coldMs: number;
  /** warm-up calls, ms each, in order. */
  warmupMs: number[];
  /** calls per sample (1 = no batching). */
  batchSize: number;
  /** samples, ms per call (elapsed of a batch / batchSize), in the order taken. */
  samplesMs: number[];
  converged: boolean;
  stopReason: StopReason;
  /** the distribution-free CI of the median at stop (null when n is too small for any CI). */
  medianCi: { lo: number; hi: number; median: number; relHalfWidth: number; confidence: number } | null;
  /** wall time of the sampling phase, ms. */
  samplingMs: number;
  /** wall time of the whole protocol (cold + resolution + warm-up + sampling), ms. */
  totalMs: number;
  /** calls of fn in total (cold + warm-up + samples x batch). */
  totalCalls: number;
}

/** Median of an ascending-sorted array (mean of the middle two for even n). */
export function medianSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 === 1 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
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
  // cutting j from each side: interval [x_(j+1-1)...]: with 1-based j' = j, interval [x_(j'), x_(n-j'+1)]
  // has coverage 1 - 2 P(B <= j'-1) = 1 - 2*cdf where cdf = P(B <= j-1).
  const lo = j - 1;
  const hi = n - j;
  if (lo > hi) return null;
  return { lo, hi, coverage: 1 - 2 * cdf };
}

/** Distribution-free CI of the median of (unsorted) samples; null when n is too small. */
export function medianCi(samples: readonly number[], confidence = 0.95): { lo: number; hi: number; median: number; relHalfWidth: number; confidence: number } | null {
  const r = medianCiRanks(samples.length, confidence);
  if (!r) return null;
  const sorted = Float64Array.from(samples).sort();
  const median = medianSorted(sorted);
  const lo = sorted[r.lo] as number;
  const hi = sorted[r.hi] as number;
  const relHalfWidth = median > 0 ? (hi - lo) / 2 / median : Infinity;
  return { lo, hi, median, relHalfWidth, confidence };
}

/**
 * Smallest nonzero delta between consecutive reads of `clock`: collects up to `wantedDeltas` nonzero deltas
 * within `maxReads` reads; if none appeared by then, keeps reading (up to `hardCap`) until the first one.
 * Throws ProtocolError for a clock that never advances.
 */
export function detectTimerResolution(clock: Clock, maxReads = 200_000, wantedDeltas = 50, hardCap = 20_000_000): number {
  let best = Infinity;
  let seen = 0;
  let prev = clock.now();
  for (let i = 0; i < hardCap && seen < wantedDeltas && (i < maxReads || seen === 0); i++) {
    const t = clock.now();
    const d = t - prev;
    if (d > 0) {
      if (d < best) best = d;
      seen++;
    }
    prev = t;
  }
  if (seen === 0) throw new ProtocolError(`clock '${clock.name}' did not advance in ${hardCap} reads; it cannot time anything`);
  return best;
}

/**
 * Runs the protocol on `fn` (one inference, sync or async) and returns the raw samples.
 * See the module comment for the phases. `fn` must do the complete work of one call, including any
 * read-back that proves the work finished (e.g. GPU output download).
 */
export async function runProtocol(fn: () => unknown, settings: ProtocolSettings, clock: Clock = performanceClock(), hooks: ProtocolHooks = {}): Promise<ProtocolRun> {
  const p = validateProtocol({ ...settings });
  const t = () => clock.now();
  const tStart = t();
  let totalCalls = 0;

  // 1. cold call, timed apart.
  hooks.onPhase?.('cold');
  const c0 = t();
  await fn();
  const coldMs = t() - c0;
  totalCalls++;

  // 2. timer resolution.
  hooks.onPhase?.('resolution');
  let timerResolutionMs: number;
  let timerResolutionMeasured: boolean;
  if (clock.resolutionMs !== undefined && clock.resolutionMs > 0) {
    timerResolutionMs = clock.resolutionMs;
    timerResolutionMeasured = false;
  } else {
    timerResolutionMs = detectTimerResolution(clock);
    timerResolutionMeasured = true;
  }

  // 3. warm-up: single calls until both minimums are met.
  hooks.onPhase?.('warmup');
  const warmupMs: number[] = [];
  const w0 = t();
  let wEnd = w0;
  while (warmupMs.length < p.warmupMinIterations || wEnd - w0 < p.warmupMinMs) {
    if (hooks.shouldAbort?.()) break;
    const a = t();
    await fn();
    wEnd = t();
    warmupMs.push(wEnd - a);
    totalCalls++;
  }

  // 4. batch size from the mean warm-up call (the mean of quantised single calls is still unbiased;
  // with no warm-up, fall back to the cold call, which over-estimates the call and so under-batches).
  const perCall = warmupMs.length > 0 ? (wEnd - w0) / warmupMs.length : coldMs;
  const wanted = p.batchResolutionFactor * timerResolutionMs;
  let batchSize = 1;
  if (perCall < wanted) batchSize = Math.min(p.maxBatch, Math.max(1, Math.ceil(wanted / Math.max(perCall, timerResolutionMs / 1000))));

  // 5. sampling. The CI costs a sort, so it is checked on a geometric schedule (every ~5% more samples).
  hooks.onPhase?.('sampling');
  const samplesMs: number[] = [];
  const s0 = t();
  let elapsed = 0;
  let stopReason: StopReason = 'max-samples';
  let lastRel = Infinity;
  let nextCheck = p.minSamples;
  let ci: ProtocolRun['medianCi'] = null;
  for (;;) {
    if (hooks.shouldAbort?.()) {
      stopReason = 'aborted';
      break;
    }
    const a = t();
    for (let i = 0; i < batchSize; i++) {
      // await only real promises: a sync fn must not pay a microtask per call inside the timed region.
      const r = fn();
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') await r;
    }
    const b = t();
    samplesMs.push((b - a) / batchSize);
    totalCalls += batchSize;
    elapsed = b - s0;
    const n = samplesMs.length;
    if (n >= nextCheck && elapsed >= p.minTimeMs) {
      ci = medianCi(samplesMs, p.confidence);
      lastRel = ci ? ci.relHalfWidth : Infinity;
      nextCheck = n + Math.max(1, Math.floor(n / 20));
      if (lastRel <= p.targetRelHalfWidth) {
        stopReason = 'converged';
        break;
      }
    }
    hooks.onSample?.(n, elapsed, lastRel);
    if (n >= p.maxSamples) {
      stopReason = 'max-samples';
      break;
    }
    if (elapsed >= p.maxTimeMs) {
      stopReason = 'max-time';
      break;
    }
  }
  // the CI at stop, always computed on the final samples.
  ci = medianCi(samplesMs, p.confidence);
  hooks.onPhase?.('done');
  const tEnd = t();
  return {
    settings: p,
    clock: clock.name,
    timerResolutionMs,
    timerResolutionMeasured,
    coldMs,
    warmupMs,
    batchSize,
    samplesMs,
    converged: stopReason === 'converged',
    stopReason,
    medianCi: ci,
    samplingMs: elapsed,
    totalMs: tEnd - tStart,
    totalCalls,
  };
}
