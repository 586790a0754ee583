/**
 * ONNX exporter: one layer graph (src/models/graph.ts) -> one inference ModelProto, fp32 or int8 QDQ.
 *
 * Format: IR version 8, default-domain opset 17. That is the newest pair that Debian's python3-onnx 1.12
 * checker accepts (ir_version 8, opset 17), and onnxruntime 1.30 runs it. Only standard ops are used:
 * Conv (group = channels for depthwise), Relu, Clip (relu6), HardSwish, HardSigmoid, Div/Erf/Add/Mul
 * (GELU), Add, Mul, GlobalAveragePool, Flatten, Gemm, Reshape, Transpose, MatMul, Softmax,
 * LayerNormalization (over channels, between two Transposes), Concat, Slice, ReduceSum, Div (linear
 * attention), AveragePool, and for int8
 * QuantizeLinear/DequantizeLinear. Opset 17 has no Gelu op, so GELU is written as its exact erf form
 * x * (1 + erf(x / sqrt 2)) * 0.5 (Div -> Erf -> Add -> Mul -> Mul), the pattern onnxruntime's GeluFusion
 * rewrites into one Gelu kernel at level `extended` and above (fp32 only: see the `opset` option, which
 * writes opset 20 / IR 9 with the native Gelu op instead).
 *
 * Graph: input `input` float32 [1,C,H,W]; output `output` float32 [1,C',H',W'], or [1,N] when the graph
 * ends with a linear (classifier) layer. BatchNorm is folded: every conv carries the folded bias.
 * Padding: explicit `pads` = TF-SAME from samePadding() ([top, left, bottom, right], extra pixel at the
 * bottom/right), so the file computes exactly what the TF/TFLite model computes.
 *
 * Names (so per-op profiler output maps back to blocks; blockOfNodeName() reads them):
 * - a layer that becomes one node: node `<layer>`; several nodes: `<layer>/<suffix>` (e.g.
 *   `b05_uib/expand/conv` + `b05_uib/expand/relu`, `b20_mqa/attn/softmax`);
 * - a node's output tensor is `<node>:out`, except the layer's last node, which writes `<layer>:out`
 *   (the graph.ts tensor name); the graph output is renamed `output`;
 * - initializers: `<layer>/weight`, `<layer>/bias`, `<layer>/scale`, `<layer>/shift`, `<layer>/gamma`, ...;
 * - int8: activation tensor `X:out` gets nodes `X/q` and `X/dq` (scale/zero point `X/qscale`, `X/qzp`);
 *   quantized weights are `<layer>/weight_q` read through `<layer>/weight/dq`.
 *
 * Attention (Mobile MQA core, one shared K/V head broadcast over the query heads by MatMul broadcasting).
 * Default layout "queries-first" (scores [1,h,P,M], softmax over the last axis):
 *   q [1,h*kd,H,W] -Reshape-> [1,h,kd,P] -Transpose-> [1,h,P,kd]      (P = H*W queries, M = keys)
 *   k [1,kd,hk,wk] -Reshape-> [1,kd,M]                                 (already K^T: no transpose)
 *   v [1,vd,hk,wk] -Reshape-> [1,vd,M] -Transpose-> [1,M,vd]           (small: K/V are spatially reduced)
 *   scores = MatMul(q [1,h,P,kd], k [1,kd,M]) -> [1,h,P,M]; Mul(1/sqrt kd); Softmax(axis=3)
 *   context = MatMul(probs, v [1,M,vd]) -> [1,h,P,vd] -Transpose-> [1,h,vd,P] -Reshape-> [1,h*vd,H,W]
 * onnxruntime (level >= extended) folds the Q and V transposes and the scale into FusedMatMul kernels, so
 * only the context transpose runs. The alternative "keys-first" layout (scores [1,h,M,P] =
 * MatMul(K^T, q), Softmax(axis=2), context = MatMul(v, probs), only K transposed) has no large transpose
 * at all, but onnxruntime 1.30's CPU Softmax over a non-last axis was 4x slower than over the last one
 * (991 vs 228 us on [1,4,144,576], one thread), making the block ~20% slower; it stays available through
 * `attentionLayout` for runtimes that prefer it.
 * int8 (static QDQ, the form onnxruntime's QDQ transformers fuse into QLinearConv / QGemm / QLinearMatMul /
 * QLinearAdd / QLinearMul / QLinearGlobalAveragePool kernels):
 * - conv and linear weights: per-output-channel symmetric, 7-bit codes in int8 (zero point 0, codes in
 *   [-64, 64]), DequantizeLinear axis 0. Why 7 bits: onnxruntime's x86 u8 x s8 kernels on CPUs without VNNI
 *   (AVX2-only, AVX-512 without VNNI) multiply with vpmaddubsw, which adds two u8 x s8 products into a
 *   SATURATING int16: 255 x 127 x 2 = 64770 overflows 32767 and the output is silently wrong (measured
 *   under AVX2 emulation: rel. RMS 0.41 on a linear layer, 0.20 on a head). With |code| <= 64 the pair sum
 *   is at most 255 x 64 x 2 = 32640 and fits, on every x86 CPU. This is onnxruntime's own remedy
 *   (`reduce_range`, "quantize weights with 7-bits", recommended for non-VNNI CPUs in its quantization
 *   docs). The price is one bit of weight precision on every CPU, so results do not depend on the ISA.
 *   `int8WeightBits: 8` gives the full [-127, 127] codes (accurate on VNNI CPUs only). TFLite files keep
 *   8-bit weights (src/models/export/tflite/quantize.ts): TFLite's int8 kernels widen to 16 bits first;
 * - conv and linear biases: int32 with scale = input scale * weight scale (per channel), zero point 0;
 * - activations: per-tensor asymmetric uint8. Why uint8: most activations follow ReLU and are >= 0, so an
 *   asymmetric uint8 range spends all 256 levels on them; a ReLU/ReLU6 before a uint8 Q with zero point 0
 *   is removed by onnxruntime (ReluQuantFusion/ClipQuantFusion); and onnxruntime's x86 integer GEMMs
 *   (MLAS) are u8 x s8 kernels natively (also TFLite-like asymmetric activations);
 * - constant operands of Mul/Add (affine scale/shift, layer-scale gamma, the attention 1/sqrt(kd)) are
 *   per-tensor uint8 like activations (QLinearMul/QLinearAdd take one type for both inputs);
 * - every materialized float tensor gets a Q->DQ pair, with ranges = min/max over calibration inputs
 *   (always widened to include 0), except between a conv and its ReLU/ReLU6 (fused into the Q) and inside
 *   the GELU decomposition; Reshape/Transpose/Flatten outputs reuse their input's scale and zero point;
 * - calibration: a caller-supplied table (the export cache passes calibrateWithOnnxRuntime()'s, see
 *   calibrate.ts: fast for whole models), else runReference() (src/models/reference.ts) on
 *   `calibrationSamples` seeded uniform [-1,1) inputs seededInput(graph, 1000 + i). Both key ranges by
 *   the tensor names above.
 * What onnxruntime-node 1.30 (CPU, level `all`) makes of it, checked on the optimized model it saves:
 * every Conv becomes QLinearConv (ReLU/ReLU6 absorbed; NHWC, with Transposes at layout boundaries),
 * MatMul -> QLinearMatMul, Softmax -> QLinearSoftmax, Add/Mul -> QLinearAdd/QLinearMul, the pool ->
 * QLinearGlobalAveragePool, Gemm -> QGemm; only the graph input's Q and the output's DQ remain. HardSwish,
 * HardSigmoid and GELU run in float between DQ and Q (no quantized kernels); the decomposed GELU is then
 * not fused (use opset 20).
 */
