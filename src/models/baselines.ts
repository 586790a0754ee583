/**
 * Baseline models that MNv4 is compared with in its paper (arXiv 2404.10518, Table 6): MobileNet-V1, MobileNet-V2
 * (0.5x, 1.0x, 1.5x, 2.0x), MobileNet-V3-Large (0.5x, and 1.0x for reference) and MobileOne-S0/S4 in their
 * inference form. They use the same block descriptions as MNv4 (spec.ts), so they lower to the same layer graph
 * and every consumer (cost counting, ONNX/TFLite export, reference executor, runners) treats them alike.
 *
 * Sources (facts only, definitions written here):
 * - MobileNet-V1/V2/V3: tensorflow/models official/vision/modeling/backbones/mobilenet.py (MNV1_BLOCK_SPECS,
 *   MNV2_BLOCK_SPECS, MNV3Large_BLOCK_SPECS, block_spec_decoder), nn_blocks.InvertedBottleneckBlock and
 *   nn_layers.SqueezeExcitation; the same lists as the papers (arXiv 1704.04861 Table 1, 1801.04381 Table 2,
 *   1905.02244 Table 1) and as timm's mobilenetv3.py.
 * - MobileOne: apple/ml-mobileone mobileone.py (MobileOne, MobileOneBlock, SEBlock, PARAMS), arXiv 2206.04040.
 *
 * Width-multiplier rules (TF block_spec_decoder = TF slim = timm for these models):
 * - every layer's channels = makeDivisible(channels * mult, 8) (min 8); MobileNet-V1 uses divisor 1;
 * - expanded channels = makeDivisible(in * expandRatio, 8) of the (already scaled) block input;
 * - the last conv (V2: 1x1 to 1280, V3: the bias-only 1x1 to 1280) is not shrunk for mult < 1 and is scaled for
 *   mult > 1, i.e. max(1280, makeDivisible(1280 * mult));
 * - V3 squeeze channels = makeDivisible(floor(expanded * 0.25), 8).
 *
 * Activations: V1 and V2 use ReLU6 (TF BlockSpec default; the papers' TF slim code). V3 uses ReLU / hard-swish per
 * block and a hard-sigmoid SE gate. MobileOne uses ReLU.
 *
 * Stage labels: `stem` = the first conv; stage n = the blocks whose output has stride 2^(n+1) (so MNv4's stages
 * 1..4 line up: '1' at 56x56 for a 224 input); `head` = layers after the last stage; `classifier` = the linear.
 *
 * Classifier: 1000 classes (timm and the PyTorch reference implementations; TF uses 1001).
 */
import type { Activation, BlockSpec, ModelSpec, PlacedBlock } from './spec.js';
import { makeDivisible } from './spec.js';

const TF_MOBILENET = 'tensorflow/models official/vision/modeling/backbones/mobilenet.py';
const NUM_CLASSES = 1000;

/** Width multiplier as written in ids and names: 0.5 -> '0.5', 0.75 -> '0.75', 1 -> '1.0', 2 -> '2.0'. */
export function multTag(mult: number): string {
  return mult.toFixed(2).replace(/0$/, '');
}

function stageOf(outputStride: number): string {
  return String(Math.round(Math.log2(outputStride)) - 1);
}

// ---------------------------------------------------------------------------------------------- MobileNet-V1

/** MobileNet-V1 body: [kernel, stride, outCh] per depthwise-separable block (arXiv 1704.04861 Table 1). */
const V1_BODY: readonly (readonly [number, number, number])[] = [
  [3, 1, 64],
  [3, 2, 128],
  [3, 1, 128],
  [3, 2, 256],
  [3, 1, 256],
  [3, 2, 512],
  [3, 1, 512],
  [3, 1, 512],
  [3, 1, 512],
  [3, 1, 512],
  [3, 1, 512],
  [3, 2, 1024],
  [3, 1, 1024],
];

