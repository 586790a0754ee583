/** The one median of the project (no Node imports: the browser page bundles it too). */

/** Median of an ascending-sorted array: the middle value, or the mean of the middle two for even n; NaN for none. */
export function medianSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 === 1 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
}

/** Median of numbers in any order (the input is not modified); NaN for none. */
export function median(xs: ArrayLike<number>): number {
  return medianSorted(Float64Array.from(xs).sort());
}
