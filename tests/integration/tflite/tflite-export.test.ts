/**
 * TFLite export: structure (own reader + flatc, an independent decoder), quantization rules, and numerics
 * executed by a real TFLite runtime (LiteRT.js, XNNPACK in WebAssembly) against the reference executor.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockOfNodeName, lowerBlocks, lowerModel, type Graph, type Shape } from '../../../src/models/graph.js';
import { MNV4_MODELS } from '../../../src/models/mnv4.js';
import { listModels } from '../../../src/models/registry.js';
import { runReference } from '../../../src/models/reference.js';
import type { BlockSpec } from '../../../src/models/spec.js';
import { initWeights, seededInput } from '../../../src/models/weights.js';
import {
  exportTflite,
  nchwToNhwc,
  nhwcToNchw,
  readTflite,
  TfliteExportError,
  TfliteFormatError,
  TFLITE_METADATA_NAME,
  validateTflite,
  type TfliteModelSummary,
  type TfliteTensorInfo,
} from '../../../src/models/export/tflite.js';
import { floatToHalf, halfToFloat } from '../../../src/models/export/tflite/fp16.js';
import { activationQuant, quantizeSymmetric } from '../../../src/models/export/tflite/quantize.js';
import { loadLiteRtNode, runTfliteNode } from '../../../src/models/export/tflite/litert-node.js';

const work = mkdtempSync(path.join(tmpdir(), 'tflite-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SUBSET_SCHEMA = path.resolve('src/models/export/tflite/tflite-subset.fbs');
/** The same schema with Buffer.data read as its uoffset: flatc then skips dumping megabytes of weights. */
const NO_DATA_SCHEMA = path.join(work, 'tflite-subset-nodata.fbs');
writeFileSync(NO_DATA_SCHEMA, readFileSync(SUBSET_SCHEMA, 'utf8').replace('data:[ubyte] (force_align: 16);', 'data:uint;'));
/** The full published schema, when a checkout provides one (flatc 2.0.8 needs `(deprecated)` removed from enum values). */
const FULL_SCHEMA = process.env.TFLITE_SCHEMA_FBS;
const HAS_FLATC = spawnSync('flatc', ['--version'], { encoding: 'utf8' }).status === 0;

const MEDIAPIPE_TFLITE = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@mediapipe/face_detection/package.json')),
  'face_detection_short_range.tflite',
);

