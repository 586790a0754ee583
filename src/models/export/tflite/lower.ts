/**
 * Lowers a layer graph (src/models/graph.ts) to a float32 TFLite subgraph (ir.ts), NHWC.
 *
 * Layout: graph tensors [C,H,W] become [1,H,W,C]. Conv weights OIHW become OHWI ([O,k,k,I], CONV_2D);
 * depthwise weights [C,1,k,k] become [1,k,k,C] (DEPTHWISE_CONV_2D, depth_multiplier 1). Linear weights stay
 * [outF, inF] (FULLY_CONNECTED). Padding is SAME: TFLite's SAME pads floor(total/2) before and the rest
 * after, which is graph.ts's TF-SAME, so no PAD op is needed and the result is exact.
 *
 * Layer by layer (every op's output tensor is named `<layer>` for the layer's result and
 * `<layer>/<suffix>` for intermediates; constants `<layer>/<what>`):
 *   conv        CONV_2D / DEPTHWISE_CONV_2D with a bias (zeros when the layer has none). ReLU and ReLU6 are
 *               fused; GELU, h-swish and sigmoid follow as GELU / HARD_SWISH / LOGISTIC; h-sigmoid as below.
 *   h-sigmoid   relu6(x + 3) / 6 = ADD(x, 3) -> RELU6 -> MUL(1/6): standard ops every delegate takes
 *               (TFLite has no HARD_SIGMOID builtin; this is the converter's form of Keras hard_sigmoid).
 *   affine      MUL(x, scale[C]) -> ADD(shift[C])   (broadcast over H, W)
 *   scale       MUL(x, gamma[C])
 *   add / mul   ADD / MUL (the SE gate [1,1,1,C] broadcasts over H, W)
 *   act         RELU / RELU6 / GELU (exact, approximate=false) / HARD_SWISH / LOGISTIC / h-sigmoid;
 *               `none` is no op
 *   global_pool MEAN over axes [1,2], keep_dims -> [1,1,1,C]
 *   linear      FULLY_CONNECTED on [1,1,1,C] (TFLite flattens to [1,C]) -> [1,outF]; a RESHAPE back to
 *               [1,1,1,outF] follows only when another layer reads the result.
 *   attention   multi-query attention with ONE key/value head shared by all query heads:
 *                 q [1,H,W,heads*kd] -RESHAPE-> [1, H*W*heads, kd]   (row = pixel*heads + head: the graph's
 *                                                                    channel order head*kd + d)
 *                 k [1,h,w,kd] -RESHAPE-> [1, M, kd] -TRANSPOSE(0,2,1)-> [1, kd, M]     (M = h*w)
 *                 scores = BATCH_MATMUL(q, k^T) [1, H*W*heads, M] -> MUL(1/sqrt(kd)) -> SOFTMAX (last axis)
 *                 v [1,h,w,vd] -RESHAPE-> [1, M, vd];  context = BATCH_MATMUL(probs, v) [1, H*W*heads, vd]
 *                 -RESHAPE-> [1,H,W,heads*vd]  (channel head*vd + d, as graph.ts documents).
 *               Folding the heads into the row axis is exact because every head uses the same K and V.
 */
import type { Activation } from '../../spec.js';
import { INPUT_TENSOR, type Graph, type Layer, type Shape } from '../../graph.js';
import type { GraphWeights, LayerWeights } from '../../weights.js';
import { IrBuilder, type IrModel } from './ir.js';
import { BuiltinOp, FusedActivation, type FusedActivationCode } from './schema.js';

export class TfliteExportError extends Error {
  override name = 'TfliteExportError';
}

const nhwc = (s: Shape): number[] => [1, s[1], s[2], s[0]];

/** OIHW [O, I, k, k] -> OHWI [O, k, k, I]. */
export function oihwToOhwi(w: Float32Array, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < i; ic++) {
      for (let y = 0; y < k; y++) {
        for (let x = 0; x < k; x++) out[((oc * k + y) * k + x) * i + ic] = w[((oc * i + ic) * k + y) * k + x]!;
      }
    }
  }
  return out;
}

/** depthwise OIHW [C, 1, k, k] -> [1, k, k, C]. */
export function depthwiseToTflite(w: Float32Array, c: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < k; y++) {
      for (let x = 0; x < k; x++) out[(y * k + x) * c + ch] = w[(ch * k + y) * k + x]!;
    }
  }
  return out;
}

function fusedCode(act: Activation): FusedActivationCode {
  if (act === 'relu') return FusedActivation.RELU;
  if (act === 'relu6') return FusedActivation.RELU6;
  return FusedActivation.NONE;
}

