import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { blockOfNodeName, lowerBlocks, lowerModel, ModelSpecError, type Graph, type Shape } from '../../../src/models/graph.js';
import { listModels } from '../../../src/models/registry.js';
import { encodeArch, getSearchSpace, sampleArch } from '../../../src/models/search-space.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import type { BlockSpec } from '../../../src/models/spec.js';
import { initWeights, seededInput } from '../../../src/models/weights.js';
import { calibrationRanges, runReference } from '../../../src/models/reference.js';
import { exportOnnx, ONNX_IR_VERSION, ONNX_OPSET, type AttentionLayout } from '../../../src/models/export/onnx.js';
import { DataType, decodeModel, int64ToNumber } from '../../../src/models/export/onnx-proto.js';
import { calibrateWithOnnxRuntime, calibrationInputs } from '../../../src/models/export/calibrate.js';

const tmp = mkdtempSync(join(tmpdir(), 'mnv4-onnx-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PYTHON = '/usr/bin/python3';
const hasOnnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

/** Runs onnx.checker.check_model(full_check=True) (full shape inference) on files; returns failures. */
function onnxCheck(paths: string[]): string[] {
  const script = [
    'import sys, onnx',
    'bad = []',
    'for p in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(p), full_check=True)',
    '    except Exception as e:',
    '        bad.append(p + ": " + str(e).splitlines()[0])',
    'print("\\n".join(bad))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, ...paths], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`python checker failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

async function runOrt(bytes: Uint8Array, graph: Graph, input: Float32Array, level: 'disabled' | 'all' = 'all'): Promise<ort.Tensor> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level, intraOpNumThreads: 1 });
  try {
    const out = await s.run({ input: new ort.Tensor('float32', input, [1, ...graph.inputShape]) });
    return out.output!;
  } finally {
    await s.release();
  }
}

/** max |a - b| relative to max |b| (with an absolute floor) */
function maxRelErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-3);
}

function relRms(a: Float32Array, b: Float32Array): number {
  let se = 0;
  let sr = 0;
  for (let i = 0; i < b.length; i++) {
    se += (a[i]! - b[i]!) ** 2;
    sr += b[i]! ** 2;
  }
  return Math.sqrt(se / Math.max(sr, 1e-12));
}

const one = (spec: BlockSpec, inShape: Shape): Graph => lowerBlocks(`block:test@${inShape.join('x')}`, inShape, [{ stage: 't', spec }]);