import type { Activation } from '../spec.js';
import type { Graph, Layer, LayerOp } from '../graph.js';
import { INPUT_TENSOR, samePadding } from '../graph.js';
import type { GraphWeights, LayerWeights } from '../weights.js';
import { initWeights, seededInput } from '../weights.js';
import type { CalibrationTable, TensorRange } from '../reference.js';
import { calibrationRanges } from '../reference.js';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './onnx-proto.js';
import { AttrType, DataType, encodeModel } from './onnx-proto.js';

/** Bumped whenever the bytes this exporter writes for the same input change (cache key). */
export const ONNX_EXPORTER_VERSION = 'onnx-exporter-2';
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
/** The opt-in opset with a native Gelu op (IR version 9); Debian's onnx 1.12 checker cannot check it. */
export const ONNX_OPSET_GELU = 20;
export const ONNX_IR_VERSION_GELU = 9;
/** Default number of seeded calibration inputs for int8. */
export const DEFAULT_CALIBRATION_SAMPLES = 2;

export type OnnxDtype = 'fp32' | 'int8';
export type AttentionLayout = 'keys-first' | 'queries-first';

export interface OnnxExportOptions {
  dtype: OnnxDtype;
  /** layer weights; default initWeights(graph, seed). */
  weights?: GraphWeights;
  /** weight seed when `weights` is absent (default 0). */
  seed?: number;
  /** int8 only: a ready calibration table (tensor name -> range); default: computed, see the module comment. */
  calibration?: CalibrationTable;
  /** int8 only: number of seeded calibration inputs when `calibration` is absent (default 2). */
  calibrationSamples?: number;
  /** attention lowering (default 'queries-first'). */
  attentionLayout?: AttentionLayout;
  /**
   * also make every intermediate float tensor (`input` excluded) a graph output, named as in the graph:
   * for calibration through a runtime and for per-layer debugging. Not for timing.
   */
  exposeIntermediates?: boolean;
  /**
   * 17 (default): GELU decomposed, checkable by python3-onnx 1.12. 20: GELU as the opset-20 Gelu op (IR 9).
   * Matters for int8: onnxruntime 1.30 gives each consumer of a DequantizeLinear its own copy
   * (EnsureUniqueDQForNodeUnit), so the decomposed GELU, which reads x twice, is no longer fused and runs
   * as five float kernels between DQ and Q; with opset 20 it is one Gelu kernel.
   */
  opset?: 17 | 20;
  /**
   * int8 only: bits of the weight codes (default 7: codes in [-64, 64], exact on every x86 CPU, see the
   * module comment; 8: [-127, 127], saturates in onnxruntime's u8 x s8 kernels on CPUs without VNNI).
   */
  int8WeightBits?: 7 | 8;
}

/** Thrown when a graph cannot be exported (unsupported shapes, missing weights or calibration ranges). */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}

interface QParams {
  scale: string;
  zp: string;
  scaleValue: number;
  zpValue: number;
}

function attr(name: string, v: number | number[] | string, kind: 'int' | 'float' = 'int'): AttributeProto {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return kind === 'int' ? { name, type: AttrType.INTS, ints: v } : { name, type: AttrType.FLOATS, floats: v };
  return kind === 'int' ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.FLOAT, f: v };
}

