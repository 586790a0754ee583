/**
 * A simulated frontier of a search space on one device column: seeded sampled architectures simulated by the
 * device model, shown in the Pareto tab beside the paper's models. Sampled architectures have no published
 * accuracy, so the frontier is the most MACs (model capacity) reachable within a simulated latency, not
 * top-1: it tells a NAS where the device spends its time, and every point is labelled simulated.
 */
import { graphCost } from '../models/cost.js';
import { lowerModel } from '../models/graph.js';
import { buildArchModel, encodeArch, getSearchSpace, sampleArch, skeletonArch } from '../models/search-space.js';
import type { FittedDeviceModel } from '../profiles/device-model-fit.js';
import { UncostableOpError } from '../profiles/device-model.js';
import { simulateWithDeviceModel } from '../profiles/device-model-simulate.js';

export const FRONTIER_SPACE = 'conv-m';
export const FRONTIER_SAMPLES = 120;

export interface SpaceFrontierPoint {
  arch: string;
  macsG: number;
  /** simulated latency, ms. */
  ms: number;
  /** no faster sampled architecture has more MACs. */
  frontier: boolean;
}

export type SpaceFrontier =
  { space: string; resolution: number; seed: number; provenance: 'simulated'; points: SpaceFrontierPoint[] } | { space: string; unavailable: string };

/** `n` seeded architectures of `spaceId` (the skeleton first) simulated with the column's device model. */
export function simulateSpaceFrontier(model: FittedDeviceModel, spaceId = FRONTIER_SPACE, n = FRONTIER_SAMPLES, seed = 1): SpaceFrontier {
  const space = getSearchSpace(spaceId);
  const vectors = [skeletonArch(space), ...Array.from({ length: n - 1 }, (_, i) => sampleArch(space, seed + i))];
  const seen = new Set<string>();
  const points: SpaceFrontierPoint[] = [];
  try {
    for (const v of vectors) {
      const arch = encodeArch(space, v);
      if (seen.has(arch)) continue;
      seen.add(arch);
      const g = lowerModel(buildArchModel(space, v));
      points.push({ arch, macsG: graphCost(g).macs / 1e9, ms: simulateWithDeviceModel(g, model).latency.value, frontier: false });
    }
  } catch (e) {
    if (e instanceof UncostableOpError) return { space: spaceId, unavailable: e.message };
    throw e;
  }
  let best = -Infinity;
  for (const p of [...points].sort((a, b) => a.ms - b.ms || b.macsG - a.macsG)) {
    if (p.macsG > best) {
      p.frontier = true;
      best = p.macsG;
    }
  }
  return { space: spaceId, resolution: space.base.resolution, seed, provenance: 'simulated', points };
}
