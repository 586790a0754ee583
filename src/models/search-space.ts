/**
 * TuNAS-style MNv4 search spaces around each conv model's skeleton (paper §6.1, App. 0.A: two-stage search).
 *
 * Spaces (ids):
 * - `<model>` (fine-grained stage, e.g. `conv-m`): one position per UIB of the skeleton; choice = the pair
 *   (start DW, middle DW), each in {none, 3, 5}; expansion fixed at 4 (the paper fixes it at 4 in this stage).
 *   Choice index = 3 * i(start) + i(middle) with i(none)=0, i(3)=1, i(5)=2:
 *     0 FFN (-,-)  1 IB (-,3)  2 IB (-,5)  3 ConvNext (3,-)  4 ExtraDW (3,3)  5 ExtraDW (3,5)
 *     6 ConvNext (5,-)  7 ExtraDW (5,3)  8 ExtraDW (5,5)
 *   A strided position cannot take choice 0 (a stride-2 UIB needs a depthwise conv to carry the stride).
 * - `<model>+e`: the fine space plus an expansion position after each DW position, choices 2, 3, 4, 6.
 * - `<model>-coarse` (coarse-grained stage): one position per searchable stage (the stages made of UIBs);
 *   choice = output width multiplier of the stage in {0.5, 0.75, 1, 1.25, 1.5} (make_divisible 8); every UIB
 *   is fixed to an IB with a 3x3 middle DW and expansion 4, as in the paper.
 * - `hybrid-m`, `hybrid-l`: around the hybrid models (src/models/hybrid-space.ts): `.dw` positions at their UIBs
 *   (model expansion kept) and `.attn` positions where the paper places attention: MQA with K/V stride 1 or
 *   2, identity, or a UIB.
 * Stem, stage-1 blocks (FusedIB / conv pairs) and head stay fixed, as in the paper's search.
 *
 * An architecture is a vector of choice indices, one per position; its text is `<space>:<i>,<i>,...`
 * (e.g. `conv-m:5,4,...`), and `arch:<text>` is a workload reference (workload.ts).
 */
import { lowerModel, ModelSpecError, type Shape } from './graph.js';
import { getModel } from './registry.js';
import { makeDivisible, type BlockSpec, type ModelSpec, type PlacedBlock, type UIBBlock } from './spec.js';
import { uniformRng } from './weights.js';
import { blockText, shapeText } from './block-text.js';
import { ATTN_CHOICES, attentionBlock, attentionSkeletonChoice, defineAttentionSites, hybridSites, type AttentionSite } from './hybrid-space.js';

export const DW_KERNELS = [0, 3, 5] as const;
export const DW_CHOICES: readonly { startDw: number; middleDw: number; label: string }[] = DW_KERNELS.flatMap((a) =>
  DW_KERNELS.map((m) => ({ startDw: a, middleDw: m, label: `${a ? a : '-'}/${m ? m : '-'}` })),
);
export const EXPANSION_CHOICES = [2, 3, 4, 6] as const;
export const FINE_EXPANSION = 4;
export const WIDTH_MULTIPLIERS = [0.5, 0.75, 1, 1.25, 1.5] as const;
export const SEARCHABLE_MODELS = ['conv-s', 'conv-m', 'conv-l'] as const;

export type SpaceKind = 'fine' | 'fine+e' | 'coarse' | 'hybrid';
export const HYBRID_MODELS = ['hybrid-m', 'hybrid-l'] as const;

export interface Position {
  /** e.g. `b05.dw`, `b05.e`, `stage3.width`. */
  name: string;
  /** labels of the choices, by index. */
  choices: string[];
  /** skeleton block indices this position changes. */
  blocks: number[];
  /** true when the choice changes the output width of its blocks. */
  changesWidth: boolean;
  /** stride of the (first) block: strided DW positions forbid choice 0. */
  stride: number;
  /** attention positions of hybrid spaces (`bNN.attn`, src/models/hybrid-space.ts). */
  attention?: AttentionSite;
}

export interface SearchSpace {
  id: string;
  kind: SpaceKind;
  base: ModelSpec;
  positions: Position[];
}