function rawBytes(a: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array): Uint8Array {
  // typed arrays are little-endian on every platform Node runs on; copy to get an exact-length buffer
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** Affine uint8 parameters for a range (widened to include 0). */
export function uint8Params(r: TensorRange): { scale: number; zp: number } {
  const lo = Math.min(0, r.min);
  let hi = Math.max(0, r.max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new OnnxExportError(`non-finite calibration range [${r.min}, ${r.max}]`);
  if (hi - lo < 1e-12) hi = lo + 1e-12;
  const scale = Math.fround((hi - lo) / 255);
  const zp = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zp };
}

/** Largest weight code for `bits`-bit symmetric weights: 64 for 7 bits (ORT's reduce_range), 127 for 8. */
export function weightCodeMax(bits: 7 | 8): number {
  return bits === 7 ? 64 : 127;
}

/** Per-channel symmetric quantization of an [O, ...] weight into int8 codes within [-qmax, qmax]. */
export function quantizePerChannel(w: Float32Array, outCh: number, qmax = weightCodeMax(7)): { q: Int8Array; scales: Float32Array } {
  const per = w.length / outCh;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outCh);
  for (let o = 0; o < outCh; o++) {
    let amax = 0;
    for (let i = o * per; i < (o + 1) * per; i++) amax = Math.max(amax, Math.abs(w[i]!));
    const s = Math.fround(amax > 0 ? amax / qmax : 1);
    scales[o] = s;
    for (let i = o * per; i < (o + 1) * per; i++) q[i] = Math.max(-qmax, Math.min(qmax, Math.round(w[i]! / s)));
  }
  return { q, scales };
}

type Dims = number[];

class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  readonly shapes = new Map<string, { dims: Dims; type: number }>();
  private readonly nodeNames = new Set<string>();
  private readonly initNames = new Set<string>();
  /** float tensor -> the name its consumers read (itself for fp32, the DQ output for int8). */
  private readonly readName = new Map<string, string>();
  /** read name -> quantization parameters of the Q/DQ pair that produced it (int8). */
  readonly qparams = new Map<string, QParams>();

  constructor(
    readonly int8: boolean,
    private readonly calibration: CalibrationTable | undefined,
    private readonly weightQmax: number = weightCodeMax(7),
  ) {}

  node(
    opType: string,
    name: string,
    inputs: string[],
    output: string,
    dims: Dims,
    attrs: AttributeProto[] = [],
    type: number = DataType.FLOAT,
  ): string {
    if (this.nodeNames.has(name)) throw new OnnxExportError(`duplicate node name ${name}`);
    this.nodeNames.add(name);
    for (const i of inputs) if (i !== '' && !this.shapes.has(i)) throw new OnnxExportError(`node ${name} reads unknown tensor ${i}`);
    this.nodes.push({ op_type: opType, name, input: inputs, output: [output], attribute: attrs });
    this.shapes.set(output, { dims, type });
    return output;
  }

  private init(name: string, dims: Dims, type: number, data: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array): string {
    if (this.initNames.has(name)) throw new OnnxExportError(`duplicate initializer ${name}`);
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new OnnxExportError(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    this.initNames.add(name);
    this.inits.push({ name, dims, data_type: type, raw_data: rawBytes(data) });
    this.shapes.set(name, { dims, type });
    return name;
  }

  f32(name: string, dims: Dims, data: Float32Array | number[]): string {
    return this.init(name, dims, DataType.FLOAT, data instanceof Float32Array ? data : Float32Array.from(data));
  }

  i64(name: string, values: number[]): string {
    return this.init(name, [values.length], DataType.INT64, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /** Marks a float tensor as produced by the graph; for int8 inserts its Q/DQ pair from the calibration range. */
  publish(tensor: string, rangeKey = tensor): void {
    if (!this.int8) {
      this.readName.set(tensor, tensor);
      return;
    }
    const r = this.calibration?.get(rangeKey);
    if (!r) throw new OnnxExportError(`no calibration range for tensor ${rangeKey}`);
    const { scale, zp } = uint8Params(r);
    const base = tensor.endsWith(':out') ? tensor.slice(0, -4) : tensor;
    const qp: QParams = {
      scale: this.f32(`${base}/qscale`, [], [scale]),
      zp: this.init(`${base}/qzp`, [], DataType.UINT8, Uint8Array.of(zp)),
      scaleValue: scale,
      zpValue: zp,
    };
    this.qdq(tensor, base, qp);
  }

  /** Publishes the output of a data-movement op (Reshape/Transpose/Flatten) with its source's Q/DQ parameters. */
  publishMove(tensor: string, source: string): void {
    if (!this.int8) {
      this.readName.set(tensor, tensor);
      return;
    }
    const qp = this.qparams.get(this.read(source));
    if (!qp) throw new OnnxExportError(`tensor ${source} has no quantization parameters`);
    this.qdq(tensor, tensor.endsWith(':out') ? tensor.slice(0, -4) : tensor, qp);
  }

  private qdq(tensor: string, base: string, qp: QParams): void {
    const dims = this.shapes.get(tensor)!.dims;
    const q = this.node('QuantizeLinear', `${base}/q`, [tensor, qp.scale, qp.zp], `${base}/q:out`, dims, [], DataType.UINT8);
    const dq = this.node('DequantizeLinear', `${base}/dq`, [q, qp.scale, qp.zp], `${base}/dq:out`, dims);
    this.readName.set(tensor, dq);
    this.qparams.set(dq, qp);
  }

  /** The name a consumer reads for a published float tensor. */
  read(tensor: string): string {
    const r = this.readName.get(tensor);
    if (!r) throw new OnnxExportError(`tensor ${tensor} read before it is produced`);
    return r;
  }

  /** A conv / linear weight (OIHW or [O, I]): float initializer, or int8 per-channel through a DequantizeLinear. */
  weight(layer: string, w: Float32Array, dims: Dims): { name: string; scales?: Float32Array } {
    if (!this.int8) return { name: this.f32(`${layer}/weight`, dims, w) };
    const { q, scales } = quantizePerChannel(w, dims[0]!, this.weightQmax);
    const qn = this.init(`${layer}/weight_q`, dims, DataType.INT8, q);
    const sn = this.f32(`${layer}/weight_scale`, [dims[0]!], scales);
    const zn = this.init(`${layer}/weight_zp`, [dims[0]!], DataType.INT8, new Int8Array(dims[0]!));
    const name = this.node('DequantizeLinear', `${layer}/weight/dq`, [qn, sn, zn], `${layer}/weight/dq:out`, dims, [attr('axis', 0)]);
    return { name, scales };
  }

  /** A conv / linear bias: float, or int32 with scale = input scale * weight scale (per channel). */
  bias(layer: string, b: Float32Array, inputRead: string, wScales: Float32Array | undefined): string {
    if (!this.int8) return this.f32(`${layer}/bias`, [b.length], b);
    const qp = this.qparams.get(inputRead);
    if (!qp || !wScales) throw new OnnxExportError(`${layer}: bias of a layer whose input is not quantized`);
    const scales = new Float32Array(b.length);
    const q = new Int32Array(b.length);
    for (let o = 0; o < b.length; o++) {
      const s = Math.fround(qp.scaleValue * wScales[o]!);
      scales[o] = s;
      q[o] = Math.max(-2147483647, Math.min(2147483647, Math.round(b[o]! / s)));
    }
    const qn = this.init(`${layer}/bias_q`, [b.length], DataType.INT32, q);
    const sn = this.f32(`${layer}/bias_scale`, [b.length], scales);
    const zn = this.init(`${layer}/bias_zp`, [b.length], DataType.INT32, new Int32Array(b.length));
    return this.node('DequantizeLinear', `${layer}/bias/dq`, [qn, sn, zn], `${layer}/bias/dq:out`, [b.length], [attr('axis', 0)]);
  }

  /** A constant operand of Mul/Add: float, or per-tensor uint8 through a DequantizeLinear. */
  constant(name: string, dims: Dims, v: Float32Array): string {
    if (!this.int8) return this.f32(name, dims, v);
    let mn = Infinity;
    let mx = -Infinity;
    for (const x of v) {
      mn = Math.min(mn, x);
      mx = Math.max(mx, x);
    }
    const { scale, zp } = uint8Params({ min: mn, max: mx });
    const q = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) q[i] = Math.max(0, Math.min(255, Math.round(v[i]! / scale) + zp));
    const qn = this.init(`${name}_q`, dims, DataType.UINT8, q);
    const sn = this.f32(`${name}_qscale`, [], [scale]);
    const zn = this.init(`${name}_qzp`, [], DataType.UINT8, Uint8Array.of(zp));
    return this.node('DequantizeLinear', `${name}/dq`, [qn, sn, zn], `${name}/dq:out`, dims);
  }

  /** Renames a tensor everywhere (used for the graph output). */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input.map((i) => (i === from ? to : i));
      n.output = n.output.map((o) => (o === from ? to : o));
    }
    const s = this.shapes.get(from);
    if (s) {
      this.shapes.delete(from);
      this.shapes.set(to, s);
    }
  }
}

