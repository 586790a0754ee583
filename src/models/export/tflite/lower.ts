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
 *               With one K/V head per query head: see lowerMultiHeadAttention.
 *   layernorm   MEAN / SUB / MUL / MEAN / ADD(eps) / RSQRT / MUL / MUL(gamma) / ADD(beta) over channels.
 *   concat      CONCATENATION on the channel axis.  grouped conv: SPLIT / CONV_2D per group / CONCATENATION.
 *   linear_attention  see lowerLinearAttention.
 *   avg_pool    AVERAGE_POOL_2D SAME (padding not counted).  token_pool: RESHAPE [1,1,N,C] + AVERAGE_POOL_2D 1xk VALID.
 */
import type { Activation } from '../../spec.js';
import { INPUT_TENSOR, type Graph, type Layer, type LayerOp, type Shape } from '../../graph.js';
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

/** A convolution (groups 1, depthwise, or grouped: see lowerGroupedConv), its activation fused where TFLite can. */
function lowerConv(c: Lowering, layer: Layer, op: OpOf<'conv'>, x: number, outShape: number[]): number {
  const { b, weights } = c;
  const L = layer.name;
  const lw = weightsOf(weights, layer);
  const k = op.kernel;
  // depthwise with a channel multiplier: output channel o reads input channel floor(o / multiplier),
  // the order of a grouped conv with groups == input channels
  const depthwise = op.groups > 1 && op.groups === op.inCh && op.outCh % op.inCh === 0;
  if (op.groups > 1 && !depthwise) return lowerGroupedConv(b, layer, op, x, outShape, lw);
  const multiplier = depthwise ? op.outCh / op.inCh : 1;
  const wIn = expectLength(layer, 'weight', lw.weight, op.outCh * (op.inCh / op.groups) * k * k);
  const bias = lw.bias ? expectLength(layer, 'bias', lw.bias, op.outCh) : new Float32Array(op.outCh);
  const fused = fusedCode(op.act);
  const separate = fused === FusedActivation.NONE && op.act !== 'none';
  const w = depthwise
    ? b.constF32(`${L}/weight`, [1, k, k, op.outCh], depthwiseToTflite(wIn, op.outCh, k), 'weight')
    : b.constF32(`${L}/weight`, [op.outCh, k, k, op.inCh], oihwToOhwi(wIn, op.outCh, op.inCh, k), 'weight');
  const bi = b.constF32(`${L}/bias`, [op.outCh], bias, 'bias');
  const y = b.activation(separate ? `${L}/conv` : L, outShape);
  if (depthwise)
    b.op(
      BuiltinOp.DEPTHWISE_CONV_2D,
      [x, w, bi],
      [y],
      { kind: 'depthwise', stride: op.stride, act: fused, ...(multiplier > 1 ? { multiplier } : {}) },
      L,
    );
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

/**
 * LayerNorm over the channel axis (last in NHWC): d = x - MEAN(x); r = RSQRT(MEAN(d*d) + eps);
 * y = d * r * gamma + beta. Only ops that every TFLite runtime has (no LAYER_NORM builtin exists).
 */
function lowerLayerNorm(
  b: IrBuilder,
  layer: Layer,
  op: Extract<LayerOp, { kind: 'layernorm' }>,
  x: number,
  shape: number[],
  lw: LayerWeights,
): number {
  const L = layer.name;
  const reduced = [...shape.slice(0, 3), 1];
  const axes = b.constI32(`${L}/axes`, [3]);
  const mean = b.activation(`${L}/mean`, reduced);
  b.op(BuiltinOp.MEAN, [x, axes], [mean], { kind: 'mean', keepDims: true }, L);
  const d = b.activation(`${L}/centered`, shape);
  b.op(BuiltinOp.SUB, [x, mean], [d], { kind: 'sub', act: FusedActivation.NONE }, L);
  const sq = b.activation(`${L}/square`, shape);
  b.op(BuiltinOp.MUL, [d, d], [sq], { kind: 'mul', act: FusedActivation.NONE }, L);
  const v = b.activation(`${L}/var`, reduced);
  b.op(BuiltinOp.MEAN, [sq, axes], [v], { kind: 'mean', keepDims: true }, L);
  const eps = b.constF32(`${L}/eps`, [1], Float32Array.of(op.eps), 'operand');
  const ve = b.activation(`${L}/var_eps`, reduced);
  b.op(BuiltinOp.ADD, [v, eps], [ve], { kind: 'add', act: FusedActivation.NONE }, L);
  const r = b.activation(`${L}/rsqrt`, reduced);
  b.op(BuiltinOp.RSQRT, [ve], [r], { kind: 'none' }, L);
  const n = b.activation(`${L}/normalized`, shape);
  b.op(BuiltinOp.MUL, [d, r], [n], { kind: 'mul', act: FusedActivation.NONE }, L);
  const gamma = b.constF32(`${L}/gamma`, [op.ch], expectLength(layer, 'gamma', lw.weight, op.ch), 'operand');
  const beta = b.constF32(`${L}/beta`, [op.ch], expectLength(layer, 'beta', lw.bias, op.ch), 'operand');
  const s = b.activation(`${L}/gamma_mul`, shape);
  b.op(BuiltinOp.MUL, [n, gamma], [s], { kind: 'mul', act: FusedActivation.NONE }, L);
  const out = b.activation(L, shape);
  b.op(BuiltinOp.ADD, [s, beta], [out], { kind: 'add', act: FusedActivation.NONE }, L);
  return out;
}

/**
 * A grouped conv that is not depthwise (TFLite has no grouped CONV_2D that every runtime takes):
 * SPLIT the channels into `groups` slices, one CONV_2D per slice (its rows of the OIHW weight), CONCATENATION.
 * A fused ReLU/ReLU6 stays in each CONV_2D; another activation follows the concatenation.
 */
function lowerGroupedConv(
  b: IrBuilder,
  layer: Layer,
  op: Extract<LayerOp, { kind: 'conv' }>,
  x: number,
  outShape: number[],
  lw: LayerWeights,
): number {
  const L = layer.name;
  const { groups: g, kernel: k, inCh, outCh } = op;
  const icg = inCh / g;
  const ocg = outCh / g;
  const w = expectLength(layer, 'weight', lw.weight, outCh * icg * k * k);
  const bias = lw.bias ? expectLength(layer, 'bias', lw.bias, outCh) : new Float32Array(outCh);
  const fused = fusedCode(op.act);
  const separate = fused === FusedActivation.NONE && op.act !== 'none';
  const [, ih, iw] = layer.inShapes[0]!;
  const parts = Array.from({ length: g }, (_, i) => b.activation(`${L}/split${i}`, [1, ih, iw, icg]));
  b.op(BuiltinOp.SPLIT, [b.constI32(`${L}/split_axis`, [3]), x], parts, { kind: 'split', numSplits: g }, L);
  const convs = parts.map((p, i) => {
    const wi = b.constF32(
      `${L}/weight${i}`,
      [ocg, k, k, icg],
      oihwToOhwi(w.subarray(i * ocg * icg * k * k, (i + 1) * ocg * icg * k * k), ocg, icg, k),
      'weight',
    );
    const bi = b.constF32(`${L}/bias${i}`, [ocg], bias.slice(i * ocg, (i + 1) * ocg), 'bias');
    const y = b.activation(separate ? `${L}/conv_g${i}` : `${L}/g${i}`, [...outShape.slice(0, 3), ocg]);
    b.op(BuiltinOp.CONV_2D, [p, wi, bi], [y], { kind: 'conv2d', stride: op.stride, act: fused }, L);
    return y;
  });
  const cat = b.activation(separate ? `${L}/conv` : L, outShape);
  b.op(BuiltinOp.CONCATENATION, convs, [cat], { kind: 'concat', axis: 3 }, L);
  return separate ? lowerAct(b, layer, op.act, cat, outShape, L) : cat;
}

/**
 * ReLU linear attention (graph.ts), NHWC, per head of d channels over N = H*W tokens:
 *   x [1,H,W,h*3d] -RESHAPE-> [1,N,h,3d] -TRANSPOSE(0,2,1,3)-> [1,h,N,3d] -SPLIT-> q, k, v [1,h,N,d]
 *   q, k = RELU; kv = BATCH_MATMUL(k, v, adj_x) [1,h,d,d]; num = BATCH_MATMUL(q, kv) [1,h,N,d]
 *   ksum = SUM_N(k) [1,h,1,d]; den = BATCH_MATMUL(q, ksum, adj_y) [1,h,N,1]
 *   out = DIV(num, den + eps) -TRANSPOSE(0,2,1,3)-> [1,N,h,d] -RESHAPE-> [1,H,W,h*d].
 * TFLite has no int8 DIV kernel: int8 files run the DIV in float between DEQUANTIZE and QUANTIZE (quantize.ts).
 */
function lowerLinearAttention(b: IrBuilder, layer: Layer, op: Extract<LayerOp, { kind: 'linear_attention' }>, x: number, outShape: number[]): number {
  const L = layer.name;
  const { heads: h, dim: d } = op;
  const [, H, W] = layer.inShapes[0]!;
  const N = H * W;
  const act = (name: string, shape: number[]): number => b.activation(`${L}/${name}`, shape);
  const r = act('tokens', [1, N, h, 3 * d]);
  b.op(BuiltinOp.RESHAPE, [x, b.constI32(`${L}/tokens_shape`, [1, N, h, 3 * d])], [r], { kind: 'reshape', newShape: [1, N, h, 3 * d] }, L);
  const t = act('heads', [1, h, N, 3 * d]);
  b.op(BuiltinOp.TRANSPOSE, [r, b.constI32(`${L}/heads_perm`, [0, 2, 1, 3])], [t], { kind: 'transpose' }, L);
  const [q0, k0, v] = ['q', 'k', 'v'].map((n) => act(n, [1, h, N, d])) as [number, number, number];
  b.op(BuiltinOp.SPLIT, [b.constI32(`${L}/split_axis`, [3]), t], [q0, k0, v], { kind: 'split', numSplits: 3 }, L);
  const q = act('q_relu', [1, h, N, d]);
  b.op(BuiltinOp.RELU, [q0], [q], { kind: 'none' }, L);
  const k = act('k_relu', [1, h, N, d]);
  b.op(BuiltinOp.RELU, [k0], [k], { kind: 'none' }, L);
  const kv = act('kv', [1, h, d, d]);
  b.op(BuiltinOp.BATCH_MATMUL, [k, v], [kv], { kind: 'batch_matmul', adjX: true, adjY: false }, L);
  const num = act('num', [1, h, N, d]);
  b.op(BuiltinOp.BATCH_MATMUL, [q, kv], [num], { kind: 'batch_matmul', adjX: false, adjY: false }, L);
  const ksum = act('ksum', [1, h, 1, d]);
  b.op(BuiltinOp.SUM, [k, b.constI32(`${L}/ksum_axes`, [2])], [ksum], { kind: 'mean', keepDims: true }, L);
  const den = act('den', [1, h, N, 1]);
  b.op(BuiltinOp.BATCH_MATMUL, [q, ksum], [den], { kind: 'batch_matmul', adjX: false, adjY: true }, L);
  const de = act('den_eps', [1, h, N, 1]);
  // eps at least 2^-24, the smallest float16 (1e-15 would be 0 in an fp16 file and 0/0 a NaN where q = 0);
  // it changes the result only where the denominator is below ~1e-6
  const eps = Math.max(op.eps, 2 ** -24);
  b.op(BuiltinOp.ADD, [den, b.constF32(`${L}/eps`, [1], Float32Array.of(eps), 'operand')], [de], { kind: 'add', act: FusedActivation.NONE }, L);
  const wtd = act('weighted', [1, h, N, d]);
  b.op(BuiltinOp.DIV, [num, de], [wtd], { kind: 'div', act: FusedActivation.NONE }, L);
  const back = act('weighted_t', [1, N, h, d]);
  b.op(BuiltinOp.TRANSPOSE, [wtd, b.constI32(`${L}/back_perm`, [0, 2, 1, 3])], [back], { kind: 'transpose' }, L);
  const out = b.activation(L, outShape);
  b.op(BuiltinOp.RESHAPE, [back, b.constI32(`${L}/shape`, outShape)], [out], { kind: 'reshape', newShape: outShape }, L);
  return out;
}

/**
 * Multi-head attention with one K/V head per query head (kvHeads == heads), NHWC:
 *   q [1,H,W,h*kd] -RESHAPE-> [1,P,h,kd] -TRANSPOSE(0,2,1,3)-> [1,h,P,kd]
 *   k [1,hk,wk,h*kd] -RESHAPE-> [1,M,h,kd] -TRANSPOSE(0,2,3,1)-> [1,h,kd,M]
 *   v [1,hk,wk,h*vd] -RESHAPE-> [1,M,h,vd] -TRANSPOSE(0,2,1,3)-> [1,h,M,vd]
 *   probs = SOFTMAX(BATCH_MATMUL(q, k) * 1/sqrt kd) [1,h,P,M]; ctx = BATCH_MATMUL(probs, v) [1,h,P,vd]
 *   -TRANSPOSE(0,2,1,3)-> [1,P,h,vd] -RESHAPE-> [1,H,W,h*vd]  (channel head*vd + d).
 */
function lowerMultiHeadAttention(
  b: IrBuilder,
  layer: Layer,
  op: Extract<LayerOp, { kind: 'attention' }>,
  [q, k, v]: [number, number, number],
  outShape: number[],
): number {
  const L = layer.name;
  const [, hq, wq] = layer.inShapes[0]!;
  const [, hk, wk] = layer.inShapes[1]!;
  const { heads: h, keyDim: kd, valueDim: vd } = op;
  const P = hq * wq;
  const M = hk * wk;
  const reshape = (src: number, name: string, shape: number[]): number => {
    const t = b.activation(name, shape);
    b.op(BuiltinOp.RESHAPE, [src, b.constI32(`${name}_shape`, shape)], [t], { kind: 'reshape', newShape: shape }, L);
    return t;
  };
  const transpose = (src: number, name: string, perm: number[], shape: number[]): number => {
    const t = b.activation(name, shape);
    b.op(BuiltinOp.TRANSPOSE, [src, b.constI32(`${name}_perm`, perm)], [t], { kind: 'transpose' }, L);
    return t;
  };
  const qh = transpose(reshape(q, `${L}/q`, [1, P, h, kd]), `${L}/q_t`, [0, 2, 1, 3], [1, h, P, kd]);
  const kh = transpose(reshape(k, `${L}/k`, [1, M, h, kd]), `${L}/k_t`, [0, 2, 3, 1], [1, h, kd, M]);
  const vh = transpose(reshape(v, `${L}/v`, [1, M, h, vd]), `${L}/v_t`, [0, 2, 1, 3], [1, h, M, vd]);
  const scores = b.activation(`${L}/scores`, [1, h, P, M]);
  b.op(BuiltinOp.BATCH_MATMUL, [qh, kh], [scores], { kind: 'batch_matmul', adjX: false, adjY: false }, L);
  const inv = b.constF32(`${L}/inv_sqrt_kd`, [1], Float32Array.of(1 / Math.sqrt(kd)), 'operand');
  const scaled = b.activation(`${L}/scaled`, [1, h, P, M]);
  b.op(BuiltinOp.MUL, [scores, inv], [scaled], { kind: 'mul', act: FusedActivation.NONE }, L);
  const probs = b.activation(`${L}/probs`, [1, h, P, M]);
  b.op(BuiltinOp.SOFTMAX, [scaled], [probs], { kind: 'softmax', beta: 1 }, L);
  const ctx = b.activation(`${L}/context`, [1, h, P, vd]);
  b.op(BuiltinOp.BATCH_MATMUL, [probs, vh], [ctx], { kind: 'batch_matmul', adjX: false, adjY: false }, L);
  const ct = transpose(ctx, `${L}/context_t`, [0, 2, 1, 3], [1, P, h, vd]);
  const out = b.activation(L, outShape);
  b.op(BuiltinOp.RESHAPE, [ct, b.constI32(`${L}/shape`, outShape)], [out], { kind: 'reshape', newShape: outShape }, L);
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
      if ((op.kvHeads ?? 1) > 1) return lowerMultiHeadAttention(b, layer, op, [x, idOf(layer.inputs[1]!), idOf(layer.inputs[2]!)], outShape);
      return lowerAttention(c, layer, op, x, outShape);
    default:
      return lowerTable6Layer(c, layer, op, x, outShape);
  }
}