/**
 * MobileNet-V1 at a width multiplier (TF: divisor 1, min depth 8). Stem 3x3 s2 conv to 32, then 13
 * depthwise-separable pairs (3x3 DW + BN + ReLU6, 1x1 conv + BN + ReLU6), global pool, linear. No head conv.
 */
export function mobileNetV1(mult = 1.0): ModelSpec {
  const ch = (c: number): number => makeDivisible(c * mult, 1, 8);
  const blocks: PlacedBlock[] = [{ stage: 'stem', spec: { type: 'conv_bn', kernel: 3, stride: 2, outCh: ch(32), act: 'relu6' } }];
  let stride = 2;
  let inCh = ch(32);
  for (const [kernel, s, out] of V1_BODY) {
    stride *= s;
    const stage = stageOf(stride);
    // a depthwise conv keeps its input width (outCh = in, as graph.ts lowers it)
    blocks.push({ stage, spec: { type: 'conv_bn', kernel, stride: s, outCh: inCh, act: 'relu6', depthwise: true } });
    blocks.push({ stage, spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: ch(out), act: 'relu6' } });
    inCh = ch(out);
  }
  blocks.push({ stage: 'head', spec: { type: 'global_pool' } });
  blocks.push({ stage: 'classifier', spec: { type: 'linear', outCh: NUM_CLASSES } });
  const suffix = mult === 1 ? '' : `-${multTag(mult)}x`;
  return {
    id: mult === 1 ? 'mobilenet-v1' : `mobilenet-v1-${multTag(mult)}`,
    name: `MobileNet-V1${suffix}`,
    family: 'mobilenet-v1',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `arXiv 1704.04861 Table 1; ${TF_MOBILENET} MNV1_BLOCK_SPECS (ReLU6, divisible_by 1)`,
  };
}

// ---------------------------------------------------------------------------------------------- MobileNet-V2

/** MobileNet-V2 body (arXiv 1801.04381 Table 2): [expandRatio t, outCh c, repeats n, first stride s]. */
const V2_BODY: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** The channel plan of MobileNet-V2 at a width multiplier (exported for checks and documentation). */
export interface MobileNetV2Channels {
  stem: number;
  /** per inverted-residual block: input, expanded, output channels and stride. */
  blocks: { in: number; expanded: number; out: number; stride: number }[];
  /** the 1x1 conv before the pool. */
  last: number;
}

/**
 * Channels of MobileNet-V2 at `mult`: every layer makeDivisible(c * mult, 8); expanded = makeDivisible(in * t, 8)
 * (t = 1: no expansion conv, expanded = in); last conv max(1280, makeDivisible(1280 * mult, 8)) (paper Sec. 5.1:
 * the multiplier is not applied to the last conv for multipliers below one; TF finegrain_classification_mode).
 */
export function mobileNetV2Channels(mult: number): MobileNetV2Channels {
  if (!(mult > 0)) throw new RangeError(`MobileNet-V2 width multiplier must be > 0, got ${mult}`);
  const ch = (c: number): number => makeDivisible(c * mult, 8);
  const stem = ch(32);
  const blocks: MobileNetV2Channels['blocks'] = [];
  let inCh = stem;
  for (const [t, c, n, s] of V2_BODY) {
    const out = ch(c);
    for (let i = 0; i < n; i++) {
      const expanded = t === 1 ? inCh : makeDivisible(inCh * t, 8);
      blocks.push({ in: inCh, expanded, out, stride: i === 0 ? s : 1 });
      inCh = out;
    }
  }
  return { stem, blocks, last: Math.max(1280, ch(1280)) };
}

