/**
 * Limits a workload must respect before anything is exported or run, so a bad size fails as one clear
 * input error instead of a `RangeError` deep inside an exporter or an out-of-memory kill.
 *
 * - Shape-derived bounds for a free-standing block (`checkBlockBounds`): every kernel of a block sees the
 *   block's input grid (a UIB's middle depthwise conv runs before the stride), and with TF-SAME padding a
 *   kernel wider than `2 * side - 1` has taps that only ever cover padding, so larger kernels are refused.
 *   Kernels up to 7 and strides up to 2 are always accepted: the models and search spaces place them on
 *   maps down to 1x1 at small resolutions, and their blocks must stay expressible as block text.
 *   Strides and the MQA key/value stride are bounded by the input side (a larger one gives the same 1x1
 *   output). Channel counts, heads and head dimensions have fixed upper bounds far above any mobile network.
 * - Model files are limited to 2 GiB: protobuf (ONNX) cannot serialize a message above 2 GiB, and
 *   FlatBuffers (TFLite) addresses its buffer with signed 32-bit offsets.
 * - An up-front memory estimate (`estimateWorkloadMemory`) is compared with this machine's memory: the
 *   weights are generated at fp32 and the runtime holds its own (dequantized or prepacked) fp32 copy, the
 *   serialized file sits in memory at the dtype's width, and the largest layer keeps its inputs, its output
 *   and (attention) its score matrix alive at fp32 (also for int8: QDQ graphs compute between fp32 tensors).
 *   It is a lower bound of the real peak, so a refusal is certain, never a guess in the other direction.
 */
import os from 'node:os';
import { graphLayerCosts, weightBytes, type DType } from './cost.js';
import { ModelSpecError, type Graph, type Layer, type Shape } from './graph.js';
import type { BlockSpec } from './spec.js';
import { blockText, shapeText } from './block-text.js';

/** Most channels of any tensor (spec outputs, expanded widths, inputs). */
export const MAX_CHANNELS = 65536;
/** Most attention heads and the largest key/value dimension of an MQA block. */
export const MAX_HEADS = 256;
export const MAX_HEAD_DIM = 4096;
/** Most outputs of a linear layer (ImageNet-21k has 21843 classes). */
export const MAX_LINEAR_OUT = 1_000_000;
/** Largest model file either format can hold (see the module comment). */
export const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;

/** Bytes as a short human figure (`1.5 GiB`, `6.70 TiB`, `12.0 MiB`). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** Kernels and strides accepted on any input (module comment). */
export const ALWAYS_ALLOWED_KERNEL = 7;
export const ALWAYS_ALLOWED_STRIDE = 2;

/** The largest kernel accepted on an input side: one with a tap on real input for some output pixel. */
export function maxKernel(side: number): number {
  return Math.max(2 * side - 1, ALWAYS_ALLOWED_KERNEL);
}

/** The largest stride accepted on an input side. */
export function maxStride(side: number): number {
  return Math.max(side, ALWAYS_ALLOWED_STRIDE);
}

/** Throws a ModelSpecError when a free-standing block's sizes make no sense on its input shape. */
export function checkBlockBounds(spec: BlockSpec, inShape: Shape): void {
  const [c, h, w] = inShape;
  const side = Math.max(h, w);
  const where = `block '${blockText(spec)}' on a ${shapeText(inShape)} input`;
  const kernelMax = maxKernel(side);
  const strideMax = maxStride(side);
  const kernel = (name: string, k: number): void => {
    if (k > kernelMax) {
      throw new ModelSpecError(
        `${where}: kernel ${name}${k} is larger than the padded input allows (at most ${kernelMax} on a side of ${side}: wider taps only cover padding); use a smaller kernel or a larger input`,
      );
    }
  };
  const stride = (name: string, s: number): void => {
    if (s > strideMax) throw new ModelSpecError(`${where}: stride ${name}${s} exceeds the input side ${side}; use a stride from 1 to ${strideMax}`);
  };
  const channels = (name: string, n: number): void => {
    if (n > MAX_CHANNELS) throw new ModelSpecError(`${where}: ${name}${n} channels is above the limit of ${MAX_CHANNELS}`);
  };
  if (c > MAX_CHANNELS) throw new ModelSpecError(`${where}: the input has ${c} channels, above the limit of ${MAX_CHANNELS}`);
  switch (spec.type) {
    case 'conv_bn':
      kernel('k', spec.kernel);
      stride('s', spec.stride);
      channels('o', spec.outCh);
      return;
    case 'fused_ib':
      kernel('k', spec.kernel);
      stride('s', spec.stride);
      channels('o', spec.outCh);
      return;
    case 'uib':
      if (spec.startDw > 0) kernel('a', spec.startDw);
      if (spec.middleDw > 0) kernel('m', spec.middleDw);
      stride('s', spec.stride);
      channels('o', spec.outCh);
      return;
    case 'mqa':
      if (spec.heads > MAX_HEADS) throw new ModelSpecError(`${where}: h${spec.heads} heads is above the limit of ${MAX_HEADS}`);
      if (spec.keyDim > MAX_HEAD_DIM) throw new ModelSpecError(`${where}: key dimension kd${spec.keyDim} is above the limit of ${MAX_HEAD_DIM}`);
      if (spec.valueDim > MAX_HEAD_DIM)
        throw new ModelSpecError(`${where}: value dimension vd${spec.valueDim} is above the limit of ${MAX_HEAD_DIM}`);
      stride('kv', spec.kvStride);
      channels('h*kd=', spec.heads * spec.keyDim);
      channels('h*vd=', spec.heads * spec.valueDim);
      return;
    case 'inverted_residual':
      kernel('k', spec.kernel);
      stride('s', spec.stride);
      channels('x', spec.expandedCh);
      channels('o', spec.outCh);
      if (spec.seCh !== undefined) channels('se', spec.seCh);
      return;
    case 'squeeze_excite':
      channels('c', spec.seCh);
      return;
    case 'global_pool':
      return;
    case 'linear':
      if (spec.outCh > MAX_LINEAR_OUT) throw new ModelSpecError(`${where}: o${spec.outCh} outputs is above the limit of ${MAX_LINEAR_OUT}`);
      return;
  }
}

