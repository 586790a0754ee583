/**
 * Block types of the Table 6 comparison models that are not MobileNets (src/models/table6-zoo.ts): ConvNeXt,
 * FastViT, EfficientViT, NextViT. Same contract as the blocks of spec.ts: each lowers (here) into layer ops of graph.ts that the cost
 * counter, both exporters and the reference executor read.
 *
 * All blocks are the INFERENCE form of their networks: BatchNorm folded into the preceding conv (a conv with
 * `bn` gets one bias per channel), and FastViT's train-time branches reparameterised into single convs
 * (Vasu et al., ICCV 2023, Sec. 3.2; apple/ml-fastvit `reparameterize_model`).
 */
import type { GraphBuilder } from './graph.js';
import type { Activation } from './spec.js';
import { makeDivisible } from './spec.js';
import { ModelSpecError } from './graph.js';

/** LayerNorm over channels (per pixel, or over a pooled [C,1,1] vector), then an activation. */
export interface LayerNormBlock {
  type: 'layernorm';
  eps: number;
  act: Activation;
}

/**
 * EfficientViT's lightweight multi-scale linear attention, residual (Cai et al., ICCV 2023, Fig. 4;
 * mit-han-lab/efficientvit efficientvit/models/nn/ops.py `LiteMLA` in `EfficientViTBlock.context_module`):
 * heads = C / dim; qkv = 1x1 conv C -> 3C (no bias, no norm); for each scale s: a s x s DW conv on the 3C
 * channels then a 1x1 conv with 3*heads groups (no bias); concat [qkv, aggregated] -> ReLU linear attention
 * with 2*heads heads of `dim` (eps 1e-15) -> 1x1 conv 2C -> C + BN -> + input.
 */
export interface LiteMlaBlock {
  type: 'lite_mla';
  dim: number;
  scale: number;
}

/**
 * ConvNeXt block (Liu et al., CVPR 2022, Fig. 4; facebookresearch/ConvNeXt models/convnext.py `Block`):
 * kxk DW conv (bias) -> LayerNorm (eps 1e-6) -> 1x1 to expandRatio*C (bias) -> GELU -> 1x1 to C (bias)
 * -> [layer scale] -> + input.
 */
export interface ConvNextBlock {
  type: 'convnext';
  kernel: number;
  expandRatio: number;
  layerScale?: number;
}

/**
 * FastViT RepMixer block, inference form (apple/ml-fastvit models/fastvit.py `RepMixerBlock`):
 * token mixer = one kxk DW conv with bias (the reparameterised x + ls * (mixer(x) - norm(x))), then the
 * ConvFFN branch: 7x7 DW conv -> BN -> 1x1 to int(C*expandRatio) (bias) -> GELU -> 1x1 to C (bias)
 * -> [layer scale] -> + mixer output.
 */
export interface RepMixerBlock {
  type: 'repmixer';
  kernel: number;
  expandRatio: number;
  layerScale?: number;
}

/**
 * FastViT attention block (models/fastvit.py `AttentionBlock` + `MHSA`): x + ls1 * MHSA(BN(x)), then the
 * same ConvFFN branch as RepMixerBlock. MHSA: C / headDim heads, q, k, v = 1x1 (no bias) of C channels
 * each (the official qkv Linear C -> 3C split in three), softmax(q k^T / sqrt(headDim)) v per head, output
 * 1x1 C -> C with bias.
 */
export interface VitAttentionBlock {
  type: 'vit_attn';
  headDim: number;
  expandRatio: number;
  layerScale?: number;
}

/** A standalone BatchNorm (per-channel scale and shift at inference): NextViT's final norm. */
export interface BatchNormBlock {
  type: 'batchnorm';
}

/**
 * NextViT Next Convolution Block (Li et al., arXiv 2207.05501, Sec. 3.2; bytedance/Next-ViT
 * classification/nextvit.py `NCB`), BN merged as the repo's `merge_bn` does: patch embedding (stride 2:
 * 2x2/2 average pool + 1x1 conv + BN; other channel count: 1x1 conv + BN; else none), MHCA (3x3 conv with
 * C/32 groups + BN + ReLU, 1x1 conv) + residual, MLP (1x1 to makeDivisible(3C, 32) with bias, ReLU, 1x1 with
 * bias; the pre-norm BN merged into it) + residual.
 */
export interface NextConvBlock {
  type: 'ncb';
  outCh: number;
  stride: number;
}

/**
 * NextViT Next Transformer Block (nextvit.py `NTB`, mix_block_ratio 0.75, head dim 32), BN merged:
 * patch embedding to m = makeDivisible(0.75 out, 32) channels; E-MHSA: q, k, v 1x1 convs with bias, K and V
 * from the tokens averaged in runs of sr^2 (AvgPool1d over the flattened sequence) when sr > 1, m/32 heads,
 * 1x1 projection with bias, + residual; projection 1x1 conv + BN to out - m channels, MHCA + residual;
 * concat [attention branch, conv branch]; MLP (ratio 2) + residual.
 */
