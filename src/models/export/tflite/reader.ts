/**
 * A bounds-checked reader of .tflite files (any producer: this exporter, TF's converter, MediaPipe ...),
 * built on the flatbuffers ByteBuffer and TFLite's schema field slots (schema.ts). Runners call
 * `validateTflite` / `readTflite` before they hand a file to a runtime, so a wrong or damaged file fails
 * with one clear line instead of a runtime crash.
 */
import * as flatbuffers from 'flatbuffers';
import { builtinOpName, Slot, TENSOR_TYPE_BYTES, tensorTypeName, TFLITE_FILE_IDENTIFIER } from './schema.js';

export class TfliteFormatError extends Error {
  override name = 'TfliteFormatError';
}

export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  /** quantized_dimension (the axis per-channel scales run along). */
  dim: number;
  min?: number[];
  max?: number[];
}

export interface TfliteTensorInfo {
  index: number;
  name: string;
  shape: number[];
  /** TensorType name, e.g. FLOAT32, INT8. */
  type: string;
  /** index into the model's buffers (0 = no data). */
  buffer: number;
  /** bytes of constant data (0 for activations). */
  dataBytes: number;
  quantization?: TfliteQuantization;
}

export interface TfliteOperatorInfo {
  index: number;
  /** builtin operator name (CONV_2D, ...) or CUSTOM. */
  op: string;
  /** custom_code of a CUSTOM op. */
  customCode?: string;
  version: number;
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type id (0 = none). */
  optionsType: number;
}

export interface TfliteSubgraphSummary {
  name: string;
  inputs: TfliteTensorInfo[];
  outputs: TfliteTensorInfo[];
  operators: TfliteOperatorInfo[];
  tensors: TfliteTensorInfo[];
  tensorCount: number;
}

export interface TfliteModelSummary {
  /** Model.version (3 for every current file). */
  version: number;
  description: string;
  subgraphs: TfliteSubgraphSummary[];
  operatorCodes: { op: string; customCode?: string; version: number }[];
  /** how many times each op (builtin name or `CUSTOM:<code>`) appears, over all subgraphs. */
  opCounts: Record<string, number>;
  tensorCount: number;
  bufferCount: number;
  /** total bytes of data held in buffers (weights and metadata). */
  bufferBytes: number;
  /** absolute file offset and size of each buffer's data (offset -1 where a buffer has none). */
  buffers: { offset: number; size: number }[];
  metadata: { name: string; buffer: number; bytes: number; text?: string }[];
  signatures: { key: string; inputs: string[]; outputs: string[] }[];
  fileBytes: number;
}

/** Field access on a flatbuffer table with every offset checked against the file size. */
class Reader {
  readonly bb: flatbuffers.ByteBuffer;
  readonly size: number;

  constructor(bytes: Uint8Array) {
    this.bb = new flatbuffers.ByteBuffer(bytes);
    this.size = bytes.length;
  }

  fail(what: string): never {
    throw new TfliteFormatError(`not a valid TFLite model: ${what} (truncated or corrupt file; re-export or re-download it)`);
  }

