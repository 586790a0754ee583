/**
 * Numbers for people: as many digits as the figure supports, no more.
 *
 * - `formatSig`: a figure with no stated uncertainty, to `digits` significant digits (default 4), never
 *   in exponent notation for 1e-6 <= |x| < 1e9, trailing zeros after the point dropped: 7.3612 -> "7.361",
 *   123.456 -> "123.5", 0.0123456 -> "0.01235", 1234567 -> "1234567".
 * - `decimalsFor(halfWidth)`: decimals that show an uncertainty of that size with two significant digits:
 *   0.05 -> 3, 0.5 -> 2, 5 -> 1, 50 -> 0.
 * - `formatEstimate(value, lo, hi)`: value and its CI with the decimals of the larger one-sided distance:
 *   (7.3612, 7.3101, 7.4203) -> { value: "7.361", lo: "7.310", hi: "7.420" }.
 * - `formatPercent(share)`: 0.01234 -> "1.2%", 0.0001234 -> "0.012%" (two significant digits below 1%).
 * Missing values (undefined, null, NaN, +-Infinity) print as '-'.
 */

const missing = (x: number | null | undefined): x is null | undefined => x === null || x === undefined || !Number.isFinite(x);

/** Plain decimal text of a number, with at most `decimals` decimals and no trailing zeros. */
function plain(x: number, decimals: number): string {
  const s = x.toFixed(Math.max(0, Math.min(20, decimals)));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** `x` to `digits` significant digits (see the module comment). */
export function formatSig(x: number | null | undefined, digits = 4): string {
  if (missing(x)) return '-';
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  if (mag < -6 || mag >= 9) return x.toPrecision(digits);
  // a whole number longer than `digits`: all its digits (rounding them to zeros would invent figures)
  if (mag >= digits - 1) return String(Math.round(x));
  // round to the significant digits first, then print without exponent
  const rounded = Number(x.toPrecision(digits));
  return plain(rounded, Math.max(0, digits - 1 - mag));
}

/** Decimals that show an uncertainty of `halfWidth` with two significant digits (0..6). */
export function decimalsFor(halfWidth: number): number {
  if (!(halfWidth > 0) || !Number.isFinite(halfWidth)) return 3;
  return Math.max(0, Math.min(6, 1 - Math.floor(Math.log10(halfWidth))));
}

/** A value with its CI, all with the decimals the CI supports (fixed decimals: the three line up). */
export function formatEstimate(
  value: number,
  lo: number | null | undefined,
  hi: number | null | undefined,
): { value: string; lo: string; hi: string; decimals: number } {
  if (missing(lo) || missing(hi)) return { value: formatSig(value), lo: '-', hi: '-', decimals: -1 };
  const d = decimalsFor(Math.max(value - lo, hi - value));
  return { value: value.toFixed(d), lo: lo.toFixed(d), hi: hi.toFixed(d), decimals: d };
}

/** A share (0..1) as a percentage: one decimal from 1%, two significant digits below. */
export function formatPercent(share: number | null | undefined): string {
  if (missing(share)) return '-';
  const pct = share * 100;
  if (Math.abs(pct) >= 1 || pct === 0) return `${pct.toFixed(1)}%`;
  return `${formatSig(pct, 2)}%`;
}
