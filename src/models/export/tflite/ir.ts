/**
 * The exporter's in-memory form of a TFLite subgraph, before it is serialized (writer.ts).
 *
 * Lowering (lower.ts) produces a float32 model; the fp16 pass (fp16.ts) and the int8 pass (quantize.ts)
 * rewrite it. Tensors are NHWC; constants hold their values in the element type of the tensor.
 */
import { BuiltinOp, type BuiltinOpCode, type FusedActivationCode } from './schema.js';

export type IrDtype = 'float32' | 'float16' | 'int8' | 'int32';

/** Affine quantization: real = scale * (q - zeroPoint); per-axis when `scale` has more than one entry. */
export interface IrQuant {
  scale: number[];
  zeroPoint: number[];
  /** the axis that per-axis scales run along (0 for per-tensor). */
  dim: number;
  /** calibrated real range (written to QuantizationParameters.min/max for activations). */
  min?: number;
  max?: number;
}

/** What a constant is for; decides how the int8 pass quantizes it. */
export type ConstRole =
  /** conv/depthwise/linear weights: symmetric int8 (per-channel for convs). */
  | 'weight'
  /** conv/linear bias: int32 with scale in_scale * w_scale. */
  | 'bias'
  /** a float operand of ADD/MUL (affine, layer scale, hard-sigmoid constants): per-tensor asymmetric int8. */
  | 'operand'
  /** an int32 shape / axes / permutation: never quantized. */
  | 'index';

export interface IrTensor {
  name: string;
  shape: number[];
  dtype: IrDtype;
  /** constant data in the element type: Float32Array (float32), Uint16Array (float16 bits), Int8Array, Int32Array. */
  data?: Float32Array | Int32Array | Int8Array | Uint16Array;
  role?: ConstRole;
  quant?: IrQuant;
}

export type IrOptions =
  | { kind: 'conv2d'; stride: number; act: FusedActivationCode }
  | { kind: 'depthwise'; stride: number; act: FusedActivationCode; multiplier?: number }
  | { kind: 'fully_connected'; act: FusedActivationCode }
  | { kind: 'add'; act: FusedActivationCode }
  | { kind: 'sub'; act: FusedActivationCode }
  | { kind: 'div'; act: FusedActivationCode }
  | { kind: 'pool'; padding: 'same' | 'valid'; filterH: number; filterW: number; strideH: number; strideW: number }
  | { kind: 'concat'; axis: number }
  | { kind: 'split'; numSplits: number }
  | { kind: 'mul'; act: FusedActivationCode }
  | { kind: 'softmax'; beta: number }
  | { kind: 'reshape'; newShape: number[] }
  | { kind: 'transpose' }
  | { kind: 'mean'; keepDims: boolean }
  | { kind: 'batch_matmul'; adjX: boolean; adjY: boolean }
  | { kind: 'gelu'; approximate: boolean }
  | { kind: 'hard_swish' }
  | { kind: 'dequantize' }
  | { kind: 'quantize' }
  | { kind: 'none' };

export interface IrOp {
  code: BuiltinOpCode;
  inputs: number[];
  outputs: number[];
  options: IrOptions;
  /** the graph layer this op implements (for ordering and diagnostics). */
  layer: string;
}

export interface IrModel {
  tensors: IrTensor[];
  ops: IrOp[];
  inputs: number[];
  outputs: number[];
  /** Model.description */
  description: string;
  /** Model.metadata entries (name -> bytes). */
  metadata: { name: string; data: Uint8Array }[];
  /** SignatureDef names of the inputs and outputs (same order as `inputs` / `outputs`). */
  signature: { key: string; inputs: string[]; outputs: string[] };
}

/** Appends tensors and ops, checking names are unique. */
export class IrBuilder {
  readonly tensors: IrTensor[] = [];
  readonly ops: IrOp[] = [];
  private readonly names = new Map<string, number>();

  tensor(t: IrTensor): number {
    if (this.names.has(t.name)) throw new Error(`TFLite export: duplicate tensor name ${t.name}`);
    if (t.data && t.data.length !== numel(t.shape)) {
      throw new Error(`TFLite export: constant ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    this.tensors.push(t);
    const id = this.tensors.length - 1;
    this.names.set(t.name, id);
    return id;
  }

  activation(name: string, shape: number[]): number {
    return this.tensor({ name, shape, dtype: 'float32' });
  }

  constF32(name: string, shape: number[], data: Float32Array, role: Exclude<ConstRole, 'index'>): number {
    return this.tensor({ name, shape, dtype: 'float32', data, role });
  }

  constI32(name: string, values: number[]): number {
    return this.tensor({ name, shape: [values.length], dtype: 'int32', data: Int32Array.from(values), role: 'index' });
  }

  op(code: BuiltinOpCode, inputs: number[], outputs: number[], options: IrOptions, layer: string): void {
    this.ops.push({ code, inputs, outputs, options, layer });
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Op codes whose output must carry the input's quantization (they only move bytes). */
export const SHAPE_ONLY_OPS: ReadonlySet<number> = new Set([BuiltinOp.RESHAPE, BuiltinOp.TRANSPOSE]);
