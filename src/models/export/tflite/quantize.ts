/**
 * Full-integer int8 quantization of a float IR model, following TFLite's 8-bit quantization spec
 * (the form the converter writes with `optimizations=[DEFAULT]`, a representative dataset and int8
 * inference input/output types, which CPU/XNNPACK, NNAPI and the EdgeTPU compiler take):
 *
 * - activations: int8, per-tensor asymmetric, range = calibrated [min, max] widened to include 0
 *   (so 0 is exact), scale = (max - min) / 255, zero point in [-128, 127];
 * - conv weights: int8 symmetric per-channel ([-127, 127], zero point 0), quantized_dimension 0 for
 *   CONV_2D [O,H,W,I] and 3 for DEPTHWISE_CONV_2D [1,H,W,C];
 * - FULLY_CONNECTED weights: int8 symmetric per-tensor (the spec's per-tensor FC form, which every
 *   delegate accepts);
 * - biases: int32, scale = input scale * weight scale (per channel), zero point 0;
 * - ADD / MUL constant operands: int8 per-tensor asymmetric from their own range;
 * - RESHAPE / TRANSPOSE / SPLIT outputs carry their input's parameters (they only move bytes);
 * - CONCATENATION inputs on other parameters than the output are requantized first (QUANTIZE int8 -> int8);
 * - DIV (no int8 kernel) runs in float between DEQUANTIZE and QUANTIZE; its constant operands stay float;
 * - SOFTMAX and LOGISTIC outputs: scale 1/256, zero point -128 (required by TFLite's int8 kernels);
 * - shape / axes / permutation tensors stay int32 without quantization (they are indices, not values).
 * Every int8 tensor and every int32 bias carries quantization parameters.
 */
import type { IrModel, IrOp, IrQuant, IrTensor } from './ir.js';
import { SHAPE_ONLY_OPS } from './ir.js';
import { BuiltinOp } from './schema.js';

export interface Range {
  min: number;
  max: number;
}

/** Smallest representable span, so a constant-zero tensor still gets a positive scale. */
const MIN_SPAN = 1e-6;

/** Per-tensor asymmetric int8 parameters for a real range (widened to contain 0). */
export function activationQuant(r: Range): IrQuant {
  const lo = Math.min(0, r.min);
  let hi = Math.max(0, r.max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`calibration range [${r.min}, ${r.max}] is not finite`);
  if (hi - lo < MIN_SPAN) hi = lo + MIN_SPAN;
  // scales are stored as float32: compute everything from the stored value
  const scale = Math.fround((hi - lo) / 255);
  const zp = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale: [scale], zeroPoint: [zp], dim: 0, min: lo, max: hi };
}

function clampRound(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.round(v)));
}

/** Symmetric int8 of `w` along `dim` of `shape` (per-tensor when `perChannel` is false). */
export function quantizeSymmetric(w: Float32Array, shape: number[], dim: number, perChannel: boolean): { q: Int8Array; quant: IrQuant } {
  // element index = (outer * channels + channel) * inner + i
  const channels = perChannel ? shape[dim]! : 1;
  let inner = 1;
  for (let i = perChannel ? dim + 1 : 0; i < shape.length; i++) inner *= shape[i]!;
  const outer = w.length / (channels * inner);
  const maxAbs = new Float64Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      let m = maxAbs[c]!;
      for (let i = 0; i < inner; i++) m = Math.max(m, Math.abs(w[base + i]!));
      maxAbs[c] = m;
    }
  }
  const scale = Array.from(maxAbs, (m) => Math.fround(m > 0 ? m / 127 : 1e-8));
  const q = new Int8Array(w.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      const inv = 1 / scale[c]!;
      for (let i = 0; i < inner; i++) q[base + i] = Math.max(-127, Math.min(127, Math.round(w[base + i]! * inv)));
    }
  }
  return { q, quant: { scale, zeroPoint: new Array<number>(channels).fill(0), dim: perChannel ? dim : 0 } };
}

function rangeOf(a: Float32Array): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function quantizeAsymmetric(a: Float32Array, quant: IrQuant): Int8Array {
  const s = quant.scale[0]!;
  const z = quant.zeroPoint[0]!;
  return Int8Array.from(a, (v) => clampRound(v / s + z, -128, 127));
}

