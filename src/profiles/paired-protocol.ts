/**
 * One session of the protocol with a co-measured reference: the workload `fn` and a reference workload `refFn`
 * alternate batch by batch, the order within each pair decided by a seeded coin, so a host that speeds up or
 * slows down between pairs hits both sides of a pair alike and cancels in their ratio (paired.ts).
 *
 * No Node imports (like protocol.ts): it can be bundled into a browser page. The phases follow runProtocol:
 *  1. cold calls: the workload's, then the reference's, each timed on its own;
 *  2. timer: granularity and read cost (as runProtocol);
 *  3. warm-up: pairs of single calls in randomized order until the last `warmupWindow` calls of EACH side show
 *     no trend (or `warmupMaxMs`);
 *  4. batching: each side its own batch size by runProtocol's rule (a batch long enough for the clock);
 *  5. sampling in two stages on PAIRS: a pilot of `minSamples` pairs and `minTimeMs`, then a second stage whose
 *     size is planned from the pilot's CI of the median pair ratio; `maxSamples` pairs and `maxTimeMs` cap it
 *     (or, with `pairs`, exactly that many pairs: A/B sessions of a fixed size, src/engine/ab.ts);
 *  6. verdict on the RATIO: converged when the distribution-free CI of the median pair ratio is within
 *     `targetRelHalfWidth` and the ratios show no trend. The workload's absolute samples keep their own CI and
 *     trend test (they may drift with the host; that is what the reference is for).
 */
import type { ClockFacts } from './protocol.js';
import { measureClock, medianCi, performanceClock, readCost, startTwoStage, twoStageStep, validateProtocol, type Clock } from './protocol.js';
import type { ProtocolHooks, ProtocolRun, ProtocolSettings, StopReason } from '../core/protocol-run.js';
import { trendTest } from './steady-state.js';
import { medianSorted } from '../util/median.js';
import { mulberry32 } from '../util/random.js';
import { WARMUP_TREND_ALPHA, SAMPLES_TREND_ALPHA } from './protocol.js';

/** Default seed of the order coin ('pair'). */
export const PAIR_ORDER_SEED = 0x70616972;

type Fn = () => unknown;

async function call(fn: Fn): Promise<void> {
  // await only real promises: a sync fn must not pay a microtask per call inside the timed region.
  const r = fn();
  if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') await r;
}

/** Batch size by runProtocol's rule: enough calls that one batch spans `factor` timer ticks. */
function batchFor(perCall: number, p: ProtocolSettings, tick: number, resolution: number): number {
  const wanted = p.batchResolutionFactor * tick;
  if (perCall >= wanted) return 1;
  return Math.min(p.maxBatch, Math.max(1, Math.ceil(wanted / Math.max(perCall, resolution / 1000))));
}

const steadyMedian = (x: number[], window: number, fallback: number): number =>
  x.length > 0 ? medianSorted(Float64Array.from(x.slice(-window)).sort()) : fallback;

/**
 * Runs one paired session (module comment). The returned ProtocolRun is the workload's (its absolute samples),
 * with `reference` holding the reference's side and the ratio's CI; `converged`/`stopReason` judge the ratio.
 */
