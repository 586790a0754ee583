/**
 * The fp16 form of a model, as TFLite's converter writes it for float16 post-training quantization: every
 * float constant is stored as FLOAT16 and a DEQUANTIZE op turns it into the float32 tensor the consumer
 * reads. Activations stay float32; GPU delegates run the model in fp16, CPU (XNNPACK) folds the
 * DEQUANTIZE ops at load time. Each DEQUANTIZE is placed just before the first op that reads it.
 */
import type { IrModel, IrOp, IrTensor } from './ir.js';
import { BuiltinOp } from './schema.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 -> binary16 bits, round to nearest even (overflow -> inf, NaN kept). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // subnormal: shift the implicit leading 1 in and round to nearest even
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  const rest = mant & 0x1fff;
  let h = (e << 10) | (mant >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // may carry into the exponent: still right
  e = h >>> 10;
  if (e >= 0x1f) return sign | 0x7c00;
  return sign | h;
}

/** binary16 bits -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Rewrites a float32 IR model into its fp16-weights form (a new model; the input is not changed). */
export function toFp16Weights(model: IrModel): IrModel {
  const tensors: IrTensor[] = model.tensors.map((t) => ({ ...t }));
  const dequant = new Map<number, IrOp>();
  tensors.forEach((t, id) => {
    if (!(t.data instanceof Float32Array) || t.dtype !== 'float32') return;
    const half = new Uint16Array(t.data.length);
    for (let i = 0; i < half.length; i++) half[i] = floatToHalf(t.data[i]!);
    tensors.push({ name: `${t.name}_fp16`, shape: [...t.shape], dtype: 'float16', data: half, role: t.role });
    const src = tensors.length - 1;
    // the float32 tensor becomes the output of the DEQUANTIZE op
    tensors[id] = { name: t.name, shape: [...t.shape], dtype: 'float32' };
    dequant.set(id, { code: BuiltinOp.DEQUANTIZE, inputs: [src], outputs: [id], options: { kind: 'dequantize' }, layer: '' });
  });
  const ops: IrOp[] = [];
  for (const op of model.ops) {
    for (const i of op.inputs) {
      const d = dequant.get(i);
      if (d) {
        ops.push({ ...d, layer: op.layer });
        dequant.delete(i);
      }
    }
    ops.push(op);
  }
  return { ...model, tensors, ops };
}