function layerWeights(weights: GraphWeights, layer: Layer): LayerWeights {
  const w = weights.get(layer.name);
  if (!w) throw new OnnxExportError(`no weights for layer ${layer.name}`);
  return w;
}

function needLen(a: Float32Array | undefined, n: number, what: string): Float32Array {
  if (!a || a.length !== n) throw new OnnxExportError(`${what}: expected ${n} values, got ${a?.length ?? 'none'}`);
  return a;
}

/**
 * Emits an activation on tensor `x` ending in `out`. `single`: the layer is only this activation, so a
 * one-node activation takes the layer's name. Returns `out`.
 */
function emitActivation(
  b: OnnxGraphBuilder,
  layer: string,
  act: Exclude<Activation, 'none'>,
  x: string,
  out: string,
  dims: Dims,
  single: boolean,
  opset: number,
): string {
  const name = (suffix: string): string => (single ? layer : `${layer}/${suffix}`);
  switch (act) {
    case 'relu':
      return b.node('Relu', name('relu'), [x], out, dims);
    case 'relu6': {
      const lo = b.f32(`${layer}/clip_min`, [], [0]);
      const hi = b.f32(`${layer}/clip_max`, [], [6]);
      return b.node('Clip', name('relu6'), [x, lo, hi], out, dims);
    }
    case 'hswish':
      return b.node('HardSwish', name('hswish'), [x], out, dims);
    case 'sigmoid':
      return b.node('Sigmoid', name('sigmoid'), [x], out, dims);
    case 'hsigmoid':
      return b.node('HardSigmoid', name('hsigmoid'), [x], out, dims, [attr('alpha', Math.fround(1 / 6), 'float'), attr('beta', 0.5, 'float')]);
    case 'gelu': {
      if (opset >= 20) return b.node('Gelu', name('gelu'), [x], out, dims, [attr('approximate', 'none')]);
      // exact GELU: x * (1 + erf(x / sqrt 2)) * 0.5, the node pattern of onnxruntime's GeluFusion
      const sqrt2 = b.f32(`${layer}/gelu_sqrt2`, [], [Math.SQRT2]);
      const one = b.f32(`${layer}/gelu_one`, [], [1]);
      const half = b.f32(`${layer}/gelu_halfc`, [], [0.5]);
      const d = b.node('Div', `${layer}/gelu_div`, [x, sqrt2], `${layer}/gelu_div:out`, dims);
      const e = b.node('Erf', `${layer}/gelu_erf`, [d], `${layer}/gelu_erf:out`, dims);
      const a = b.node('Add', `${layer}/gelu_add`, [e, one], `${layer}/gelu_add:out`, dims);
      const m = b.node('Mul', `${layer}/gelu_mul`, [x, a], `${layer}/gelu_mul:out`, dims);
      return b.node('Mul', `${layer}/gelu_half`, [m, half], out, dims);
    }
  }
}