/** MobileNet-V2 at a width multiplier, 224x224, ReLU6. */
export function mobileNetV2(mult: number): ModelSpec {
  const plan = mobileNetV2Channels(mult);
  const blocks: PlacedBlock[] = [{ stage: 'stem', spec: { type: 'conv_bn', kernel: 3, stride: 2, outCh: plan.stem, act: 'relu6' } }];
  let stride = 2;
  for (const b of plan.blocks) {
    stride *= b.stride;
    blocks.push({
      stage: stageOf(stride),
      spec: { type: 'inverted_residual', kernel: 3, stride: b.stride, expandedCh: b.expanded, outCh: b.out, act: 'relu6' },
    });
  }
  blocks.push({ stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: plan.last, act: 'relu6' } });
  blocks.push({ stage: 'head', spec: { type: 'global_pool' } });
  blocks.push({ stage: 'classifier', spec: { type: 'linear', outCh: NUM_CLASSES } });
  const tag = multTag(mult);
  return {
    id: `mobilenet-v2-${tag}`,
    // Table 6 spells the 1.0x model plainly `MobileNet-V2`.
    name: mult === 1 ? 'MobileNet-V2' : `MobileNet-V2-${tag}x`,
    family: 'mobilenet-v2',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `arXiv 1801.04381 Table 2 and Sec. 5.1 (width multiplier); ${TF_MOBILENET} MNV2_BLOCK_SPECS + block_spec_decoder`,
  };
}

// ---------------------------------------------------------------------------------------------- MobileNet-V3

/**
 * MobileNet-V3-Large body (arXiv 1905.02244 Table 1; TF MNV3Large_BLOCK_SPECS):
 * [kernel, stride, outCh, activation, SE, expandRatio (relative to the block input)].
 */
const V3L_BODY: readonly (readonly [number, number, number, Activation, boolean, number])[] = [
  [3, 1, 16, 'relu', false, 1],
  [3, 2, 24, 'relu', false, 4],
  [3, 1, 24, 'relu', false, 3],
  [5, 2, 40, 'relu', true, 3],
  [5, 1, 40, 'relu', true, 3],
  [5, 1, 40, 'relu', true, 3],
  [3, 2, 80, 'hswish', false, 6],
  [3, 1, 80, 'hswish', false, 2.5],
  [3, 1, 80, 'hswish', false, 2.3],
  [3, 1, 80, 'hswish', false, 2.3],
  [3, 1, 112, 'hswish', true, 6],
  [3, 1, 112, 'hswish', true, 6],
  [5, 2, 160, 'hswish', true, 6],
  [5, 1, 160, 'hswish', true, 6],
  [5, 1, 160, 'hswish', true, 6],
];

/**
 * MobileNet-V3-Large at a width multiplier, 224x224. Stem 3x3 s2 conv+BN+hswish to 16*mult; 15 bneck blocks
 * (SE: pool -> 1x1 conv+bias -> ReLU -> 1x1 conv+bias -> hard-sigmoid -> Mul, after the DW activation); head:
 * 1x1 conv+BN+hswish to 960*mult, global pool, 1x1 conv to 1280 WITH bias and WITHOUT BN + hswish (paper Table 1
 * "NBN"; TF `use_normalization False, use_bias True`; timm conv_head bias=True, no norm), linear classifier.
 * The stem is scaled with the multiplier as in TF's block_spec_decoder (0.5x: 8 channels, so the first bneck has a
 * residual); timm keeps the stem at 16 below 0.75x, a difference of a few hundred parameters (both round to
 * Table 6's 2.7 M).
 */
