/**
 * Non-negative least squares (Lawson and Hanson, "Solving Least Squares Problems", 1974, ch. 23): minimise
 * |A x - b|^2 subject to x >= 0. The active-set method is exact for the small systems of the device model
 * (at most a few dozen rows, under ten columns), and deterministic. Columns are scaled to unit RMS before
 * solving so features of very different units (MACs, bytes, op counts, 1) are treated alike.
 */

/** Unconstrained least squares on a subset of columns (normal equations, partial pivoting). */
function solveSubset(a: readonly (readonly number[])[], b: readonly number[], cols: readonly number[]): number[] {
  const p = cols.length;
  const m: number[][] = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  for (let i = 0; i < a.length; i++) {
    const r = a[i]!;
    for (let j = 0; j < p; j++) {
      const xj = r[cols[j]!]!;
      for (let k = 0; k < p; k++) m[j]![k]! += xj * r[cols[k]!]!;
      m[j]![p]! += xj * b[i]!;
    }
  }
  for (let j = 0; j < p; j++) m[j]![j]! += 1e-12;
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    const d = m[c]![c]!;
    if (d === 0) continue;
    for (let r = c + 1; r < p; r++) {
      const f = m[r]![c]! / d;
      for (let k = c; k <= p; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(p).fill(0);
  for (let c = p - 1; c >= 0; c--) {
    let s = m[c]![p]!;
    for (let k = c + 1; k < p; k++) s -= m[c]![k]! * x[k]!;
    x[c] = m[c]![c]! === 0 ? 0 : s / m[c]![c]!;
  }
  return x;
}

/** x >= 0 minimising |A x - b|^2. Columns that are zero in every row get 0. */
export function nnls(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a.length;
  const p = a[0]?.length ?? 0;
  if (n === 0 || p === 0) return new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  for (const r of a) for (let j = 0; j < p; j++) scale[j] = scale[j]! + r[j]! * r[j]!;
  for (let j = 0; j < p; j++) scale[j] = Math.sqrt(scale[j]! / n);
  const s = a.map((r) => r.map((v, j) => (scale[j]! > 0 ? v / scale[j]! : 0)));
  const x = new Array<number>(p).fill(0);
  const passive = new Set<number>();
  const tol = 1e-10 * Math.max(1, Math.sqrt(b.reduce((t, v) => t + v * v, 0)));
  const gradient = (): number[] => {
    const r = b.map((bi, i) => bi - s[i]!.reduce((t, v, j) => t + v * x[j]!, 0));
    return Array.from({ length: p }, (_, j) => s.reduce((t, row, i) => t + row[j]! * r[i]!, 0));
  };
  for (let outer = 0; outer < 3 * p + 10; outer++) {
    const w = gradient();
    let best = -1;
    for (let j = 0; j < p; j++) if (!passive.has(j) && scale[j]! > 0 && w[j]! > tol && (best < 0 || w[j]! > w[best]!)) best = j;
    if (best < 0) break;
    passive.add(best);
    for (let inner = 0; inner < 3 * p + 10; inner++) {
      const cols = [...passive].sort((u, v) => u - v);
      const z = solveSubset(s, b, cols);
      if (z.every((v) => v > 0)) {
        cols.forEach((c, k) => (x[c] = z[k]!));
        break;
      }
      // step from x toward z until the first passive variable reaches 0, then drop the zeros
      let alpha = 1;
      cols.forEach((c, k) => {
        if (z[k]! <= 0) alpha = Math.min(alpha, x[c]! / (x[c]! - z[k]!));
      });
      cols.forEach((c, k) => {
        x[c] = x[c]! + alpha * (z[k]! - x[c]!);
        if (x[c]! <= 1e-15) {
          x[c] = 0;
          passive.delete(c);
        }
      });
    }
  }
  return x.map((v, j) => (scale[j]! > 0 ? v / scale[j]! : 0));
}