export interface MemoryEstimate {
  /** inference weights at fp32 (generation, and the runtime's own copy). */
  weightsFp32Bytes: number;
  /** the serialized model file at the dtype's width. */
  fileBytes: number;
  /** the largest layer's live fp32 tensors: inputs + output (+ attention scores). */
  peakActivationBytes: number;
  /** the layer with the largest activations. */
  peakLayer: string;
  /** 2 x weights (fp32) + file + peak activations. */
  totalBytes: number;
}

const numel = (s: Shape): number => s[0] * s[1] * s[2];

/** fp32 elements a layer keeps alive while it runs: inputs, output and an attention's score matrix. */
function liveElements(layer: Layer): number {
  let n = layer.inShapes.reduce((a, s) => a + numel(s), 0) + numel(layer.outShape);
  if (layer.op.kind === 'attention') {
    const q = layer.inShapes[0]!;
    const kv = layer.inShapes[1]!;
    n += layer.op.heads * q[1] * q[2] * kv[1] * kv[2];
  }
  return n;
}

/** The memory a workload needs at least to be exported and run (module comment). */
export function estimateWorkloadMemory(graph: Graph, dtype: DType): MemoryEstimate {
  let weightsFp32Bytes = 0;
  let fileBytes = 0;
  let peakActivationBytes = 0;
  let peakLayer = '';
  const costs = graphLayerCosts(graph);
  graph.layers.forEach((layer, i) => {
    const c = costs[i]!;
    weightsFp32Bytes += weightBytes(c, 'fp32');
    fileBytes += weightBytes(c, dtype);
    const live = liveElements(layer) * 4;
    if (live > peakActivationBytes) {
      peakActivationBytes = live;
      peakLayer = layer.name;
    }
  });
  return { weightsFp32Bytes, fileBytes, peakActivationBytes, peakLayer, totalBytes: 2 * weightsFp32Bytes + fileBytes + peakActivationBytes };
}

/**
 * Throws a ModelSpecError (with the figures) when a workload's model file would exceed what the formats can
 * hold or its memory estimate exceeds `availableBytes` (default: this machine's total memory).
 */
export function checkWorkloadFits(graph: Graph, dtype: DType, availableBytes = os.totalmem()): MemoryEstimate {
  const est = estimateWorkloadMemory(graph, dtype);
  if (est.fileBytes > MAX_MODEL_FILE_BYTES) {
    throw new ModelSpecError(
      `${graph.id} at ${dtype} has ${formatBytes(est.fileBytes)} of weights; model files are limited to 2 GiB (ONNX and TFLite), so use fewer channels or a smaller kernel`,
    );
  }
  if (est.totalBytes > availableBytes) {
    throw new ModelSpecError(
      `${graph.id} at ${dtype} needs at least ${formatBytes(est.totalBytes)} of memory (weights ${formatBytes(est.weightsFp32Bytes)} at fp32, twice; file ${formatBytes(est.fileBytes)}; largest activations ${formatBytes(est.peakActivationBytes)} in ${est.peakLayer}), but this machine has ${formatBytes(availableBytes)}; use a smaller input or fewer channels`,
    );
  }
  return est;
}
