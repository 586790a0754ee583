/**
 * The non-MobileNet models of MNv4 Table 6 (arXiv 2404.10518), in their inference form, written in this
 * project's block language (spec.ts + table6-blocks.ts). Facts (depths, widths, kernel sizes, ratios) are from
 * the authors' papers and official code, cited per model; the definitions are written here.
 *
 * Stage labels as in baselines.ts: `stem`; stage n = blocks whose output has stride 2^(n+1); `head`;
 * `classifier`. Classifiers have 1000 classes.
 *
 * Reparameterised blocks (FastViT) count the parameters of the inference graph: the FastViT paper's Table 1
 * params are those of the reparameterised model (T8: 3.6 M; timm's train-time count is 4.0 M).
 */
import type { BlockSpec, ModelSpec, PlacedBlock } from './spec.js';
import { CONVNEXT_LN_EPS } from './table6-blocks.js';

const NUM_CLASSES = 1000;

const place = (stage: string, spec: BlockSpec): PlacedBlock => ({ stage, spec });

// ------------------------------------------------------------------------------------------------- ConvNeXt

/**
 * ConvNeXt (Liu et al., A ConvNet for the 2020s, CVPR 2022, arXiv 2201.03545, Sec. 2 and Table 9;
 * facebookresearch/ConvNeXt models/convnext.py): 4x4/4 patchify stem + LayerNorm; stages of ConvNeXt blocks
 * (7x7 DW, LN, 4x inverted bottleneck with GELU, layer scale 1e-6); between stages LN + 2x2/2 conv; head:
 * global average pool, LN, linear. Every conv and linear has a bias; there is no BatchNorm.
 */
export function convNext(id: string, name: string, depths: readonly number[], dims: readonly number[]): ModelSpec {
  const blocks: PlacedBlock[] = [
    place('stem', { type: 'conv_bn', kernel: 4, stride: 4, outCh: dims[0]!, act: 'none', bn: false, bias: true }),
    place('stem', { type: 'layernorm', eps: CONVNEXT_LN_EPS, act: 'none' }),
  ];
  depths.forEach((depth, i) => {
    const stage = String(i + 1);
    if (i > 0) {
      blocks.push(place(stage, { type: 'layernorm', eps: CONVNEXT_LN_EPS, act: 'none' }));
      blocks.push(place(stage, { type: 'conv_bn', kernel: 2, stride: 2, outCh: dims[i]!, act: 'none', bn: false, bias: true }));
    }
    for (let d = 0; d < depth; d++) blocks.push(place(stage, { type: 'convnext', kernel: 7, expandRatio: 4, layerScale: 1e-6 }));
  });
  blocks.push(place('head', { type: 'global_pool' }));
  blocks.push(place('head', { type: 'layernorm', eps: CONVNEXT_LN_EPS, act: 'none' }));
  blocks.push(place('classifier', { type: 'linear', outCh: NUM_CLASSES }));
  return {
    id,
    name,
    family: 'convnext',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `arXiv 2201.03545 (ConvNeXt) Sec. 2 / Table 9; facebookresearch/ConvNeXt models/convnext.py (depths [${depths}], dims [${dims}])`,
  };
}

/** ConvNeXt-S: depths [3,3,27,3], dims [96,192,384,768] (models/convnext.py `convnext_small`). */
export const CONVNEXT_S = convNext('convnext-s', 'ConvNext-S', [3, 3, 27, 3], [96, 192, 384, 768]);

// -------------------------------------------------------------------------------------------------- FastViT

interface FastVitConfig {
  layers: readonly number[];
  dims: readonly number[];
  mlpRatio: number;
  /** the last stage uses attention blocks and a RepCPE before them (SA variants). */
  attention: boolean;
  layerScale: number;
}