/**
 * TFLite's int8 CONCATENATION needs every input on the output's scale and zero point: an input on other
 * parameters is first requantized (QUANTIZE int8 -> int8, the converter's form) into `<input>/requant`.
 */
function requantizeConcatInputs(src: readonly IrOp[], tensors: IrTensor[]): IrOp[] {
  const ops: IrOp[] = [];
  for (const op of src) {
    if (op.code !== BuiltinOp.CONCATENATION) {
      ops.push({ ...op });
      continue;
    }
    const oq = tensors[op.outputs[0]!]!.quant!;
    const inputs = op.inputs.map((id) => {
      const t = tensors[id]!;
      const q = t.quant!;
      if (q.scale[0] === oq.scale[0] && q.zeroPoint[0] === oq.zeroPoint[0]) return id;
      const rid = tensors.push({ name: `${t.name}/requant`, shape: [...t.shape], dtype: 'int8', quant: { ...oq } }) - 1;
      ops.push({ code: BuiltinOp.QUANTIZE, inputs: [id], outputs: [rid], options: { kind: 'quantize' }, layer: op.layer });
      return rid;
    });
    ops.push({ ...op, inputs });
  }
  return ops;
}

/** Ops without an int8 kernel in TFLite: they run in float between DEQUANTIZE and QUANTIZE. */
const FLOAT_ONLY_OPS: ReadonlySet<number> = new Set([BuiltinOp.DIV]);

/**
 * Wraps every FLOAT_ONLY op: each int8 input goes through a DEQUANTIZE into `<input>/dequant`, the op writes
 * float `<output>/float`, and a QUANTIZE writes the int8 output that the next ops read (the converter's
 * float fallback for such ops).
 */
function floatIslands(src: readonly IrOp[], tensors: IrTensor[]): IrOp[] {
  const ops: IrOp[] = [];
  for (const op of src) {
    if (!FLOAT_ONLY_OPS.has(op.code)) {
      ops.push(op);
      continue;
    }
    const inputs = op.inputs.map((id) => {
      const t = tensors[id]!;
      if (t.dtype !== 'int8') return id;
      if (t.data) throw new Error(`int8 export: ${op.layer} has a quantized constant input to a float op`);
      const fid = tensors.push({ name: `${t.name}/dequant`, shape: [...t.shape], dtype: 'float32' }) - 1;
      ops.push({ code: BuiltinOp.DEQUANTIZE, inputs: [id], outputs: [fid], options: { kind: 'dequantize' }, layer: op.layer });
      return fid;
    });
    const out = tensors[op.outputs[0]!]!;
    const fout = tensors.push({ name: `${out.name}/float`, shape: [...out.shape], dtype: 'float32' }) - 1;
    ops.push({ ...op, inputs, outputs: [fout] });
    ops.push({ code: BuiltinOp.QUANTIZE, inputs: [fout], outputs: [op.outputs[0]!], options: { kind: 'quantize' }, layer: op.layer });
  }
  return ops;
}

export interface QuantizeOptions {
  /** 'int8' (default): the model's input and output tensors are int8; 'float32': float32 I/O with a
   * QUANTIZE op after the input and a DEQUANTIZE op before the output (the converter's default I/O). */
  io?: 'int8' | 'float32';
}

/**
 * Quantizes a float32 IR model. `ranges` maps every non-constant tensor id to its calibrated range
 * (calibrate.ts irRanges).
 */
