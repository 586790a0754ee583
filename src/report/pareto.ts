/**
 * Pareto frontier of accuracy against a cost (latency, MACs, params): lower cost and higher accuracy are
 * better. Dominated points are kept and marked, never dropped.
 *
 * A point is dominated when another point is at least as good on both axes and strictly better on one.
 * Equal points do not dominate each other (both stay on the frontier).
 */

export interface ParetoInput {
  cost: number;
  accuracy: number;
}

export type ParetoMarked<T> = T & { dominated: boolean; dominatedBy: number[] };

/** Marks every point; `dominatedBy` lists the indices of the points that dominate it. O(n^2), n is small. */
export function markPareto<T extends ParetoInput>(points: readonly T[]): ParetoMarked<T>[] {
  return points.map((p, i) => {
    const by: number[] = [];
    points.forEach((q, j) => {
      if (j === i) return;
      const noWorse = q.cost <= p.cost && q.accuracy >= p.accuracy;
      const better = q.cost < p.cost || q.accuracy > p.accuracy;
      if (noWorse && better) by.push(j);
    });
    return { ...p, dominated: by.length > 0, dominatedBy: by };
  });
}

/** The non-dominated points ordered by cost (the frontier line, a step from each to the next). */
export function frontier<T extends ParetoInput>(points: readonly T[]): T[] {
  const marked = markPareto(points);
  return points.filter((_, i) => !marked[i]!.dominated).sort((a, b) => a.cost - b.cost || b.accuracy - a.accuracy);
}