export function mobileNetV3Large(mult: number): ModelSpec {
  if (!(mult > 0)) throw new RangeError(`MobileNet-V3 width multiplier must be > 0, got ${mult}`);
  const ch = (c: number): number => makeDivisible(c * mult, 8);
  const blocks: PlacedBlock[] = [{ stage: 'stem', spec: { type: 'conv_bn', kernel: 3, stride: 2, outCh: ch(16), act: 'hswish' } }];
  let inCh = ch(16);
  let stride = 2;
  for (const [kernel, s, c, act, se, ratio] of V3L_BODY) {
    const out = ch(c);
    const expandedCh = ratio === 1 ? inCh : makeDivisible(inCh * ratio, 8);
    stride *= s;
    const spec: BlockSpec = {
      type: 'inverted_residual',
      kernel,
      stride: s,
      expandedCh,
      outCh: out,
      act,
      ...(se ? { seCh: makeDivisible(Math.floor(expandedCh * 0.25), 8) } : {}),
    };
    blocks.push({ stage: stageOf(stride), spec });
    inCh = out;
  }
  blocks.push({ stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: ch(960), act: 'hswish' } });
  blocks.push({ stage: 'head', spec: { type: 'global_pool' } });
  blocks.push({
    stage: 'head',
    spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: Math.max(1280, ch(1280)), act: 'hswish', bn: false, bias: true },
  });
  blocks.push({ stage: 'classifier', spec: { type: 'linear', outCh: NUM_CLASSES } });
  const tag = multTag(mult);
  return {
    id: `mobilenet-v3l-${tag}`,
    name: mult === 1 ? 'MobileNet-V3L' : `MobileNet-V3L-${tag}x`,
    family: 'mobilenet-v3',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `arXiv 1905.02244 Table 1 (Large); ${TF_MOBILENET} MNV3Large_BLOCK_SPECS + block_spec_decoder, nn_layers.SqueezeExcitation`,
  };
}

// ---------------------------------------------------------------------------------------------- MobileOne

/** MobileOne variants (apple/ml-mobileone PARAMS): per-stage width multipliers and whether SE is used. */
export const MOBILEONE_VARIANTS = {
  s0: { widths: [0.75, 1.0, 1.0, 2.0], useSe: false, name: 'MobileOne-S0' },
  s4: { widths: [3.0, 3.5, 3.5, 4.0], useSe: true, name: 'MobileOne-S4' },
} as const;

export type MobileOneVariant = keyof typeof MOBILEONE_VARIANTS;

/** Blocks per stage 1..4 for every MobileOne variant. */
const MOBILEONE_BLOCKS = [2, 8, 10, 1] as const;
/** Base channels per stage 1..4 (multiplied by the variant's width, truncated like Python's int()). */
const MOBILEONE_BASE = [64, 128, 256, 512] as const;

/**
 * A squeeze-excite module MobileOne places on a re-parameterized conv: out = ReLU(SE(conv(x))), SE = global pool
 * -> 1x1 conv+bias to floor(C / 16) -> ReLU -> 1x1 conv+bias to C -> sigmoid -> Mul. In the block list it is a
 * `squeeze_excite` block (gate sigmoid, act relu) right after the conv, whose own ReLU then moves after the SE.
 */
export interface MobileOneSe {
  /** index in `blocks` of the squeeze_excite block. */
  blockIndex: number;
  channels: number;
  seCh: number;
}

/** The SE modules of a MobileOne variant (empty for S0). */
export function mobileOneSeModules(variant: MobileOneVariant): MobileOneSe[] {
  return mobileOnePlan(variant).se;
}

