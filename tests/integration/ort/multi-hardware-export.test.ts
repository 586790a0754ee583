/**
 * MultiHardware-MAX/AVG-1.5x through both exporters, with the checks every model gets: the ONNX file runs in
 * onnxruntime like the reference executor and passes onnx.checker (full shape inference, when python3-onnx is
 * installed); the TFLite files (fp32, int8) are well formed for this project's reader, decode with flatc
 * against the TFLite schema subset (when flatc is installed), and the fp32 file runs in LiteRT like the
 * reference. A small input (64 px) keeps the activations small; the weights are full size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../src/models/export/onnx.js';
import { exportTflite, nchwToNhwc, readTflite } from '../../../src/models/export/tflite.js';
import { runTfliteNode } from '../../../src/models/export/tflite/litert-node.js';
import { lowerModel } from '../../../src/models/graph.js';
import { MULTI_HARDWARE_MODELS } from '../../../src/models/multi-hardware.js';
import { runReference } from '../../../src/models/reference.js';
import { initWeights, seededInput } from '../../../src/models/weights.js';

const work = mkdtempSync(join(tmpdir(), 'mh-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HAS_ONNX_CHECKER = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
const HAS_FLATC = spawnSync('flatc', ['--version'], { encoding: 'utf8' }).status === 0;
/** The schema subset with Buffer.data read as a uoffset, so flatc does not dump megabytes of weights. */
const NO_DATA_SCHEMA = join(work, 'tflite-subset-nodata.fbs');
writeFileSync(
  NO_DATA_SCHEMA,
  readFileSync(resolve('src/models/export/tflite/tflite-subset.fbs'), 'utf8').replace('data:[ubyte] (force_align: 16);', 'data:uint;'),
);

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-3);
}

describe('MultiHardware models export and check like every model', () => {
  for (const m of MULTI_HARDWARE_MODELS) {
    it(`${m.id}: ONNX at 224 passes onnx.checker; at 64 onnxruntime matches the reference`, async () => {
      const full = exportOnnx(lowerModel(m), { dtype: 'fp32' });
      const file = join(work, `${m.id}.onnx`);
      writeFileSync(file, full);
      if (HAS_ONNX_CHECKER) {
        const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], {
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
      }
      const g = lowerModel(m, 64);
      const x = seededInput(g);
      const ref = runReference(g, initWeights(g, 0), x);
      const s = await ort.InferenceSession.create(exportOnnx(g, { dtype: 'fp32' }), { intraOpNumThreads: 1 });
      try {
        const out = await s.run({ input: new ort.Tensor('float32', x, [1, ...g.inputShape]) });
        expect(out.output!.dims).toEqual([1, 1000]);
        expect(relErr(out.output!.data as Float32Array, ref)).toBeLessThan(1e-3);
      } finally {
        await s.release();
      }
    }, 120_000);

    it(`${m.id}: TFLite fp32 runs in LiteRT like the reference; fp32 and int8 files decode against the schema`, async () => {
      const g = lowerModel(m, 64);
      const w = initWeights(g, 0);
      const x = seededInput(g, 5);
      const fp32 = exportTflite(g, { dtype: 'fp32', weights: w });
      const int8 = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }] });
      const convs = g.layers.filter((l) => l.op.kind === 'conv').length;
      const adds = g.layers.filter((l) => l.op.kind === 'add').length;
      for (const bytes of [fp32, int8]) {
        const s = readTflite(bytes);
        expect(s.subgraphs[0]!.outputs[0]!.shape).toEqual([1, 1000]);
        expect((s.opCounts.CONV_2D ?? 0) + (s.opCounts.DEPTHWISE_CONV_2D ?? 0)).toBe(convs);
        expect(s.opCounts.ADD ?? 0).toBe(adds);
        if (HAS_FLATC) {
          const f = join(work, `${m.id}-${bytes === fp32 ? 'fp32' : 'int8'}.tflite`);
          writeFileSync(f, bytes);
          const r = spawnSync('flatc', ['--json', '--strict-json', '--raw-binary', '-o', work, NO_DATA_SCHEMA, '--', f], { encoding: 'utf8' });
          expect(r.status, r.stderr).toBe(0);
        }
      }
      const [y] = await runTfliteNode(fp32, [nchwToNhwc(x, g.inputShape)]);
      expect(relErr(y!, runReference(g, w, x))).toBeLessThan(1e-4);
    }, 120_000);
  }
});
