/**
 * Hybrid search spaces (`hybrid-m`, `hybrid-l`) around MNv4-Hybrid-M and -L (paper §5, App. 0.A/Table 13: the
 * hybrids add Mobile MQA blocks in the last stages, and the search chose where).
 *
 * Positions:
 * - every UIB of the model: `bNN.dw`, the 9 (start DW, middle DW) choices of the conv spaces (search-space.ts);
 *   the block keeps the model's expansion ratio, so the model itself is an architecture of its space;
 * - every position where the paper places attention (the model's MQA blocks): `bNN.attn`, choices
 *     0 `mqa kv1`: the model's MQA (heads, key dim) with K/V at full resolution,
 *     1 `mqa kv2`: the same with K/V spatially reduced by a stride-2 3x3 depthwise conv,
 *     2 `identity`: no block (lowered as a multiply by ones, so every runtime keeps one node and the network
 *       its block count; its cost is what one such node costs),
 *     3.. 11 `uib a/m`: a UIB of the stage's width, stride 1, expansion 4, with the conv spaces' DW choices.
 * An attention position must hold an MQA block: stride 1, output shape = input shape, and (for K/V
 * reduction) at least 2x2 spatially. A definition that places one elsewhere is refused when the space is
 * defined (`defineHybridSpace`), not when it is measured.
 */
import { lowerModel, ModelSpecError } from './graph.js';
import type { Activation, BlockSpec, MQABlock, ModelSpec, UIBBlock } from './spec.js';

/** The (start, middle) DW kernels of the conv spaces, by choice index (same order as search-space.ts DW_CHOICES). */
const DW = [0, 3, 5].flatMap((a) => [0, 3, 5].map((m) => ({ startDw: a, middleDw: m })));
const dwLabel = (a: number, m: number): string => `${a || '-'}/${m || '-'}`;

export const ATTN_CHOICES: readonly string[] = ['mqa kv1', 'mqa kv2', 'identity', ...DW.map((d) => `uib ${dwLabel(d.startDw, d.middleDw)}`)];
export const ATTN_MQA_KV1 = 0;
export const ATTN_MQA_KV2 = 1;
export const ATTN_IDENTITY = 2;
export const ATTN_UIB0 = 3;

/** An attention position: the skeleton block it replaces and the MQA it can hold. */
export interface AttentionSite {
  block: number;
  heads: number;
  keyDim: number;
  /** the model's own K/V stride there (its skeleton choice). */
  kvStride: number;
  layerScale?: number;
  /** width of the stage (the block's input channels) and the model's activation, for the UIB choices. */
  channels: number;
  act: Activation;
}

function modelAct(base: ModelSpec): Activation {
  const u = base.blocks.find((b) => b.spec.type === 'uib');
  return u ? (u.spec as UIBBlock).act : 'relu';
}

/**
 * Checks and describes the attention positions of a hybrid space: `sites` are skeleton block indices (with
 * the MQA to place there: the block's own MQA when it is one). Throws a ModelSpecError naming the position
 * and why an MQA cannot go there.
 */
export function defineAttentionSites(
  spaceId: string,
  base: ModelSpec,
  sites: readonly { block: number; heads?: number; keyDim?: number; kvStride?: number }[],
): AttentionSite[] {
  const g = lowerModel(base, base.resolution);
  return sites.map((s) => {
    const name = `${spaceId} position b${String(s.block).padStart(2, '0')}.attn`;
    const placed = base.blocks[s.block];
    if (!placed) throw new ModelSpecError(`${name}: ${base.id} has no block ${s.block} (it has ${base.blocks.length})`);
    const own = placed.spec.type === 'mqa' ? (placed.spec as MQABlock) : undefined;
    const heads = s.heads ?? own?.heads;
    const keyDim = s.keyDim ?? own?.keyDim;
    if (heads === undefined || keyDim === undefined)
      throw new ModelSpecError(`${name}: block ${s.block} is a ${placed.spec.type}, give the MQA's heads and key dim`);
    const info = g.blocks[s.block]!;
    const [c, h, w] = info.inShape;
    const [oc, oh, ow] = info.outShape;
    const stride = 'stride' in info.spec ? info.spec.stride : 1;
    if (stride !== 1 || c !== oc || h !== oh || w !== ow) {
      throw new ModelSpecError(
        `${name}: an MQA block keeps its input shape, but block ${s.block} (${placed.spec.type}) maps ${c}x${h}x${w} to ${oc}x${oh}x${ow}${stride !== 1 ? ` (stride ${stride})` : ''}: attention cannot go there`,
      );
    }
    if (h < 2 || w < 2) throw new ModelSpecError(`${name}: a ${h}x${w} input cannot take the K/V reduction (stride 2) of an MQA block`);
    return {
      block: s.block,
      heads,
      keyDim,
      kvStride: s.kvStride ?? own?.kvStride ?? 1,
      ...(own?.layerScale !== undefined ? { layerScale: own.layerScale } : {}),
      channels: c,
      act: modelAct(base),
    };
  });
}

/** The block an attention choice puts at a site. */
export function attentionBlock(site: AttentionSite, choice: number): BlockSpec {
  const ls = site.layerScale !== undefined ? { layerScale: site.layerScale } : {};
  if (choice === ATTN_MQA_KV1 || choice === ATTN_MQA_KV2)
    return { type: 'mqa', heads: site.heads, keyDim: site.keyDim, valueDim: site.keyDim, kvStride: choice === ATTN_MQA_KV1 ? 1 : 2, ...ls };
  if (choice === ATTN_IDENTITY) return { type: 'identity' };
  const d = DW[choice - ATTN_UIB0];
  if (!d) throw new ModelSpecError(`attention choice ${choice} does not exist (0..${ATTN_CHOICES.length - 1})`);
  return { type: 'uib', startDw: d.startDw, middleDw: d.middleDw, stride: 1, expandRatio: 4, outCh: site.channels, act: site.act, ...ls };
}

/** The skeleton's own choice at a site: its MQA with the model's K/V stride. */
export const attentionSkeletonChoice = (site: AttentionSite): number => (site.kvStride === 1 ? ATTN_MQA_KV1 : ATTN_MQA_KV2);

/** The built-in hybrid spaces: attention where the model has its MQA blocks. */
export function hybridSites(spaceId: string, base: ModelSpec): AttentionSite[] {
  const sites = base.blocks.flatMap((b, i) => (b.spec.type === 'mqa' ? [{ block: i }] : []));
  return defineAttentionSites(spaceId, base, sites);
}