export interface Arch {
  space: SearchSpace;
  vector: number[];
  /** canonical text `<space>:<i>,<i>,...`. */
  text: string;
  /** the architecture as a model description (id = the arch text). */
  model: ModelSpec;
}

function uibIndices(base: ModelSpec): number[] {
  return base.blocks.flatMap((b, i) => (b.spec.type === 'uib' ? [i] : []));
}

/**
 * A hybrid space: `.dw` positions at the model's UIBs (expansion kept), `.attn` positions at `sites` (checked:
 * a position whose shapes cannot hold an MQA block is refused here, when the space is defined).
 */
export function defineHybridSpace(
  id: string,
  base: ModelSpec,
  sites: readonly { block: number; heads?: number; keyDim?: number; kvStride?: number }[],
): SearchSpace {
  const attention = new Map(defineAttentionSites(id, base, sites).map((a) => [a.block, a]));
  const positions: Position[] = [];
  base.blocks.forEach((b, i) => {
    const bid = `b${String(i).padStart(2, '0')}`;
    const site = attention.get(i);
    if (site) positions.push({ name: `${bid}.attn`, choices: [...ATTN_CHOICES], blocks: [i], changesWidth: false, stride: 1, attention: site });
    else if (b.spec.type === 'uib')
      positions.push({ name: `${bid}.dw`, choices: DW_CHOICES.map((c) => c.label), blocks: [i], changesWidth: false, stride: b.spec.stride });
  });
  return { id, kind: 'hybrid', base, positions };
}

/** Builds a search space by id (`conv-m`, `conv-m+e`, `conv-m-coarse`, `hybrid-m`, `hybrid-l`). */
export function getSearchSpace(id: string): SearchSpace {
  const h = id.trim().toLowerCase();
  if ((HYBRID_MODELS as readonly string[]).includes(h)) {
    const base = getModel(h);
    return defineHybridSpace(h, base, hybridSites(h, base));
  }
  const m = /^(conv-[sml])(\+e|-coarse)?$/.exec(h);
  if (!m) throw new ModelSpecError(`unknown search space '${id}'; known: ${listSearchSpaceIds().join(', ')}`);
  const base = getModel(m[1]!);
  const kind: SpaceKind = m[2] === '+e' ? 'fine+e' : m[2] === '-coarse' ? 'coarse' : 'fine';
  const positions: Position[] = [];
  if (kind === 'coarse') {
    const byStage = new Map<string, number[]>();
    for (const i of uibIndices(base)) {
      const stage = base.blocks[i]!.stage;
      byStage.set(stage, [...(byStage.get(stage) ?? []), i]);
    }
    for (const [stage, blocks] of byStage) {
      const first = base.blocks[blocks[0]!]!.spec as UIBBlock;
      positions.push({
        name: `stage${stage}.width`,
        choices: WIDTH_MULTIPLIERS.map((w) => `${w}x (${makeDivisible(first.outCh * w, 8)})`),
        blocks,
        changesWidth: true,
        stride: first.stride,
      });
    }
  } else {
    for (const i of uibIndices(base)) {
      const spec = base.blocks[i]!.spec as UIBBlock;
      const bid = `b${String(i).padStart(2, '0')}`;
      positions.push({ name: `${bid}.dw`, choices: DW_CHOICES.map((c) => c.label), blocks: [i], changesWidth: false, stride: spec.stride });
      if (kind === 'fine+e')
        positions.push({ name: `${bid}.e`, choices: EXPANSION_CHOICES.map(String), blocks: [i], changesWidth: false, stride: 1 });
    }
  }
  return { id: kind === 'fine' ? base.id : kind === 'fine+e' ? `${base.id}+e` : `${base.id}-coarse`, kind, base, positions };
}

export function listSearchSpaceIds(): string[] {
  return [...SEARCHABLE_MODELS.flatMap((m) => [m, `${m}+e`, `${m}-coarse`]), ...HYBRID_MODELS];
}