/**
 * ReLU linear attention (graph.ts), per head h of d channels, N = H*W, tensors [1, heads, ., .]:
 *   x -Reshape-> [1,h,3d,N] -Slice-> q, k, v [1,h,d,N]; q, k = Relu
 *   kv = MatMul(v, Transpose(k)) [1,h,d,d]; num = MatMul(kv, q) [1,h,d,N]
 *   den = MatMul(Transpose(ReduceSum_N(k)), q) [1,h,1,N]; out = num / (den + eps) -Reshape-> [1,h*d,H,W]
 * (the official code's ones-padded v computes the same num and den in one MatMul pair).
 */
function emitLinearAttention(b: OnnxGraphBuilder, layer: Layer, op: Extract<LayerOp, { kind: 'linear_attention' }>, x: string): void {
  const L = layer.name;
  const { heads: h, dim: d } = op;
  const [c, H, W] = layer.outShape;
  const N = H * W;
  const src = layer.inputs[0]!;
  const r = b.node('Reshape', `${L}/reshape`, [x, b.i64(`${L}/reshape_shape`, [1, h, 3 * d, N])], `${L}/reshape:out`, [1, h, 3 * d, N]);
  b.publishMove(r, src);
  const slice = (name: string, from: number): string => {
    const t = b.node(
      'Slice',
      `${L}/${name}`,
      [b.read(r), b.i64(`${L}/${name}_starts`, [from]), b.i64(`${L}/${name}_ends`, [from + d]), b.i64(`${L}/${name}_axes`, [2])],
      `${L}/${name}:out`,
      [1, h, d, N],
    );
    b.publishMove(t, r);
    return t;
  };
  const q = b.node('Relu', `${L}/q_relu`, [b.read(slice('q_slice', 0))], `${L}/q_relu:out`, [1, h, d, N]);
  b.publish(q);
  const k = b.node('Relu', `${L}/k_relu`, [b.read(slice('k_slice', d))], `${L}/k_relu:out`, [1, h, d, N]);
  b.publish(k);
  const v = slice('v_slice', 2 * d);
  const kT = b.node('Transpose', `${L}/k_t`, [b.read(k)], `${L}/k_t:out`, [1, h, N, d], [attr('perm', [0, 1, 3, 2])]);
  b.publishMove(kT, k);
  const kv = b.node('MatMul', `${L}/kv`, [b.read(v), b.read(kT)], `${L}/kv:out`, [1, h, d, d]);
  b.publish(kv);
  const num = b.node('MatMul', `${L}/num`, [b.read(kv), b.read(q)], `${L}/num:out`, [1, h, d, N]);
  b.publish(num);
  const ksum = b.node('ReduceSum', `${L}/ksum`, [b.read(k), b.i64(`${L}/ksum_axes`, [3])], `${L}/ksum:out`, [1, h, d, 1], [attr('keepdims', 1)]);
  b.publish(ksum);
  const ksT = b.node('Transpose', `${L}/ksum_t`, [b.read(ksum)], `${L}/ksum_t:out`, [1, h, 1, d], [attr('perm', [0, 1, 3, 2])]);
  b.publishMove(ksT, ksum);
  const den = b.node('MatMul', `${L}/den`, [b.read(ksT), b.read(q)], `${L}/den:out`, [1, h, 1, N]);
  b.publish(den);
  // eps stays a float constant: 1e-15 is far below any int8 step and only guards a zero denominator
  const de = b.node('Add', `${L}/den_eps`, [b.read(den), b.f32(`${L}/eps`, [], [op.eps])], `${L}/den_eps:out`, [1, h, 1, N]);
  b.publish(de);
  const wtd = b.node('Div', `${L}/weighted`, [b.read(num), b.read(de)], `${L}/weighted:out`, [1, h, d, N]);
  b.publish(wtd);
  b.node('Reshape', `${L}/out_reshape`, [b.read(wtd), b.i64(`${L}/out_shape`, [1, c, H, W])], layer.output, [1, c, H, W]);
  b.publishMove(layer.output, wtd);
}

