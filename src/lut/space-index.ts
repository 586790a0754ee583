/**
 * A search space compiled for lookup tables: which block configuration every skeleton block takes for every
 * combination of the choices it depends on, so that an architecture maps to its configurations with a few
 * integer operations (the predictor's inner loop, src/lut/predict.ts).
 *
 * A block depends on the positions that change its spec and, in width-changing (coarse) spaces, on the
 * positions that change the width of the block before it (its input channels). The combination of those
 * choices is a mixed-radix number; `comboConfig[combo]` is the index of the configuration (or -1 where the
 * combination is not a valid architecture, e.g. FFN on a strided position).
 */
import { blockText, shapeText } from '../models/block-text.js';
import { layerCost, type LayerCost } from '../models/cost.js';
import { lowerModel, type Layer, type Shape } from '../models/graph.js';
import { buildArchModel, getSearchSpace, skeletonArch, validateArch, type BlockConfig, type SearchSpace } from '../models/search-space.js';
import type { BlockSpec } from '../models/spec.js';
import { createHash } from 'node:crypto';

/** A configuration of `enumerateBlockConfigs` (same key: `<block text>@<C>x<H>x<W>`) with what tables need. */
export interface IndexedConfig extends BlockConfig {
  /** stage of the skeleton block(s) it occurs at (stem, 1..4, head, classifier). */
  stage: string;
  macs: number;
  /** the block's layers and their costs (for the regression fallback). */
  layers: { layer: Layer; cost: LayerCost }[];
}

export interface IndexedBlock {
  index: number;
  stage: string;
  /** positions this block's configuration depends on. */
  deps: number[];
  /** multiplier of each dep's choice in the combination number. */
  radix: number[];
  /** configuration index by combination number; -1 = not a valid architecture. */
  comboConfig: Int32Array;
}

export interface SpaceIndex {
  space: SearchSpace;
  resolution: number;
  configs: IndexedConfig[];
  byKey: Map<string, number>;
  blocks: IndexedBlock[];
  /** sha256 of the sorted configuration keys: changes when the space's definition changes. */
  fingerprint: string;
}

const cache = new Map<string, SpaceIndex>();

/** Configuration key of a block (same text as enumerateBlockConfigs). */
export function configKey(spec: BlockSpec, inShape: Shape): string {
  return `${blockText(spec)}@${shapeText(inShape)}`;
}

/** Compiles (and caches) the index of a space at a resolution. */
export function spaceIndex(spaceId: string, resolution?: number): SpaceIndex {
  const space = getSearchSpace(spaceId);
  const res = resolution ?? space.base.resolution;
  const ck = `${space.id}@${res}`;
  const have = cache.get(ck);
  if (have) return have;
  const nBlocks = space.base.blocks.length;
  const affects = (bi: number, widthOnly: boolean): number[] =>
    space.positions.flatMap((p, i) => (p.blocks.includes(bi) && (!widthOnly || p.changesWidth) ? [i] : []));
  // a valid filler for the positions a block does not depend on (strided DW positions cannot take 0).
  const base = skeletonArch(space).map((c, i) => (space.positions[i]!.name.endsWith('.dw') && space.positions[i]!.stride > 1 && c === 0 ? 1 : c));
  const configs: IndexedConfig[] = [];
  const byKey = new Map<string, number>();
  const blocks: IndexedBlock[] = [];
  for (let bi = 0; bi < nBlocks; bi++) {
    const deps = [...new Set([...affects(bi, false), ...(bi > 0 ? affects(bi - 1, true) : [])])].sort((a, b) => a - b);
    const sizes = deps.map((d) => space.positions[d]!.choices.length);
    const radix: number[] = [];
    let total = 1;
    for (const s of sizes) {
      radix.push(total);
      total *= s;
    }
    const comboConfig = new Int32Array(total).fill(-1);
    for (let combo = 0; combo < total; combo++) {
      const vector = [...base];
      deps.forEach((d, j) => (vector[d] = Math.floor(combo / radix[j]!) % sizes[j]!));
      try {
        validateArch(space, vector);
      } catch {
        continue;
      }
      const g = lowerModel(buildArchModel(space, vector), res);
      const info = g.blocks[bi]!;
      const key = configKey(info.spec, info.inShape);
      let ci = byKey.get(key);
      if (ci === undefined) {
        const layers = g.layers.filter((l) => l.block === info.id).map((layer) => ({ layer, cost: layerCost(layer) }));
        ci = configs.length;
        byKey.set(key, ci);
        configs.push({
          key,
          spec: info.spec,
          inShape: info.inShape,
          outShape: info.outShape,
          stride: 'stride' in info.spec ? info.spec.stride : 1,
          blocks: [bi],
          searchable: affects(bi, false).length > 0,
          stage: info.stage,
          macs: layers.reduce((a, l) => a + l.cost.macs, 0),
          layers,
        });
      } else if (!configs[ci]!.blocks.includes(bi)) {
        configs[ci]!.blocks.push(bi);
      }
      comboConfig[combo] = ci;
    }
    blocks.push({ index: bi, stage: space.base.blocks[bi]!.stage, deps, radix, comboConfig });
  }
  const fingerprint = createHash('sha256')
    .update([...byKey.keys()].sort().join('\n'))
    .digest('hex');
  const index: SpaceIndex = { space, resolution: res, configs, byKey, blocks, fingerprint };
  cache.set(ck, index);
  return index;
}

/** Configuration index of each skeleton block for an architecture vector (validated by the caller). */
export function archConfigs(index: SpaceIndex, vector: ArrayLike<number>): number[] {
  return index.blocks.map((b) => {
    let combo = 0;
    for (let j = 0; j < b.deps.length; j++) combo += vector[b.deps[j]!]! * b.radix[j]!;
    return b.comboConfig[combo]!;
  });
}

/** MACs of an architecture from the per-configuration counts (equals graphCost of the lowered model). */
export function archMacs(index: SpaceIndex, vector: ArrayLike<number>): number {
  return archConfigs(index, vector).reduce((a, ci) => a + index.configs[ci]!.macs, 0);
}
