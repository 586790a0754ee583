/** Number formatting of the dashboard's tables and tooltips; empty text for a missing or non-finite value. */

type Maybe = number | null | undefined;

const finite = (v: Maybe): v is number => typeof v === 'number' && isFinite(v);

export function num(v: Maybe, digits = 2): string {
  return finite(v) ? v.toFixed(digits) : '';
}

/** A fraction as a percentage (0.123 -> `12.3%`). */
export function pct(v: Maybe, digits = 1): string {
  return finite(v) ? (v * 100).toFixed(digits) + '%' : '';
}

/** A relative change with its sign (`+3.1%`, `-2.0%`). */
export function signedPct(v: Maybe): string {
  return finite(v) ? (v > 0 ? '+' : '') + (v * 100).toFixed(1) + '%' : '';
}

/** Milliseconds with 3-4 significant digits. */
export function fmtMs(v: Maybe): string {
  if (!finite(v)) return '';
  return v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toFixed(3);
}

/** An ISO time without its fraction (`2026-01-01T00:00:00.000Z` -> `2026-01-01 00:00:00` + `suffix`). */
export function isoShort(iso: string, suffix = ''): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, suffix);
}