/** Long on purpose (about 140 lines): one short case per layer kind, each the ONNX nodes that kind becomes. */
function emitLayer(b: OnnxGraphBuilder, layer: Layer, weights: GraphWeights, isGraphOutput: boolean, layout: AttentionLayout, opset: number): void {
  const op: LayerOp = layer.op;
  const L = layer.name;
  const out = layer.output;
  const [c, h, w] = layer.outShape;
  const outDims: Dims = [1, c, h, w];
  const x = b.read(layer.inputs[0]!);
  switch (op.kind) {
    case 'conv': {
      const lw = layerWeights(weights, layer);
      const [, H, W] = layer.inShapes[0]!;
      const [pt, pb] = samePadding(H, op.kernel, op.stride);
      const [pl, pr] = samePadding(W, op.kernel, op.stride);
      const wt = b.weight(L, needLen(lw.weight, op.outCh * (op.inCh / op.groups) * op.kernel * op.kernel, `${L} weight`), [
        op.outCh,
        op.inCh / op.groups,
        op.kernel,
        op.kernel,
      ]);
      const inputs = [x, wt.name];
      if (op.bn || op.bias) inputs.push(b.bias(L, needLen(lw.bias, op.outCh, `${L} bias`), x, wt.scales));
      const attrs = [
        attr('kernel_shape', [op.kernel, op.kernel]),
        attr('strides', [op.stride, op.stride]),
        attr('pads', [pt, pl, pb, pr]),
        attr('dilations', [1, 1]),
        attr('group', op.groups),
      ];
      if (op.act === 'none') {
        b.node('Conv', L, inputs, out, outDims, attrs);
        break;
      }
      const pre = b.node('Conv', `${L}/conv`, inputs, `${L}/conv:out`, outDims, attrs);
      // ReLU/ReLU6 stay unquantized between conv and act: the uint8 Q after them absorbs the clamp
      if (op.act !== 'relu' && op.act !== 'relu6') b.publish(pre);
      emitActivation(b, L, op.act, op.act === 'relu' || op.act === 'relu6' ? pre : b.read(pre), out, outDims, false, opset);
      break;
    }
    case 'affine': {
      const lw = layerWeights(weights, layer);
      const sc = b.constant(`${L}/scale`, [op.ch, 1, 1], needLen(lw.weight, op.ch, `${L} scale`));
      const sh = b.constant(`${L}/shift`, [op.ch, 1, 1], needLen(lw.bias, op.ch, `${L} shift`));
      const m = b.node('Mul', `${L}/mul`, [x, sc], `${L}/mul:out`, outDims);
      b.publish(m);
      b.node('Add', `${L}/add`, [b.read(m), sh], out, outDims);
      break;
    }
    case 'scale': {
      const g = b.constant(`${L}/gamma`, [op.ch, 1, 1], needLen(layerWeights(weights, layer).weight, op.ch, `${L} gamma`));
      b.node('Mul', L, [x, g], out, outDims);
      break;
    }
    case 'add':
      b.node('Add', L, [x, b.read(layer.inputs[1]!)], out, outDims);
      break;
    case 'mul':
      b.node('Mul', L, [x, b.read(layer.inputs[1]!)], out, outDims);
      break;
    case 'act':
      if (op.act === 'none') b.node('Identity', L, [x], out, outDims);
      else emitActivation(b, L, op.act, x, out, outDims, true, opset);
      break;
    case 'global_pool':
      b.node('GlobalAveragePool', L, [x], out, outDims);
      break;
    case 'linear': {
      const lw = layerWeights(weights, layer);
      const flat = b.node('Flatten', `${L}/flatten`, [x], `${L}/flatten:out`, [1, op.inF], [attr('axis', 1)]);
      b.publishMove(flat, layer.inputs[0]!);
      const fx = b.read(flat);
      const wt = b.weight(L, needLen(lw.weight, op.outF * op.inF, `${L} weight`), [op.outF, op.inF]);
      const inputs = [fx, wt.name];
      if (op.bias) inputs.push(b.bias(L, needLen(lw.bias, op.outF, `${L} bias`), fx, wt.scales));
      const gemmAttrs = [attr('transB', 1), attr('alpha', 1, 'float'), attr('beta', 1, 'float')];
      if (isGraphOutput) {
        // the classifier output stays [1, N] (what every ImageNet model returns)
        b.node('Gemm', `${L}/gemm`, inputs, out, [1, op.outF], gemmAttrs);
      } else {
        const g = b.node('Gemm', `${L}/gemm`, inputs, `${L}/gemm:out`, [1, op.outF], gemmAttrs);
        b.publish(g, out); // same values as the layer output, which the calibration table names
        b.node('Reshape', `${L}/reshape`, [b.read(g), b.i64(`${L}/shape`, outDims)], out, outDims);
        return b.publishMove(out, g);
      }
      break;
    }
    case 'attention': {
      const { heads, keyDim: kd, valueDim: vd } = op;
      const [, H, W] = layer.inShapes[0]!;
      const [, hk, wk] = layer.inShapes[1]!;
      const P = H * W;
      const M = hk * wk;
      const k = b.read(layer.inputs[1]!);
      const v = b.read(layer.inputs[2]!);
      const move = (opType: 'Reshape' | 'Transpose', suffix: string, src: string, srcTensor: string, dims: Dims, perm?: number[]): string => {
        const t =
          opType === 'Reshape'
            ? b.node('Reshape', `${L}/${suffix}`, [src, b.i64(`${L}/${suffix}_shape`, dims)], `${L}/${suffix}:out`, dims)
            : b.node('Transpose', `${L}/${suffix}`, [src], `${L}/${suffix}:out`, dims, [attr('perm', perm!)]);
        b.publishMove(t, srcTensor);
        return t;
      };
      // one shared K/V head: [1, d, M] broadcasts over the query heads; one per head: [1, heads, d, M]
      const kvh = op.kvHeads ?? 1;
      const kvDims = (a: number, c: number): Dims => (kvh === 1 ? [1, a, c] : [1, kvh, a, c]);
      const swapLast = kvh === 1 ? [0, 2, 1] : [0, 1, 3, 2];
      const scaleConst = b.constant(`${L}/scale_factor`, [], Float32Array.of(1 / Math.sqrt(kd)));
      let probs: string;
      let ctxDims: Dims;
      let ctx: string;
      if (layout === 'keys-first') {
        const q4 = move('Reshape', 'q_reshape', x, layer.inputs[0]!, [1, heads, kd, P]);
        const k3 = move('Reshape', 'k_reshape', k, layer.inputs[1]!, kvDims(kd, M));
        const kT = move('Transpose', 'k_transpose', b.read(k3), k3, kvDims(M, kd), swapLast);
        const v3 = move('Reshape', 'v_reshape', v, layer.inputs[2]!, kvDims(vd, M));
        const s = b.node('MatMul', `${L}/scores`, [b.read(kT), b.read(q4)], `${L}/scores:out`, [1, heads, M, P]);
        b.publish(s);
        const sc = b.node('Mul', `${L}/scale`, [b.read(s), scaleConst], `${L}/scale:out`, [1, heads, M, P]);
        b.publish(sc);
        probs = b.node('Softmax', `${L}/softmax`, [b.read(sc)], `${L}/softmax:out`, [1, heads, M, P], [attr('axis', 2)]);
        b.publish(probs);
        ctxDims = [1, heads, vd, P];
        ctx = b.node('MatMul', `${L}/context`, [b.read(v3), b.read(probs)], `${L}/context:out`, ctxDims);
        b.publish(ctx);
      } else {
        const q4 = move('Reshape', 'q_reshape', x, layer.inputs[0]!, [1, heads, kd, P]);
        const qT = move('Transpose', 'q_transpose', b.read(q4), q4, [1, heads, P, kd], [0, 1, 3, 2]);
        const k3 = move('Reshape', 'k_reshape', k, layer.inputs[1]!, kvDims(kd, M));
        const v3 = move('Reshape', 'v_reshape', v, layer.inputs[2]!, kvDims(vd, M));
        const vT = move('Transpose', 'v_transpose', b.read(v3), v3, kvDims(M, vd), swapLast);
        const s = b.node('MatMul', `${L}/scores`, [b.read(qT), b.read(k3)], `${L}/scores:out`, [1, heads, P, M]);
        b.publish(s);
        const sc = b.node('Mul', `${L}/scale`, [b.read(s), scaleConst], `${L}/scale:out`, [1, heads, P, M]);
        b.publish(sc);
        probs = b.node('Softmax', `${L}/softmax`, [b.read(sc)], `${L}/softmax:out`, [1, heads, P, M], [attr('axis', 3)]);
        b.publish(probs);
        const c4 = b.node('MatMul', `${L}/context`, [b.read(probs), b.read(vT)], `${L}/context:out`, [1, heads, P, vd]);
        b.publish(c4);
        ctxDims = [1, heads, vd, P];
        ctx = move('Transpose', 'context_transpose', b.read(c4), c4, ctxDims, [0, 1, 3, 2]);
      }
      b.node('Reshape', `${L}/out_reshape`, [b.read(ctx), b.i64(`${L}/out_shape`, outDims)], out, outDims);
      return b.publishMove(out, ctx);
    }
    case 'concat':
      b.node(
        'Concat',
        L,
        layer.inputs.map((t) => b.read(t)),
        out,
        outDims,
        [attr('axis', 1)],
      );
      break;
    case 'linear_attention':
      return emitLinearAttention(b, layer, op, x);
    case 'avg_pool': {
      const [, H, W] = layer.inShapes[0]!;
      const [pt, pb] = samePadding(H, op.kernel, op.kernel);
      const [pl, pr] = samePadding(W, op.kernel, op.kernel);
      b.node('AveragePool', L, [x], out, outDims, [
        attr('kernel_shape', [op.kernel, op.kernel]),
        attr('strides', [op.kernel, op.kernel]),
        attr('pads', [pt, pl, pb, pr]),
        attr('count_include_pad', 0),
      ]);
      break;
    }
    case 'token_pool': {
      const [C, H, W] = layer.inShapes[0]!;
      const r = b.node('Reshape', `${L}/tokens`, [x, b.i64(`${L}/tokens_shape`, [1, C, 1, H * W])], `${L}/tokens:out`, [1, C, 1, H * W]);
      b.publishMove(r, layer.inputs[0]!);
      b.node('AveragePool', `${L}/pool`, [b.read(r)], out, outDims, [attr('kernel_shape', [1, op.kernel]), attr('strides', [1, op.kernel])]);
      break;
    }
    case 'layernorm': {
      // LayerNormalization normalises the last axis: NCHW -> NHWC, normalise, back
      const lw = layerWeights(weights, layer);
      const nhwc: Dims = [1, h, w, c];
      const t = b.node('Transpose', `${L}/to_nhwc`, [x], `${L}/to_nhwc:out`, nhwc, [attr('perm', [0, 2, 3, 1])]);
      b.publishMove(t, layer.inputs[0]!);
      // gamma and beta stay float in int8 files too: no quantized LayerNormalization kernel reads them
      const gamma = b.f32(`${L}/gamma`, [c], needLen(lw.weight, c, `${L} gamma`));
      const beta = b.f32(`${L}/beta`, [c], needLen(lw.bias, c, `${L} beta`));
      const n = b.node('LayerNormalization', `${L}/ln`, [b.read(t), gamma, beta], `${L}/ln:out`, nhwc, [
        attr('axis', -1),
        attr('epsilon', op.eps, 'float'),
      ]);
      b.publish(n, out); // same values as the layer output, which the calibration table names
      b.node('Transpose', `${L}/to_nchw`, [b.read(n)], out, outDims, [attr('perm', [0, 3, 1, 2])]);
      return b.publishMove(out, n);
    }
  }
  b.publish(out);
}