function weightsOf(w: GraphWeights, layer: Layer): LayerWeights {
  const lw = w.get(layer.name);
  if (!lw?.weight) throw new TfliteExportError(`no weights for layer ${layer.name}; pass weights from initWeights(graph)`);
  return lw;
}

function expectLength(layer: Layer, what: string, a: Float32Array | undefined, n: number): Float32Array {
  if (!a || a.length !== n) throw new TfliteExportError(`${layer.name}: ${what} has ${a?.length ?? 0} values, expected ${n}`);
  return a;
}

/** What lowering one layer reads: the builder, the weights, the ids of tensors written so far, and which outputs are read. */
interface Lowering {
  b: IrBuilder;
  weights: GraphWeights;
  idOf(tensor: string): number;
  consumed: ReadonlySet<string>;
}

type OpOf<K extends Layer['op']['kind']> = Extract<Layer['op'], { kind: K }>;

/** Appends the ops of an activation function applied to `x`; returns the tensor holding the result. */
function lowerAct(b: IrBuilder, layer: Layer, act: Activation, x: number, shape: number[], outName: string): number {
  const L = layer.name;
  switch (act) {
    case 'none':
      return x;
    case 'relu':
    case 'relu6': {
      const y = b.activation(outName, shape);
      b.op(act === 'relu' ? BuiltinOp.RELU : BuiltinOp.RELU6, [x], [y], { kind: 'none' }, L);
      return y;
    }
    case 'gelu': {
      const y = b.activation(outName, shape);
      b.op(BuiltinOp.GELU, [x], [y], { kind: 'gelu', approximate: false }, L);
      return y;
    }
    case 'hswish': {
      const y = b.activation(outName, shape);
      b.op(BuiltinOp.HARD_SWISH, [x], [y], { kind: 'hard_swish' }, L);
      return y;
    }
    case 'sigmoid': {
      const y = b.activation(outName, shape);
      b.op(BuiltinOp.LOGISTIC, [x], [y], { kind: 'none' }, L);
      return y;
    }
    case 'hsigmoid': {
      const three = b.constF32(`${L}/hsigmoid_3`, [1], Float32Array.of(3), 'operand');
      const sixth = b.constF32(`${L}/hsigmoid_1_6`, [1], Float32Array.of(1 / 6), 'operand');
      const a = b.activation(`${L}/hsigmoid_add`, shape);
      b.op(BuiltinOp.ADD, [x, three], [a], { kind: 'add', act: FusedActivation.NONE }, L);
      const r = b.activation(`${L}/hsigmoid_relu6`, shape);
      b.op(BuiltinOp.RELU6, [a], [r], { kind: 'none' }, L);
      const y = b.activation(outName, shape);
      b.op(BuiltinOp.MUL, [r, sixth], [y], { kind: 'mul', act: FusedActivation.NONE }, L);
      return y;
    }
    default: {
      const unknown: never = act;
      throw new TfliteExportError(`${L}: activation '${String(unknown)}' has no TFLite lowering`);
    }
  }
}

/** A convolution (groups 1 or depthwise), its activation fused where TFLite can. */
function lowerConv(c: Lowering, layer: Layer, op: OpOf<'conv'>, x: number, outShape: number[]): number {
  const { b, weights } = c;
  const L = layer.name;
  const lw = weightsOf(weights, layer);
  const k = op.kernel;
  const depthwise = op.groups > 1;
  if (depthwise && !(op.groups === op.inCh && op.groups === op.outCh)) {
    throw new TfliteExportError(
      `${L}: grouped conv with ${op.groups} groups of ${op.inCh}->${op.outCh} channels has no TFLite builtin; only groups 1 and depthwise are supported`,
    );
  }
  const wIn = expectLength(layer, 'weight', lw.weight, op.outCh * (op.inCh / op.groups) * k * k);
  const bias = lw.bias ? expectLength(layer, 'bias', lw.bias, op.outCh) : new Float32Array(op.outCh);
  const fused = fusedCode(op.act);
  const separate = fused === FusedActivation.NONE && op.act !== 'none';
  const w = depthwise
    ? b.constF32(`${L}/weight`, [1, k, k, op.outCh], depthwiseToTflite(wIn, op.outCh, k), 'weight')
    : b.constF32(`${L}/weight`, [op.outCh, k, k, op.inCh], oihwToOhwi(wIn, op.outCh, op.inCh, k), 'weight');
  const bi = b.constF32(`${L}/bias`, [op.outCh], bias, 'bias');
  const y = b.activation(separate ? `${L}/conv` : L, outShape);
  if (depthwise) b.op(BuiltinOp.DEPTHWISE_CONV_2D, [x, w, bi], [y], { kind: 'depthwise', stride: op.stride, act: fused }, L);
  else b.op(BuiltinOp.CONV_2D, [x, w, bi], [y], { kind: 'conv2d', stride: op.stride, act: fused }, L);
  return separate ? lowerAct(b, layer, op.act, y, outShape, L) : y;
}