  need(pos: number, bytes: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + bytes > this.size) this.fail(`${what} lies outside the ${this.size}-byte file`);
  }

  /** Absolute position of a table's field, or 0 when absent. */
  field(table: number, slot: number, what: string): number {
    this.need(table, 4, what);
    const vtable = table - this.bb.readInt32(table);
    this.need(vtable, 4, `${what} vtable`);
    const vtSize = this.bb.readUint16(vtable);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(`${what} has a bad vtable`);
    this.need(vtable, vtSize, `${what} vtable`);
    const vo = 4 + slot * 2;
    if (vo >= vtSize) return 0;
    const off = this.bb.readUint16(vtable + vo);
    return off ? table + off : 0;
  }

  u8(table: number, slot: number, def: number, what: string): number {
    const p = this.field(table, slot, what);
    if (!p) return def;
    this.need(p, 1, what);
    return this.bb.readUint8(p);
  }

  i8(table: number, slot: number, def: number, what: string): number {
    const p = this.field(table, slot, what);
    if (!p) return def;
    this.need(p, 1, what);
    return this.bb.readInt8(p);
  }

  i32(table: number, slot: number, def: number, what: string): number {
    const p = this.field(table, slot, what);
    if (!p) return def;
    this.need(p, 4, what);
    return this.bb.readInt32(p);
  }

  u32(table: number, slot: number, def: number, what: string): number {
    const p = this.field(table, slot, what);
    if (!p) return def;
    this.need(p, 4, what);
    return this.bb.readUint32(p);
  }

  /** Follows a uoffset at `p` (to a table, vector or string). */
  indirect(p: number, what: string): number {
    this.need(p, 4, what);
    const t = p + this.bb.readUint32(p);
    this.need(t, 4, what);
    return t;
  }

  table(table: number, slot: number, what: string): number {
    const p = this.field(table, slot, what);
    return p ? this.indirect(p, what) : 0;
  }

  /** [start of elements, length] of a vector field, or undefined when absent. */
  vector(table: number, slot: number, elemSize: number, what: string): [number, number] | undefined {
    const p = this.field(table, slot, what);
    if (!p) return undefined;
    const v = this.indirect(p, what);
    const n = this.bb.readUint32(v);
    this.need(v + 4, n * elemSize, what);
    return [v + 4, n];
  }

  string(table: number, slot: number, what: string): string | undefined {
    const v = this.vector(table, slot, 1, what);
    if (!v) return undefined;
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bb.bytes().subarray(v[0], v[0] + v[1]));
  }

  tables(table: number, slot: number, what: string): number[] {
    const v = this.vector(table, slot, 4, what);
    if (!v) return [];
    const out: number[] = [];
    for (let i = 0; i < v[1]; i++) out.push(this.indirect(v[0] + 4 * i, `${what}[${i}]`));
    return out;
  }

  ints(table: number, slot: number, what: string): number[] {
    const v = this.vector(table, slot, 4, what);
    if (!v) return [];
    const out: number[] = [];
    for (let i = 0; i < v[1]; i++) out.push(this.bb.readInt32(v[0] + 4 * i));
    return out;
  }

  floats(table: number, slot: number, what: string): number[] | undefined {
    const v = this.vector(table, slot, 4, what);
    if (!v) return undefined;
    const out: number[] = [];
    for (let i = 0; i < v[1]; i++) out.push(this.bb.readFloat32(v[0] + 4 * i));
    return out;
  }

  longs(table: number, slot: number, what: string): number[] | undefined {
    const v = this.vector(table, slot, 8, what);
    if (!v) return undefined;
    const out: number[] = [];
    for (let i = 0; i < v[1]; i++) out.push(Number(this.bb.readInt64(v[0] + 8 * i)));
    return out;
  }
}

function describeBytes(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 8), (c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
  return `'${head}'`;
}

/**
 * Throws a one-line TfliteFormatError unless `bytes` is a TFLite flatbuffer: long enough, with the "TFL3"
 * file identifier and a root table inside the file. (readTflite checks everything it reads as well.)
 */
export function validateTflite(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new TfliteFormatError('not a TFLite model: expected the file bytes as a Uint8Array');
  if (bytes.length < 16)
    throw new TfliteFormatError(`not a TFLite model: the file has only ${bytes.length} bytes (truncated or empty; re-export it)`);
  const id = String.fromCharCode(...bytes.subarray(4, 8));
  if (id !== TFLITE_FILE_IDENTIFIER) {
    throw new TfliteFormatError(
      `not a TFLite model: file identifier is '${id.replace(/[^\x20-\x7e]/g, '.')}' (first bytes ${describeBytes(bytes)}), expected '${TFLITE_FILE_IDENTIFIER}'; pass a .tflite file`,
    );
  }
  const r: Reader = new Reader(bytes);
  const root = r.indirect(0, 'root table');
  r.field(root, 0, 'Model');
}