// Tiny shapes; odd and even sizes so TF-SAME padding is both symmetric and asymmetric.
const BLOCKS: [string, BlockSpec, Shape][] = [
  ['conv_bn 3x3 s2 relu (even input: bottom/right pad)', { type: 'conv_bn', kernel: 3, stride: 2, outCh: 8, act: 'relu' }, [3, 8, 8]],
  ['conv_bn 5x5 s2 relu6 (odd input)', { type: 'conv_bn', kernel: 5, stride: 2, outCh: 8, act: 'relu6' }, [4, 9, 9]],
  ['conv_bn 3x3 gelu', { type: 'conv_bn', kernel: 3, stride: 1, outCh: 8, act: 'gelu' }, [4, 5, 5]],
  ['conv_bn depthwise 3x3 s2 hswish', { type: 'conv_bn', kernel: 3, stride: 2, outCh: 8, act: 'hswish', depthwise: true }, [8, 6, 6]],
  ['fused_ib s1 (residual)', { type: 'fused_ib', kernel: 3, stride: 1, expandRatio: 4, outCh: 8, act: 'relu' }, [8, 6, 6]],
  ['fused_ib s2', { type: 'fused_ib', kernel: 3, stride: 2, expandRatio: 4, outCh: 16, act: 'relu' }, [8, 7, 7]],
  ['uib ExtraDW s1', { type: 'uib', startDw: 3, middleDw: 5, stride: 1, expandRatio: 4, outCh: 8, act: 'relu' }, [8, 6, 6]],
  ['uib ExtraDW s2', { type: 'uib', startDw: 3, middleDw: 5, stride: 2, expandRatio: 4, outCh: 16, act: 'relu' }, [8, 8, 8]],
  ['uib IB s1', { type: 'uib', startDw: 0, middleDw: 3, stride: 1, expandRatio: 2, outCh: 8, act: 'relu' }, [8, 5, 5]],
  ['uib IB s2', { type: 'uib', startDw: 0, middleDw: 5, stride: 2, expandRatio: 4, outCh: 16, act: 'relu' }, [8, 7, 7]],
  ['uib ConvNext-like s1', { type: 'uib', startDw: 5, middleDw: 0, stride: 1, expandRatio: 4, outCh: 8, act: 'relu' }, [8, 6, 6]],
  ['uib ConvNext-like s2', { type: 'uib', startDw: 3, middleDw: 0, stride: 2, expandRatio: 4, outCh: 16, act: 'relu' }, [8, 6, 6]],
  [
    'uib FFN s1 with layer scale',
    { type: 'uib', startDw: 0, middleDw: 0, stride: 1, expandRatio: 4, outCh: 8, act: 'relu', layerScale: 0.3 },
    [8, 4, 4],
  ],
  [
    'uib ExtraDW gelu with layer scale',
    { type: 'uib', startDw: 3, middleDw: 3, stride: 1, expandRatio: 2, outCh: 8, act: 'gelu', layerScale: 0.5 },
    [8, 5, 5],
  ],
  ['mqa kvStride 1', { type: 'mqa', heads: 2, keyDim: 8, valueDim: 8, kvStride: 1 }, [16, 4, 4]],
  ['mqa kvStride 2 (spatial reduction), layer scale', { type: 'mqa', heads: 4, keyDim: 8, valueDim: 4, kvStride: 2, layerScale: 0.5 }, [16, 5, 5]],
  ['inverted_residual SE hswish', { type: 'inverted_residual', kernel: 3, stride: 1, expandedCh: 24, outCh: 8, act: 'hswish', seCh: 8 }, [8, 5, 5]],
  ['inverted_residual no expand s2 relu', { type: 'inverted_residual', kernel: 3, stride: 2, expandedCh: 8, outCh: 16, act: 'relu' }, [8, 6, 6]],
  ['squeeze_excite sigmoid gate then relu (MobileOne)', { type: 'squeeze_excite', seCh: 4, gate: 'sigmoid', act: 'relu' }, [16, 5, 5]],
];

const HEAD: Graph = lowerBlocks(
  'head:test',
  [16, 3, 3],
  [
    { stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: 32, act: 'relu' } },
    { stage: 'head', spec: { type: 'global_pool' } },
    { stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: 24, act: 'hswish' } },
    { stage: 'classifier', spec: { type: 'linear', outCh: 10 } },
  ],
);

// fp32 tolerance: max |ORT - reference| <= 1e-5 * max |reference| (float32 accumulation-order noise)
const FP32_TOL = 1e-5;

