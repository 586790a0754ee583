/**
 * Cost accounting: plain functions of the layer graph (graph.ts), so the exporters and the counts read the
 * same definition.
 *
 * Definitions (per layer):
 * - MACs: multiply-accumulates of convolutions (outH*outW*outCh*(inCh/groups)*k*k), linear layers
 *   (inF*outF) and the attention matmuls (Q.K^T: N*heads*M*keyDim, A.V: N*heads*M*valueDim, N query tokens,
 *   M key/value tokens; the same with one K/V head per query head), and ReLU linear attention
 *   (heads * 2 (dim+1) dim N, as EfficientViT computes it). Elementwise ops, pooling, softmax,
 *   normalisation and activations count 0 MACs (the convention of
 *   the paper, timm's counter and the reference's `mqa_macs_formula`).
 * - Parameters, training convention: conv/linear weights + conv biases + BatchNorm affine (gamma, beta:
 *   2 per channel) + layer-scale gammas + linear bias. This is what timm's param_count reports.
 *   A LayerNorm has gamma and beta (2 per channel) in both conventions.
 * - Parameters, inference convention: BN folded into the preceding conv (each conv with a BN gets one bias per
 *   output channel); a standalone BN (MQA input norm) becomes a per-channel scale and shift.
 * - Weight bytes for a dtype: inference weights at the dtype's width, except biases, which stay int32
 *   (4 bytes) for int8 (TFLite's full-integer convention) and take the dtype's width otherwise.
 * - Activation bytes: every input tensor read once plus the output tensor written once, at the dtype's
 *   width (no fusion, no caching: the upper bound the roofline model of the paper uses per layer).
 * - Arithmetic intensity = MACs / (weight bytes + activation bytes), in MACs per byte.
 */
import type { Graph, Layer, Shape } from './graph.js';

export type DType = 'fp32' | 'fp16' | 'int8';
export const DTYPES: readonly DType[] = ['fp32', 'fp16', 'int8'];
export const DTYPE_BYTES: Record<DType, number> = { fp32: 4, fp16: 2, int8: 1 };

export interface LayerCost {
  layer: string;
  block: string;
  kind: Layer['op']['kind'];
  macs: number;
  paramsTrain: number;
  paramsInfer: number;
  /** inference weight elements that are biases (stored as int32 in int8 models). */
  biasElems: number;
  /** input elements read + output elements written. */
  activationElems: number;
  outShape: Shape;
}

export interface CostTotals {
  macs: number;
  paramsTrain: number;
  paramsInfer: number;
  weightBytes: Record<DType, number>;
  activationBytes: Record<DType, number>;
  /** MACs per byte for each dtype. */
  intensity: Record<DType, number>;
}

const numel = (s: Shape): number => s[0] * s[1] * s[2];

export function layerCost(layer: Layer): LayerCost {
  const op = layer.op;
  let macs = 0;
  let paramsTrain = 0;
  let paramsInfer = 0;
  let biasElems = 0;
  const [outC, outH, outW] = layer.outShape;
  switch (op.kind) {
    case 'conv': {
      const weights = op.outCh * (op.inCh / op.groups) * op.kernel * op.kernel;
      macs = outH * outW * weights;
      paramsTrain = weights + (op.bias ? op.outCh : 0) + (op.bn ? 2 * op.outCh : 0);
      biasElems = op.bias || op.bn ? op.outCh : 0;
      paramsInfer = weights + biasElems;
      break;
    }
    case 'linear':
      macs = op.inF * op.outF;
      biasElems = op.bias ? op.outF : 0;
      paramsTrain = paramsInfer = op.inF * op.outF + biasElems;
      break;
    case 'attention': {
      const q = layer.inShapes[0];
      const kv = layer.inShapes[1];
      if (!q || !kv) throw new Error(`${layer.name}: attention without inputs`);
      const n = q[1] * q[2];
      const m = kv[1] * kv[2];
      macs = n * op.heads * m * (op.keyDim + op.valueDim);
      break;
    }
    case 'linear_attention':
      // v.k^T with v padded by a row of ones ((dim+1)*dim*N), then (vk).q ((dim+1)*dim*N): the official form
      macs = op.heads * 2 * (op.dim + 1) * op.dim * outH * outW;
      break;
    case 'layernorm':
    case 'affine':
      paramsTrain = 2 * op.ch;
      paramsInfer = 2 * op.ch;
      biasElems = op.ch;
      break;
    case 'scale':
      paramsTrain = paramsInfer = op.ch;
      break;
    case 'add':
    case 'mul':
    case 'concat':
    case 'avg_pool':
    case 'token_pool':
    case 'act':
    case 'global_pool':
      break;
  }
  const activationElems = layer.inShapes.reduce((a, s) => a + numel(s), 0) + outC * outH * outW;
  return {
    layer: layer.name,
    block: layer.block,
    kind: op.kind,
    macs,
    paramsTrain,
    paramsInfer,
    biasElems,
    activationElems,
    outShape: layer.outShape,
  };
}