/** A fully connected layer, reshaped back to the graph's shape when a later layer reads it. */
function lowerLinear(c: Lowering, layer: Layer, op: OpOf<'linear'>, x: number, outShape: number[]): number {
  const { b, weights, consumed } = c;
  const L = layer.name;
  const lw = weightsOf(weights, layer);
  const w = b.constF32(`${L}/weight`, [op.outF, op.inF], expectLength(layer, 'weight', lw.weight, op.outF * op.inF), 'weight');
  const bias = lw.bias ? expectLength(layer, 'bias', lw.bias, op.outF) : new Float32Array(op.outF);
  const bi = b.constF32(`${L}/bias`, [op.outF], bias, 'bias');
  const reshapeAfter = consumed.has(layer.output);
  const fc = b.activation(reshapeAfter ? `${L}/fc` : L, [1, op.outF]);
  b.op(BuiltinOp.FULLY_CONNECTED, [x, w, bi], [fc], { kind: 'fully_connected', act: FusedActivation.NONE }, L);
  if (!reshapeAfter) return fc;
  const shape = b.constI32(`${L}/shape`, outShape);
  const out = b.activation(L, outShape);
  b.op(BuiltinOp.RESHAPE, [fc, shape], [out], { kind: 'reshape', newShape: outShape }, L);
  return out;
}

/** Multi-head attention: Q·Kᵀ scaled, softmax, times V, as reshapes, a transpose and batch matmuls. */
function lowerAttention(c: Lowering, layer: Layer, op: OpOf<'attention'>, x: number, outShape: number[]): number {
  const { b, idOf } = c;
  const L = layer.name;
  const [, hq, wq] = layer.inShapes[0]!;
  const [, hk, wk] = layer.inShapes[1]!;
  const rows = hq * wq * op.heads;
  const m = hk * wk;
  const reshape = (src: number, name: string, shape: number[]): number => {
    const s = b.constI32(`${name}_shape`, shape);
    const t = b.activation(name, shape);
    b.op(BuiltinOp.RESHAPE, [src, s], [t], { kind: 'reshape', newShape: shape }, L);
    return t;
  };
  const q = reshape(x, `${L}/q`, [1, rows, op.keyDim]);
  const k = reshape(idOf(layer.inputs[1]!), `${L}/k`, [1, m, op.keyDim]);
  const perm = b.constI32(`${L}/k_perm`, [0, 2, 1]);
  const kt = b.activation(`${L}/k_t`, [1, op.keyDim, m]);
  b.op(BuiltinOp.TRANSPOSE, [k, perm], [kt], { kind: 'transpose' }, L);
  const v = reshape(idOf(layer.inputs[2]!), `${L}/v`, [1, m, op.valueDim]);
  const scores = b.activation(`${L}/scores`, [1, rows, m]);
  b.op(BuiltinOp.BATCH_MATMUL, [q, kt], [scores], { kind: 'batch_matmul', adjX: false, adjY: false }, L);
  const inv = b.constF32(`${L}/inv_sqrt_kd`, [1], Float32Array.of(1 / Math.sqrt(op.keyDim)), 'operand');
  const scaled = b.activation(`${L}/scaled`, [1, rows, m]);
  b.op(BuiltinOp.MUL, [scores, inv], [scaled], { kind: 'mul', act: FusedActivation.NONE }, L);
  const probs = b.activation(`${L}/probs`, [1, rows, m]);
  b.op(BuiltinOp.SOFTMAX, [scaled], [probs], { kind: 'softmax', beta: 1 }, L);
  const ctx = b.activation(`${L}/context`, [1, rows, op.valueDim]);
  b.op(BuiltinOp.BATCH_MATMUL, [probs, v], [ctx], { kind: 'batch_matmul', adjX: false, adjY: false }, L);
  const s = b.constI32(`${L}/shape`, outShape);
  const out = b.activation(L, outShape);
  b.op(BuiltinOp.RESHAPE, [ctx, s], [out], { kind: 'reshape', newShape: outShape }, L);
  return out;
}