describe('fp32 export matches the reference executor (onnxruntime-node, level all)', () => {
  const written: string[] = [];
  for (const [name, spec, shape] of BLOCKS) {
    const layouts: AttentionLayout[] = spec.type === 'mqa' ? ['queries-first', 'keys-first'] : ['queries-first'];
    for (const layout of layouts) {
      it(`${name}${spec.type === 'mqa' ? ` (${layout})` : ''}`, async () => {
        const g = one(spec, shape);
        const w = initWeights(g, 3);
        const x = seededInput(g, 5);
        const bytes = exportOnnx(g, { dtype: 'fp32', weights: w, attentionLayout: layout });
        const out = await runOrt(bytes, g, x);
        expect(out.dims).toEqual([1, ...g.outputShape]);
        const ref = runReference(g, w, x);
        expect(maxRelErr(out.data as Float32Array, ref)).toBeLessThanOrEqual(FP32_TOL);
        const p = join(tmp, `block-${written.length}.onnx`);
        writeFileSync(p, bytes);
        written.push(p);
      });
    }
  }
  it('head (conv, pool, conv, linear): output [1, N]', async () => {
    const w = initWeights(HEAD, 0);
    const x = seededInput(HEAD);
    const bytes = exportOnnx(HEAD, { dtype: 'fp32', weights: w });
    const out = await runOrt(bytes, HEAD, x);
    expect(out.dims).toEqual([1, 10]);
    expect(maxRelErr(out.data as Float32Array, runReference(HEAD, w, x))).toBeLessThanOrEqual(FP32_TOL);
    const p = join(tmp, 'head.onnx');
    writeFileSync(p, bytes);
    written.push(p);
  });
  it('a linear layer inside the graph (not the classifier output) keeps the [1,C,1,1] layout', async () => {
    const g = lowerBlocks(
      'mid:test',
      [8, 3, 3],
      [
        { stage: 'a', spec: { type: 'global_pool' } },
        { stage: 'a', spec: { type: 'linear', outCh: 6 } },
        { stage: 'a', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: 4, act: 'hswish' } },
      ],
    );
    const w = initWeights(g, 0);
    const x = seededInput(g);
    const out = await runOrt(exportOnnx(g, { dtype: 'fp32', weights: w }), g, x);
    expect(out.dims).toEqual([1, 4, 1, 1]);
    expect(maxRelErr(out.data as Float32Array, runReference(g, w, x))).toBeLessThanOrEqual(FP32_TOL);
    const q = await runOrt(exportOnnx(g, { dtype: 'int8', weights: w }), g, seededInput(g, 1000));
    expect(relRms(q.data as Float32Array, runReference(g, w, seededInput(g, 1000)))).toBeLessThan(0.05);
  });
  it('search-space architectures and odd resolutions export and run', async () => {
    const space = getSearchSpace('conv-s');
    const arch = resolveWorkload(`arch:${encodeArch(space, sampleArch(space, 3))}`, { resolution: 97 });
    const g = arch.graph;
    const out = await runOrt(exportOnnx(g, { dtype: 'fp32' }), g, seededInput(g));
    expect(out.dims).toEqual([1, 1000]);
    expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
    const p = join(tmp, 'arch.onnx');
    writeFileSync(p, exportOnnx(g, { dtype: 'fp32' }));
    written.push(p);
  });
  it('a strided UIB without any depthwise conv is rejected before export', () => {
    expect(() => one({ type: 'uib', startDw: 0, middleDw: 0, stride: 2, expandRatio: 4, outCh: 8, act: 'relu' }, [8, 4, 4])).toThrow(ModelSpecError);
  });
  it.skipIf(!hasOnnxChecker)('every block file passes onnx.checker with full shape inference', () => {
    expect(written.length).toBe(BLOCKS.length + 2 + 2);
    expect(onnxCheck(written)).toEqual([]);
  });
});

