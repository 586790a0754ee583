/**
 * The Table 6 comparison models that are not MobileNets (src/models/table6-zoo.ts): each model's parameter and
 * MAC counts are held against the published figures, with their sources, and whole models export, pass
 * onnx.checker and flatc, and run in onnxruntime-node and LiteRT like the reference executor.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { graphCost } from '../../../src/models/cost.js';
import { exportOnnx } from '../../../src/models/export/onnx.js';
import { exportTflite, readTflite } from '../../../src/models/export/tflite.js';
import { lowerModel } from '../../../src/models/graph.js';
import { getPublished, loadPublished } from '../../../src/models/published.js';
import { runReference } from '../../../src/models/reference.js';
import { getModel, listModels } from '../../../src/models/registry.js';
import { CONVNEXT_S, FASTVIT_MODELS, TABLE6_ZOO_MODELS } from '../../../src/models/table6-zoo.js';
import { initWeights, seededInput } from '../../../src/models/weights.js';
import { cleanScratch, errors, flatcOps, HAS_FLATC, hasOnnxChecker, onnxCheck, runLiteRt, runOrt } from '../../helpers/table6-runtimes.js';

afterAll(cleanScratch);

/** Published counts held by the tests: [id, params (M), MACs (G), source, note]. */
const PUBLISHED: [string, number, number, string][] = [
  ['convnext-s', 50.223688, 8.68, 'torchvision ConvNeXt_Small_Weights docs: num_params 50223688, GFLOPS 8.68 (MACs); Table 6: 50 M, 8.7 G'],
];

describe('params and MACs against published figures', () => {
  const data = loadPublished();

  it('ConvNeXt-S has exactly the official parameter count and the published MACs', () => {
    const c = graphCost(lowerModel(CONVNEXT_S));
    // torchvision's count of the same architecture (every conv/linear bias, LN gamma+beta, layer scale)
    expect(c.paramsInfer).toBe(50_223_688);
    expect(c.paramsTrain).toBe(50_223_688);
    for (const [id, params, macs, source] of PUBLISHED) {
      const m = graphCost(lowerModel(getModel(id)));
      expect(Math.abs(m.paramsInfer / 1e6 / params - 1), source).toBeLessThan(0.01);
      expect(Math.abs(m.macs / 1e9 / macs - 1), source).toBeLessThan(0.05);
    }
  });

  it('every model is within 5% of the Table 6 MACs and each params figure is within 1% or carries a note', () => {
    const report: string[] = [];
    for (const m of TABLE6_ZOO_MODELS) {
      const row = getPublished(m.id, data).table6!;
      if (row.params.state !== 'value' || row.macs.state !== 'value') throw new Error(`${m.id}: no Table 6 counts`);
      const c = graphCost(lowerModel(m));
      const pErr = c.paramsInfer / 1e6 / row.params.value - 1;
      const mErr = c.macs / 1e9 / row.macs.value - 1;
      report.push(
        `${m.id} params ${(c.paramsInfer / 1e6).toFixed(2)} (${(100 * pErr).toFixed(1)}%) MACs ${(c.macs / 1e9).toFixed(3)} (${(100 * mErr).toFixed(1)}%)`,
      );
      expect(Math.abs(mErr), `${m.id} MACs`).toBeLessThan(0.05);
      if (Math.abs(pErr) >= 0.01)
        expect(
          row.notes.some((n) => n.column === 'params'),
          `${m.id} params ${pErr}`,
        ).toBe(true);
    }
    expect(report).toHaveLength(TABLE6_ZOO_MODELS.length);
  });

  it('EfficientViT counts: B1 and B3 within 1% of Table 6, B2 within the integer 24M of the README', () => {
    const p = (id: string): number => graphCost(lowerModel(getModel(id))).paramsInfer / 1e6;
    const m = (id: string): number => graphCost(lowerModel(getModel(id))).macs / 1e9;
    expect(Math.abs(p('mit-efficientvit-b1-r224') / 9.1 - 1)).toBeLessThan(0.01);
    expect(Math.abs(m('mit-efficientvit-b1-r224') / 0.52 - 1)).toBeLessThan(0.01); // README: 0.52 G
    expect(Math.round(p('mit-efficientvit-b2-r256'))).toBe(24);
    expect(Math.abs(m('mit-efficientvit-b2-r256') / 2.1 - 1)).toBeLessThan(0.02);
    expect(Math.abs(p('mit-efficientvit-b3-r224') / 49 - 1)).toBeLessThan(0.01);
  });

  it('NextViT-B is within 0.1% of the 44.8 M params and 0.4% of the 8.3 G MACs of Table 6', () => {
    const c = graphCost(lowerModel(getModel('nextvit-b')));
    expect(Math.abs(c.paramsInfer / 1e6 / 44.8 - 1)).toBeLessThan(0.001);
    expect(Math.abs(c.macs / 1e9 / 8.3 - 1)).toBeLessThan(0.004);
  });

  it('FastViT counts follow the official code: attention variants add exactly the stage-4 MHSA and RepCPE', () => {
    const count = (id: string): number => graphCost(lowerModel(getModel(id))).paramsInfer;
    // SA12 - S12 = 2 blocks of (BN 2C + q,k,v C*C + proj C*C + C) + RepCPE (49 C + C), C = 512
    const C = 512;
    expect(count('fastvit-sa12') - count('fastvit-s12')).toBe(2 * (2 * C + 4 * C * C + C + C) + 50 * C - 2 * (9 * C + C));
    // T8 at 256x256: the FastViT paper's 0.7 GFLOPs (MACs) for 3.6 M params
    expect(graphCost(lowerModel(getModel('fastvit-t8'))).macs / 1e9).toBeCloseTo(0.685, 3);
    expect(FASTVIT_MODELS.map((m) => m.resolution)).toEqual([256, 256, 256, 256, 256]);
  });

  it('every zoo model is in the registry with a family and a cited source', () => {
    for (const m of TABLE6_ZOO_MODELS) {
      expect(listModels()).toContain(m);
      expect(m.source).toMatch(/arXiv \d{4}\.\d{5}/);
      expect(getPublished(m.name, data).id).toBe(m.id);
    }
  });
});

