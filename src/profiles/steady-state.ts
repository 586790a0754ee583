/**
 * Trend tests for a series of timings: is it still changing (warm-up not over, host drifting) or steady?
 *
 * No runtime imports (one type from src/core): the browser page bundles this with protocol.ts.
 *
 * The test (used for warm-up and on every session's samples), both conditions together:
 *  1. Mann-Kendall: S = sum over pairs i < j of sign(x_j - x_i); under "no trend" (independent, identically
 *     distributed) E[S] = 0 and Var S = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18 (t: sizes of groups of
 *     equal values); z = (S - sign S) / sqrt(Var S) (continuity correction), two-sided p = 2 (1 - Phi(|z|)).
 *     Rank-based, so a few slow outliers do not make a trend. (Mann 1945; Kendall 1975, "Rank Correlation
 *     Methods"; the same z as Kendall's tau between the values and their index.) S is counted in
 *     O(n log n) with a merge sort, so it runs on a million samples.
 *  2. Size: the drift, (median of the second half - median of the first half) / median of all, is at least
 *     `minDrift` in magnitude. With many samples Mann-Kendall finds drifts far too small to matter; a trend
 *     that moves the median by less than the convergence target does not change the answer.
 */

import type { TrendTest } from '../core/protocol-run.js';

/**
 * Standard normal CDF Phi(x) through erfc (Chebyshev fit of Numerical Recipes' erfcc, relative error
 * below 1.2e-7 everywhere): plenty for p-values.
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Quantile of the standard normal distribution (bisection on normalCdf to 1e-12). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1, got ${p}`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 100 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Number of pairs i < j with x[i] > x[j] (strict), by merge sort; `x` is not modified. */
export function countInversions(x: ArrayLike<number>): number {
  const n = x.length;
  let a = Float64Array.from(x as ArrayLike<number>);
  let b = new Float64Array(n);
  let inv = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // equal values are not inversions: take the left one first
        if (a[i]! <= a[j]!) b[k++] = a[i++]!;
        else {
          inv += mid - i;
          b[k++] = a[j++]!;
        }
      }
      while (i < mid) b[k++] = a[i++]!;
      while (j < hi) b[k++] = a[j++]!;
    }
    [a, b] = [b, a];
  }
  return inv;
}

function medianOf(sorted: Float64Array): number {
  const n = sorted.length;
  const m = n >> 1;
  return n % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** Mann-Kendall S, Var S (tie-corrected), z and two-sided p of a series. */
export function mannKendall(x: ArrayLike<number>): { n: number; s: number; varS: number; z: number; p: number } {
  const n = x.length;
  if (n < 3) return { n, s: 0, varS: 0, z: 0, p: 1 };
  const sorted = Float64Array.from(x as ArrayLike<number>).sort();
  let tiedPairs = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    tiedPairs += (t * (t - 1)) / 2;
    tieTerm += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const pairs = (n * (n - 1)) / 2;
  const s = pairs - tiedPairs - 2 * countInversions(x);
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (varS <= 0) return { n, s, varS, z: 0, p: 1 };
  const z = (s - Math.sign(s)) / Math.sqrt(varS);
  return { n, s, varS, z, p: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}

/** (median of the second half - median of the first half) / median of all (middle value of odd n in neither half). */
export function halfDrift(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const h = n >> 1;
  const arr = Array.from(x as ArrayLike<number>);
  const first = medianOf(Float64Array.from(arr.slice(0, h)).sort());
  const second = medianOf(Float64Array.from(arr.slice(n - h)).sort());
  const all = medianOf(Float64Array.from(arr).sort());
  return all > 0 ? (second - first) / all : 0;
}

/** The trend test of the module comment. */
export function trendTest(x: ArrayLike<number>, opts: { alpha: number; minDrift: number }): TrendTest {
  const mk = mannKendall(x);
  const drift = halfDrift(x);
  return { n: mk.n, s: mk.s, z: mk.z, p: mk.p, drift, trending: mk.p < opts.alpha && Math.abs(drift) >= opts.minDrift };
}
