/**
 * The Table 6 models this project defines, read from the registry (so a model added there is picked up by every
 * consumer: the `models` listing, the `group:table6` workload of device profiles, the simulation and its report)
 * and joined with their published rows (arXiv 2404.10518 Table 6, data/published).
 */
import { loadPublished, type PublishedData, type PublishedModel } from './published.js';
import { getModel, hasModel, listModels } from './registry.js';
import type { ModelSpec } from './spec.js';

export interface Table6Model {
  spec: ModelSpec;
  published: PublishedModel & { table6: NonNullable<PublishedModel['table6']> };
}

/** Every registry model with a Table 6 row, in the paper's row order. */
export function definedTable6Models(data: PublishedData = loadPublished()): Table6Model[] {
  const out: Table6Model[] = [];
  for (const spec of listModels()) {
    const p = data.byId.get(spec.id);
    if (p?.table6) out.push({ spec, published: { ...p, table6: p.table6 } });
  }
  return out.sort((a, b) => a.published.table6.line - b.published.table6.line);
}

/** The Table 6 rows that have no definition here yet (published figures only), in the paper's row order. */
export function undefinedTable6Models(data: PublishedData = loadPublished()): PublishedModel[] {
  return data.models.filter((m) => m.table6 && !hasModel(m.id)).sort((a, b) => (a.table6?.line ?? 0) - (b.table6?.line ?? 0));
}

/** The family of a model: its ModelSpec's when defined here, else the published one. */
export function familyOf(id: string, data: PublishedData = loadPublished()): string | undefined {
  return hasModel(id) ? getModel(id).family : data.byId.get(id)?.family;
}