/** Throws a ModelSpecError naming the first bad entry of a vector. */
export function validateArch(space: SearchSpace, vector: readonly number[]): void {
  if (vector.length !== space.positions.length) {
    const n = space.positions.length;
    const hint = vector.length === 1 && n > 1 ? ' (a list flag may have split the vector at its commas)' : '';
    throw new ModelSpecError(
      `search space ${space.id} needs ${n} choices, got ${vector.length}${hint}: one per position, ${space.positions[0]!.name} .. ${space.positions[n - 1]!.name}; 'mnv4-bench space ${space.id}' lists the positions`,
    );
  }
  vector.forEach((c, i) => {
    const p = space.positions[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= p.choices.length) {
      throw new ModelSpecError(`choice ${i} (${p.name}) must be an integer from 0 to ${p.choices.length - 1}, got ${c}`);
    }
    if (p.name.endsWith('.dw') && p.stride > 1 && c === 0) {
      throw new ModelSpecError(`choice ${i} (${p.name}) is a stride-${p.stride} block: it needs a depthwise conv, so 0 (FFN) is not allowed`);
    }
  });
}

/** The model an architecture describes. */
export function buildArchModel(space: SearchSpace, vector: readonly number[]): ModelSpec {
  validateArch(space, vector);
  const blocks: PlacedBlock[] = space.base.blocks.map((b) => ({ ...b }));
  space.positions.forEach((p, i) => {
    const c = vector[i]!;
    for (const bi of p.blocks) {
      const placed = blocks[bi]!;
      const spec = placed.spec as UIBBlock;
      if (p.attention) {
        placed.spec = attentionBlock(p.attention, c);
        continue;
      }
      let next: UIBBlock;
      if (space.kind === 'coarse') {
        const outCh = makeDivisible((space.base.blocks[bi]!.spec as UIBBlock).outCh * WIDTH_MULTIPLIERS[c]!, 8);
        next = { ...spec, startDw: 0, middleDw: 3, expandRatio: FINE_EXPANSION, outCh };
      } else if (space.kind === 'hybrid') {
        // hybrid spaces keep the model's expansion: the model is an architecture of its space
        const dw = DW_CHOICES[c]!;
        next = { ...spec, startDw: dw.startDw, middleDw: dw.middleDw };
      } else if (p.name.endsWith('.dw')) {
        const dw = DW_CHOICES[c]!;
        // the `.e` position (if any) sets the ratio afterwards; the fine stage fixes it at 4.
        next = { ...spec, startDw: dw.startDw, middleDw: dw.middleDw, expandRatio: FINE_EXPANSION };
      } else {
        next = { ...spec, expandRatio: EXPANSION_CHOICES[c]! };
      }
      placed.spec = next;
    }
  });
  const text = encodeArch(space, vector);
  return {
    ...space.base,
    id: text,
    name: `${space.base.name} arch ${text}`,
    blocks,
    source: `search space ${space.id} (${space.kind}) around ${space.base.name}`,
  };
}

export function encodeArch(space: SearchSpace, vector: readonly number[]): string {
  return `${space.id}:${vector.join(',')}`;
}

/** Parses `<space>:<i>,<i>,...`; throws a ModelSpecError saying what is wrong. */
export function decodeArch(text: string): Arch {
  const colon = text.indexOf(':');
  if (colon < 0) throw new ModelSpecError(`bad architecture '${text}': expected <space>:<i>,<i>,... (e.g. conv-m:5,4,4)`);
  const space = getSearchSpace(text.slice(0, colon));
  const body = text.slice(colon + 1).trim();
  if (body === '')
    throw new ModelSpecError(
      `architecture '${text}' has no choices: give ${space.positions.length} comma-separated choice indices after '${space.id}:'`,
    );
  const parts = body.split(',');
  const vector = parts.map((p, i) => {
    if (p.trim() === '')
      throw new ModelSpecError(`architecture '${text}' has an empty choice at position ${i} (two commas in a row, or a trailing comma)`);
    if (/@/.test(p)) throw new ModelSpecError(`bad choice '${p.trim()}' in architecture '${text}': give the resolution with --resolution, not '@'`);
    if (!/^\s*\d{1,6}\s*$/.test(p))
      throw new ModelSpecError(`bad choice '${p.trim()}' at position ${i} in architecture '${text}': choices are non-negative integers`);
    return Number(p);
  });
  const model = buildArchModel(space, vector);
  return { space, vector, text: encodeArch(space, vector), model };
}

/**
 * The skeleton's own choices where the space can express them: the real MNv4 DW pattern (fine spaces; the
 * expansion is then 4, or the nearest choice in `+e` spaces), width 1x (coarse).
 */