describe('file format and names', () => {
  const g = one(BLOCKS[15]![1], BLOCKS[15]![2]);
  const model = decodeModel(exportOnnx(g, { dtype: 'fp32', seed: 0 }));
  it('IR 8 / opset 17, input `input` [1,C,H,W], output `output`', () => {
    expect(int64ToNumber(model.ir_version)).toBe(ONNX_IR_VERSION);
    expect(model.opset_import.map((o) => [o.domain ?? '', int64ToNumber(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(model.graph.input!.map((i) => i.name)).toEqual(['input']);
    expect(model.graph.input![0]!.type!.tensor_type!.shape!.dim!.map((d) => int64ToNumber(d.dim_value))).toEqual([1, 16, 5, 5]);
    expect(model.graph.output!.map((o) => o.name)).toEqual(['output']);
    for (const t of model.graph.initializer!) {
      expect(t.raw_data, t.name).toBeDefined();
      for (const a of model.graph.node.flatMap((n) => n.attribute ?? [])) expect(a.type).toBeGreaterThan(0);
    }
  });
  it('every node and tensor name says its block', () => {
    const blocks = new Set(g.blocks.map((b) => b.id));
    for (const n of model.graph.node) {
      expect(blocks.has(blockOfNodeName(n.name) ?? ''), n.name).toBe(true);
      for (const o of n.output) if (o !== 'output') expect(blocks.has(blockOfNodeName(o) ?? ''), o).toBe(true);
    }
    const ops = model.graph.node.map((n) => `${n.op_type} ${n.name}`);
    expect(ops).toEqual(
      expect.arrayContaining(['Softmax b00_mqa/attn/softmax', 'MatMul b00_mqa/attn/scores', 'Conv b00_mqa/k_dw', 'Mul b00_mqa/layer_scale']),
    );
  });
  it('conv pads are TF-SAME (asymmetric on even inputs)', () => {
    const gs = one(BLOCKS[0]![1], BLOCKS[0]![2]);
    const conv = decodeModel(exportOnnx(gs, { dtype: 'fp32' })).graph.node.find((n) => n.op_type === 'Conv')!;
    const pads = conv.attribute!.find((a) => a.name === 'pads')!.ints!.map(int64ToNumber);
    expect(pads).toEqual([0, 0, 1, 1]);
  });
  it('onnxruntime profiler nodes map back to blocks', async () => {
    const prefix = join(tmp, 'prof');
    const s = await ort.InferenceSession.create(exportOnnx(g, { dtype: 'fp32' }), {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: prefix,
    });
    await s.run({ input: new ort.Tensor('float32', seededInput(g), [1, ...g.inputShape]) });
    s.endProfiling();
    await s.release();
    const file = readdirSync(tmp).find((f) => f.startsWith('prof'))!;
    const events = JSON.parse(readFileSync(join(tmp, file), 'utf8')) as { cat: string; name: string; args: { op_name?: string } }[];
    const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
    expect(nodes.length).toBeGreaterThan(5);
    // layout nodes onnxruntime inserts itself (NCHWc reorders, NHWC transposes) carry no block name
    const unmapped = nodes.filter(
      (e) => blockOfNodeName(e.name) === undefined && !/^(ReorderInput|ReorderOutput|Transpose)/.test(e.args.op_name ?? ''),
    );
    expect(unmapped.map((e) => e.name)).toEqual([]);
  });
});

describe('int8 QDQ export', () => {
  const cases: [string, Graph][] = [
    ['uib ExtraDW s2', one(BLOCKS[7]![1], BLOCKS[7]![2])],
    ['mqa kvStride 2', one(BLOCKS[15]![1], BLOCKS[15]![2])],
    ['inverted_residual SE hswish', one(BLOCKS[16]![1], BLOCKS[16]![2])],
    ['head', HEAD],
  ];
  const files: string[] = [];
  for (const [name, g] of cases) {
    it(`${name}: close to fp32 and really quantized`, async () => {
      const w = initWeights(g, 0);
      const bytes = exportOnnx(g, { dtype: 'int8', weights: w });
      files.push(join(tmp, `int8-${files.length}.onnx`));
      writeFileSync(files[files.length - 1]!, bytes);
      // documented tolerance: on a calibration input the int8 output is within 3% rms / 6% max of fp32;
      // on a held-out input (values can leave the calibrated ranges and clip) within 20% rms
      const xCal = seededInput(g, 1000);
      const xNew = seededInput(g, 77);
      for (const [x, rms, max] of [
        [xCal, 0.03, 0.06],
        [xNew, 0.2, 0.5],
      ] as const) {
        const q = (await runOrt(bytes, g, x)).data as Float32Array;
        const ref = runReference(g, w, x);
        expect(relRms(q, ref)).toBeLessThan(rms);
        expect(maxRelErr(q, ref)).toBeLessThan(max);
        expect(relRms(q, ref)).toBeGreaterThan(1e-4); // it is not the fp32 graph
      }
    });
  }
  it('weights are per-channel symmetric int8, biases int32, activations uint8 per tensor', () => {
    const g = cases[0]![1];
    const m = decodeModel(exportOnnx(g, { dtype: 'int8' }));
    const init = new Map(m.graph.initializer!.map((t) => [t.name!, t]));
    const conv = init.get('b00_uib/expand/weight_q')!;
    expect(conv.data_type).toBe(DataType.INT8);
    expect(init.get('b00_uib/expand/weight_scale')!.dims!.map(int64ToNumber)).toEqual([32]);
    expect(init.get('b00_uib/expand/bias_q')!.data_type).toBe(DataType.INT32);
    expect(init.get('b00_uib/expand/qzp')!.data_type).toBe(DataType.UINT8);
    expect(init.get('b00_uib/expand/qscale')!.dims).toEqual([]);
    // no float conv weights left
    expect([...init.keys()].filter((k) => k.endsWith('/weight'))).toEqual([]);
    const wdq = m.graph.node.find((n) => n.name === 'b00_uib/expand/weight/dq')!;
    expect(wdq.attribute!.find((a) => a.name === 'axis')!.i).toBe(0);
    // 7-bit symmetric codes: zero points all 0, codes within [-64, 64], every channel reaching 64, so two
    // u8 x s8 products (vpmaddubsw on x86 without VNNI) sum to at most 255 * 64 * 2 = 32640 < 2^15
    const q = new Int8Array(conv.raw_data!.buffer, conv.raw_data!.byteOffset, conv.raw_data!.byteLength);
    const perChannel = q.length / 32;
    for (let o = 0; o < 32; o++) expect(Math.max(...q.subarray(o * perChannel, (o + 1) * perChannel).map(Math.abs))).toBe(64);
    expect(255 * 64 * 2).toBeLessThanOrEqual(32767);
    const zp = init.get('b00_uib/expand/weight_zp');
    expect(zp, 'weight zero point').toBeDefined();
    expect([...new Int8Array(zp!.raw_data!.buffer, zp!.raw_data!.byteOffset, zp!.raw_data!.byteLength)].every((v) => v === 0)).toBe(true);
    // 8-bit codes on request: [-127, 127]
    const m8 = decodeModel(exportOnnx(g, { dtype: 'int8', int8WeightBits: 8 }));
    const w8 = m8.graph.initializer!.find((t) => t.name === 'b00_uib/expand/weight_q')!;
    expect(Math.max(...new Int8Array(w8.raw_data!.buffer, w8.raw_data!.byteOffset, w8.raw_data!.byteLength).map(Math.abs))).toBe(127);
    // bias scale = input scale * weight scale
    const f = (name: string): Float32Array => {
      const t = init.get(name)!.raw_data!;
      return new Float32Array(new Uint8Array(t).buffer); // copy: decoded bytes are views into a pool
    };
    const inScale = f('b00_uib/start_dw/qscale')[0]!;
    const ws = f('b00_uib/expand/weight_scale');
    const bs = f('b00_uib/expand/bias_scale');
    ws.forEach((s, i) => expect(bs[i]).toBe(Math.fround(inScale * s)));
  });
  it('onnxruntime (level all) fuses the QDQ graph into quantized kernels', async () => {
    const g = lowerBlocks(
      't',
      [16, 6, 6],
      [
        { stage: 't', spec: { type: 'uib', startDw: 3, middleDw: 5, stride: 1, expandRatio: 4, outCh: 16, act: 'relu' } },
        { stage: 't', spec: { type: 'mqa', heads: 2, keyDim: 8, valueDim: 8, kvStride: 2, layerScale: 0.5 } },
        { stage: 't', spec: { type: 'global_pool' } },
        { stage: 't', spec: { type: 'linear', outCh: 10 } },
      ],
    );
    const optimized = join(tmp, 'int8-optimized.onnx');
    const s = await ort.InferenceSession.create(exportOnnx(g, { dtype: 'int8' }), {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: optimized,
    });
    await s.release();
    const ops = decodeModel(readFileSync(optimized)).graph.node.map((n) => n.op_type);
    expect(ops).toEqual(
      expect.arrayContaining(['QLinearConv', 'QLinearMatMul', 'QLinearAdd', 'QLinearMul', 'QLinearSoftmax', 'QLinearGlobalAveragePool', 'QGemm']),
    );
    // every conv and matmul runs quantized: no float Conv / MatMul / Gemm left
    expect(ops.filter((o) => o === 'Conv' || o === 'MatMul' || o === 'Gemm' || o === 'FusedConv')).toEqual([]);
    // only the graph input is quantized and the output dequantized
    expect(ops.filter((o) => o === 'QuantizeLinear').length).toBe(1);
    expect(ops.filter((o) => o === 'DequantizeLinear').length).toBe(1);
  });
  it('the onnxruntime calibration table agrees with the reference executor', async () => {
    const g = cases[1]![1];
    const w = initWeights(g, 0);
    const inputs = calibrationInputs(g);
    const viaOrt = await calibrateWithOnnxRuntime(g, w, inputs);
    const viaRef = calibrationRanges(g, w, inputs);
    for (const [name, r] of viaRef) {
      const o = viaOrt.get(name);
      expect(o, name).toBeDefined();
      const span = Math.max(Math.abs(r.min), Math.abs(r.max), 1e-6);
      expect(Math.abs(o!.min - r.min) / span, name).toBeLessThan(1e-4);
      expect(Math.abs(o!.max - r.max) / span, name).toBeLessThan(1e-4);
    }
  });
  it.skipIf(!hasOnnxChecker)('int8 files pass onnx.checker with full shape inference', () => {
    expect(files.length).toBe(cases.length);
    expect(onnxCheck(files)).toEqual([]);
  });
});

describe('opset 20 (native Gelu)', () => {
  const g = one(BLOCKS[13]![1], BLOCKS[13]![2]);
  const w = initWeights(g, 0);
  async function optimizedOps(bytes: Uint8Array, name: string): Promise<string[]> {
    const p = join(tmp, name);
    const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: p });
    await s.release();
    return decodeModel(readFileSync(p)).graph.node.map((n) => n.op_type);
  }
  it('fp32 with the Gelu op matches the reference', async () => {
    const bytes = exportOnnx(g, { dtype: 'fp32', weights: w, opset: 20 });
    const m = decodeModel(bytes);
    expect(int64ToNumber(m.opset_import[0]!.version)).toBe(20);
    expect(m.graph.node.filter((n) => n.op_type === 'Gelu').length).toBe(2);
    const x = seededInput(g, 5);
    expect(maxRelErr((await runOrt(bytes, g, x)).data as Float32Array, runReference(g, w, x))).toBeLessThanOrEqual(FP32_TOL);
  });
  it('int8: the decomposed GELU stays unfused in QDQ graphs, the Gelu op stays one kernel', async () => {
    const cal = calibrationRanges(g, w, calibrationInputs(g));
    const ops17 = await optimizedOps(exportOnnx(g, { dtype: 'int8', weights: w, calibration: cal }), 'gelu17.onnx');
    const ops20 = await optimizedOps(exportOnnx(g, { dtype: 'int8', weights: w, calibration: cal, opset: 20 }), 'gelu20.onnx');
    // onnxruntime 1.30 duplicates the DequantizeLinear feeding Div and Mul, which defeats GeluFusion
    expect(ops17.filter((o) => o === 'Erf').length).toBe(2);
    expect(ops20.filter((o) => o === 'Gelu').length).toBe(2);
    expect(ops20).not.toContain('Erf');
    expect(ops20.filter((o) => o === 'QLinearConv').length).toBe(ops17.filter((o) => o === 'QLinearConv').length);
  });
});

describe('whole models at native resolution', () => {
  const models = listModels().filter((m) => m.family === 'mnv4' && m.id !== 'hybrid-m-paper');
  const files: string[] = [];
  it('there are the five MNv4 models', () => {
    expect(models.map((m) => m.id).sort()).toEqual(['conv-l', 'conv-m', 'conv-s', 'hybrid-l', 'hybrid-m']);
  });
  for (const m of models) {
    it(`${m.id}: exports, runs in onnxruntime, output [1, 1000]`, async () => {
      const g = lowerModel(m);
      const bytes = exportOnnx(g, { dtype: 'fp32' });
      const out = await runOrt(bytes, g, seededInput(g));
      expect(out.dims).toEqual([1, 1000]);
      expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
      const p = join(tmp, `${m.id}.onnx`);
      writeFileSync(p, bytes);
      files.push(p);
    });
  }
  it.skipIf(!hasOnnxChecker)('every model passes onnx.checker with full shape inference', () => {
    expect(files.length).toBe(models.length);
    expect(onnxCheck(files)).toEqual([]);
  });
});