let fileNo = 0;
/** flatc's JSON dump of a model (decoded with `schema`). */
function flatcJson(
  bytes: Uint8Array,
  schema = SUBSET_SCHEMA,
): Record<string, unknown> & { subgraphs: FlatcSubgraph[]; operator_codes: FlatcOpCode[]; buffers: { data?: number[] | number }[] } {
  const base = `m${fileNo++}`;
  const file = path.join(work, `${base}.tflite`);
  writeFileSync(file, bytes);
  const r = spawnSync('flatc', ['--json', '--strict-json', '--raw-binary', '-o', work, schema, '--', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flatc failed: ${r.stderr}`);
  return JSON.parse(readFileSync(path.join(work, `${base}.json`), 'utf8'));
}
interface FlatcOpCode {
  deprecated_builtin_code: number;
  builtin_code: string | number;
  version: number;
}
interface FlatcTensor {
  shape: number[];
  type?: string;
  buffer: number;
  name: string;
  quantization?: { scale?: number[]; zero_point?: number[]; quantized_dimension?: number };
}
interface FlatcSubgraph {
  tensors: FlatcTensor[];
  inputs: number[];
  outputs: number[];
  operators: { opcode_index: number; inputs: number[]; outputs: number[]; builtin_options_type: string; builtin_options?: Record<string, unknown> }[];
}

function block(spec: BlockSpec, shape: Shape): Graph {
  return lowerBlocks(`block:test`, shape, [{ stage: 'test', spec }]);
}

const BLOCKS: [string, BlockSpec, Shape][] = [
  ['conv_bn 3x3 s2 relu', { type: 'conv_bn', kernel: 3, stride: 2, outCh: 16, act: 'relu' }, [3, 15, 16]],
  ['conv_bn 1x1 gelu', { type: 'conv_bn', kernel: 1, stride: 1, outCh: 24, act: 'gelu' }, [16, 6, 6]],
  ['conv_bn dw 5x5 relu6', { type: 'conv_bn', kernel: 5, stride: 1, outCh: 16, act: 'relu6', depthwise: true }, [16, 7, 7]],
  ['fused_ib s1 residual', { type: 'fused_ib', kernel: 3, stride: 1, expandRatio: 4, outCh: 16, act: 'relu' }, [16, 8, 8]],
  ['fused_ib s2', { type: 'fused_ib', kernel: 3, stride: 2, expandRatio: 4, outCh: 24, act: 'relu' }, [16, 9, 9]],
  ['uib extra_dw s1', { type: 'uib', startDw: 3, middleDw: 5, stride: 1, expandRatio: 4, outCh: 16, act: 'relu' }, [16, 8, 8]],
  ['uib extra_dw s2', { type: 'uib', startDw: 5, middleDw: 3, stride: 2, expandRatio: 4, outCh: 24, act: 'relu' }, [16, 8, 8]],
  ['uib ib s1 layer scale', { type: 'uib', startDw: 0, middleDw: 3, stride: 1, expandRatio: 3, outCh: 16, act: 'relu', layerScale: 0.5 }, [16, 8, 8]],
  ['uib ib s2', { type: 'uib', startDw: 0, middleDw: 3, stride: 2, expandRatio: 4, outCh: 24, act: 'relu' }, [16, 8, 8]],
  ['uib convnext s1', { type: 'uib', startDw: 3, middleDw: 0, stride: 1, expandRatio: 4, outCh: 16, act: 'relu' }, [16, 8, 8]],
  ['uib convnext s2', { type: 'uib', startDw: 3, middleDw: 0, stride: 2, expandRatio: 4, outCh: 24, act: 'relu' }, [16, 8, 8]],
  ['uib ffn', { type: 'uib', startDw: 0, middleDw: 0, stride: 1, expandRatio: 2, outCh: 16, act: 'gelu' }, [16, 6, 6]],
  ['mqa kv stride 1', { type: 'mqa', heads: 4, keyDim: 8, valueDim: 8, kvStride: 1 }, [16, 6, 6]],
  ['mqa kv stride 2 layer scale', { type: 'mqa', heads: 2, keyDim: 8, valueDim: 16, kvStride: 2, layerScale: 0.5 }, [16, 7, 8]],
  ['inverted_residual se hswish', { type: 'inverted_residual', kernel: 3, stride: 1, expandedCh: 32, outCh: 16, act: 'hswish', seCh: 8 }, [16, 8, 8]],
  ['squeeze_excite sigmoid gate + relu', { type: 'squeeze_excite', seCh: 4, gate: 'sigmoid', act: 'relu' }, [16, 6, 6]],
  ['inverted_residual s2 relu6 no expand', { type: 'inverted_residual', kernel: 3, stride: 2, expandedCh: 16, outCh: 24, act: 'relu6' }, [16, 8, 8]],
];

/** TFLite builtin ops a block lowers to, by block type (each listed op must appear). */
const EXPECTED_OPS: Record<string, string[]> = {
  'conv_bn 3x3 s2 relu': ['CONV_2D'],
  'conv_bn 1x1 gelu': ['CONV_2D', 'GELU'],
  'conv_bn dw 5x5 relu6': ['DEPTHWISE_CONV_2D'],
  'fused_ib s1 residual': ['CONV_2D', 'ADD'],
  'mqa kv stride 1': ['MUL', 'ADD', 'CONV_2D', 'RESHAPE', 'TRANSPOSE', 'BATCH_MATMUL', 'SOFTMAX'],
  'mqa kv stride 2 layer scale': ['DEPTHWISE_CONV_2D', 'BATCH_MATMUL', 'SOFTMAX'],
  'inverted_residual se hswish': ['HARD_SWISH', 'MEAN', 'RELU6', 'MUL', 'ADD'],
  'squeeze_excite sigmoid gate + relu': ['MEAN', 'CONV_2D', 'LOGISTIC', 'MUL', 'RELU'],
};

function stats(got: Float32Array, want: Float32Array): { maxErr: number; maxRef: number; relRms: number } {
  expect(got.length).toBe(want.length);
  let maxErr = 0;
  let maxRef = 0;
  let se = 0;
  let sr = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    maxErr = Math.max(maxErr, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
    se += d * d;
    sr += want[i]! * want[i]!;
  }
  return { maxErr, maxRef, relRms: Math.sqrt(se / Math.max(sr, 1e-30)) };
}

/** Output of a model run by LiteRT, in graph order ([C,H,W] or [outF]). */
async function runLiteRt(g: Graph, bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const [y] = await runTfliteNode(bytes, [nchwToNhwc(x, g.inputShape)]);
  return g.outputShape[1] === 1 && g.outputShape[2] === 1 ? y! : nhwcToNchw(y!, g.outputShape);
}

/** Structural invariants every exported file must satisfy. */
function checkStructure(g: Graph, bytes: Uint8Array, dtype: 'fp32' | 'fp16' | 'int8'): TfliteModelSummary {
  const s = readTflite(bytes);
  expect(s.version).toBe(3);
  expect(s.subgraphs).toHaveLength(1);
  const sg = s.subgraphs[0]!;
  expect(s.description).toBe(`mnv4-bench ${g.id} ${dtype}`);
  const meta = s.metadata.find((m) => m.name === TFLITE_METADATA_NAME);
  expect(JSON.parse(meta!.text!)).toMatchObject({ workload: g.id, dtype, layout: 'NHWC' });
  expect(s.signatures).toEqual([{ key: 'serving_default', inputs: ['input'], outputs: ['output'] }]);
  // buffer 0 is the empty sentinel; all data starts 16-byte aligned in the file
  expect(s.buffers[0]).toEqual({ offset: -1, size: 0 });
  for (const b of s.buffers.slice(1)) {
    expect(b.size).toBeGreaterThan(0);
    expect(b.offset % 16).toBe(0);
  }
  // I/O: NHWC input named `input`, output = the graph's output in NHWC (or [1, F] after a linear layer)
  const [c, h, w] = g.inputShape;
  expect(sg.inputs.map((t) => [t.name, t.shape])).toEqual([['input', [1, h, w, c]]]);
  const [oc, oh, ow] = g.outputShape;
  const lastLayer = g.layers[g.layers.length - 1]!;
  const outShape = lastLayer.op.kind === 'linear' ? [1, oc] : [1, oh, ow, oc];
  expect(sg.outputs.map((t) => t.shape)).toEqual([outShape]);
  const ioType = dtype === 'int8' ? 'INT8' : 'FLOAT32';
  expect(sg.inputs[0]!.type).toBe(ioType);
  expect(sg.outputs[0]!.type).toBe(ioType);
  // names follow graph.ts: every tensor is `input` or belongs to a layer; its block is recoverable
  const layerIndex = new Map(g.layers.map((l, i) => [l.name, i]));
  const layerOf = (name: string): number | undefined => {
    for (let n = name; n.includes('/'); n = n.slice(0, n.lastIndexOf('/'))) {
      const i = layerIndex.get(n);
      if (i !== undefined) return i;
    }
    return undefined;
  };
  for (const t of sg.tensors) {
    if (t.name === 'input') continue;
    expect(layerOf(t.name), t.name).toBeDefined();
    expect(blockOfNodeName(t.name), t.name).toBe(g.layers[layerOf(t.name)!]!.block);
  }
  // operators appear in graph order (by the layer their output belongs to)
  const order = sg.operators.map((o) => layerOf(sg.tensors[o.outputs[0]!]!.name)!);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(new Set(order).size).toBe(g.layers.filter((l) => !(l.op.kind === 'act' && l.op.act === 'none')).length);
  // the final tensor of each layer is named after the layer
  for (const l of g.layers)
    expect(
      sg.tensors.some((t) => t.name === l.name),
      l.name,
    ).toBe(true);

  const types = new Set(sg.tensors.map((t) => t.type));
  if (dtype === 'fp32') expect([...types].sort()).toEqual(['FLOAT32', 'INT32'].filter((t) => types.has(t)));
  if (dtype === 'fp16') {
    // every float constant is FLOAT16 and feeds exactly one DEQUANTIZE
    const consts = sg.tensors.filter((t) => t.buffer > 0 && t.type !== 'INT32');
    expect(consts.every((t) => t.type === 'FLOAT16')).toBe(true);
    const deq = sg.operators.filter((o) => o.op === 'DEQUANTIZE');
    expect(deq.length).toBe(consts.length);
    expect(deq.every((o) => sg.tensors[o.inputs[0]!]!.type === 'FLOAT16' && o.version === 3)).toBe(true);
  }
  if (dtype === 'int8') checkInt8(sg.tensors, s);
  return s;
}

/** int8 rules: quantization on every int8 tensor and every int32 bias, per-channel conv weights, bias scales. */
function checkInt8(tensors: TfliteTensorInfo[], s: TfliteModelSummary): void {
  const sg = s.subgraphs[0]!;
  for (const t of tensors) {
    expect(['INT8', 'INT32']).toContain(t.type);
    if (t.type === 'INT8' || t.name.endsWith('/bias')) {
      expect(t.quantization, `${t.name} has quantization`).toBeDefined();
      expect(t.quantization!.scale.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
      expect(t.quantization!.zeroPoint.every((z) => z >= -128 && z <= 127)).toBe(true);
    } else {
      // int32 index tensors (shape, axes, permutation) are constants read by RESHAPE / MEAN / TRANSPOSE
      expect(t.buffer).toBeGreaterThan(0);
      expect(sg.operators.some((o) => ['RESHAPE', 'MEAN', 'TRANSPOSE'].includes(o.op) && o.inputs[1] === t.index)).toBe(true);
    }
  }
  for (const o of sg.operators) {
    const inp = sg.tensors[o.inputs[0]!]!;
    const out = sg.tensors[o.outputs[0]!]!;
    if (o.op === 'CONV_2D' || o.op === 'DEPTHWISE_CONV_2D' || o.op === 'FULLY_CONNECTED') {
      const w = sg.tensors[o.inputs[1]!]!;
      const b = sg.tensors[o.inputs[2]!]!;
      expect(w.type).toBe('INT8');
      expect(w.quantization!.zeroPoint.every((z) => z === 0)).toBe(true);
      expect(b.type).toBe('INT32');
      if (o.op === 'FULLY_CONNECTED') {
        expect(w.quantization!.scale).toHaveLength(1);
        expect(o.version).toBe(4);
      } else {
        const ch = o.op === 'CONV_2D' ? w.shape[0]! : w.shape[3]!;
        expect(w.quantization!.scale).toHaveLength(ch);
        expect(w.quantization!.dim).toBe(o.op === 'CONV_2D' ? 0 : 3);
        expect(o.version).toBe(3);
      }
      // TFLite requires bias scale == input scale * weight scale (to 1e-6 relative)
      w.quantization!.scale.forEach((ws, i) => {
        const want = inp.quantization!.scale[0]! * ws;
        expect(Math.abs(b.quantization!.scale[i]! - want)).toBeLessThanOrEqual(1e-6 * want);
      });
    }
    if (o.op === 'SOFTMAX' || o.op === 'LOGISTIC') {
      expect(out.quantization!.scale[0]).toBe(1 / 256);
      expect(out.quantization!.zeroPoint[0]).toBe(-128);
    }
    if (o.op === 'RESHAPE' || o.op === 'TRANSPOSE') {
      expect(out.quantization!.scale).toEqual(inp.quantization!.scale);
      expect(out.quantization!.zeroPoint).toEqual(inp.quantization!.zeroPoint);
    }
  }
}

/** flatc decodes the file to the same structure our reader reports (`withData`: also every weight byte). */
function checkWithFlatc(bytes: Uint8Array, s: TfliteModelSummary, withData = true): void {
  const j = flatcJson(bytes, withData ? SUBSET_SCHEMA : NO_DATA_SCHEMA);
  expect(j.version).toBe(3);
  const sg = j.subgraphs[0]!;
  const codeName = (c: FlatcOpCode): string => String(c.builtin_code);
  expect(sg.operators.map((o) => codeName(j.operator_codes[o.opcode_index ?? 0]!))).toEqual(s.subgraphs[0]!.operators.map((o) => o.op));
  for (const c of j.operator_codes) {
    const code = c.deprecated_builtin_code;
    if (codeName(c) === 'GELU') expect(code).toBe(127);
    else expect(code).toBeLessThan(127);
  }
  expect(sg.tensors.map((t) => [t.name, t.shape, t.type ?? 'FLOAT32'])).toEqual(s.subgraphs[0]!.tensors.map((t) => [t.name, t.shape, t.type]));
  for (const [i, t] of sg.tensors.entries()) {
    const q = s.subgraphs[0]!.tensors[i]!.quantization;
    if (!q) continue;
    expect(t.quantization!.scale!.length).toBe(q.scale.length);
    expect(t.quantization!.zero_point).toEqual(q.zeroPoint);
    expect(t.quantization!.quantized_dimension).toBe(q.dim);
  }
  expect(j.buffers[0]).toEqual({});
  expect(j.buffers).toHaveLength(s.bufferCount);
  if (!withData) return;
  expect(j.buffers.map((b) => (b.data as number[] | undefined)?.length ?? 0)).toEqual(s.buffers.map((b) => b.size));
  for (const [i, b] of s.buffers.entries())
    if (b.size > 0) expect(Uint8Array.from(j.buffers[i]!.data as number[])).toEqual(bytes.subarray(b.offset, b.offset + b.size));
  if (FULL_SCHEMA) expect(flatcJson(bytes, FULL_SCHEMA)).toEqual(j);
}

describe('TFLite export of every block type', () => {
  for (const [name, spec, shape] of BLOCKS) {
    it(`${name}: fp32 / fp16 / int8 files are well formed and compute the graph`, async () => {
      const g = block(spec, shape);
      const w = initWeights(g, 3);
      const x = seededInput(g, 11);
      const ref = runReference(g, w, x);

      const fp32 = exportTflite(g, { dtype: 'fp32', weights: w });
      const s32 = checkStructure(g, fp32, 'fp32');
      for (const op of EXPECTED_OPS[name] ?? []) expect(s32.opCounts[op], op).toBeGreaterThan(0);
      const r32 = stats(await runLiteRt(g, fp32, x), ref);
      expect(r32.maxErr).toBeLessThanOrEqual(1e-4 * Math.max(1, r32.maxRef));

      const fp16 = exportTflite(g, { dtype: 'fp16', weights: w });
      const s16 = checkStructure(g, fp16, 'fp16');
      // float constants take exactly half the bytes
      const constBytes = (sm: TfliteModelSummary, type: string): number =>
        sm.subgraphs[0]!.tensors.filter((t) => t.type === type).reduce((n, t) => n + t.dataBytes, 0);
      expect(constBytes(s16, 'FLOAT16')).toBe(constBytes(s32, 'FLOAT32') / 2);
      const r16 = stats(await runLiteRt(g, fp16, x), ref);
      expect(r16.relRms).toBeLessThan(5e-3);

      // int8 with int8 I/O is the deliverable; LiteRT.js's JS API cannot feed int8 tensors, so the same
      // quantized graph is run in its float-I/O form (QUANTIZE first, DEQUANTIZE last), calibrated on x.
      const int8 = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }] });
      const s8 = checkStructure(g, int8, 'int8');
      const int8f = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }], io: 'float32' });
      const s8f = readTflite(int8f);
      const ops8f = s8f.subgraphs[0]!.operators;
      expect(ops8f[0]!.op).toBe('QUANTIZE');
      expect(ops8f[ops8f.length - 1]!.op).toBe('DEQUANTIZE');
      expect(ops8f.slice(1, -1).map((o) => [o.op, o.version])).toEqual(s8.subgraphs[0]!.operators.map((o) => [o.op, o.version]));
      const r8 = stats(await runLiteRt(g, int8f, x), ref);
      expect(r8.relRms).toBeLessThan(0.05);

      if (HAS_FLATC) {
        checkWithFlatc(fp32, s32);
        checkWithFlatc(int8, s8);
      }
    });
  }

  it('global_pool + linear head: MEAN keep_dims then FULLY_CONNECTED to [1, F]', async () => {
    const g = lowerBlocks(
      'block:head',
      [32, 5, 5],
      [
        { stage: 'head', spec: { type: 'global_pool' } },
        { stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: 48, act: 'relu' } },
        { stage: 'classifier', spec: { type: 'linear', outCh: 10 } },
      ],
    );
    const w = initWeights(g, 1);
    const x = seededInput(g, 2);
    const ref = runReference(g, w, x);
    const bytes = exportTflite(g, { dtype: 'fp32', weights: w });
    const s = checkStructure(g, bytes, 'fp32');
    expect(s.subgraphs[0]!.operators.map((o) => o.op)).toEqual(['MEAN', 'CONV_2D', 'FULLY_CONNECTED']);
    expect(s.subgraphs[0]!.outputs[0]!.name).toBe('b02_linear/fc');
    const r = stats(await runLiteRt(g, bytes, x), ref);
    expect(r.maxErr).toBeLessThanOrEqual(1e-4 * Math.max(1, r.maxRef));
    const int8 = exportTflite(g, { dtype: 'int8', weights: w, calibrationSamples: 1 });
    const s8 = checkStructure(g, int8, 'int8');
    expect(s8.subgraphs[0]!.operators.map((o) => [o.op, o.version])).toEqual([
      ['MEAN', 2],
      ['CONV_2D', 3],
      ['FULLY_CONNECTED', 4],
    ]);
    if (HAS_FLATC) checkWithFlatc(int8, s8);
  });

  it('fuses ReLU / ReLU6 into convs and writes explicit SAME padding and strides', () => {
    const g = lowerBlocks(
      'block:fuse',
      [8, 9, 9],
      [
        { stage: 'a', spec: { type: 'conv_bn', kernel: 3, stride: 2, outCh: 16, act: 'relu' } },
        { stage: 'a', spec: { type: 'conv_bn', kernel: 3, stride: 1, outCh: 16, act: 'relu6', depthwise: true } },
        { stage: 'a', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: 8, act: 'hswish' } },
      ],
    );
    const s = readTflite(exportTflite(g, { dtype: 'fp32' }));
    expect(s.subgraphs[0]!.operators.map((o) => o.op)).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'HARD_SWISH']);
    if (!HAS_FLATC) return;
    const j = flatcJson(exportTflite(g, { dtype: 'fp32' }));
    const opts = j.subgraphs[0]!.operators.map((o) => [o.builtin_options_type, o.builtin_options]);
    expect(opts[0]).toEqual([
      'Conv2DOptions',
      { padding: 'SAME', stride_w: 2, stride_h: 2, fused_activation_function: 'RELU', dilation_w_factor: 1, dilation_h_factor: 1 },
    ]);
    expect(opts[1]).toEqual([
      'DepthwiseConv2DOptions',
      {
        padding: 'SAME',
        stride_w: 1,
        stride_h: 1,
        depth_multiplier: 1,
        fused_activation_function: 'RELU6',
        dilation_w_factor: 1,
        dilation_h_factor: 1,
      },
    ]);
    expect(opts[2]![1]).toMatchObject({ fused_activation_function: 'NONE' });
    // weights OHWI / [1,k,k,C]
    const shapes = Object.fromEntries(j.subgraphs[0]!.tensors.map((t) => [t.name, t.shape]));
    expect(shapes['b00_conv_bn/conv/weight']).toEqual([16, 3, 3, 8]);
    expect(shapes['b01_conv_bn/conv/weight']).toEqual([1, 3, 3, 16]);
  });
});

describe('TFLite export of whole models', () => {
  // small resolution: the weights (and so the files) are full size, activations are small
  const RES = 32;
  for (const m of MNV4_MODELS) {
    it(`${m.id}: fp32 runs in LiteRT like the reference; fp16 and int8 files are well formed`, async () => {
      const g = lowerModel(m, RES);
      const w = initWeights(g, 0);
      const x = seededInput(g, 5);
      const fp32 = exportTflite(g, { dtype: 'fp32', weights: w });
      const s32 = checkStructure(g, fp32, 'fp32');
      expect(s32.subgraphs[0]!.outputs[0]!.shape).toEqual([1, 1000]);
      const convs = g.layers.filter((l) => l.op.kind === 'conv').length;
      expect((s32.opCounts.CONV_2D ?? 0) + (s32.opCounts.DEPTHWISE_CONV_2D ?? 0)).toBe(convs);
      if (m.id.startsWith('hybrid')) expect(s32.opCounts.BATCH_MATMUL).toBe(2 * g.blocks.filter((b) => b.spec.type === 'mqa').length);
      if (m.id === 'hybrid-l') expect(s32.opCounts.GELU).toBeGreaterThan(0);
      const ref = runReference(g, w, x);
      const r32 = stats(await runLiteRt(g, fp32, x), ref);
      expect(r32.relRms).toBeLessThan(1e-4);

      const fp16 = exportTflite(g, { dtype: 'fp16', weights: w });
      checkStructure(g, fp16, 'fp16');
      expect(fp16.length).toBeLessThan(0.52 * fp32.length);
      const int8 = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }] });
      const s8 = checkStructure(g, int8, 'int8');
      expect(int8.length).toBeLessThan(0.3 * fp32.length);
      if (HAS_FLATC) checkWithFlatc(int8, s8, false);
      if (m.id === 'hybrid-m') {
        const int8f = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }], io: 'float32' });
        const r8 = stats(await runLiteRt(g, int8f, x), ref);
        expect(r8.relRms).toBeLessThan(0.05);
      }
    });
  }

  it('every registered model exports (fp32) at a small resolution', () => {
    for (const m of listModels()) {
      const g = lowerModel(m, 32);
      const s = readTflite(exportTflite(g, { dtype: 'fp32' }));
      expect(s.subgraphs[0]!.outputs[0]!.shape.at(-1), m.id).toBe(g.outputShape[0]);
    }
    // the Table 6 comparison models add ~240 M seeded weights (initWeights: ~0.2 us each on a 2-core VM)
  }, 600_000);
});

describe('TFLite export options and errors', () => {
  const g = block({ type: 'uib', startDw: 3, middleDw: 3, stride: 1, expandRatio: 2, outCh: 8, act: 'relu' }, [8, 4, 4]);

  it('is deterministic for the same graph, seed and calibration', () => {
    expect(exportTflite(g, { dtype: 'int8', seed: 4 })).toEqual(exportTflite(g, { dtype: 'int8', seed: 4 }));
    expect(exportTflite(g, { dtype: 'fp32', seed: 4 })).not.toEqual(exportTflite(g, { dtype: 'fp32', seed: 5 }));
  });

  it('rejects bad options with one-line errors', () => {
    expect(() => exportTflite(g, { dtype: 'int4' as never })).toThrow(/unknown TFLite dtype 'int4'/);
    expect(() => exportTflite(g, { dtype: 'fp32', io: 'float32' })).toThrow(TfliteExportError);
    expect(() => exportTflite(g, { dtype: 'int8', calibration: [{ input: new Float32Array(3) }] })).toThrow(
      /calibration input 0 must be a Float32Array of 8x4x4 = 128 values/,
    );
    expect(() => exportTflite(g, { dtype: 'int8', calibrationSamples: 0 })).toThrow(/positive integer/);
    expect(() => exportTflite(g, { dtype: 'fp32', weights: new Map() })).toThrow(/no weights for layer b00_uib\/start_dw/);
  });
});

describe('fp16 and int8 number formats', () => {
  it('converts float32 to float16 with round-to-nearest-even', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [0.1, 0x2e66],
      [2 ** -24, 0x0001],
      [2 ** -25, 0],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [Infinity, 0x7c00],
      [6.097555e-5, 0x03ff],
    ];
    for (const [v, bits] of cases) expect(floatToHalf(v), String(v)).toBe(bits);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    for (const v of [0.3333, -1234.5, 7e-6, 1e-3])
      expect(Math.abs(halfToFloat(floatToHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
  });

  it('quantizes activations asymmetrically with 0 exact and weights symmetrically per channel', () => {
    const q = activationQuant({ min: 0.5, max: 6 });
    expect(q.min).toBe(0);
    expect(q.zeroPoint).toEqual([-128]);
    const q2 = activationQuant({ min: -1, max: 3 });
    // real = (q - zp) * scale: the integer zero point makes 0 exact; the ends of the range are kept
    expect(Number.isInteger(q2.zeroPoint[0])).toBe(true);
    expect((-128 - q2.zeroPoint[0]!) * q2.scale[0]!).toBeCloseTo(-1, 2);
    expect((127 - q2.zeroPoint[0]!) * q2.scale[0]!).toBeCloseTo(3, 2);
    const { q: w, quant } = quantizeSymmetric(Float32Array.of(1, -2, 0.5, 4, -4, 0), [2, 3], 0, true);
    expect(quant.scale.map((s) => s * 127)).toEqual([expect.closeTo(2, 5), expect.closeTo(4, 5)]);
    expect(Array.from(w)).toEqual([64, -127, 32, 127, -127, 0]);
  });
});

describe('readTflite / validateTflite', () => {
  it('reads the MediaPipe face detector (a .tflite nobody here wrote) and LiteRT runs it', async () => {
    const bytes = new Uint8Array(readFileSync(MEDIAPIPE_TFLITE));
    validateTflite(bytes);
    const s = readTflite(bytes);
    expect(s.version).toBe(3);
    const sg = s.subgraphs[0]!;
    expect(sg.inputs.map((t) => [t.name, t.shape, t.type])).toEqual([['input', [1, 128, 128, 3], 'FLOAT32']]);
    expect(sg.outputs.map((t) => [t.name, t.shape])).toEqual([
      ['regressors', [1, 896, 16]],
      ['classificators', [1, 896, 1]],
    ]);
    for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D', 'DEQUANTIZE', 'ADD', 'RESHAPE', 'CONCATENATION']) expect(s.opCounts[op], op).toBeGreaterThan(0);
    expect(sg.tensors.some((t) => t.type === 'FLOAT16')).toBe(true);
    expect(s.tensorCount).toBe(sg.tensors.length);
    expect(s.bufferBytes).toBeGreaterThan(200_000);
    // what LiteRT sees agrees with the reader
    const lrt = await loadLiteRtNode();
    const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm' });
    try {
      expect(model.getInputDetails().map((d) => [d.name, Array.from(d.shape)])).toEqual([['input', [1, 128, 128, 3]]]);
      expect(model.getOutputDetails().map((d) => Array.from(d.shape))).toEqual(sg.outputs.map((t) => t.shape));
    } finally {
      model.delete();
    }
    const outs = await runTfliteNode(bytes, [new Float32Array(128 * 128 * 3).fill(0.25)]);
    expect(outs.map((o) => o.length)).toEqual([896 * 16, 896]);
    expect(outs.every((o) => o.every(Number.isFinite))).toBe(true);
    if (HAS_FLATC && FULL_SCHEMA) {
      const j = flatcJson(bytes, FULL_SCHEMA);
      expect(j.subgraphs[0]!.operators).toHaveLength(sg.operators.length);
    }
  });

  it('rejects files that are not TFLite models with one clear line', () => {
    const good = exportTflite(block({ type: 'conv_bn', kernel: 3, stride: 1, outCh: 8, act: 'relu' }, [3, 4, 4]), { dtype: 'fp32' });
    const bad: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /only 0 bytes/],
      [
        'ONNX-like protobuf',
        new Uint8Array([0x08, 0x08, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68, 0x1a, 0x03, 0x32, 0x2e, 0x31]),
        /file identifier is .*expected 'TFL3'/,
      ],
      ['text', new TextEncoder().encode('this is not a model, just some text'), /file identifier is ' is '/],
      ['truncated', good.slice(0, Math.floor(good.length / 3)), /not a valid TFLite model: .*outside the \d+-byte file/],
      [
        'bad root offset',
        (() => {
          const b = good.slice();
          new DataView(b.buffer).setUint32(0, 0x7fffff00, true);
          return b;
        })(),
        /outside/,
      ],
    ];
    for (const [what, bytes, re] of bad) {
      let err: unknown;
      try {
        readTflite(bytes);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(TfliteFormatError);
      expect((err as Error).message, what).toMatch(re);
      expect((err as Error).message.includes('\n'), what).toBe(false);
    }
  });
});