/**
 * FastViT (Vasu et al., FastViT: A Fast Hybrid Vision Transformer using Structural Reparameterization, ICCV
 * 2023, arXiv 2303.14189, Table 1; apple/ml-fastvit models/fastvit.py, models/modules/mobileone.py,
 * models/modules/replknet.py), reparameterised (`reparameterize_model`), input 256x256 (the repo's default_cfg):
 * - stem: three MobileOne blocks, 3x3/2 conv, 3x3/2 DW conv, 1x1 conv, each one conv with bias + GELU;
 * - stages of RepMixer blocks (3x3 DW mixer conv, ConvFFN: 7x7 DW + BN, 1x1 up, GELU, 1x1 down, layer scale);
 *   SA variants: the last stage starts with a RepCPE (7x7 DW conv with bias, the skip folded in) and uses
 *   attention blocks (BN, MHSA with head dim 32, layer scale, ConvFFN);
 * - between stages a PatchEmbed: ReparamLargeKernelConv 7x7/2 with groups = input channels (C -> 2C, the
 *   3x3 branch folded in) + GELU, then a 1x1 MobileOne conv + GELU;
 * - head: conv_exp, a 3x3 MobileOne conv C -> 2C with C groups, SE (reduce int(2C * 0.0625), ReLU,
 *   sigmoid gate), GELU; global average pool; linear.
 */
function fastVit(id: string, name: string, c: FastVitConfig): ModelSpec {
  const d0 = c.dims[0]!;
  const conv = (kernel: number, stride: number, outCh: number, extra: Partial<Extract<BlockSpec, { type: 'conv_bn' }>> = {}): BlockSpec => ({
    type: 'conv_bn',
    kernel,
    stride,
    outCh,
    act: 'gelu',
    bn: false,
    bias: true,
    ...extra,
  });
  const blocks: PlacedBlock[] = [place('stem', conv(3, 2, d0)), place('stem', conv(3, 2, d0, { depthwise: true })), place('stem', conv(1, 1, d0))];
  c.layers.forEach((depth, i) => {
    const stage = String(i + 1);
    const dim = c.dims[i]!;
    if (i > 0) {
      blocks.push(place(stage, conv(7, 2, dim, { groups: c.dims[i - 1]! })));
      blocks.push(place(stage, conv(1, 1, dim)));
    }
    const attention = c.attention && i === c.layers.length - 1;
    if (attention) blocks.push(place(stage, conv(7, 1, dim, { depthwise: true, act: 'none' })));
    for (let b = 0; b < depth; b++) {
      blocks.push(
        place(
          stage,
          attention
            ? { type: 'vit_attn', headDim: 32, expandRatio: c.mlpRatio, layerScale: c.layerScale }
            : { type: 'repmixer', kernel: 3, expandRatio: c.mlpRatio, layerScale: c.layerScale },
        ),
      );
    }
  });
  const last = c.dims[c.dims.length - 1]!;
  blocks.push(place('head', conv(3, 1, 2 * last, { groups: last, act: 'none' })));
  blocks.push(place('head', { type: 'squeeze_excite', seCh: Math.floor(2 * last * 0.0625), gate: 'sigmoid', act: 'gelu' }));
  blocks.push(place('head', { type: 'global_pool' }));
  blocks.push(place('classifier', { type: 'linear', outCh: NUM_CLASSES }));
  return {
    id,
    name,
    family: 'fastvit',
    inChannels: 3,
    resolution: 256,
    blocks,
    source:
      `arXiv 2303.14189 (FastViT) Table 1; apple/ml-fastvit models/fastvit.py (layers [${c.layers}], embed_dims [${c.dims}], ` +
      `mlp_ratio ${c.mlpRatio}${c.attention ? ', last stage RepCPE + attention' : ''}), reparameterised, 256x256`,
  };
}

const FASTVIT_DIMS = [64, 128, 256, 512] as const;

export const FASTVIT_MODELS: readonly ModelSpec[] = [
  fastVit('fastvit-t8', 'FastViT-T8', { layers: [2, 2, 4, 2], dims: [48, 96, 192, 384], mlpRatio: 3, attention: false, layerScale: 1e-5 }),
  fastVit('fastvit-s12', 'FastViT-S12', { layers: [2, 2, 6, 2], dims: FASTVIT_DIMS, mlpRatio: 4, attention: false, layerScale: 1e-5 }),
  fastVit('fastvit-sa12', 'FastViT-SA12', { layers: [2, 2, 6, 2], dims: FASTVIT_DIMS, mlpRatio: 4, attention: true, layerScale: 1e-5 }),
  fastVit('fastvit-sa24', 'FastViT-SA24', { layers: [4, 4, 12, 4], dims: FASTVIT_DIMS, mlpRatio: 4, attention: true, layerScale: 1e-5 }),
  fastVit('fastvit-sa36', 'FastViT-SA36', { layers: [6, 6, 18, 6], dims: FASTVIT_DIMS, mlpRatio: 4, attention: true, layerScale: 1e-6 }),
];

