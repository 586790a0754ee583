/**
 * The block types of the Table 6 comparison models (src/models/table6-blocks.ts) and their layer ops
 * (LayerNorm over channels, multi-head attention, grouped convs with a channel multiplier, patchify convs):
 * each is checked against the reference executor in onnxruntime-node and LiteRT (fp32, fp16, int8), and its
 * files pass onnx.checker and flatc.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { blockText, parseBlockText } from '../../../src/models/block-text.js';
import { exportOnnx } from '../../../src/models/export/onnx.js';
import { exportTflite, readTflite } from '../../../src/models/export/tflite.js';
import { lowerBlocks, type Graph, type Shape } from '../../../src/models/graph.js';
import { runReference } from '../../../src/models/reference.js';
import type { BlockSpec } from '../../../src/models/spec.js';
import { initWeights, seededInput } from '../../../src/models/weights.js';
import { cleanScratch, errors, flatcOps, HAS_FLATC, hasOnnxChecker, onnxCheck, runLiteRt, runOrt } from '../../helpers/table6-runtimes.js';

afterAll(cleanScratch);

// Tiny shapes, odd and even, so TF-SAME padding is both symmetric and asymmetric.
/** [name, block, input shape, TFLite int8 relative RMS tolerance (default 0.05)] */
const BLOCKS: [string, BlockSpec, Shape, number?][] = [
  ['layernorm over channels', { type: 'layernorm', eps: 1e-6, act: 'none' }, [8, 5, 5]],
  ['layernorm of a pooled vector, then h-swish', { type: 'layernorm', eps: 1e-5, act: 'hswish' }, [16, 1, 1]],
  ['convnext block (7x7 DW, LN, GELU MLP, layer scale)', { type: 'convnext', kernel: 7, expandRatio: 4, layerScale: 0.5 }, [8, 6, 6]],
  [
    'patchify conv 4x4/4 with bias (ConvNeXt stem)',
    { type: 'conv_bn', kernel: 4, stride: 4, outCh: 16, act: 'none', bn: false, bias: true },
    [3, 8, 8],
  ],
  ['repmixer block (reparameterised mixer + ConvFFN)', { type: 'repmixer', kernel: 3, expandRatio: 3, layerScale: 0.5 }, [8, 5, 5]],
  ['vit_attn block (BN, multi-head attention, ConvFFN)', { type: 'vit_attn', headDim: 4, expandRatio: 4, layerScale: 0.5 }, [16, 4, 5]],
  // two chained int8 matmuls (k^T v, then q (k^T v)) over 4-channel heads: the widest int8 error here
  ['lite_mla block (multi-scale ReLU linear attention)', { type: 'lite_mla', dim: 4, scale: 5 }, [8, 5, 6], 0.08],
  [
    'grouped 1x1 conv, 6 groups (LiteMLA aggregation)',
    { type: 'conv_bn', kernel: 1, stride: 1, outCh: 12, act: 'none', bn: false, groups: 6 },
    [12, 4, 4],
  ],
  ['grouped 3x3 conv with a separate activation', { type: 'conv_bn', kernel: 3, stride: 1, outCh: 8, act: 'gelu', groups: 2 }, [8, 5, 5]],
  ['ncb block, stride 2 on an odd input (avg-pool patch embedding, grouped MHCA)', { type: 'ncb', outCh: 64, stride: 2 }, [32, 5, 5]],
  ['ncb block, stride 1, same channels', { type: 'ncb', outCh: 32, stride: 1 }, [32, 4, 4]],
  // 5x5 = 25 tokens pooled in runs of 4 (the tail token dropped), runs crossing row ends
  ['ntb block with E-MHSA spatial reduction sr 2', { type: 'ntb', outCh: 128, stride: 1, sr: 2 }, [64, 5, 5]],
  ['ntb block, stride 2, no reduction', { type: 'ntb', outCh: 128, stride: 2, sr: 1 }, [64, 6, 6]],
  ['standalone batchnorm', { type: 'batchnorm' }, [8, 3, 3]],
  ['linear without bias', { type: 'linear', outCh: 6, bias: false }, [16, 1, 1]],
  [
    'grouped conv with a channel multiplier (FastViT patch embedding)',
    { type: 'conv_bn', kernel: 7, stride: 2, outCh: 16, act: 'gelu', groups: 8, bn: false, bias: true },
    [8, 7, 7],
  ],
];

const one = (spec: BlockSpec, shape: Shape): Graph => lowerBlocks(`block:t6@${shape.join('x')}`, shape, [{ stage: 't', spec }]);