/**
 * Reads the structure of a .tflite file (validating it first). Throws TfliteFormatError on a bad file.
 * Long on purpose (about 140 lines): the tables are read in the schema's order with one Reader, each checked
 * where it is read, so the function reads as the schema does.
 */
export function readTflite(bytes: Uint8Array): TfliteModelSummary {
  validateTflite(bytes);
  const r: Reader = new Reader(bytes);
  const S = Slot;
  const model = r.indirect(0, 'root table');
  const version = r.u32(model, S.Model.version, 0, 'Model.version');
  const description = r.string(model, S.Model.description, 'Model.description') ?? '';

  const buffers = r.tables(model, S.Model.buffers, 'Model.buffers').map((buf, i) => {
    const v = r.vector(buf, S.Buffer.data, 1, `buffers[${i}].data`);
    return v ? { offset: v[0], size: v[1] } : { offset: -1, size: 0 };
  });
  const operatorCodes = r.tables(model, S.Model.operator_codes, 'Model.operator_codes').map((oc, i) => {
    const what = `operator_codes[${i}]`;
    const dep = r.i8(oc, S.OperatorCode.deprecated_builtin_code, 0, what);
    const ext = r.i32(oc, S.OperatorCode.builtin_code, 0, what);
    // schema 3a: the larger of the two fields is the code (old files only have the byte)
    const code = Math.max(dep, ext);
    const customCode = r.string(oc, S.OperatorCode.custom_code, what);
    const op = builtinOpName(code);
    return { op, version: r.i32(oc, S.OperatorCode.version, 1, what), ...(customCode !== undefined ? { customCode } : {}), code };
  });
  for (const c of operatorCodes) if (c.code < 0) r.fail(`operator code ${c.code} is negative`);

  const opCounts: Record<string, number> = {};
  let tensorCount = 0;
  const subgraphs = r.tables(model, S.Model.subgraphs, 'Model.subgraphs').map((sg, si) => {
    const tensors = r.tables(sg, S.SubGraph.tensors, `subgraphs[${si}].tensors`).map((t, ti): TfliteTensorInfo => {
      const what = `subgraphs[${si}].tensors[${ti}]`;
      const typeCode = r.i8(t, S.Tensor.type, 0, what);
      const buffer = r.u32(t, S.Tensor.buffer, 0, what);
      if (buffer >= buffers.length && buffers.length > 0) r.fail(`${what} refers to buffer ${buffer} of ${buffers.length}`);
      const shape = r.ints(t, S.Tensor.shape, what);
      const info: TfliteTensorInfo = {
        index: ti,
        name: r.string(t, S.Tensor.name, what) ?? '',
        shape,
        type: tensorTypeName(typeCode),
        buffer,
        dataBytes: buffers[buffer]?.size ?? 0,
      };
      const q = r.table(t, S.Tensor.quantization, `${what}.quantization`);
      if (q) {
        const scale = r.floats(q, S.QuantizationParameters.scale, `${what}.quantization.scale`);
        if (scale && scale.length > 0) {
          const min = r.floats(q, S.QuantizationParameters.min, `${what}.quantization.min`);
          const max = r.floats(q, S.QuantizationParameters.max, `${what}.quantization.max`);
          info.quantization = {
            scale,
            zeroPoint: r.longs(q, S.QuantizationParameters.zero_point, `${what}.quantization.zero_point`) ?? [],
            dim: r.i32(q, S.QuantizationParameters.quantized_dimension, 0, `${what}.quantization`),
            ...(min ? { min } : {}),
            ...(max ? { max } : {}),
          };
        }
      }
      const elem = TENSOR_TYPE_BYTES[typeCode];
      if (info.dataBytes > 0 && elem !== undefined && shape.every((d) => d >= 0)) {
        const expect = shape.reduce((a, d) => a * d, 1) * elem;
        if (expect !== info.dataBytes) r.fail(`${what} (${info.name}) has ${info.dataBytes} data bytes for shape [${shape}] of ${info.type}`);
      }
      return info;
    });
    tensorCount += tensors.length;
    const checkIdx = (list: number[], what: string): number[] => {
      for (const i of list) if (i >= tensors.length || i < -1) r.fail(`${what} refers to tensor ${i} of ${tensors.length}`);
      return list;
    };
    const operators = r.tables(sg, S.SubGraph.operators, `subgraphs[${si}].operators`).map((o, oi): TfliteOperatorInfo => {
      const what = `subgraphs[${si}].operators[${oi}]`;
      const idx = r.u32(o, S.Operator.opcode_index, 0, what);
      const oc = operatorCodes[idx];
      if (!oc) r.fail(`${what} uses operator code ${idx} of ${operatorCodes.length}`);
      const key = oc.op === 'CUSTOM' && oc.customCode ? `CUSTOM:${oc.customCode}` : oc.op;
      opCounts[key] = (opCounts[key] ?? 0) + 1;
      return {
        index: oi,
        op: oc.op,
        ...(oc.customCode !== undefined ? { customCode: oc.customCode } : {}),
        version: oc.version,
        inputs: checkIdx(r.ints(o, S.Operator.inputs, what), `${what}.inputs`),
        outputs: checkIdx(r.ints(o, S.Operator.outputs, what), `${what}.outputs`),
        optionsType: r.u8(o, S.Operator.builtin_options_type, 0, what),
      };
    });
    const pick = (ids: number[], what: string): TfliteTensorInfo[] => checkIdx(ids, what).map((i) => tensors[i]!);
    return {
      name: r.string(sg, S.SubGraph.name, `subgraphs[${si}].name`) ?? '',
      inputs: pick(r.ints(sg, S.SubGraph.inputs, `subgraphs[${si}].inputs`), `subgraphs[${si}].inputs`),
      outputs: pick(r.ints(sg, S.SubGraph.outputs, `subgraphs[${si}].outputs`), `subgraphs[${si}].outputs`),
      operators,
      tensors,
      tensorCount: tensors.length,
    };
  });
  if (subgraphs.length === 0) r.fail('the model has no subgraph');

  const metadata = r.tables(model, S.Model.metadata, 'Model.metadata').map((m, i) => {
    const buffer = r.u32(m, S.Metadata.buffer, 0, `metadata[${i}]`);
    const buf = buffers[buffer];
    const entry: TfliteModelSummary['metadata'][number] = {
      name: r.string(m, S.Metadata.name, `metadata[${i}]`) ?? '',
      buffer,
      bytes: buf?.size ?? 0,
    };
    if (buf && buf.size > 0 && buf.size <= 65536) {
      const raw = bytes.subarray(buf.offset, buf.offset + buf.size);
      const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
      if (!text.includes('\uFFFD')) entry.text = text.replace(/\0+$/, '');
    }
    return entry;
  });
  const signatures = r.tables(model, S.Model.signature_defs, 'Model.signature_defs').map((s, i) => {
    const names = (slot: number): string[] =>
      r.tables(s, slot, `signature_defs[${i}]`).map((tm) => r.string(tm, S.TensorMap.name, `signature_defs[${i}]`) ?? '');
    return {
      key: r.string(s, S.SignatureDef.signature_key, `signature_defs[${i}]`) ?? '',
      inputs: names(S.SignatureDef.inputs),
      outputs: names(S.SignatureDef.outputs),
    };
  });

  return {
    version,
    description,
    subgraphs,
    operatorCodes: operatorCodes.map(({ op, version: v, customCode }) => ({ op, version: v, ...(customCode !== undefined ? { customCode } : {}) })),
    opCounts,
    tensorCount,
    bufferCount: buffers.length,
    bufferBytes: buffers.reduce((s, b) => s + b.size, 0),
    buffers,
    metadata,
    signatures,
    fileBytes: bytes.length,
  };
}