// ---------------------------------------------------------------------------------------------- EfficientViT

interface EfficientVitConfig {
  widths: readonly number[];
  depths: readonly number[];
  /** head dim of the linear attention. */
  dim: number;
  /** ClsHead width_list: 1x1 conv to head[0], linear (no bias) + LN + h-swish to head[1]. */
  head: readonly [number, number];
  resolution: number;
}

/**
 * MIT EfficientViT B-series (Cai et al., EfficientViT: Multi-Scale Linear Attention for High-Resolution Dense
 * Prediction, ICCV 2023, arXiv 2205.14756; mit-han-lab/efficientvit efficientvit/models/efficientvit/backbone.py
 * `EfficientViTBackbone`, cls.py `ClsHead`, nn/ops.py): h-swish everywhere, BN folded, expand ratio 4:
 * - stem: 3x3/2 conv, then depths[0] residual DSConvs (3x3 DW + 1x1);
 * - stages 1-2: MBConv (1x1 expand to round(4C), 3x3 DW, 1x1 project), the first with stride 2;
 * - stages 3-4: a stride-2 MBConv, then EfficientViT blocks: LiteMLA (5x5 aggregation, ReLU linear
 *   attention) + residual MBConv; the official `fewer_norm` convs carry a bias instead of a BN, which is the
 *   same inference graph;
 * - head: 1x1 conv + BN + h-swish, global pool, linear (no bias) + LayerNorm + h-swish, linear.
 * LiteMLA falls back to quadratic attention when H*W <= dim (ops.py); at the native resolutions it never does.
 */
function efficientVit(id: string, name: string, c: EfficientVitConfig): ModelSpec {
  const ir = (stride: number, inCh: number, outCh: number, expand = 4): BlockSpec => ({
    type: 'inverted_residual',
    kernel: 3,
    stride,
    expandedCh: Math.round(inCh * expand),
    outCh,
    act: 'hswish',
  });
  const w0 = c.widths[0]!;
  const blocks: PlacedBlock[] = [place('stem', { type: 'conv_bn', kernel: 3, stride: 2, outCh: w0, act: 'hswish' })];
  for (let i = 0; i < c.depths[0]!; i++) blocks.push(place('stem', ir(1, w0, w0, 1)));
  let inCh = w0;
  for (let s = 1; s < c.widths.length; s++) {
    const w = c.widths[s]!;
    const stage = String(s);
    if (s <= 2) {
      for (let i = 0; i < c.depths[s]!; i++) {
        blocks.push(place(stage, ir(i === 0 ? 2 : 1, inCh, w)));
        inCh = w;
      }
    } else {
      blocks.push(place(stage, ir(2, inCh, w)));
      inCh = w;
      for (let i = 0; i < c.depths[s]!; i++) {
        blocks.push(place(stage, { type: 'lite_mla', dim: c.dim, scale: 5 }));
        blocks.push(place(stage, ir(1, w, w)));
      }
    }
  }
  blocks.push(place('head', { type: 'conv_bn', kernel: 1, stride: 1, outCh: c.head[0], act: 'hswish' }));
  blocks.push(place('head', { type: 'global_pool' }));
  blocks.push(place('head', { type: 'linear', outCh: c.head[1], bias: false }));
  blocks.push(place('head', { type: 'layernorm', eps: 1e-5, act: 'hswish' }));
  blocks.push(place('classifier', { type: 'linear', outCh: NUM_CLASSES }));
  return {
    id,
    name,
    family: 'efficientvit',
    inChannels: 3,
    resolution: c.resolution,
    blocks,
    source:
      `arXiv 2205.14756 (EfficientViT, ICCV 2023); mit-han-lab/efficientvit backbone.py (width_list [${c.widths}], depth_list ` +
      `[${c.depths}], dim ${c.dim}) + cls.py ClsHead [${c.head}], ${c.resolution}x${c.resolution}`,
  };
}