export function quantizeModel(model: IrModel, ranges: Map<number, Range>, opts: QuantizeOptions = {}): IrModel {
  const io = opts.io ?? 'int8';
  const tensors: IrTensor[] = model.tensors.map((t) => ({ ...t }));
  const src = model.tensors;

  // 1. activations
  src.forEach((t, id) => {
    if (t.data) return;
    const r = ranges.get(id);
    if (!r) throw new Error(`int8 export: tensor ${t.name} was not reached during calibration`);
    tensors[id] = { name: t.name, shape: [...t.shape], dtype: 'int8', quant: activationQuant(r) };
  });
  // 2. parameters fixed by the op (in op order, so chains of reshapes propagate)
  for (const op of model.ops) {
    const out = tensors[op.outputs[0]!]!;
    if (op.code === BuiltinOp.SOFTMAX || op.code === BuiltinOp.LOGISTIC)
      out.quant = { scale: [1 / 256], zeroPoint: [-128], dim: 0, min: 0, max: 255 / 256 };
    // AVERAGE_POOL_2D: TFLite's int8 kernel does not rescale, so the output keeps the input's parameters
    else if (SHAPE_ONLY_OPS.has(op.code) || op.code === BuiltinOp.AVERAGE_POOL_2D) out.quant = { ...tensors[op.inputs[0]!]!.quant! };
    // SPLIT (axis, data): every output carries the data's parameters
    else if (op.code === BuiltinOp.SPLIT) for (const o of op.outputs) tensors[o]!.quant = { ...tensors[op.inputs[1]!]!.quant! };
  }
  // 3. constants
  const weightScale = new Map<number, number[]>();
  const quantizeConstant = (id: number, op: IrOp): void => {
    const t = src[id]!;
    if (!(t.data instanceof Float32Array) || tensors[id]!.dtype !== 'float32') return;
    if (t.role === 'weight') {
      const perChannel = op.code !== BuiltinOp.FULLY_CONNECTED;
      const dim = op.code === BuiltinOp.DEPTHWISE_CONV_2D ? 3 : 0;
      const { q, quant } = quantizeSymmetric(t.data, t.shape, dim, perChannel);
      tensors[id] = { name: t.name, shape: [...t.shape], dtype: 'int8', data: q, role: t.role, quant };
      weightScale.set(id, quant.scale);
    } else if (t.role === 'operand') {
      const quant = activationQuant(rangeOf(t.data));
      tensors[id] = { name: t.name, shape: [...t.shape], dtype: 'int8', data: quantizeAsymmetric(t.data, quant), role: t.role, quant };
    }
  };
  for (const op of model.ops) for (const i of op.inputs) quantizeConstant(i, op);
  for (const op of model.ops) {
    if (op.code !== BuiltinOp.CONV_2D && op.code !== BuiltinOp.DEPTHWISE_CONV_2D && op.code !== BuiltinOp.FULLY_CONNECTED) continue;
    const biasId = op.inputs[2];
    if (biasId === undefined) continue;
    const t = src[biasId]!;
    if (!(t.data instanceof Float32Array)) continue;
    const sIn = tensors[op.inputs[0]!]!.quant!.scale[0]!;
    const sW = weightScale.get(op.inputs[1]!);
    if (!sW) throw new Error(`int8 export: weights of ${op.layer} were not quantized`);
    // TFLite checks |in_scale * w_scale - bias_scale| <= 1e-6 relative: use the float32 product
    const scale = sW.map((s) => Math.fround(sIn * s));
    const q = Int32Array.from(t.data, (v, i) => clampRound(v / scale[scale.length === 1 ? 0 : i]!, -2147483647, 2147483647));
    tensors[biasId] = {
      name: t.name,
      shape: [...t.shape],
      dtype: 'int32',
      data: q,
      role: 'bias',
      quant: { scale, zeroPoint: new Array<number>(scale.length).fill(0), dim: 0 },
    };
  }

  const ops = floatIslands(requantizeConcatInputs(model.ops, tensors), tensors);
  let inputs = [...model.inputs];
  let outputs = [...model.outputs];
  if (io === 'float32') {
    // float input -> QUANTIZE -> the int8 tensor the first ops read; int8 result -> DEQUANTIZE -> float output
    inputs = model.inputs.map((id) => {
      const q = tensors[id]!;
      const fid = tensors.push({ name: q.name, shape: [...q.shape], dtype: 'float32' }) - 1;
      ops.unshift({ code: BuiltinOp.QUANTIZE, inputs: [fid], outputs: [id], options: { kind: 'quantize' }, layer: q.name });
      q.name = `${q.name}/quantized`;
      return fid;
    });
    outputs = model.outputs.map((id) => {
      const q = tensors[id]!;
      const fid = tensors.push({ name: `${q.name}/dequantize`, shape: [...q.shape], dtype: 'float32' }) - 1;
      ops.push({
        code: BuiltinOp.DEQUANTIZE,
        inputs: [id],
        outputs: [fid],
        options: { kind: 'dequantize' },
        layer: ops[ops.length - 1]?.layer ?? q.name,
      });
      return fid;
    });
  }
  return { ...model, tensors, ops, inputs, outputs };
}
