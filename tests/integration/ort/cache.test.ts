import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../../src/models/workload.js';
import { seededInput } from '../../../src/models/weights.js';
import { cacheDir, canonicalJson, exportKey, ExportRequestError, getExport } from '../../../src/models/export/cache.js';
import { decodeModel } from '../../../src/models/export/onnx-proto.js';

const root = mkdtempSync(join(tmpdir(), 'mnv4-cache-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BLOCK = 'block:uib(a3,m5,s2,e4,o16,relu)@8x8x8';
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(root, `c${n++}`);
});

describe('canonical JSON', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('export cache', () => {
  it('builds once, then serves the verified file', async () => {
    const first = await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir });
    expect(first.cached).toBe(false);
    expect(first.workload).toBe('block:uib(a3,m5,s2,e4,o16,relu)@8x8x8');
    const bytes = readFileSync(first.path);
    expect(sha(bytes)).toBe(first.sha256);
    expect(bytes.length).toBe(first.bytes);
    const side = JSON.parse(readFileSync(join(dir, `${first.key}.json`), 'utf8')) as { sha256: string; bytes: number; schema: string };
    expect(side).toMatchObject({ sha256: first.sha256, bytes: first.bytes, schema: 'mnv4-bench.export-cache/1' });
    const second = await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir });
    expect(second).toMatchObject({ cached: true, sha256: first.sha256, path: first.path });
    // no temporary files left behind
    expect(readdirSync(dir).sort()).toEqual([`${first.key}.json`, `${first.key}.onnx`]);
  });

  it('detects a corrupted file and rebuilds it, never serving it', async () => {
    const first = await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir });
    const bytes = readFileSync(first.path);
    const bad = Uint8Array.from(bytes);
    bad[Math.floor(bad.length / 2)]! ^= 0xff; // same size, one byte flipped
    writeFileSync(first.path, bad);
    const again = await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir });
    expect(again.cached).toBe(false);
    expect(again.rebuiltReason).toMatch(/sha256/);
    expect(sha(readFileSync(again.path))).toBe(first.sha256); // exports are deterministic
    // truncated file
    truncateSync(first.path, 100);
    const third = await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir });
    expect(third).toMatchObject({ cached: false, sha256: first.sha256 });
    expect(third.rebuiltReason).toMatch(/bytes/);
    // broken or missing sidecar
    writeFileSync(join(dir, `${first.key}.json`), '{not json');
    expect((await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir })).rebuiltReason).toMatch(/sidecar/);
    rmSync(join(dir, `${first.key}.json`));
    expect((await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir })).rebuiltReason).toMatch(/sidecar missing/);
    expect((await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' }, { dir })).cached).toBe(true);
  });

  it('keys differ by dtype, format, seed, resolution, opset and workload; equal for the same request', () => {
    const g = resolveWorkload(BLOCK).graph;
    const base = exportKey(g, { format: 'onnx', dtype: 'fp32' });
    expect(exportKey(resolveWorkload(BLOCK).graph, { format: 'onnx', dtype: 'fp32', seed: 0 })).toBe(base);
    const others = [
      exportKey(g, { format: 'onnx', dtype: 'int8' }),
      exportKey(g, { format: 'tflite', dtype: 'fp32' }),
      exportKey(g, { format: 'onnx', dtype: 'fp32', seed: 1 }),
      exportKey(g, { format: 'onnx', dtype: 'fp32', onnxOpset: 20 }),
      exportKey(resolveWorkload('block:uib(a3,m5,s2,e4,o16,relu)@8x10x10').graph, { format: 'onnx', dtype: 'fp32' }),
      exportKey(resolveWorkload('block:uib(a3,m3,s2,e4,o16,relu)@8x8x8').graph, { format: 'onnx', dtype: 'fp32' }),
      exportKey(resolveWorkload('conv-s', { resolution: 160 }).graph, { format: 'onnx', dtype: 'fp32' }),
      exportKey(resolveWorkload('conv-s').graph, { format: 'onnx', dtype: 'fp32' }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('rejects dtypes a format does not offer', async () => {
    await expect(getExport(BLOCK, { format: 'onnx', dtype: 'fp16' }, { dir })).rejects.toThrow(ExportRequestError);
    await expect(getExport(BLOCK, { format: 'tflite', dtype: 'fp32', onnxOpset: 20 }, { dir })).rejects.toThrow(/ONNX exports only/);
    expect(existsSync(dir)).toBe(false);
  });

  it('int8 ONNX (calibrated through onnxruntime) is cached and runs', async () => {
    const r = await getExport(BLOCK, { format: 'onnx', dtype: 'int8' }, { dir });
    const model = decodeModel(readFileSync(r.path));
    expect(model.graph.node.some((nd) => nd.op_type === 'QuantizeLinear')).toBe(true);
    const w = resolveWorkload(BLOCK);
    const s = await ort.InferenceSession.create(r.path);
    const out = await s.run({ input: new ort.Tensor('float32', seededInput(w.graph), [1, 8, 8, 8]) });
    await s.release();
    expect(out.output!.dims).toEqual([1, 16, 4, 4]);
    expect((await getExport(BLOCK, { format: 'onnx', dtype: 'int8' }, { dir })).cached).toBe(true);
  });

  it('TFLite files go through the same cache', async () => {
    const r = await getExport(BLOCK, { format: 'tflite', dtype: 'fp32' }, { dir });
    expect(r.path.endsWith('.tflite')).toBe(true);
    const b = readFileSync(r.path);
    expect(b.subarray(4, 8).toString('latin1')).toBe('TFL3');
    expect((await getExport(BLOCK, { format: 'tflite', dtype: 'fp32' }, { dir })).cached).toBe(true);
  });
  it('int8 TFLite takes the same onnxruntime calibration', async () => {
    const r = await getExport(BLOCK, { format: 'tflite', dtype: 'int8' }, { dir });
    expect(readFileSync(r.path).subarray(4, 8).toString('latin1')).toBe('TFL3');
    const side = JSON.parse(readFileSync(join(dir, `${r.key}.json`), 'utf8')) as { calibration?: string };
    expect(side.calibration).toMatch(/onnxruntime-node/);
  });
});

describe('cache directory', () => {
  const saved = process.env.MNV4_BENCH_CACHE;
  afterEach(() => {
    if (saved === undefined) delete process.env.MNV4_BENCH_CACHE;
    else process.env.MNV4_BENCH_CACHE = saved;
  });
  it('is models/ in the cache folder: $MNV4_BENCH_CACHE/models, else <repo>/.cache/models', async () => {
    process.env.MNV4_BENCH_CACHE = join(root, 'env');
    expect(cacheDir()).toBe(join(root, 'env', 'models'));
    const r = await getExport(BLOCK, { format: 'onnx', dtype: 'fp32' });
    expect(r.path.startsWith(join(root, 'env', 'models'))).toBe(true);
    delete process.env.MNV4_BENCH_CACHE;
    expect(cacheDir()).toMatch(/\.cache[\\/]models$/);
  });
});