describe('whole models export and run', () => {
  it('FastViT-SA12 at 64x64: onnxruntime-node and LiteRT match the reference executor', async () => {
    const g = lowerModel(getModel('fastvit-sa12'), 64);
    const w = initWeights(g, 1);
    const x = seededInput(g, 2);
    const ref = runReference(g, w, x);
    const onnx = exportOnnx(g, { dtype: 'fp32', weights: w });
    expect(errors(await runOrt(onnx, g, x), ref).maxRel).toBeLessThanOrEqual(1e-4);
    if (hasOnnxChecker) expect(onnxCheck(onnx)).toBe('');
    const tfl = exportTflite(g, { dtype: 'fp32', weights: w });
    expect(errors(await runLiteRt(g, tfl, x), ref).maxRel).toBeLessThanOrEqual(1e-3);
  });

  it('EfficientViT-B1 at 64x64: onnxruntime-node and LiteRT (fp32 and int8) match the reference executor', async () => {
    const g = lowerModel(getModel('mit-efficientvit-b1-r224'), 64);
    const w = initWeights(g, 1);
    const x = seededInput(g, 2);
    const ref = runReference(g, w, x);
    const onnx = exportOnnx(g, { dtype: 'fp32', weights: w });
    expect(errors(await runOrt(onnx, g, x), ref).maxRel).toBeLessThanOrEqual(1e-4);
    if (hasOnnxChecker) expect(onnxCheck(onnx)).toBe('');
    expect(errors(await runLiteRt(g, exportTflite(g, { dtype: 'fp32', weights: w }), x), ref).maxRel).toBeLessThanOrEqual(1e-3);
    const int8 = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }], io: 'float32' });
    expect(errors(await runLiteRt(g, int8, x), ref).relRms).toBeLessThan(0.2);
  });

  it('NextViT-B at 32x32: onnxruntime-node and LiteRT match the reference executor', async () => {
    const g = lowerModel(getModel('nextvit-b'), 32);
    const w = initWeights(g, 1);
    const x = seededInput(g, 2);
    const ref = runReference(g, w, x);
    expect(errors(await runOrt(exportOnnx(g, { dtype: 'fp32', weights: w }), g, x), ref).maxRel).toBeLessThanOrEqual(1e-4);
    expect(errors(await runLiteRt(g, exportTflite(g, { dtype: 'fp32', weights: w }), x), ref).maxRel).toBeLessThanOrEqual(1e-3);
  }, 300_000);

  it('ConvNext-S and FastViT-T8 at native resolution: ONNX passes the checker and runs to [1, 1000]', async () => {
    for (const m of [getModel('fastvit-t8'), CONVNEXT_S]) {
      const g = lowerModel(m);
      const bytes = exportOnnx(g, { dtype: 'fp32' });
      if (hasOnnxChecker) expect(onnxCheck(bytes)).toBe('');
      const y = await runOrt(bytes, g, seededInput(g, 1));
      expect(y.length).toBe(1000);
      expect(y.every(Number.isFinite)).toBe(true);
      const t = exportTflite(g, { dtype: 'fp32' });
      if (HAS_FLATC) expect(flatcOps(t).length).toBe(readTflite(t).subgraphs[0]!.operators.length);
    }
  }, 300_000);
});