/** One layer's ops; returns the tensor holding its output. */
function lowerLayer(c: Lowering, layer: Layer): number {
  const { b, weights, idOf } = c;
  const L = layer.name;
  const op = layer.op;
  const outShape = nhwc(layer.outShape);
  const x = idOf(layer.inputs[0]!);
  switch (op.kind) {
    case 'conv':
      return lowerConv(c, layer, op, x, outShape);
    case 'affine': {
      const lw = weightsOf(weights, layer);
      const scale = b.constF32(`${L}/scale`, [op.ch], expectLength(layer, 'scale', lw.weight, op.ch), 'operand');
      const shift = b.constF32(`${L}/shift`, [op.ch], expectLength(layer, 'shift', lw.bias, op.ch), 'operand');
      const m = b.activation(`${L}/mul`, outShape);
      b.op(BuiltinOp.MUL, [x, scale], [m], { kind: 'mul', act: FusedActivation.NONE }, L);
      const out = b.activation(L, outShape);
      b.op(BuiltinOp.ADD, [m, shift], [out], { kind: 'add', act: FusedActivation.NONE }, L);
      return out;
    }
    case 'scale': {
      const lw = weightsOf(weights, layer);
      const gamma = b.constF32(`${L}/gamma`, [op.ch], expectLength(layer, 'gamma', lw.weight, op.ch), 'operand');
      const out = b.activation(L, outShape);
      b.op(BuiltinOp.MUL, [x, gamma], [out], { kind: 'mul', act: FusedActivation.NONE }, L);
      return out;
    }
    case 'add': {
      const out = b.activation(L, outShape);
      b.op(BuiltinOp.ADD, [x, idOf(layer.inputs[1]!)], [out], { kind: 'add', act: FusedActivation.NONE }, L);
      return out;
    }
    case 'mul': {
      const out = b.activation(L, outShape);
      b.op(BuiltinOp.MUL, [x, idOf(layer.inputs[1]!)], [out], { kind: 'mul', act: FusedActivation.NONE }, L);
      return out;
    }
    case 'act':
      return lowerAct(b, layer, op.act, x, outShape, L);
    case 'global_pool': {
      const axes = b.constI32(`${L}/axes`, [1, 2]);
      const out = b.activation(L, outShape);
      b.op(BuiltinOp.MEAN, [x, axes], [out], { kind: 'mean', keepDims: true }, L);
      return out;
    }
    case 'linear':
      return lowerLinear(c, layer, op, x, outShape);
    case 'attention':
      return lowerAttention(c, layer, op, x, outShape);
  }
}

/** Lowers a graph with its weights to a float32 IR model (inputs: `input` [1,H,W,C]). */
export function lowerToIr(graph: Graph, weights: GraphWeights): IrModel {
  const b = new IrBuilder();
  const ids = new Map<string, number>();
  ids.set(INPUT_TENSOR, b.activation(INPUT_TENSOR, nhwc(graph.inputShape)));
  const consumed = new Set<string>();
  for (const l of graph.layers) for (const t of l.inputs) consumed.add(t);

  const idOf = (tensor: string): number => {
    const id = ids.get(tensor);
    if (id === undefined) throw new TfliteExportError(`tensor ${tensor} is read before it is written`);
    return id;
  };
  const c: Lowering = { b, weights, idOf, consumed };
  for (const layer of graph.layers) ids.set(layer.output, lowerLayer(c, layer));

  const output = idOf(graph.output);
  if (output === ids.get(INPUT_TENSOR)) throw new TfliteExportError(`graph ${graph.id} has no layer that computes anything`);
  return {
    tensors: b.tensors,
    ops: b.ops,
    inputs: [ids.get(INPUT_TENSOR)!],
    outputs: [output],
    description: '',
    metadata: [],
    signature: { key: 'serving_default', inputs: ['input'], outputs: ['output'] },
  };
}

/** [C,H,W] (batch 1, graph order) -> [1,H,W,C]. */
export function nchwToNhwc(x: Float32Array, shape: readonly [number, number, number]): Float32Array {
  const [C, H, W] = shape;
  if (x.length !== C * H * W) throw new Error(`expected ${C * H * W} values for [${shape}], got ${x.length}`);
  const out = new Float32Array(x.length);
  for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[p * C + c] = x[c * H * W + p]!;
  return out;
}

/** [1,H,W,C] -> [C,H,W] (batch 1, graph order). */
export function nhwcToNchw(x: Float32Array, shape: readonly [number, number, number]): Float32Array {
  const [C, H, W] = shape;
  if (x.length !== C * H * W) throw new Error(`expected ${C * H * W} values for [${shape}], got ${x.length}`);
  const out = new Float32Array(x.length);
  for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[c * H * W + p] = x[p * C + c]!;
  return out;
}