export function skeletonArch(space: SearchSpace): number[] {
  return space.positions.map((p) => {
    if (p.attention) return attentionSkeletonChoice(p.attention);
    const spec = space.base.blocks[p.blocks[0]!]!.spec as UIBBlock;
    if (space.kind === 'coarse') return WIDTH_MULTIPLIERS.indexOf(1);
    if (p.name.endsWith('.dw')) return DW_CHOICES.findIndex((c) => c.startDw === spec.startDw && c.middleDw === spec.middleDw);
    let best = 0;
    EXPANSION_CHOICES.forEach((e, i) => {
      if (Math.abs(e - spec.expandRatio) < Math.abs(EXPANSION_CHOICES[best]! - spec.expandRatio)) best = i;
    });
    return best;
  });
}

/** Uniform random valid architecture; deterministic for a seed. */
export function sampleArch(space: SearchSpace, seed: number): number[] {
  const u = uniformRng(seed);
  return space.positions.map((p) => {
    const lo = p.name.endsWith('.dw') && p.stride > 1 ? 1 : 0;
    return lo + Math.floor(u() * (p.choices.length - lo));
  });
}

/** Number of valid architectures (as a float: spaces are large). */
export function spaceSize(space: SearchSpace): number {
  return space.positions.reduce((n, p) => n * (p.choices.length - (p.name.endsWith('.dw') && p.stride > 1 ? 1 : 0)), 1);
}

export interface BlockConfig {
  /** `<block text>@<C>x<H>x<W>`: the lookup-table key. */
  key: string;
  spec: BlockSpec;
  inShape: Shape;
  outShape: Shape;
  stride: number;
  /** skeleton block indices where this configuration can occur. */
  blocks: number[];
  /** false for the fixed blocks (stem, stage 1, head) a lookup table must also cover. */
  searchable: boolean;
}

/**
 * Every distinct (block, input shape) configuration that any architecture of the space contains at a
 * resolution: what a per-block lookup table must cover to predict any architecture. Fixed blocks are included
 * with every input width they can see.
 */
export function enumerateBlockConfigs(space: SearchSpace, resolution = space.base.resolution): BlockConfig[] {
  const nBlocks = space.base.blocks.length;
  const specPositions = (bi: number): number[] => space.positions.flatMap((p, i) => (p.blocks.includes(bi) ? [i] : []));
  const widthPositions = (bi: number): number[] => space.positions.flatMap((p, i) => (p.changesWidth && p.blocks.includes(bi) ? [i] : []));
  const base = skeletonArch(space).map((c, i) => (space.positions[i]!.name.endsWith('.dw') && space.positions[i]!.stride > 1 && c === 0 ? 1 : c));
  const found = new Map<string, BlockConfig>();
  // lowering a whole model per combination is cheap (well under a millisecond per block) and exact.
  for (let bi = 0; bi < nBlocks; bi++) {
    const deps = [...new Set([...specPositions(bi), ...(bi > 0 ? widthPositions(bi - 1) : [])])];
    const combos: number[][] = [[]];
    for (const d of deps) {
      const n = space.positions[d]!.choices.length;
      const next: number[][] = [];
      for (const c of combos) for (let k = 0; k < n; k++) next.push([...c, k]);
      combos.splice(0, combos.length, ...next);
    }
    for (const combo of combos) {
      const vector = [...base];
      deps.forEach((d, k) => (vector[d] = combo[k]!));
      try {
        validateArch(space, vector);
      } catch {
        continue;
      }
      const g = lowerModel(buildArchModel(space, vector), resolution);
      const info = g.blocks[bi]!;
      const key = `${blockText(info.spec)}@${shapeText(info.inShape)}`;
      const have = found.get(key);
      if (have) {
        if (!have.blocks.includes(bi)) have.blocks.push(bi);
      } else {
        const stride = 'stride' in info.spec ? info.spec.stride : 1;
        found.set(key, {
          key,
          spec: info.spec,
          inShape: info.inShape,
          outShape: info.outShape,
          stride,
          blocks: [bi],
          searchable: specPositions(bi).length > 0,
        });
      }
    }
  }
  return [...found.values()];
}