describe('new block types compute the reference in onnxruntime and LiteRT', () => {
  for (const [name, spec, shape, int8Tol = 0.05] of BLOCKS) {
    it(`${name}: ONNX fp32/int8 and TFLite fp32/fp16/int8`, async () => {
      const g = one(spec, shape);
      const w = initWeights(g, 3);
      const x = seededInput(g, 5);
      const ref = runReference(g, w, x);
      expect(parseBlockText(blockText(spec))).toEqual(spec);

      const onnx32 = exportOnnx(g, { dtype: 'fp32', weights: w });
      expect(errors(await runOrt(onnx32, g, x), ref).maxRel).toBeLessThanOrEqual(1e-5);
      const onnx8 = exportOnnx(g, { dtype: 'int8', weights: w, calibration: undefined, calibrationSamples: 2 });
      expect(errors(await runOrt(onnx8, g, x), ref).relRms).toBeLessThan(0.15);
      if (hasOnnxChecker) {
        expect(onnxCheck(onnx32)).toBe('');
        expect(onnxCheck(onnx8)).toBe('');
      }

      const t32 = exportTflite(g, { dtype: 'fp32', weights: w });
      expect(errors(await runLiteRt(g, t32, x), ref).maxRel).toBeLessThanOrEqual(1e-4);
      const t16 = exportTflite(g, { dtype: 'fp16', weights: w });
      expect(errors(await runLiteRt(g, t16, x), ref).relRms).toBeLessThan(5e-3);
      const t8 = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }] });
      const t8f = exportTflite(g, { dtype: 'int8', weights: w, calibration: [{ input: x }], io: 'float32' });
      expect(errors(await runLiteRt(g, t8f, x), ref).relRms).toBeLessThan(int8Tol);
      const s8 = readTflite(t8);
      // all int8 but the float island around a DIV (no int8 kernel in TFLite)
      for (const t of s8.subgraphs[0]!.tensors)
        expect(t.type === 'FLOAT32' ? /\/(dequant|float)$/.test(t.name) : ['INT8', 'INT32'].includes(t.type), t.name).toBe(true);
      if (HAS_FLATC) {
        expect(flatcOps(t32)).toEqual(readTflite(t32).subgraphs[0]!.operators.map((o) => o.op));
        expect(flatcOps(t8)).toEqual(s8.subgraphs[0]!.operators.map((o) => o.op));
      }
    });
  }

  it('multi-head attention: each query head reads only its own K/V head', () => {
    // q = k = v = the input [8,3,3], 2 heads of 4 channels: head h's output depends only on channels 4h..4h+3
    const shape: Shape = [8, 3, 3];
    const op = { kind: 'attention', heads: 2, keyDim: 4, valueDim: 4, kvHeads: 2 } as const;
    const layer = {
      name: 'b00_t/attn',
      block: 'b00_t',
      op,
      inputs: ['input', 'input', 'input'],
      output: 'b00_t/attn:out',
      inShapes: [shape, shape, shape],
      outShape: shape,
    };
    const g: Graph = { id: 'mha', inputShape: shape, layers: [layer], output: layer.output, outputShape: shape, blocks: [] };
    const x = seededInput(g, 4);
    const y = runReference(g, new Map(), x);
    const bump = (from: number, to: number): Float32Array => x.map((v, i) => (i >= from * 9 && i < to * 9 ? v + 0.5 : v));
    const y0 = runReference(g, new Map(), bump(4, 8)); // head 1's channels changed
    const y1 = runReference(g, new Map(), bump(0, 4)); // head 0's channels changed
    expect(y0.slice(0, 36)).toEqual(y.slice(0, 36));
    expect(y0.slice(36)).not.toEqual(y.slice(36));
    expect(y1.slice(36)).toEqual(y.slice(36));
    expect(y1.slice(0, 36)).not.toEqual(y.slice(0, 36));
  });

  it('LayerNorm normalises each pixel over channels: zero mean, unit variance before gamma/beta', () => {
    const g = one({ type: 'layernorm', eps: 1e-6, act: 'none' }, [6, 2, 3]);
    const w = new Map([[g.layers[0]!.name, { weight: new Float32Array(6).fill(1), bias: new Float32Array(6) }]]);
    const y = runReference(g, w, seededInput(g, 9));
    for (let p = 0; p < 6; p++) {
      const col = Array.from({ length: 6 }, (_, c) => y[c * 6 + p]!);
      const mean = col.reduce((a, b) => a + b, 0) / 6;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 6).toBeCloseTo(1, 4);
    }
  });

  it('block text refuses an even kernel that is not a patchify conv', () => {
    expect(parseBlockText('conv_bn(k4,s4,o96,none,nobn,bias)')).toMatchObject({ kernel: 4, stride: 4 });
    expect(() => parseBlockText('conv_bn(k4,s2,o96,none)')).toThrow(/odd/);
    expect(parseBlockText('conv_bn(k7,s2,o96,gelu,nobn,bias,g48)')).toMatchObject({ groups: 48 });
  });
});