export const EFFICIENTVIT_MODELS: readonly ModelSpec[] = [
  efficientVit('mit-efficientvit-b1-r224', 'MIT-EfficientViT-B1-r224', {
    widths: [16, 32, 64, 128, 256],
    depths: [1, 2, 3, 3, 4],
    dim: 16,
    head: [1536, 1600],
    resolution: 224,
  }),
  efficientVit('mit-efficientvit-b2-r256', 'MIT-EfficientViT-B2-r256', {
    widths: [24, 48, 96, 192, 384],
    depths: [1, 3, 4, 4, 6],
    dim: 32,
    head: [2304, 2560],
    resolution: 256,
  }),
  efficientVit('mit-efficientvit-b3-r224', 'MIT-EfficientViT-B3-r224', {
    widths: [32, 64, 128, 256, 512],
    depths: [1, 4, 6, 6, 9],
    dim: 32,
    head: [2304, 2560],
    resolution: 224,
  }),
];

// -------------------------------------------------------------------------------------------------- NextViT

/**
 * NextViT (Li et al., Next-ViT: Next Generation Vision Transformer for Efficient Deployment in Realistic
 * Industrial Scenarios, arXiv 2207.05501, 2022; bytedance/Next-ViT classification/nextvit.py `NextViT`,
 * `nextvit_base`), in the repo's deployment form (`merge_bn`: pre-norm BNs merged into the next convs):
 * - stem: 3x3/2 conv 3->64, 3x3 64->32, 3x3 32->64, 3x3/2 64->64, each + BN + ReLU;
 * - stages (strides 1,2,2,2; E-MHSA spatial reduction 8,4,2,1) of NCBs with one NTB: stage 1 3 NCB (96),
 *   stage 2 3 NCB (192) + NTB (256), stage 3 four times [4 NCB (384) + NTB (512)] for B's depth 20,
 *   stage 4 2 NCB (768) + NTB (1024);
 * - head: BN, global average pool, linear.
 */
function nextVit(id: string, name: string, depths: readonly [number, number, number, number]): ModelSpec {
  const conv = (stride: number, outCh: number): BlockSpec => ({ type: 'conv_bn', kernel: 3, stride, outCh, act: 'relu' });
  const blocks: PlacedBlock[] = [place('stem', conv(2, 64)), place('stem', conv(1, 32)), place('stem', conv(1, 64)), place('stem', conv(2, 64))];
  const sr = [8, 4, 2, 1];
  const plan: { out: number; ntb: boolean }[][] = [
    Array.from({ length: depths[0] }, () => ({ out: 96, ntb: false })),
    Array.from({ length: depths[1] }, (_, i) => (i === depths[1] - 1 ? { out: 256, ntb: true } : { out: 192, ntb: false })),
    Array.from({ length: depths[2] }, (_, i) => (i % 5 === 4 ? { out: 512, ntb: true } : { out: 384, ntb: false })),
    Array.from({ length: depths[3] }, (_, i) => (i === depths[3] - 1 ? { out: 1024, ntb: true } : { out: 768, ntb: false })),
  ];
  plan.forEach((stageBlocks, s) => {
    stageBlocks.forEach((b, i) => {
      const stride = s > 0 && i === 0 ? 2 : 1;
      blocks.push(place(String(s + 1), b.ntb ? { type: 'ntb', outCh: b.out, stride, sr: sr[s]! } : { type: 'ncb', outCh: b.out, stride }));
    });
  });
  blocks.push(place('head', { type: 'batchnorm' }));
  blocks.push(place('head', { type: 'global_pool' }));
  blocks.push(place('classifier', { type: 'linear', outCh: NUM_CLASSES }));
  return {
    id,
    name,
    family: 'nextvit',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `arXiv 2207.05501 (Next-ViT); bytedance/Next-ViT classification/nextvit.py (depths [${depths}], stem [64, 32, 64], merge_bn form)`,
  };
}

/** NextViT-B: depths [3, 4, 20, 3] (nextvit.py `nextvit_base`). */
export const NEXTVIT_B = nextVit('nextvit-b', 'NextViT-B', [3, 4, 20, 3]);

/** Every Table 6 model defined in this file. */
export const TABLE6_ZOO_MODELS: readonly ModelSpec[] = [CONVNEXT_S, ...FASTVIT_MODELS, ...EFFICIENTVIT_MODELS, NEXTVIT_B];
