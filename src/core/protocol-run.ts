/**
 * The protocol's contract (shared): the settings that decide how long and how often to measure, and what one
 * session of the sampling loop returns (raw samples, warm-up, batch size, timer facts, why it stopped). The
 * loop itself is src/profiles/protocol.ts (also bundled into the browser page); its steady-state test is
 * src/profiles/steady-state.ts.
 */

/** Result of a trend test. */
export interface TrendTest {
  n: number;
  /** Mann-Kendall S. */
  s: number;
  /** z with continuity correction (0 when Var S = 0). */
  z: number;
  /** two-sided p-value. */
  p: number;
  /** (median second half - median first half) / median of all; 0 for n < 2. */
  drift: number;
  /** p < alpha and |drift| >= minDrift. */
  trending: boolean;
}

/** Everything that decides how long and how often to measure. Validated by `validateProtocol`. */
export interface ProtocolSettings {
  /** preset name, or '<preset>+custom' after overrides. */
  name: string;
  /** independent sessions per measurement (each its own session creation, warm-up and samples). */
  sessions: number;
  /** warm-up lasts at least this many single calls ... */
  warmupMinIterations: number;
  /** ... and at least this much time (ms) ... */
  warmupMinMs: number;
  /** ... and until the last `warmupWindow` calls show no trend ... */
  warmupWindow: number;
  /** ... but at most this long (ms): then the session goes on with `warmupSteady: false`. */
  warmupMaxMs: number;
  /** pilot: at least this many samples before the sample size is planned. */
  minSamples: number;
  /** pilot: at least this much sampling time (ms) before the sample size is planned. */
  minTimeMs: number;
  /** hard cap on samples per session. */
  maxSamples: number;
  /** hard cap on sampling time per session (ms). */
  maxTimeMs: number;
  /**
   * convergence target: the CI of the median must lie within median x (1 +- targetRelHalfWidth), and
   * sessions must agree within it. 0.01 = "median +- 1%".
   */
  targetRelHalfWidth: number;
  /** confidence level of the CIs of the median (0.95). */
  confidence: number;
  /** batch calls when one call < factor x timer resolution (1000: quantisation error <= 0.1% per sample). */
  batchResolutionFactor: number;
  /** upper bound on calls per sample. */
  maxBatch: number;
}

/**
 * The verdict of a session: 'converged' (CI within target, no trend), else why not: 'trend' (the samples
 * drift), 'ci-too-wide' (the planned n was reached but the CI is still wider than the target),
 * 'max-samples' / 'max-time' (a cap stopped sampling before the planned n), 'aborted'.
 */
export type StopReason = 'converged' | 'trend' | 'ci-too-wide' | 'max-samples' | 'max-time' | 'aborted';

/** Progress callbacks; all optional and cheap (called at most once per sample). */
export interface ProtocolHooks {
  /** phase changes: 'cold' -> 'resolution' -> 'warmup' -> 'sampling' -> 'done'. */
  onPhase?(phase: 'cold' | 'resolution' | 'warmup' | 'sampling' | 'done'): void;
  /** after each recorded sample. `relHalfWidth` is the last computed CI half-width (Infinity before). */
  onSample?(n: number, elapsedMs: number, relHalfWidth: number): void;
  /** polled between samples; when true the loop stops with stopReason 'aborted'. */
  shouldAbort?(): boolean;
}

/** The distribution-free CI of the median, with the relative half-width of the module comment. */
export interface MedianCi {
  lo: number;
  hi: number;
  median: number;
  /** max(median - lo, hi - median) / median. */
  relHalfWidth: number;
  confidence: number;
}

/** What one session returns: raw data plus how and why it stopped. */
export interface ProtocolRun {
  /** the settings used (validated copy). */
  settings: ProtocolSettings;
  clock: string;
  /** the clock's granularity (or its stated resolution), ms. */
  timerResolutionMs: number;
  /** whether the resolution was measured (true) or stated by the clock (false). */
  timerResolutionMeasured: boolean;
  /** mean cost of one clock read, ms. */
  timerReadCostMs: number;
  /** the first call, ms (after whatever setup the caller did; the runner records session creation apart). */
  coldMs: number;
  /** warm-up calls, ms each, in order. */
  warmupMs: number[];
  /** whether warm-up ended steady (false: it hit `warmupMaxMs` still trending). */
  warmupSteady: boolean;
  /** calls per sample (1 = no batching). */
  batchSize: number;
  /** the pilot's samples (ms per call), kept apart like warm-up: they only set the second stage's size. */
  pilotMs: number[];
  /**
   * the samples (ms per call, elapsed of a batch / batchSize), in the order taken: the second stage when
   * it ran to its planned size, else (a cap or an abort cut sampling short) every sample taken.
   */
  samplesMs: number[];
  /** the second stage's planned size (= samplesMs.length when sampling was cut short). */
  plannedSamples: number;
  converged: boolean;
  stopReason: StopReason;
  /** the distribution-free CI of the median of all samples (null when n is too small for any CI). */
  medianCi: MedianCi | null;
  /** trend test on the samples (steady-state.ts). */
  trend: TrendTest;
  /** wall time of the sampling phase, ms. */
  samplingMs: number;
  /** wall time of the whole protocol (cold + resolution + warm-up + sampling), ms. */
  totalMs: number;
  /** calls of fn in total (cold + warm-up + samples x batch). */
  totalCalls: number;
}