export interface NextTransformerBlock {
  type: 'ntb';
  outCh: number;
  stride: number;
  sr: number;
}

export type Table6BlockSpec =
  LayerNormBlock | ConvNextBlock | RepMixerBlock | VitAttentionBlock | LiteMlaBlock | BatchNormBlock | NextConvBlock | NextTransformerBlock;

/** EfficientViT's linear attention epsilon (ops.py LiteMLA `eps=1.0e-15`). */
export const LITE_MLA_EPS = 1e-15;
export type Table6BlockType = Table6BlockSpec['type'];

/** ConvNeXt's LayerNorm epsilon (models/convnext.py: `LayerNorm(..., eps=1e-6)` everywhere). */
export const CONVNEXT_LN_EPS = 1e-6;

/** FastViT ConvFFN (models/fastvit.py `ConvFFN`) with layer scale and the residual add. */
function convFfn(g: GraphBuilder, id: string, x: string, expandRatio: number, layerScale: number | undefined, prefix: string): string {
  const c = g.shapeOf(x)[0];
  const hidden = Math.floor(c * expandRatio);
  let y = g.conv(id, `${prefix}dw`, x, { kernel: 7, outCh: c, act: 'none', depthwise: true });
  y = g.conv(id, `${prefix}fc1`, y, { kernel: 1, outCh: hidden, act: 'gelu', bn: false, bias: true });
  y = g.conv(id, `${prefix}fc2`, y, { kernel: 1, outCh: c, act: 'none', bn: false, bias: true });
  if (layerScale !== undefined) y = g.add(id, `${prefix}layer_scale`, { kind: 'scale', ch: c, init: layerScale }, [y]);
  return g.add(id, `${prefix}add`, { kind: 'add' }, [y, x]);
}

/** NextViT head dim (nextvit.py `head_dim=32`). */
const NEXTVIT_HEAD_DIM = 32;

/** NextViT PatchEmbed: [2x2/2 average pool] + 1x1 conv + BN when the stride or the channel count changes. */
function nextVitPatchEmbed(g: GraphBuilder, id: string, x: string, outCh: number, stride: number, prefix: string): string {
  const inCh = g.shapeOf(x)[0];
  let y = x;
  if (stride === 2) y = g.add(id, `${prefix}pool`, { kind: 'avg_pool', kernel: 2 }, [y]);
  else if (stride !== 1) throw new ModelSpecError(`${id}: NextViT blocks take stride 1 or 2, got ${stride}`);
  if (stride === 2 || inCh !== outCh) y = g.conv(id, `${prefix}embed`, y, { kernel: 1, outCh, act: 'none' });
  return y;
}

/** NextViT MHCA + residual: 3x3 conv with C/32 groups + BN + ReLU, 1x1 conv (no bias). */
function nextVitMhca(g: GraphBuilder, id: string, x: string, prefix: string): string {
  const c = g.shapeOf(x)[0];
  if (c % NEXTVIT_HEAD_DIM !== 0) throw new ModelSpecError(`${id}: ${c} channels are not a multiple of ${NEXTVIT_HEAD_DIM}`);
  let y = g.conv(id, `${prefix}mhca_conv`, x, { kernel: 3, outCh: c, act: 'relu', groups: c / NEXTVIT_HEAD_DIM });
  y = g.conv(id, `${prefix}mhca_proj`, y, { kernel: 1, outCh: c, act: 'none', bn: false });
  return g.add(id, `${prefix}mhca_add`, { kind: 'add' }, [y, x]);
}

/** NextViT MLP + residual (its pre-norm BN merged into the first conv's weights and bias). */
function nextVitMlp(g: GraphBuilder, id: string, x: string, ratio: number): string {
  const c = g.shapeOf(x)[0];
  let y = g.conv(id, 'mlp_fc1', x, { kernel: 1, outCh: makeDivisible(c * ratio, 32), act: 'relu', bn: false, bias: true });
  y = g.conv(id, 'mlp_fc2', y, { kernel: 1, outCh: c, act: 'none', bn: false, bias: true });
  return g.add(id, 'mlp_add', { kind: 'add' }, [y, x]);
}

