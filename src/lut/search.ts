/**
 * Latency-constrained architecture search on a lookup table: regularized evolution (Real et al., AAAI 2019,
 * arXiv 1802.01548: tournament selection, one-position mutation, the oldest member dies) maximising MACs
 * (the capacity proxy available without training) under a predicted-latency budget. Every architecture it
 * evaluates is kept; the answer is the MACs-vs-predicted-latency Pareto frontier of those within budget.
 * Deterministic for a seed.
 */
import { encodeArch, sampleArch } from '../models/search-space.js';
import { mulberry32 } from '../util/random.js';
import { compileTable, predictVectorMs } from './predict.js';
import type { LutTable } from './schema.js';
import { archMacs } from './space-index.js';

export interface SearchOptions {
  budgetMs: number;
  seed?: number;
  population?: number;
  tournament?: number;
  /** evaluated architectures in total (population included). */
  evaluations?: number;
  /** at most this many frontier points are returned (evenly spread over latency). */
  maxResults?: number;
}

export interface FrontierPoint {
  arch: string;
  vector: number[];
  macs: number;
  predictedMs: number;
}

export interface SearchResult {
  budgetMs: number;
  evaluated: number;
  feasible: number;
  frontier: FrontierPoint[];
  /** the fastest architecture seen, when none met the budget. */
  fastest: FrontierPoint | null;
}

export function searchFrontier(table: LutTable, o: SearchOptions): SearchResult {
  const c = compileTable(table);
  const space = c.index.space;
  const rnd = mulberry32(o.seed ?? 0);
  const popSize = o.population ?? 64;
  const tour = o.tournament ?? 16;
  const total = Math.max(popSize, o.evaluations ?? 5000);
  const seen = new Map<string, FrontierPoint>();
  const evaluate = (v: number[]): FrontierPoint => {
    const key = v.join(',');
    let p = seen.get(key);
    if (!p) {
      p = { arch: encodeArch(space, v), vector: v, macs: archMacs(c.index, v), predictedMs: predictVectorMs(c, v) };
      seen.set(key, p);
    }
    return p;
  };
  // feasible beats infeasible; among feasible more MACs; among infeasible less latency.
  const fitness = (p: FrontierPoint): number => (p.predictedMs <= o.budgetMs ? p.macs : -p.predictedMs);
  const population: FrontierPoint[] = [];
  let evaluated = 0;
  for (let i = 0; i < popSize; i++, evaluated++) population.push(evaluate(sampleArch(space, Math.floor(rnd() * 2 ** 31))));
  while (evaluated < total) {
    let parent = population[Math.floor(rnd() * population.length)]!;
    for (let k = 1; k < tour; k++) {
      const q = population[Math.floor(rnd() * population.length)]!;
      if (fitness(q) > fitness(parent)) parent = q;
    }
    const child = [...parent.vector];
    const pos = Math.floor(rnd() * child.length);
    const p = space.positions[pos]!;
    const lo = p.name.endsWith('.dw') && p.stride > 1 ? 1 : 0;
    const options = p.choices.length - lo;
    if (options > 1) {
      let k = child[pos]!;
      while (k === child[pos]) k = lo + Math.floor(rnd() * options);
      child[pos] = k;
    }
    population.push(evaluate(child));
    population.shift();
    evaluated++;
  }
  const all = [...seen.values()];
  const feasible = all.filter((p) => p.predictedMs <= o.budgetMs).sort((a, b) => a.predictedMs - b.predictedMs || b.macs - a.macs);
  const frontier: FrontierPoint[] = [];
  for (const p of feasible) if (frontier.length === 0 || p.macs > frontier[frontier.length - 1]!.macs) frontier.push(p);
  const max = o.maxResults ?? 8;
  let picked = frontier;
  if (frontier.length > max) {
    // evenly over latency, always keeping the best (largest) one
    picked = Array.from({ length: max }, (_, i) => frontier[Math.round((i * (frontier.length - 1)) / (max - 1))]!);
    picked = picked.filter((p, i) => picked.indexOf(p) === i);
  }
  const fastest = feasible.length === 0 ? all.reduce((a, b) => (b.predictedMs < a.predictedMs ? b : a)) : null;
  return { budgetMs: o.budgetMs, evaluated: all.length, feasible: feasible.length, frontier: picked, fastest };
}