function valueInfo(name: string, dims: Dims, type: number): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: type, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } };
}

/**
 * Exports a layer graph as an ONNX model (wire-format bytes). See the module comment for the format,
 * names, attention layout and int8 scheme. Throws OnnxExportError on graphs it cannot express.
 */
export function exportOnnx(graph: Graph, opts: OnnxExportOptions): Uint8Array {
  if (opts.dtype !== 'fp32' && opts.dtype !== 'int8') throw new OnnxExportError(`ONNX dtype must be fp32 or int8, got ${String(opts.dtype)}`);
  if (graph.layers.length === 0) throw new OnnxExportError(`graph ${graph.id} has no layers`);
  const seed = opts.seed ?? 0;
  const weights = opts.weights ?? initWeights(graph, seed);
  const int8 = opts.dtype === 'int8';
  let calibration = opts.calibration;
  if (int8 && !calibration) {
    const n = opts.calibrationSamples ?? DEFAULT_CALIBRATION_SAMPLES;
    if (!Number.isInteger(n) || n < 1) throw new OnnxExportError(`calibrationSamples must be a positive integer, got ${n}`);
    const inputs = Array.from({ length: n }, (_, i) => seededInput(graph, 1000 + i));
    calibration = calibrationRanges(graph, weights, inputs);
  }
  const layout = opts.attentionLayout ?? 'queries-first';
  const opset = opts.opset ?? ONNX_OPSET;
  if (opset !== ONNX_OPSET && opset !== ONNX_OPSET_GELU)
    throw new OnnxExportError(`opset must be ${ONNX_OPSET} or ${ONNX_OPSET_GELU}, got ${String(opset)}`);
  const weightBits = opts.int8WeightBits ?? 7;
  if (weightBits !== 7 && weightBits !== 8) throw new OnnxExportError(`int8WeightBits must be 7 or 8, got ${String(weightBits)}`);
  const b = new OnnxGraphBuilder(int8, calibration, weightCodeMax(weightBits));
  const [C, H, W] = graph.inputShape;
  b.shapes.set(INPUT_TENSOR, { dims: [1, C, H, W], type: DataType.FLOAT });
  b.publish(INPUT_TENSOR);
  for (const layer of graph.layers) {
    emitLayer(b, layer, weights, layer.output === graph.output, layout, opset);
    // shape check against the graph description at every layer boundary
    const got = b.shapes.get(layer.output)?.dims;
    const isClassifierOut = layer.output === graph.output && layer.op.kind === 'linear';
    const want = isClassifierOut ? [1, layer.outShape[0]] : [1, ...layer.outShape];
    if (!got || got.join() !== want.join()) throw new OnnxExportError(`${layer.name}: ONNX shape [${got}] differs from the described [${want}]`);
  }
  const final = b.read(graph.output);
  const outDims = b.shapes.get(final)!.dims;
  b.rename(final, 'output');

  const inputs = new Set<string>([INPUT_TENSOR, ...b.inits.map((t) => t.name!)]);
  const valueInfos: ValueInfoProto[] = [];
  for (const n of b.nodes) {
    for (const o of n.output) {
      if (o === 'output' || inputs.has(o)) continue;
      const s = b.shapes.get(o);
      if (s) valueInfos.push(valueInfo(o, s.dims, s.type));
    }
  }
  const model: ModelProto = {
    ir_version: opset === ONNX_OPSET_GELU ? ONNX_IR_VERSION_GELU : ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'mnv4-bench',
    producer_version: ONNX_EXPORTER_VERSION,
    model_version: 1,
    doc_string: `${graph.id} (${opts.dtype}); node names <block>/<role>[/<suffix>], block = text before the first '/'`,
    graph: {
      name: graph.id,
      node: b.nodes,
      initializer: b.inits,
      input: [valueInfo(INPUT_TENSOR, [1, C, H, W], DataType.FLOAT)],
      output: [
        valueInfo('output', outDims, DataType.FLOAT),
        ...(opts.exposeIntermediates ? valueInfos.filter((v) => v.type?.tensor_type?.elem_type === DataType.FLOAT) : []),
      ],
      value_info: opts.exposeIntermediates ? valueInfos.filter((v) => v.type?.tensor_type?.elem_type !== DataType.FLOAT) : valueInfos,
    },
    metadata_props: [
      { key: 'mnv4_bench.workload', value: graph.id },
      { key: 'mnv4_bench.dtype', value: opts.dtype },
      { key: 'mnv4_bench.weight_seed', value: opts.weights ? 'caller-supplied' : String(seed) },
      { key: 'mnv4_bench.attention_layout', value: layout },
      {
        key: 'mnv4_bench.naming',
        value: 'node <layer> or <layer>/<suffix>; layer = <block>/<role>; tensor <node>:out; block = text before the first /',
      },
      ...(int8
        ? [
            {
              key: 'mnv4_bench.quantization',
              value: 'QDQ static: weights per-channel symmetric int8, biases int32, activations per-tensor asymmetric uint8, min/max calibration',
            },
          ]
        : []),
    ],
  };
  return encodeModel(model);
}

/**
 * The smallest useful ONNX model: y = x + 1 on a float [1] tensor (opset 17). Creating a session of it starts
 * a runtime (loads and instantiates the WASM module, creates the execution provider, thread pools) without a
 * real model's graph work, so runners time the runtime start apart from the model's session creation.
 */
export function runtimeProbeModel(): Uint8Array {
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'mnv4-bench',
    producer_version: ONNX_EXPORTER_VERSION,
    model_version: 1,
    doc_string: 'runtime start probe: y = x + 1',
    graph: {
      name: 'runtime-probe',
      node: [{ op_type: 'Add', name: 'add', input: ['x', 'one'], output: ['y'], attribute: [] }],
      initializer: [{ name: 'one', dims: [1], data_type: DataType.FLOAT, raw_data: new Uint8Array(Float32Array.of(1).buffer) }],
      input: [valueInfo('x', [1], DataType.FLOAT)],
      output: [valueInfo('y', [1], DataType.FLOAT)],
      value_info: [],
    },
    metadata_props: [],
  });
}
