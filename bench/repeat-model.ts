/**
 * What bench:repeat should expect on a steady host. A 95% CI covers the true median; B's median is not the true
 * median but a second noisy estimate of it, so even with honest CIs it falls inside A's CI less often than 95%
 * (for two estimates of equal precision and an exact CI, P(|Z| < 1.96 / sqrt 2) = 83% per model; the tool's CI
 * is wider than exact for few sessions, so the rate is higher). This module simulates both runs from a model
 * fitted to run A and computes A's CI with the tool's own summariseSessions, which says how much higher.
 */
import { seededRandom, summariseSessions } from '../src/profiles/stats.js';
import { median } from '../src/util/median.js';

/** Two runs compared on the log scale: B inside A's CI, and A and B agreeing within their joint uncertainty. */
export interface RunComparison {
  /** B's median lies inside A's CI. */
  inside: boolean;
  /** |ln(B / A)| <= sqrt(hA^2 + hB^2), with each run's CI half-width on the side facing the other run. */
  agree: boolean;
  /** sqrt(hA^2 + hB^2) as a ratio - 1 (the joint 95% margin). */
  jointMarginRel: number;
}

/** Compares run B's median and CI with run A's (see RunComparison). */
export function compareRuns(a: { median: number; lo: number; hi: number }, b: { median: number; lo: number; hi: number }): RunComparison {
  const up = b.median >= a.median;
  const hA = up ? Math.log(a.hi / a.median) : Math.log(a.median / a.lo);
  const hB = up ? Math.log(b.median / b.lo) : Math.log(b.hi / b.median);
  const joint = Math.hypot(hA, hB);
  return {
    inside: b.median >= a.lo && b.median <= a.hi,
    agree: Math.abs(Math.log(b.median / a.median)) <= joint,
    jointMarginRel: Math.exp(joint) - 1,
  };
}

/** Options of steadyHostRates. */
export interface SteadyHostOptions {
  trials: number;
  seed: number;
  targetRelHalfWidth: number;
  confidence?: number;
}

/**
 * Rates of `inside` and `agree` (compareRuns) over `trials` simulated pairs of runs on a steady host: every
 * session of either run gets a lognormal session effect with the spread of run A's session medians, and its
 * samples are drawn from A's samples around their session medians. Deterministic for a seed.
 */
export function steadyHostRates(sessions: readonly (readonly number[])[], opts: SteadyHostOptions): { inside: number; agree: number } {
  const k = sessions.length;
  if (k < 2) throw new Error('needs at least 2 sessions of run A');
  const rnd = seededRandom(opts.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const logCenters = sessions.map((s) => Math.log(median(s)));
  const meanLog = logCenters.reduce((x, y) => x + y, 0) / k;
  const tau = Math.sqrt(logCenters.reduce((x, y) => x + (y - meanLog) ** 2, 0) / (k - 1));
  const residuals = sessions.flatMap((s, j) => s.map((x) => Math.log(x) - logCenters[j]!));
  const sizes = sessions.map((s) => s.length);
  const draw = (): number[][] =>
    sizes.map((n) => {
      const effect = meanLog + tau * gauss();
      return Array.from({ length: n }, () => Math.exp(effect + residuals[Math.floor(rnd() * residuals.length)]!));
    });
  let inside = 0;
  let agree = 0;
  for (let t = 0; t < opts.trials; t++) {
    const o = { targetRelHalfWidth: opts.targetRelHalfWidth, confidence: opts.confidence, resamples: 200, seed: opts.seed + t };
    const sa = summariseSessions(draw(), o);
    const sb = summariseSessions(draw(), o);
    const c = compareRuns({ median: sa.pooledMedian, lo: sa.ci.lo, hi: sa.ci.hi }, { median: sb.pooledMedian, lo: sb.ci.lo, hi: sb.ci.hi });
    if (c.inside) inside++;
    if (c.agree) agree++;
  }
  return { inside: inside / opts.trials, agree: agree / opts.trials };
}
