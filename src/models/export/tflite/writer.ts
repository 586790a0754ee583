/**
 * Serializes an IR model to a .tflite flatbuffer with the `flatbuffers` Builder, table by table as TFLite's
 * schema.fbs lays them out (field slots in schema.ts):
 * - file identifier "TFL3", Model.version 3, one subgraph, a SignatureDef "serving_default";
 * - buffer 0 is the empty sentinel; every constant tensor has its own buffer, whose data starts 16-byte
 *   aligned in the file (the schema's force_align: 16 on Buffer.data);
 * - the builder writes default-valued scalars too (forceDefaults), so every option a kernel reads is
 *   present in the file rather than implied;
 * - OperatorCode carries both deprecated_builtin_code (a byte; 127 for codes above it) and builtin_code,
 *   with the op version the converter would give the op's tensor types (versioning/op_version.cc).
 */
import * as flatbuffers from 'flatbuffers';
import type { IrModel, IrOp, IrTensor } from './ir.js';
import {
  BuiltinOp,
  BuiltinOptionsType,
  FusedActivation,
  Padding,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  Slot,
  TensorType,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from './schema.js';

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function typeCode(t: IrTensor): number {
  switch (t.dtype) {
    case 'float32':
      return TensorType.FLOAT32;
    case 'float16':
      return TensorType.FLOAT16;
    case 'int8':
      return TensorType.INT8;
    case 'int32':
      return TensorType.INT32;
  }
}

/** Little-endian bytes of a constant. */
function dataBytes(d: NonNullable<IrTensor['data']>): Uint8Array {
  const raw = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (LITTLE_ENDIAN || d.BYTES_PER_ELEMENT === 1) return raw;
  const out = new Uint8Array(raw.length);
  const n = d.BYTES_PER_ELEMENT;
  for (let i = 0; i < raw.length; i += n) for (let j = 0; j < n; j++) out[i + j] = raw[i + n - 1 - j]!;
  return out;
}

/** The op version TFLite's converter assigns for the op's tensor types (subset of op_version.cc). */
export function opVersion(op: IrOp, tensors: IrTensor[]): number {
  const in0 = tensors[op.inputs[0]!]!;
  const int8 = in0.dtype === 'int8';
  switch (op.code) {
    case BuiltinOp.CONV_2D:
    case BuiltinOp.DEPTHWISE_CONV_2D:
      return int8 ? 3 : 1;
    case BuiltinOp.FULLY_CONNECTED:
      return int8 ? 4 : 1;
    case BuiltinOp.MUL: {
      if (!int8) return 1;
      const s1 = in0.quant?.scale[0] ?? 0;
      const s2 = tensors[op.inputs[1]!]!.quant?.scale[0] ?? 0;
      const so = tensors[op.outputs[0]!]!.quant?.scale[0] ?? 0;
      return s1 && s2 && so && (s1 * s2) / so >= 1 ? 3 : 2;
    }
    case BuiltinOp.SPLIT:
      // the axis tensor comes first; the data tensor decides the version
      return tensors[op.inputs[1]!]!.dtype === 'int8' ? 2 : 1;
    case BuiltinOp.QUANTIZE:
      // int8 -> int8 requantization (before a CONCATENATION) is version 2
      return int8 ? 2 : 1;
    case BuiltinOp.CONCATENATION:
    case BuiltinOp.AVERAGE_POOL_2D:
    case BuiltinOp.SUM:
    case BuiltinOp.ADD:
    case BuiltinOp.SUB:
    case BuiltinOp.RSQRT:
    case BuiltinOp.TRANSPOSE:
    case BuiltinOp.BATCH_MATMUL:
    case BuiltinOp.SOFTMAX:
    case BuiltinOp.MEAN:
    case BuiltinOp.RELU:
    case BuiltinOp.RELU6:
    case BuiltinOp.GELU:
    case BuiltinOp.LOGISTIC:
      return int8 ? 2 : 1;
    case BuiltinOp.DEQUANTIZE:
      return in0.dtype === 'float16' ? 3 : int8 ? 2 : 1;
    default:
      return 1;
  }
}

function intVector(b: flatbuffers.Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function floatVector(b: flatbuffers.Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

function longVector(b: flatbuffers.Builder, values: readonly number[]): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]!));
  return b.endVector();
}