/** Lowers one Table 6 block onto the builder; returns the block's output tensor. */
export function lowerTable6Block(g: GraphBuilder, id: string, spec: Table6BlockSpec, x: string): string {
  const [inCh] = g.shapeOf(x);
  switch (spec.type) {
    case 'layernorm': {
      const y = g.add(id, 'ln', { kind: 'layernorm', ch: inCh, eps: spec.eps }, [x]);
      return spec.act === 'none' ? y : g.add(id, 'act', { kind: 'act', act: spec.act }, [y]);
    }
    case 'batchnorm':
      return g.add(id, 'bn', { kind: 'affine', ch: inCh }, [x]);
    case 'ncb': {
      const y = nextVitMhca(g, id, nextVitPatchEmbed(g, id, x, spec.outCh, spec.stride, ''), '');
      return nextVitMlp(g, id, y, 3);
    }
    case 'ntb': {
      const m = makeDivisible(Math.floor(spec.outCh * 0.75), 32);
      let y = nextVitPatchEmbed(g, id, x, m, spec.stride, '');
      const heads = m / NEXTVIT_HEAD_DIM;
      const lin = { kernel: 1, outCh: m, act: 'none', bn: false, bias: true } as const;
      const q = g.conv(id, 'q', y, lin);
      const kvIn = spec.sr > 1 ? g.add(id, 'sr', { kind: 'token_pool', kernel: spec.sr * spec.sr }, [y]) : y;
      const k = g.conv(id, 'k', kvIn, lin);
      const v = g.conv(id, 'v', kvIn, lin);
      const hd = NEXTVIT_HEAD_DIM;
      const a = g.add(id, 'attn', { kind: 'attention', heads, keyDim: hd, valueDim: hd, kvHeads: heads }, [q, k, v]);
      y = g.add(id, 'attn_add', { kind: 'add' }, [g.conv(id, 'proj', a, lin), y]);
      const conv = nextVitMhca(g, id, nextVitPatchEmbed(g, id, y, spec.outCh - m, 1, 'conv_'), 'conv_');
      return nextVitMlp(g, id, g.add(id, 'concat', { kind: 'concat' }, [y, conv]), 2);
    }
    case 'lite_mla': {
      if (inCh % spec.dim !== 0) throw new ModelSpecError(`${id}: ${inCh} channels are not a multiple of dim ${spec.dim}`);
      const heads = inCh / spec.dim;
      const plain = { act: 'none', bn: false } as const;
      const qkv = g.conv(id, 'qkv', x, { kernel: 1, outCh: 3 * inCh, ...plain });
      let agg = g.conv(id, 'agg_dw', qkv, { kernel: spec.scale, outCh: 3 * inCh, depthwise: true, ...plain });
      agg = g.conv(id, 'agg_pw', agg, { kernel: 1, outCh: 3 * inCh, groups: 3 * heads, ...plain });
      const ms = g.add(id, 'concat', { kind: 'concat' }, [qkv, agg]);
      const a = g.add(id, 'attn', { kind: 'linear_attention', heads: 2 * heads, dim: spec.dim, eps: LITE_MLA_EPS }, [ms]);
      const y = g.conv(id, 'proj', a, { kernel: 1, outCh: inCh, act: 'none' });
      return g.add(id, 'add', { kind: 'add' }, [y, x]);
    }
    case 'convnext': {
      const hidden = Math.floor(inCh * spec.expandRatio);
      let y = g.conv(id, 'dw', x, { kernel: spec.kernel, outCh: inCh, act: 'none', depthwise: true, bn: false, bias: true });
      y = g.add(id, 'ln', { kind: 'layernorm', ch: inCh, eps: CONVNEXT_LN_EPS }, [y]);
      y = g.conv(id, 'pw1', y, { kernel: 1, outCh: hidden, act: 'gelu', bn: false, bias: true });
      y = g.conv(id, 'pw2', y, { kernel: 1, outCh: inCh, act: 'none', bn: false, bias: true });
      if (spec.layerScale !== undefined) y = g.add(id, 'layer_scale', { kind: 'scale', ch: inCh, init: spec.layerScale }, [y]);
      return g.add(id, 'add', { kind: 'add' }, [y, x]);
    }
    case 'repmixer': {
      const m = g.conv(id, 'mixer', x, { kernel: spec.kernel, outCh: inCh, act: 'none', depthwise: true, bn: false, bias: true });
      return convFfn(g, id, m, spec.expandRatio, spec.layerScale, 'ffn_');
    }
    case 'vit_attn': {
      if (inCh % spec.headDim !== 0) throw new ModelSpecError(`${id}: ${inCh} channels are not a multiple of headDim ${spec.headDim}`);
      const heads = inCh / spec.headDim;
      const n = g.add(id, 'norm', { kind: 'affine', ch: inCh }, [x]);
      const qkv = { kernel: 1, outCh: inCh, act: 'none', bn: false } as const;
      const q = g.conv(id, 'q', n, qkv);
      const k = g.conv(id, 'k', n, qkv);
      const v = g.conv(id, 'v', n, qkv);
      const a = g.add(id, 'attn', { kind: 'attention', heads, keyDim: spec.headDim, valueDim: spec.headDim, kvHeads: heads }, [q, k, v]);
      let y = g.conv(id, 'proj', a, { kernel: 1, outCh: inCh, act: 'none', bn: false, bias: true });
      if (spec.layerScale !== undefined) y = g.add(id, 'layer_scale', { kind: 'scale', ch: inCh, init: spec.layerScale }, [y]);
      y = g.add(id, 'add', { kind: 'add' }, [y, x]);
      return convFfn(g, id, y, spec.expandRatio, spec.layerScale, 'ffn_');
    }
  }
}