export function weightBytes(c: Pick<LayerCost, 'paramsInfer' | 'biasElems'>, dtype: DType): number {
  if (dtype === 'int8') return (c.paramsInfer - c.biasElems) * 1 + c.biasElems * 4;
  return c.paramsInfer * DTYPE_BYTES[dtype];
}

export function sumCosts(costs: readonly LayerCost[]): CostTotals {
  let macs = 0;
  let paramsTrain = 0;
  let paramsInfer = 0;
  const weight: Record<DType, number> = { fp32: 0, fp16: 0, int8: 0 };
  const act: Record<DType, number> = { fp32: 0, fp16: 0, int8: 0 };
  for (const c of costs) {
    macs += c.macs;
    paramsTrain += c.paramsTrain;
    paramsInfer += c.paramsInfer;
    for (const d of DTYPES) {
      weight[d] += weightBytes(c, d);
      act[d] += c.activationElems * DTYPE_BYTES[d];
    }
  }
  const intensity = Object.fromEntries(DTYPES.map((d) => [d, macs / (weight[d] + act[d])])) as Record<DType, number>;
  return { macs, paramsTrain, paramsInfer, weightBytes: weight, activationBytes: act, intensity };
}

export function graphLayerCosts(g: Graph): LayerCost[] {
  return g.layers.map(layerCost);
}

export function graphCost(g: Graph): CostTotals {
  return sumCosts(graphLayerCosts(g));
}

export interface BlockCost extends CostTotals {
  block: string;
  index: number;
  stage: string;
  type: string;
}

/** Per-block totals, in model order. */
export function blockCosts(g: Graph): BlockCost[] {
  const byBlock = new Map<string, LayerCost[]>();
  for (const c of graphLayerCosts(g)) {
    const list = byBlock.get(c.block) ?? [];
    list.push(c);
    byBlock.set(c.block, list);
  }
  return g.blocks.map((b) => ({ block: b.id, index: b.index, stage: b.stage, type: b.spec.type, ...sumCosts(byBlock.get(b.id) ?? []) }));
}

/**
 * The paper's roofline (Eq. 1): sum over layers of max(MACs / peakMacs, bytes / peakBytesPerSecond).
 * Returns seconds. A ridge point RP = peakMacs / peakBw; RP = 0 reduces to counting MACs.
 */
export function rooflineSeconds(costs: readonly LayerCost[], dtype: DType, peakMacsPerSecond: number, peakBytesPerSecond: number): number {
  let t = 0;
  for (const c of costs) {
    const bytes = weightBytes(c, dtype) + c.activationElems * DTYPE_BYTES[dtype];
    t += Math.max(c.macs / peakMacsPerSecond, peakBytesPerSecond === Infinity ? 0 : bytes / peakBytesPerSecond);
  }
  return t;
}