function offsetVector(b: flatbuffers.Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

/** Buffer.data: a ubyte vector whose first byte is 16-byte aligned in the finished file. */
function alignedBytes(b: flatbuffers.Builder, bytes: Uint8Array): number {
  // prep(16, n): after the n data bytes are written (back to front) the position is 16-aligned, i.e. the
  // data starts on a 16-byte boundary once finish() pads the file to its largest alignment.
  b.prep(16, bytes.length);
  return b.createByteVector(bytes);
}

/** Builds the options table of an op; returns [union type, offset]. Long on purpose: one case per TFLite builtin's options table. */
function buildOptions(b: flatbuffers.Builder, op: IrOp): [number, number] {
  const o = op.options;
  const S = Slot;
  switch (o.kind) {
    case 'conv2d': {
      b.startObject(7);
      b.addFieldInt8(S.Conv2DOptions.padding, Padding.SAME, 0);
      b.addFieldInt32(S.Conv2DOptions.stride_w, o.stride, 0);
      b.addFieldInt32(S.Conv2DOptions.stride_h, o.stride, 0);
      b.addFieldInt8(S.Conv2DOptions.fused_activation_function, o.act, 0);
      b.addFieldInt32(S.Conv2DOptions.dilation_w_factor, 1, 1);
      b.addFieldInt32(S.Conv2DOptions.dilation_h_factor, 1, 1);
      return [BuiltinOptionsType.Conv2DOptions, b.endObject()];
    }
    case 'depthwise': {
      b.startObject(7);
      b.addFieldInt8(S.DepthwiseConv2DOptions.padding, Padding.SAME, 0);
      b.addFieldInt32(S.DepthwiseConv2DOptions.stride_w, o.stride, 0);
      b.addFieldInt32(S.DepthwiseConv2DOptions.stride_h, o.stride, 0);
      b.addFieldInt32(S.DepthwiseConv2DOptions.depth_multiplier, o.multiplier ?? 1, 0);
      b.addFieldInt8(S.DepthwiseConv2DOptions.fused_activation_function, o.act, 0);
      b.addFieldInt32(S.DepthwiseConv2DOptions.dilation_w_factor, 1, 1);
      b.addFieldInt32(S.DepthwiseConv2DOptions.dilation_h_factor, 1, 1);
      return [BuiltinOptionsType.DepthwiseConv2DOptions, b.endObject()];
    }
    case 'fully_connected': {
      b.startObject(4);
      b.addFieldInt8(S.FullyConnectedOptions.fused_activation_function, o.act, 0);
      b.addFieldInt8(S.FullyConnectedOptions.weights_format, 0, 0);
      b.addFieldInt8(S.FullyConnectedOptions.keep_num_dims, 0, 0);
      b.addFieldInt8(S.FullyConnectedOptions.asymmetric_quantize_inputs, 0, 0);
      return [BuiltinOptionsType.FullyConnectedOptions, b.endObject()];
    }
    case 'add': {
      b.startObject(2);
      b.addFieldInt8(S.AddOptions.fused_activation_function, o.act, 0);
      b.addFieldInt8(S.AddOptions.pot_scale_int16, 1, 1);
      return [BuiltinOptionsType.AddOptions, b.endObject()];
    }
    case 'concat': {
      b.startObject(2);
      b.addFieldInt32(S.ConcatenationOptions.axis, o.axis, 0);
      b.addFieldInt8(S.ConcatenationOptions.fused_activation_function, FusedActivation.NONE, 0);
      return [BuiltinOptionsType.ConcatenationOptions, b.endObject()];
    }
    case 'pool': {
      b.startObject(6);
      b.addFieldInt8(S.Pool2DOptions.padding, o.padding === 'same' ? Padding.SAME : Padding.VALID, 0);
      b.addFieldInt32(S.Pool2DOptions.stride_w, o.strideW, 0);
      b.addFieldInt32(S.Pool2DOptions.stride_h, o.strideH, 0);
      b.addFieldInt32(S.Pool2DOptions.filter_width, o.filterW, 0);
      b.addFieldInt32(S.Pool2DOptions.filter_height, o.filterH, 0);
      b.addFieldInt8(S.Pool2DOptions.fused_activation_function, FusedActivation.NONE, 0);
      return [BuiltinOptionsType.Pool2DOptions, b.endObject()];
    }
    case 'div': {
      b.startObject(1);
      b.addFieldInt8(S.DivOptions.fused_activation_function, o.act, 0);
      return [BuiltinOptionsType.DivOptions, b.endObject()];
    }
    case 'split': {
      b.startObject(1);
      b.addFieldInt32(S.SplitOptions.num_splits, o.numSplits, 0);
      return [BuiltinOptionsType.SplitOptions, b.endObject()];
    }
    case 'sub': {
      b.startObject(2);
      b.addFieldInt8(S.SubOptions.fused_activation_function, o.act, 0);
      b.addFieldInt8(S.SubOptions.pot_scale_int16, 1, 1);
      return [BuiltinOptionsType.SubOptions, b.endObject()];
    }
    case 'mul': {
      b.startObject(1);
      b.addFieldInt8(S.MulOptions.fused_activation_function, o.act, 0);
      return [BuiltinOptionsType.MulOptions, b.endObject()];
    }
    case 'softmax': {
      b.startObject(1);
      b.addFieldFloat32(S.SoftmaxOptions.beta, o.beta, 0);
      return [BuiltinOptionsType.SoftmaxOptions, b.endObject()];
    }
    case 'reshape': {
      const shape = intVector(b, o.newShape);
      b.startObject(1);
      b.addFieldOffset(S.ReshapeOptions.new_shape, shape, 0);
      return [BuiltinOptionsType.ReshapeOptions, b.endObject()];
    }
    case 'transpose':
      b.startObject(0);
      return [BuiltinOptionsType.TransposeOptions, b.endObject()];
    case 'mean': {
      b.startObject(1);
      b.addFieldInt8(S.ReducerOptions.keep_dims, o.keepDims ? 1 : 0, 0);
      return [BuiltinOptionsType.ReducerOptions, b.endObject()];
    }
    case 'batch_matmul': {
      b.startObject(3);
      b.addFieldInt8(S.BatchMatMulOptions.adj_x, o.adjX ? 1 : 0, 0);
      b.addFieldInt8(S.BatchMatMulOptions.adj_y, o.adjY ? 1 : 0, 0);
      b.addFieldInt8(S.BatchMatMulOptions.asymmetric_quantize_inputs, 0, 0);
      return [BuiltinOptionsType.BatchMatMulOptions, b.endObject()];
    }
    case 'gelu': {
      b.startObject(1);
      b.addFieldInt8(S.GeluOptions.approximate, o.approximate ? 1 : 0, 0);
      return [BuiltinOptionsType.GeluOptions, b.endObject()];
    }
    case 'hard_swish':
      b.startObject(0);
      return [BuiltinOptionsType.HardSwishOptions, b.endObject()];
    case 'dequantize':
      b.startObject(0);
      return [BuiltinOptionsType.DequantizeOptions, b.endObject()];
    case 'quantize':
      b.startObject(0);
      return [BuiltinOptionsType.QuantizeOptions, b.endObject()];
    case 'none':
      return [BuiltinOptionsType.NONE, 0];
  }
}

/**
 * Serializes an IR model to .tflite bytes (a fresh, exactly sized Uint8Array).
 * Long on purpose (about 150 lines): one flatbuffer is built bottom-up in one Builder, children before
 * parents, and its sections (buffers, tensors, operator codes, operators, subgraph, metadata, model) hand their
 * offsets to the next; read top to bottom it is the file's layout.
 */
export function writeTflite(model: IrModel): Uint8Array {
  const constBytes = model.tensors.reduce((s, t) => s + (t.data ? t.data.byteLength + 32 : 0), 0);
  const b = new flatbuffers.Builder(Math.min(2 ** 30, constBytes + 256 * model.tensors.length + 65536));
  b.forceDefaults(true);

  // --- buffers: 0 = empty sentinel, then one per constant, then metadata blobs.
  const bufferData: (Uint8Array | undefined)[] = [undefined];
  const bufferOf = new Map<number, number>();
  model.tensors.forEach((t, id) => {
    if (!t.data) return;
    bufferOf.set(id, bufferData.length);
    bufferData.push(dataBytes(t.data));
  });
  const metadataBuffer = model.metadata.map((m) => {
    bufferData.push(m.data);
    return bufferData.length - 1;
  });
  // data vectors first, last buffer first, so the file holds them in index order after the tables
  const dataOffsets = new Array<number>(bufferData.length).fill(0);
  for (let i = bufferData.length - 1; i >= 1; i--) dataOffsets[i] = alignedBytes(b, bufferData[i]!);
  const buffers = bufferData.map((d, i) => {
    b.startObject(3);
    if (d) b.addFieldOffset(Slot.Buffer.data, dataOffsets[i]!, 0);
    return b.endObject();
  });
  const buffersVec = offsetVector(b, buffers);

  // --- tensors
  const tensorOffsets = model.tensors.map((t, id) => {
    const name = b.createString(t.name);
    const shape = intVector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const q = t.quant;
      const min = q.min !== undefined ? floatVector(b, [q.min]) : 0;
      const max = q.max !== undefined ? floatVector(b, [q.max]) : 0;
      const scale = floatVector(b, q.scale);
      const zp = longVector(b, q.zeroPoint);
      b.startObject(7);
      if (min) b.addFieldOffset(Slot.QuantizationParameters.min, min, 0);
      if (max) b.addFieldOffset(Slot.QuantizationParameters.max, max, 0);
      b.addFieldOffset(Slot.QuantizationParameters.scale, scale, 0);
      b.addFieldOffset(Slot.QuantizationParameters.zero_point, zp, 0);
      b.addFieldInt8(Slot.QuantizationParameters.details_type, 0, 0);
      b.addFieldInt32(Slot.QuantizationParameters.quantized_dimension, q.dim, 0);
      quant = b.endObject();
    }
    b.startObject(6);
    b.addFieldOffset(Slot.Tensor.shape, shape, 0);
    b.addFieldInt8(Slot.Tensor.type, typeCode(t), 0);
    b.addFieldInt32(Slot.Tensor.buffer, bufferOf.get(id) ?? 0, 0);
    b.addFieldOffset(Slot.Tensor.name, name, 0);
    if (quant) b.addFieldOffset(Slot.Tensor.quantization, quant, 0);
    b.addFieldInt8(Slot.Tensor.is_variable, 0, 0);
    return b.endObject();
  });
  const tensorsVec = offsetVector(b, tensorOffsets);

  // --- operator codes (one per distinct code and version, in order of first use) and operators
  const codeIndex = new Map<string, number>();
  const codes: { code: number; version: number }[] = [];
  const opOffsets = model.ops.map((op) => {
    const version = opVersion(op, model.tensors);
    const key = `${op.code}/${version}`;
    let idx = codeIndex.get(key);
    if (idx === undefined) {
      idx = codes.length;
      codes.push({ code: op.code, version });
      codeIndex.set(key, idx);
    }
    const inputs = intVector(b, op.inputs);
    const outputs = intVector(b, op.outputs);
    const [optType, opt] = buildOptions(b, op);
    b.startObject(5);
    b.addFieldInt32(Slot.Operator.opcode_index, idx, 0);
    b.addFieldOffset(Slot.Operator.inputs, inputs, 0);
    b.addFieldOffset(Slot.Operator.outputs, outputs, 0);
    b.addFieldInt8(Slot.Operator.builtin_options_type, optType, 0);
    if (opt) b.addFieldOffset(Slot.Operator.builtin_options, opt, 0);
    return b.endObject();
  });
  const opsVec = offsetVector(b, opOffsets);
  const codeOffsets = codes.map(({ code, version }) => {
    b.startObject(4);
    b.addFieldInt8(Slot.OperatorCode.deprecated_builtin_code, Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(Slot.OperatorCode.version, version, 1);
    b.addFieldInt32(Slot.OperatorCode.builtin_code, code, 0);
    return b.endObject();
  });
  const codesVec = offsetVector(b, codeOffsets);

  // --- subgraph
  const sgName = b.createString('main');
  const sgInputs = intVector(b, model.inputs);
  const sgOutputs = intVector(b, model.outputs);
  b.startObject(5);
  b.addFieldOffset(Slot.SubGraph.tensors, tensorsVec, 0);
  b.addFieldOffset(Slot.SubGraph.inputs, sgInputs, 0);
  b.addFieldOffset(Slot.SubGraph.outputs, sgOutputs, 0);
  b.addFieldOffset(Slot.SubGraph.operators, opsVec, 0);
  b.addFieldOffset(Slot.SubGraph.name, sgName, 0);
  const subgraphsVec = offsetVector(b, [b.endObject()]);

  // --- metadata and signature
  const metadataOffsets = model.metadata.map((m, i) => {
    const name = b.createString(m.name);
    b.startObject(2);
    b.addFieldOffset(Slot.Metadata.name, name, 0);
    b.addFieldInt32(Slot.Metadata.buffer, metadataBuffer[i]!, 0);
    return b.endObject();
  });
  const metadataVec = offsetVector(b, metadataOffsets);
  const tensorMaps = (names: string[], ids: number[]): number =>
    offsetVector(
      b,
      ids.map((id, i) => {
        const n = b.createString(names[i] ?? model.tensors[id]!.name);
        b.startObject(2);
        b.addFieldOffset(Slot.TensorMap.name, n, 0);
        b.addFieldInt32(Slot.TensorMap.tensor_index, id, 0);
        return b.endObject();
      }),
    );
  const sigIn = tensorMaps(model.signature.inputs, model.inputs);
  const sigOut = tensorMaps(model.signature.outputs, model.outputs);
  const sigKey = b.createString(model.signature.key);
  b.startObject(5);
  b.addFieldOffset(Slot.SignatureDef.inputs, sigIn, 0);
  b.addFieldOffset(Slot.SignatureDef.outputs, sigOut, 0);
  b.addFieldOffset(Slot.SignatureDef.signature_key, sigKey, 0);
  b.addFieldInt32(Slot.SignatureDef.subgraph_index, 0, 0);
  const sigVec = offsetVector(b, [b.endObject()]);

  // --- model
  const description = b.createString(model.description);
  b.startObject(8);
  b.addFieldInt32(Slot.Model.version, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(Slot.Model.operator_codes, codesVec, 0);
  b.addFieldOffset(Slot.Model.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(Slot.Model.description, description, 0);
  b.addFieldOffset(Slot.Model.buffers, buffersVec, 0);
  b.addFieldOffset(Slot.Model.metadata, metadataVec, 0);
  b.addFieldOffset(Slot.Model.signature_defs, sigVec, 0);
  const root = b.endObject();
  b.finish(root, TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
