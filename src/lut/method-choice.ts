/**
 * Which correction a table uses (issue 22: a choice that holds). The old rule took the simplest method whose
 * leave-one-out MAPE was within the calibration noise of the lowest: with 10 architectures the methods often
 * differed by less than that noise, so two builds on one host could keep different methods and validate 1%
 * and 5% apart. Here a method must SHOW it is better on the same held-out architectures:
 *  - every method predicts each calibration architecture with that architecture left out of its fit
 *    (src/lut/corrections.ts looErrors), so the errors are held-out errors, paired by architecture;
 *  - starting from the simplest method, a more complex one replaces the current choice only when its
 *    absolute errors are lower by a paired mean whose 95% interval (t over the architectures) lies above 0,
 *    by at least MIN_GAIN.
 * Methods that the architectures cannot separate never swing the choice: the simplest stays. With the
 * reference measured in the same run every method is anchored on it (corrections.ts `anchor`), which removes
 * what separated `sum` from `overhead` (the per-graph cost, paid once by the reference as by any architecture).
 */
import { looErrors, SIMPLICITY_ORDER, type FitInputs } from './corrections.js';
import type { MethodId } from './schema.js';

/** Two-sided 95% Student t quantiles by degrees of freedom (1..30; 1.96 beyond). */
const T95 = [
  12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.1, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06,
  2.06, 2.05, 2.05, 2.05, 2.04,
];
export const t95 = (df: number): number => (df < 1 ? Infinity : df <= 30 ? T95[df - 1]! : 1.96);

/** Mean and 95% interval of paired differences. */
export function pairedInterval(d: readonly number[]): { mean: number; lo: number; hi: number; n: number } {
  const n = d.length;
  const mean = n ? d.reduce((a, b) => a + b, 0) / n : NaN;
  if (n < 2) return { mean, lo: -Infinity, hi: Infinity, n };
  const sd = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const h = t95(n - 1) * (sd / Math.sqrt(n));
  return { mean, lo: mean - h, hi: mean + h, n };
}

/** Fewest held-out architectures a paired test needs before a complex method may replace a simpler one. */
export const MIN_PAIRED = 6;
/**
 * Smallest MAPE gain (a fraction: 0.1 point) that counts: anchored `sum` and `overhead` give the same
 * predictions in spaces whose choices keep the shapes, and their rounding differences must not pick one.
 */
export const MIN_GAIN = 0.001;

const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;

/** The method a table uses and why, from the held-out (leave-one-out) errors of every method. */
export function chooseMethod(inp: FitInputs, order: readonly MethodId[] = SIMPLICITY_ORDER): { id: MethodId; why: string } | null {
  const errs = new Map<MethodId, number[]>();
  for (const m of order) {
    const r = looErrors(m, inp);
    // methods with fitted parameters must have predicted every architecture to be compared pairwise
    if (!('unavailable' in r) && r.errors.length === inp.calibration.length) errs.set(m, r.errors);
  }
  const avail = order.filter((m) => errs.has(m));
  if (avail.length === 0) return null;
  let cur = avail[0]!;
  const notes: string[] = [];
  for (const m of avail.slice(1)) {
    const a = errs.get(cur)!;
    const b = errs.get(m)!;
    const d = a.map((e, i) => Math.abs(e) - Math.abs(b[i]!));
    const ci = pairedInterval(d);
    const text = `${m} vs ${cur}: ${pts(-ci.mean)} points MAPE (95% CI ${pts(-ci.hi)}..${pts(-ci.lo)}) over ${ci.n} held-out architectures`;
    if (ci.n >= MIN_PAIRED && ci.lo > 0 && ci.mean >= MIN_GAIN) {
      notes.push(`${text}: better, taken`);
      cur = m;
    } else notes.push(`${text}: not shown better`);
  }
  const anchored = inp.anchor ? 'anchored on the measured reference; ' : '';
  return { id: cur, why: `${anchored}simplest method unless a paired leave-one-out test shows another better. ${notes.join('; ')}` };
}
