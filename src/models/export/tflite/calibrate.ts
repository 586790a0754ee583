/**
 * Calibration ranges for the int8 export, taken from the reference executor (src/models/reference.ts,
 * `calibrationRanges`): the same table the int8 ONNX export uses, so both files quantize the same tensors
 * with the same ranges.
 *
 * The reference names a layer's output `<layer>:out` and the float tensors inside a layer
 * `<layer>/<part>:out`; the TFLite tensors map onto them as follows (layout does not change a range):
 *   input -> input;  <layer> -> <layer>:out;  <layer>/fc -> <layer>:out (linear before its reshape);
 *   <layer>/conv -> <layer>/conv:out;  <layer>/mul -> <layer>/mul:out (affine);
 *   <layer>/scores -> <layer>/scores:out;  <layer>/scaled -> <layer>/scale:out;
 *   <layer>/probs -> <layer>/softmax:out;  <layer>/context -> <layer>/context:out;
 *   LayerNorm: <layer>/{mean,centered,square,var,var_eps,rsqrt,normalized,gamma_mul} -> the same + `:out`;
 *   linear attention: <layer>/{q_relu,k_relu,kv,num,ksum,den,den_eps,inv,weighted} -> the same,
 *   <layer>/rsqrt_den -> <layer>/rsqrt:out;  grouped conv: <layer>/g<i> -> <layer>:out,
 *   <layer>/conv_g<i> -> <layer>/conv:out (one group's slice of the conv output).
 * SPLIT outputs keep the data's range; a CONCATENATION without its own range spans its inputs'.
 * The remaining tensors follow from their producer by interval arithmetic: RESHAPE / TRANSPOSE keep the
 * range, ADD / MUL with a constant shift / scale it, RELU / RELU6 clamp it (the h-sigmoid chain).
 */
import type { CalibrationTable, TensorRange } from '../../reference.js';
import type { IrModel } from './ir.js';
import { BuiltinOp } from './schema.js';

const SUFFIX_MAP: Record<string, string> = {
  conv: 'conv',
  mul: 'mul',
  scores: 'scores',
  scaled: 'scale',
  probs: 'softmax',
  context: 'context',
  // LayerNorm internals (reference.ts taps each under the same name)
  mean: 'mean',
  centered: 'centered',
  square: 'square',
  var: 'var',
  var_eps: 'var_eps',
  rsqrt: 'rsqrt',
  normalized: 'normalized',
  gamma_mul: 'gamma_mul',
  // linear attention internals (reference.ts linearAttention taps)
  q_relu: 'q_relu',
  k_relu: 'k_relu',
  kv: 'kv',
  num: 'num',
  ksum: 'ksum',
  den: 'den',
  den_eps: 'den_eps',
  rsqrt_den: 'rsqrt',
  inv: 'inv',
  weighted: 'weighted',
};

/** The reference tensor name whose range a TFLite tensor has, or undefined when it must be derived. */
export function referenceNameOf(tfliteName: string, layers: ReadonlySet<string>): string | undefined {
  if (tfliteName === 'input') return 'input';
  if (layers.has(tfliteName)) return `${tfliteName}:out`;
  const slash = tfliteName.lastIndexOf('/');
  if (slash < 0) return undefined;
  const layer = tfliteName.slice(0, slash);
  const part = tfliteName.slice(slash + 1);
  if (!layers.has(layer)) return undefined;
  if (part === 'fc') return `${layer}:out`;
  // one group's slice of a grouped conv (lower.ts): the range of the whole conv output
  if (/^g\d+$/.test(part)) return `${layer}:out`;
  if (/^conv_g\d+$/.test(part)) return `${layer}/conv:out`;
  const ref = SUFFIX_MAP[part];
  return ref ? `${layer}/${ref}:out` : undefined;
}

function constRange(d: ArrayLike<number>): TensorRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Ranges of every activation tensor (by tensor id) of a float IR model, from a reference calibration table.
 * Throws when a tensor has neither a reference range nor a rule.
 */
export function irRanges(model: IrModel, table: CalibrationTable, layers: ReadonlySet<string>): Map<number, TensorRange> {
  const ranges = new Map<number, TensorRange>();
  const rangeOf = (id: number): TensorRange | undefined => {
    const t = model.tensors[id]!;
    if (t.data) return constRange(t.data as ArrayLike<number>);
    return ranges.get(id);
  };
  const direct = (id: number): void => {
    const ref = referenceNameOf(model.tensors[id]!.name, layers);
    const r = ref ? table.get(ref) : undefined;
    if (r) ranges.set(id, { min: r.min, max: r.max });
  };
  for (const id of model.inputs) direct(id);
  for (const op of model.ops) {
    const out = op.outputs[0]!;
    direct(out);
    if (ranges.has(out)) continue;
    if (op.code === BuiltinOp.SPLIT) {
      // (axis, data): every output lies in the data's range
      const r = rangeOf(op.inputs[1]!);
      if (!r) throw new Error(`int8 export: no calibration range for the input of ${op.layer}'s SPLIT`);
      for (const o of op.outputs) ranges.set(o, { ...r });
      continue;
    }
    const a = rangeOf(op.inputs[0]!);
    const b = op.inputs[1] !== undefined ? rangeOf(op.inputs[1]) : undefined;
    let r: TensorRange | undefined;
    switch (op.code) {
      case BuiltinOp.RESHAPE:
      case BuiltinOp.TRANSPOSE:
        r = a;
        break;
      case BuiltinOp.ADD:
        if (a && b) r = { min: a.min + b.min, max: a.max + b.max };
        break;
      case BuiltinOp.MUL:
        if (a && b) {
          const p = [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max];
          r = { min: Math.min(...p), max: Math.max(...p) };
        }
        break;
      case BuiltinOp.RELU:
        if (a) r = { min: Math.max(0, a.min), max: Math.max(0, a.max) };
        break;
      case BuiltinOp.CONCATENATION: {
        const rs = op.inputs.map(rangeOf);
        if (rs.every((x) => x)) r = { min: Math.min(...rs.map((x) => x!.min)), max: Math.max(...rs.map((x) => x!.max)) };
        break;
      }
      case BuiltinOp.RELU6:
        if (a) r = { min: Math.min(6, Math.max(0, a.min)), max: Math.min(6, Math.max(0, a.max)) };
        break;
      default:
        break;
    }
    if (!r) {
      const ref = referenceNameOf(model.tensors[out]!.name, layers);
      throw new Error(
        `int8 export: no calibration range for tensor ${model.tensors[out]!.name}${ref ? ` (reference tensor ${ref} missing from the calibration table)` : ''}`,
      );
    }
    ranges.set(out, { ...r });
  }
  return ranges;
}