function mobileOnePlan(variant: MobileOneVariant): { blocks: PlacedBlock[]; se: MobileOneSe[] } {
  const v = MOBILEONE_VARIANTS[variant];
  // Inference form: each MobileOneBlock re-parameterizes (k conv branches + 1x1 scale branch + BN skip, all with
  // BN) into ONE conv with a bias and no BN, followed by [SE] and ReLU.
  const conv = (kernel: number, stride: number, outCh: number, depthwise: boolean, act: 'relu' | 'none' = 'relu'): BlockSpec => ({
    type: 'conv_bn',
    kernel,
    stride,
    outCh,
    act,
    ...(depthwise ? { depthwise: true } : {}),
    bn: false,
    bias: true,
  });
  const stem = Math.min(64, Math.trunc(64 * v.widths[0]));
  const blocks: PlacedBlock[] = [{ stage: 'stem', spec: conv(3, 2, stem, false) }];
  const se: MobileOneSe[] = [];
  let inCh = stem;
  /** the conv, then (with SE) the SE block carrying the conv's ReLU. */
  const unit = (stage: string, kernel: number, stride: number, outCh: number, depthwise: boolean, withSe: boolean): void => {
    blocks.push({ stage, spec: conv(kernel, stride, outCh, depthwise, withSe ? 'none' : 'relu') });
    if (!withSe) return;
    const seCh = Math.trunc(outCh * 0.0625);
    blocks.push({
      stage,
      spec: { type: 'squeeze_excite', seCh, gate: 'sigmoid', act: 'relu' },
      note: "MobileOne SE (ReLU + sigmoid gate) on the conv before it, then that conv's ReLU",
    });
    se.push({ blockIndex: blocks.length - 1, channels: outCh, seCh });
  };
  for (const [s, base] of MOBILEONE_BASE.entries()) {
    const planes = Math.trunc(base * v.widths[s as 0 | 1 | 2 | 3]);
    const n = MOBILEONE_BLOCKS[s as 0 | 1 | 2 | 3];
    // SE on the last half of stage 3 and on all of stage 4 (ml-mobileone _make_stage num_se_blocks).
    const numSe = !v.useSe ? 0 : s === 2 ? Math.trunc(n / 2) : s === 3 ? n : 0;
    for (let i = 0; i < n; i++) {
      const withSe = i >= n - numSe;
      unit(String(s + 1), 3, i === 0 ? 2 : 1, inCh, true, withSe);
      unit(String(s + 1), 1, 1, planes, false, withSe);
      inCh = planes;
    }
  }
  blocks.push({ stage: 'head', spec: { type: 'global_pool' } });
  blocks.push({ stage: 'classifier', spec: { type: 'linear', outCh: NUM_CLASSES } });
  return { blocks, se };
}

/**
 * MobileOne in its inference (re-parameterized) form: plain 3x3 stem conv, then per stage pairs of 3x3 depthwise
 * conv and 1x1 conv, each a single conv with bias + ReLU (no BN, no branches, no residual), global pool, linear.
 * S4 adds squeeze-excite (sigmoid gate) after the 12 convs of the last 5 stage-3 units and the stage-4 unit.
 */
export function mobileOne(variant: MobileOneVariant): ModelSpec {
  const v = MOBILEONE_VARIANTS[variant];
  return {
    id: `mobileone-${variant}`,
    name: v.name,
    family: 'mobileone',
    inChannels: 3,
    resolution: 224,
    blocks: mobileOnePlan(variant).blocks,
    source: `arXiv 2206.04040 (MobileOne) Sec. 3 / Table 8; apple/ml-mobileone mobileone.py (PARAMS['${variant}'], inference_mode re-parameterized form)`,
  };
}

// ---------------------------------------------------------------------------------------------- the list

export const MOBILENET_V1 = mobileNetV1(1.0);
export const MOBILENET_V2_050 = mobileNetV2(0.5);
export const MOBILENET_V2_100 = mobileNetV2(1.0);
export const MOBILENET_V2_150 = mobileNetV2(1.5);
export const MOBILENET_V2_200 = mobileNetV2(2.0);
export const MOBILENET_V3L_050 = mobileNetV3Large(0.5);
export const MOBILENET_V3L_100 = mobileNetV3Large(1.0);
export const MOBILEONE_S0 = mobileOne('s0');
export const MOBILEONE_S4 = mobileOne('s4');

/** Every baseline model; the registry lists them after the MNv4 models. */
export const BASELINE_MODELS: readonly ModelSpec[] = [
  MOBILENET_V1,
  MOBILENET_V2_050,
  MOBILENET_V2_100,
  MOBILENET_V2_150,
  MOBILENET_V2_200,
  MOBILENET_V3L_050,
  MOBILENET_V3L_100,
  MOBILEONE_S0,
  MOBILEONE_S4,
];