export async function runPairedProtocol(
  fn: Fn,
  refFn: Fn,
  settings: ProtocolSettings,
  o: {
    referenceId: string;
    seed?: number;
    clock?: Clock;
    hooks?: ProtocolHooks;
    /** take exactly this many pairs, no pilot (A/B sessions of a fixed size); still capped by maxTimeMs. */
    pairs?: number;
  },
): Promise<ProtocolRun> {
  const p = validateProtocol({ ...settings });
  const clock = o.clock ?? performanceClock();
  const hooks = o.hooks ?? {};
  const seed = o.seed ?? PAIR_ORDER_SEED;
  const coin = mulberry32(seed);
  const t = () => clock.now();
  const tStart = t();
  let totalCalls = 0;
  const timeBatch = async (f: Fn, n: number): Promise<number> => {
    const a = t();
    for (let i = 0; i < n; i++) await call(f);
    totalCalls += n;
    return (t() - a) / n;
  };

  hooks.onPhase?.('cold');
  const coldMs = await timeBatch(fn, 1);
  const refColdMs = await timeBatch(refFn, 1);

  hooks.onPhase?.('resolution');
  const stated = clock.resolutionMs !== undefined && clock.resolutionMs > 0;
  const facts = stated ? { readCostMs: readCost(clock, 1000) } : measureClock(clock);
  const timerResolutionMs = stated ? clock.resolutionMs! : (facts as ClockFacts).granularityMs;

  hooks.onPhase?.('warmup');
  const warmupMs: number[] = [];
  const refWarmupMs: number[] = [];
  const w0 = t();
  let warmupSteady = false;
  let nextCheck = 0;
  const half = Math.max(1, p.warmupWindow >> 1);
  const steady = (x: number[]) => !trendTest(x.slice(-p.warmupWindow), { alpha: WARMUP_TREND_ALPHA, minDrift: p.targetRelHalfWidth }).trending;
  for (;;) {
    if (hooks.shouldAbort?.()) break;
    if (coin() < 0.5) {
      refWarmupMs.push(await timeBatch(refFn, 1));
      warmupMs.push(await timeBatch(fn, 1));
    } else {
      warmupMs.push(await timeBatch(fn, 1));
      refWarmupMs.push(await timeBatch(refFn, 1));
    }
    const n = warmupMs.length;
    const elapsed = t() - w0;
    if (n >= p.warmupMinIterations && elapsed >= p.warmupMinMs && n >= p.warmupWindow && n >= nextCheck) {
      nextCheck = n + half;
      if (steady(warmupMs) && steady(refWarmupMs)) {
        warmupSteady = true;
        break;
      }
    }
    if (elapsed >= p.warmupMaxMs && n >= p.warmupMinIterations) break;
  }

  const tick = Math.max(timerResolutionMs, facts.readCostMs);
  const batchSize = batchFor(steadyMedian(warmupMs, p.warmupWindow, coldMs), p, tick, timerResolutionMs);
  const refBatch = batchFor(steadyMedian(refWarmupMs, p.warmupWindow, refColdMs), p, tick, timerResolutionMs);

  hooks.onPhase?.('sampling');
  const work: number[] = [];
  const ref: number[] = [];
  const refFirst: boolean[] = [];
  const s0 = t();
  let elapsed = 0;
  const st = startTwoStage();
  const ratios = (from: number) => work.slice(from).map((w, i) => w / ref[from + i]!);
  for (;;) {
    if (hooks.shouldAbort?.()) {
      st.capped = 'aborted';
      break;
    }
    const first = coin() < 0.5;
    let r: number;
    let w: number;
    if (first) {
      r = await timeBatch(refFn, refBatch);
      w = await timeBatch(fn, batchSize);
    } else {
      w = await timeBatch(fn, batchSize);
      r = await timeBatch(refFn, refBatch);
    }
    work.push(w);
    ref.push(r);
    refFirst.push(first);
    elapsed = t() - s0;
    const n = work.length;
    if (o.pairs !== undefined) {
      hooks.onSample?.(n, elapsed, st.lastRel);
      if (n >= o.pairs) break;
      if (elapsed >= p.maxTimeMs) {
        st.capped = 'max-time';
        break;
      }
      continue;
    }
    if (twoStageStep(st, p, n, elapsed, () => ratios(0), hooks)) break;
  }
  // as in runProtocol: the second stage alone is the sample when it ran to its planned size
  const complete = (st.pilotN > 0 || o.pairs !== undefined) && st.capped === null;
  const cut = complete ? st.pilotN : 0;
  const samplesMs = work.slice(cut);
  const sampleRatios = ratios(cut);
  const ratioCi = medianCi(sampleRatios, p.confidence);
  const ratioTrend = trendTest(ratios(0), { alpha: SAMPLES_TREND_ALPHA, minDrift: p.targetRelHalfWidth });
  const within = ratioCi !== null && ratioCi.relHalfWidth <= p.targetRelHalfWidth;
  let stopReason: StopReason;
  if (st.capped === 'aborted') stopReason = 'aborted';
  else if (ratioTrend.trending) stopReason = 'trend';
  else if (within) stopReason = 'converged';
  else stopReason = st.capped ?? 'ci-too-wide';
  hooks.onPhase?.('done');
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
    pilotMs: work.slice(0, cut),
    samplesMs,
    plannedSamples: o.pairs ?? (complete ? st.plannedTotal - st.pilotN : samplesMs.length),
    converged: stopReason === 'converged',
    stopReason,
    medianCi: medianCi(samplesMs, p.confidence),
    trend: trendTest(work, { alpha: SAMPLES_TREND_ALPHA, minDrift: p.targetRelHalfWidth }),
    samplingMs: elapsed,
    totalMs: t() - tStart,
    totalCalls,
    reference: {
      workloadId: o.referenceId,
      coldMs: refColdMs,
      warmupMs: refWarmupMs,
      batchSize: refBatch,
      pilotMs: ref.slice(0, cut),
      samplesMs: ref.slice(cut),
      referenceFirst: refFirst.slice(cut),
      ratioCi,
      ratioTrend,
      seed,
    },
  };
}
