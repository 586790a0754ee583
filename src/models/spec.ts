/**
 * Block-level model descriptions: what a model is made of, independent of any runtime.
 *
 * A model is a stem-to-classifier list of blocks. Each block is lowered (src/models/graph.ts) into a small
 * layer graph that the cost counter, the ONNX exporter, the TFLite exporter and the reference executor all
 * read, so they cannot disagree about what a block computes.
 *
 * Semantics follow the reference implementations (TensorFlow Model Garden and timm agree; arXiv 2404.10518):
 * - Convolutions have no bias; BatchNorm follows every convolution (folded into the conv at inference).
 * - Padding is TF "SAME" (extra pad bottom/right for stride 2 on even inputs), the convention of the TF
 *   official MNv4 code and of TFLite, so ONNX and TFLite files compute the same thing.
 */

import type { Table6BlockSpec } from './table6-blocks.js';

/** Activation functions that the blocks use. `none` = linear. */
export type Activation = 'none' | 'relu' | 'relu6' | 'gelu' | 'hswish' | 'hsigmoid' | 'sigmoid';

export const ACTIVATIONS: readonly Activation[] = ['none', 'relu', 'relu6', 'gelu', 'hswish', 'hsigmoid', 'sigmoid'];

/** kxk Conv2D (no bias) -> BatchNorm -> activation. `depthwise` makes it a depthwise conv (out == in). */
export interface ConvBnBlock {
  type: 'conv_bn';
  kernel: number;
  stride: number;
  outCh: number;
  act: Activation;
  depthwise?: boolean;
  /** false only for the few convs without a BatchNorm (default true). */
  bn?: boolean;
  /** a conv bias (default false: BN provides the shift). */
  bias?: boolean;
  /**
   * grouped conv (default 1). groups == input channels with outCh a multiple of it is a depthwise conv with
   * a channel multiplier (FastViT's patch embedding: C -> 2C with C groups).
   */
  groups?: number;
}

/**
 * FusedIB: kxk full Conv2D (stride s) to `expandedCh` -> BN -> act -> 1x1 Conv2D to `outCh` -> BN (no act).
 * Residual when stride 1 and in == out.
 */
export interface FusedIBBlock {
  type: 'fused_ib';
  kernel: number;
  stride: number;
  expandRatio: number;
  outCh: number;
  act: Activation;
}

/**
 * Universal Inverted Bottleneck:
 * [start DW kxk -> BN] -> 1x1 expand -> BN -> act -> [middle DW kxk -> BN -> act] -> 1x1 project -> BN
 * -> [layer scale] -> [+ input].
 * startDw / middleDw = 0 means absent. ExtraDW = both, IB = middle only, ConvNext-like = start only, FFN = none.
 * Expanded channels = makeDivisible(in * expandRatio, 8). Stride sits on the middle DW when present,
 * else on the start DW (a strided UIB without any DW is invalid).
 */
export interface UIBBlock {
  type: 'uib';
  startDw: number;
  middleDw: number;
  stride: number;
  expandRatio: number;
  outCh: number;
  act: Activation;
  /** layer-scale gamma init (CaiT); absent = no layer scale. Latency does not depend on the value. */
  layerScale?: number;
}

/**
 * Mobile MQA block: x -> BN (no act) -> MQA -> [layer scale] -> + x. Always residual, out == in.
 * Q: 1x1 conv C -> heads*keyDim at full resolution. K and V: each its own [3x3 DW stride kvStride -> BN]
 * when kvStride > 1, then a 1x1 conv C -> keyDim (valueDim): ONE shared head.
 * softmax(Q K^T / sqrt(keyDim)) V per query head; concat heads -> 1x1 conv heads*valueDim -> C. No biases.
 */
export interface MQABlock {
  type: 'mqa';
  heads: number;
  keyDim: number;
  valueDim: number;
  kvStride: number;
  layerScale?: number;
}

/**
 * MobileNetV2/V3-style inverted residual (baselines): [1x1 expand -> BN -> act] (skipped when
 * expandedCh == in) -> kxk DW (stride) -> BN -> act -> [squeeze-excite] -> 1x1 project -> BN -> [+ input].
 * SE: global pool -> 1x1 conv (bias) to seCh -> relu -> 1x1 conv (bias) to expandedCh -> hsigmoid -> Mul.
 */
export interface InvertedResidualBlock {
  type: 'inverted_residual';
  kernel: number;
  stride: number;
  expandedCh: number;
  outCh: number;
  act: Activation;
  /** squeeze channels of the SE module; absent = no SE. */
  seCh?: number;
}

/**
 * Standalone squeeze-and-excite (MobileOne): global pool -> 1x1 conv (bias) to seCh -> ReLU -> 1x1 conv (bias)
 * back to C -> `gate` -> multiply onto the input -> `act` (e.g. the ReLU that follows SE in MobileOne).
 */
export interface SqueezeExciteBlock {
  type: 'squeeze_excite';
  seCh: number;
  gate: Activation;
  act: Activation;
}

/** Global average pool over H and W. */
export interface GlobalPoolBlock {
  type: 'global_pool';
}

/** Fully connected classifier with bias, on a [C,1,1] input. */
export interface LinearBlock {
  type: 'linear';
  outCh: number;
  /** false for a linear without bias (EfficientViT's head, followed by a LayerNorm); default true. */
  bias?: boolean;
}

/**
 * Identity: y = x * 1 (one elementwise multiply by a constant of ones, so every runtime keeps one real node).
 * Not part of any model: the latency lookup tables (src/lut) time it to measure what one graph costs
 * beyond its layers (session call, input and output copies, layout changes at the graph border).
 */
export interface IdentityBlock {
  type: 'identity';
}

export type BlockSpec =
  | ConvBnBlock
  | FusedIBBlock
  | UIBBlock
  | MQABlock
  | InvertedResidualBlock
  | SqueezeExciteBlock
  | GlobalPoolBlock
  | LinearBlock
  | IdentityBlock
  | Table6BlockSpec;

export type BlockType = BlockSpec['type'];

/** Where a block sits in a model; `stage` follows the reference's grouping ('stem', 1..4, 'head', 'classifier'). */
export interface PlacedBlock {
  stage: string;
  spec: BlockSpec;
  /** a label from the paper table when the code differs from it (documentation only). */
  note?: string;
}

export type ModelFamily =
  'mnv4' | 'mobilenet-v1' | 'mobilenet-v2' | 'mobilenet-v3' | 'mobileone' | 'convnext' | 'fastvit' | 'efficientvit' | 'nextvit' | 'multihardware';

export interface ModelSpec {
  /** stable CLI id, e.g. `conv-m`. */
  id: string;
  /** display name, e.g. `MNv4-Conv-M` (matches paper_table6.csv where the model appears there). */
  name: string;
  family: ModelFamily;
  inChannels: number;
  /** native input resolution (square). */
  resolution: number;
  blocks: PlacedBlock[];
  /** where the definition comes from. */
  source: string;
}

/** make_divisible as in TF/timm: round to the nearest multiple of `divisor`, never dropping below 90%. */
export function makeDivisible(value: number, divisor = 8, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/** The UIB instantiation name that a (startDw, middleDw) pair gives. */
export function uibVariant(startDw: number, middleDw: number): 'ExtraDW' | 'IB' | 'ConvNext-like' | 'FFN' {
  if (startDw > 0 && middleDw > 0) return 'ExtraDW';
  if (middleDw > 0) return 'IB';
  if (startDw > 0) return 'ConvNext-like';
  return 'FFN';
}
