/**
 * Small weighted ridge least squares: minimise sum_i w_i (x_i . b - y_i)^2 + sum_j lambda_j (s_j b_j)^2,
 * where s_j is the RMS of column j (so a ridge weight means the same for columns of any scale). Solved by
 * the normal equations with partial pivoting: the systems here have at most a few hundred columns.
 * Columns that are zero in every row get coefficient 0.
 */
export interface LeastSquaresOptions {
  /** per-row weights (default 1). */
  weights?: readonly number[];
  /** ridge weight per column (default 0; a tiny 1e-9 is always added for stability). */
  ridge?: readonly number[] | number;
}

export function solveLeastSquares(rows: readonly (readonly number[])[], y: readonly number[], opts: LeastSquaresOptions = {}): number[] {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  if (n === 0 || p === 0) return new Array<number>(p).fill(0);
  const w = opts.weights ?? new Array<number>(n).fill(1);
  const scale = new Array<number>(p).fill(0);
  for (const r of rows) for (let j = 0; j < p; j++) scale[j] = scale[j]! + r[j]! * r[j]!;
  for (let j = 0; j < p; j++) scale[j] = Math.sqrt(scale[j]! / n);
  const active = scale.map((s) => s > 0);
  const a: number[][] = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const wi = w[i]!;
    for (let j = 0; j < p; j++) {
      if (!active[j]) continue;
      const xj = r[j]! / scale[j]!;
      for (let k = j; k < p; k++) if (active[k]) a[j]![k]! += wi * xj * (r[k]! / scale[k]!);
      a[j]![p]! += wi * xj * y[i]!;
    }
  }
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < j; k++) a[j]![k] = a[k]![j]!;
    const lambda = typeof opts.ridge === 'number' ? opts.ridge : (opts.ridge?.[j] ?? 0);
    a[j]![j]! += active[j] ? lambda + 1e-9 : 1;
  }
  // Gaussian elimination with partial pivoting on the (symmetric, positive definite) system.
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    const d = a[c]![c]!;
    if (d === 0) continue;
    for (let r = c + 1; r < p; r++) {
      const f = a[r]![c]! / d;
      if (f === 0) continue;
      for (let k = c; k <= p; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const b = new Array<number>(p).fill(0);
  for (let c = p - 1; c >= 0; c--) {
    let s = a[c]![p]!;
    for (let k = c + 1; k < p; k++) s -= a[c]![k]! * b[k]!;
    b[c] = a[c]![c]! === 0 ? 0 : s / a[c]![c]!;
  }
  return b.map((v, j) => (active[j] ? v / scale[j]! : 0));
}

export const dot = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
