/**
 * Runtime checks shared by the Table 6 block and model tests: onnx.checker, flatc's decoding of a .tflite,
 * onnxruntime-node and LiteRT runs in graph layout, and error measures against the reference executor.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { nchwToNhwc, nhwcToNchw } from '../../src/models/export/tflite.js';
import { runTfliteNode } from '../../src/models/export/tflite/litert-node.js';
import type { Graph } from '../../src/models/graph.js';

const work = mkdtempSync(path.join(tmpdir(), 'table6-'));
/** Removes the scratch folder (call from afterAll). */
export function cleanScratch(): void {
  rmSync(work, { recursive: true, force: true });
}

const PYTHON = '/usr/bin/python3';
export const hasOnnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
export const HAS_FLATC = spawnSync('flatc', ['--version'], { encoding: 'utf8' }).status === 0;
const SUBSET_SCHEMA = path.resolve('src/models/export/tflite/tflite-subset.fbs');

/** onnx.checker.check_model(full_check=True) on one file; returns the first line of its complaint or ''. */
export function onnxCheck(bytes: Uint8Array): string {
  const p = path.join(work, `m${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(p, bytes);
  const code = ['import sys, onnx', 'onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)'].join('\n');
  const r = spawnSync(PYTHON, ['-c', code, p], { encoding: 'utf8', maxBuffer: 1 << 24 });
  rmSync(p, { force: true });
  return r.status === 0 ? '' : (r.stderr.trim().split('\n').at(-1) ?? 'checker failed');
}

/** flatc's operator list of a .tflite decoded with the subset schema (an independent decoder). */
export function flatcOps(bytes: Uint8Array): string[] {
  const base = `f${Math.random().toString(36).slice(2)}`;
  const file = path.join(work, `${base}.tflite`);
  writeFileSync(file, bytes);
  const noData = path.join(work, 'nodata.fbs');
  writeFileSync(noData, readFileSync(SUBSET_SCHEMA, 'utf8').replace('data:[ubyte] (force_align: 16);', 'data:uint;'));
  const r = spawnSync('flatc', ['--json', '--strict-json', '--raw-binary', '-o', work, noData, '--', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flatc failed: ${r.stderr}`);
  const j = JSON.parse(readFileSync(path.join(work, `${base}.json`), 'utf8')) as {
    operator_codes: { builtin_code: string }[];
    subgraphs: { operators: { opcode_index?: number }[] }[];
  };
  return j.subgraphs[0]!.operators.map((o) => String(j.operator_codes[o.opcode_index ?? 0]!.builtin_code));
}

export async function runOrt(bytes: Uint8Array, g: Graph, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  try {
    const out = await s.run({ input: new ort.Tensor('float32', x, [1, ...g.inputShape]) });
    return out.output!.data as Float32Array;
  } finally {
    await s.release();
  }
}

export async function runLiteRt(g: Graph, bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const [y] = await runTfliteNode(bytes, [nchwToNhwc(x, g.inputShape)]);
  return g.outputShape[1] === 1 && g.outputShape[2] === 1 ? y! : nhwcToNchw(y!, g.outputShape);
}

/** max |a - b| / max |b| and the relative RMS error. */
export function errors(a: Float32Array, b: Float32Array): { maxRel: number; relRms: number } {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  let se = 0;
  let sr = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
    se += (a[i]! - b[i]!) ** 2;
    sr += b[i]! ** 2;
  }
  return { maxRel: d / Math.max(m, 1e-3), relRms: Math.sqrt(se / Math.max(sr, 1e-12)) };
}
