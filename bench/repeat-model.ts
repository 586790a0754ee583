/**
 * What bench:repeat should expect on a steady host. A 95% CI covers the true median; B's median is not the true
 * median but a second noisy estimate of it, so even with honest CIs it falls inside A's CI less often than 95%
 * (for two estimates of equal precision and an exact CI, P(|Z| < 1.96 / sqrt 2) = 83% per model; the tool's CI
 * is wider than exact for few sessions, so the rate is higher). This module simulates both runs from a model
 * fitted to run A and applies the tool's own statistics: A's CI from summariseSessions, and the change test of
 * `mnv4-bench compare` (src/report/compare.ts decideChange on session centres and the two-level bootstrap).
 */
import { DEFAULT_ALPHA, decideChange } from '../src/report/compare.js';
import { hierarchicalBootstrapChange } from '../src/report/significance.js';
import { seededRandom, summariseSessions } from '../src/profiles/stats.js';
import { median } from '../src/util/median.js';
import { standardNormal } from '../src/util/random.js';

/** Options of steadyHostRates. */
export interface SteadyHostOptions {
  trials: number;
  seed: number;
  targetRelHalfWidth: number;
  confidence?: number;
  /** bootstrap resamples per trial, for A's CI and for the change test (default 200: the simulation's cost). */
  resamples?: number;
}

/**
 * Over `trials` simulated pairs of runs on a steady host: how often B's pooled median falls inside A's CI
 * (`inside`), and how often `mnv4-bench compare`'s test finds no significant change (`agree`). Every session of
 * either run gets a lognormal session effect with the spread of run A's session medians, and its samples are
 * drawn from A's samples around their session medians. Deterministic for a seed.
 */
export function steadyHostRates(sessions: readonly (readonly number[])[], opts: SteadyHostOptions): { inside: number; agree: number } {
  const k = sessions.length;
  if (k < 2) throw new Error('needs at least 2 sessions of run A');
  const resamples = opts.resamples ?? 200;
  const rnd = seededRandom(opts.seed);
  const gauss = () => standardNormal(rnd);
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
    const a = draw();
    const b = draw();
    const sa = summariseSessions(a, { targetRelHalfWidth: opts.targetRelHalfWidth, confidence: opts.confidence, resamples, seed: opts.seed + t });
    const mb = summariseSessions(b, { targetRelHalfWidth: opts.targetRelHalfWidth, resamples, seed: opts.seed + t }).pooledMedian;
    if (mb >= sa.ci.lo && mb <= sa.ci.hi) inside++;
    const boot = hierarchicalBootstrapChange(a, b, { resamples, seed: opts.seed + t });
    if (!decideChange(a.map(median), b.map(median), boot, DEFAULT_ALPHA).significant) agree++;
  }
  return { inside: inside / opts.trials, agree: agree / opts.trials };
}