/** The layer kinds of the Table 6 comparison models (src/models/table6-blocks.ts). */
function lowerTable6Layer(
  c: Lowering,
  layer: Layer,
  op: OpOf<'layernorm' | 'concat' | 'linear_attention' | 'avg_pool' | 'token_pool'>,
  x: number,
  outShape: number[],
): number {
  const { b, weights, idOf } = c;
  const L = layer.name;
  switch (op.kind) {
    case 'layernorm':
      return lowerLayerNorm(b, layer, op, x, outShape, weightsOf(weights, layer));
    case 'concat': {
      const out = b.activation(L, outShape);
      b.op(BuiltinOp.CONCATENATION, layer.inputs.map(idOf), [out], { kind: 'concat', axis: 3 }, L);
      return out;
    }
    case 'linear_attention':
      return lowerLinearAttention(b, layer, op, x, outShape);
    case 'avg_pool': {
      const k = op.kernel;
      const out = b.activation(L, outShape);
      // TFLite's SAME average pool pads like graph.ts and leaves the padding out of the count
      b.op(BuiltinOp.AVERAGE_POOL_2D, [x], [out], { kind: 'pool', padding: 'same', filterH: k, filterW: k, strideH: k, strideW: k }, L);
      return out;
    }
    case 'token_pool': {
      const [C, H, W] = layer.inShapes[0]!;
      const rowShape = [1, 1, H * W, C];
      const r = b.activation(`${L}/tokens`, rowShape);
      b.op(BuiltinOp.RESHAPE, [x, b.constI32(`${L}/tokens_shape`, rowShape)], [r], { kind: 'reshape', newShape: rowShape }, L);
      const out = b.activation(L, outShape);
      const k = op.kernel;
      b.op(BuiltinOp.AVERAGE_POOL_2D, [r], [out], { kind: 'pool', padding: 'valid', filterH: 1, filterW: k, strideH: 1, strideW: k }, L);
      return out;
    }
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
