import { describe, expect, it } from 'vitest';
import { blockCosts, graphCost, graphLayerCosts, rooflineSeconds, weightBytes } from '../../../src/models/cost.js';
import { lowerBlocks, lowerModel, ModelSpecError, samePadding, blockOfNodeName, type Shape } from '../../../src/models/graph.js';
import { getModel, listModels } from '../../../src/models/registry.js';
import { makeDivisible, uibVariant, type BlockSpec } from '../../../src/models/spec.js';
import { initWeights } from '../../../src/models/weights.js';

const one = (spec: BlockSpec, inShape: Shape) => lowerBlocks('t', inShape, [{ stage: 't', spec }]);

describe('make_divisible and padding', () => {
  it('rounds like TF/timm', () => {
    expect(makeDivisible(64 * 3)).toBe(192);
    expect(makeDivisible(20)).toBe(24);
    expect(makeDivisible(11)).toBe(16); // 8 would drop below 90% of 11
    expect(makeDivisible(80 * 6)).toBe(480);
  });
  it('uses TF SAME padding (extra pixel at the end for stride 2 on even sizes)', () => {
    expect(samePadding(224, 3, 2)).toEqual([0, 1]);
    expect(samePadding(7, 3, 2)).toEqual([1, 1]);
    expect(samePadding(14, 5, 1)).toEqual([2, 2]);
    expect(samePadding(8, 1, 1)).toEqual([0, 0]);
  });
  it('names the four UIB forms', () => {
    expect([uibVariant(3, 5), uibVariant(0, 3), uibVariant(5, 0), uibVariant(0, 0)]).toEqual(['ExtraDW', 'IB', 'ConvNext-like', 'FFN']);
  });
});

describe('block shapes and costs (hand-computed)', () => {
  it('conv_bn 3x3 s2', () => {
    const g = one({ type: 'conv_bn', kernel: 3, stride: 2, outCh: 8, act: 'relu' }, [3, 8, 8]);
    expect(g.outputShape).toEqual([8, 4, 4]);
    const c = graphCost(g);
    expect(c.macs).toBe(4 * 4 * 8 * 3 * 9);
    expect(c.paramsTrain).toBe(8 * 3 * 9 + 2 * 8);
    expect(c.paramsInfer).toBe(8 * 3 * 9 + 8);
  });
  it('ExtraDW UIB with stride on the middle DW, no residual', () => {
    const g = one({ type: 'uib', startDw: 3, middleDw: 5, stride: 2, expandRatio: 2, outCh: 8, act: 'relu' }, [4, 8, 8]);
    expect(g.layers.map((l) => l.name.split('/')[1])).toEqual(['start_dw', 'expand', 'middle_dw', 'project']);
    expect(g.layers[0]!.op).toMatchObject({ kind: 'conv', stride: 1, groups: 4 });
    expect(g.layers[2]!.op).toMatchObject({ kind: 'conv', stride: 2, groups: 8, act: 'relu' });
    expect(g.layers[3]!.op).toMatchObject({ act: 'none' });
    expect(g.outputShape).toEqual([8, 4, 4]);
    const c = graphCost(g);
    expect(c.macs).toBe(2304 + 2048 + 3200 + 1024);
    expect(c.paramsTrain).toBe(44 + 48 + 216 + 80);
  });
  it('ConvNext-like UIB carries the stride on its start DW', () => {
    const g = one({ type: 'uib', startDw: 5, middleDw: 0, stride: 2, expandRatio: 4, outCh: 8, act: 'relu' }, [8, 8, 8]);
    expect(g.layers[0]!.op).toMatchObject({ stride: 2, kernel: 5 });
    expect(g.outputShape).toEqual([8, 4, 4]);
  });
  it('FFN UIB with a residual add, IB UIB with layer scale', () => {
    const ffn = one({ type: 'uib', startDw: 0, middleDw: 0, stride: 1, expandRatio: 2, outCh: 4, act: 'relu' }, [4, 4, 4]);
    expect(ffn.layers.map((l) => l.op.kind)).toEqual(['conv', 'conv', 'add']);
    expect(graphCost(ffn).macs).toBe(512 + 512);
    expect(graphCost(ffn).paramsTrain).toBe(48 + 40);
    const ib = one({ type: 'uib', startDw: 0, middleDw: 3, stride: 1, expandRatio: 4, outCh: 4, act: 'relu', layerScale: 1e-5 }, [4, 4, 4]);
    expect(ib.layers.map((l) => l.op.kind)).toEqual(['conv', 'conv', 'conv', 'scale', 'add']);
  });
  it('a strided UIB without any DW is rejected', () => {
    expect(() => one({ type: 'uib', startDw: 0, middleDw: 0, stride: 2, expandRatio: 4, outCh: 8, act: 'relu' }, [8, 8, 8])).toThrow(ModelSpecError);
  });
  it('FusedIB: kxk conv to the expansion, linear 1x1 projection', () => {
    const g = one({ type: 'fused_ib', kernel: 3, stride: 2, expandRatio: 4, outCh: 8, act: 'relu' }, [4, 8, 8]);
    expect(g.layers.map((l) => (l.op.kind === 'conv' ? `${l.op.kernel}:${l.op.outCh}:${l.op.act}` : l.op.kind))).toEqual(['3:16:relu', '1:8:none']);
    expect(graphCost(g).macs).toBe(16 * 16 * 4 * 9 + 16 * 8 * 16);
  });
  it('Mobile MQA with spatial reduction of K and V (separate DWs, one shared K/V head)', () => {
    const g = one({ type: 'mqa', heads: 2, keyDim: 4, valueDim: 4, kvStride: 2, layerScale: 1e-5 }, [8, 4, 4]);
    expect(g.layers.map((l) => l.name.split('/')[1])).toEqual(['norm', 'q', 'k_dw', 'v_dw', 'k', 'v', 'attn', 'out', 'layer_scale', 'add']);
    const attn = g.layers.find((l) => l.op.kind === 'attention')!;
    expect(attn.inShapes).toEqual([
      [8, 4, 4],
      [4, 2, 2],
      [4, 2, 2],
    ]);
    expect(g.outputShape).toEqual([8, 4, 4]);
    const c = graphCost(g);
    expect(c.macs).toBe(1024 + 288 + 288 + 128 + 128 + 1024 + 1024);
    expect(c.paramsTrain).toBe(16 + 64 + 88 + 88 + 32 + 32 + 64 + 8);
  });
  it('Mobile MQA without reduction has no DWs', () => {
    const g = one({ type: 'mqa', heads: 4, keyDim: 8, valueDim: 8, kvStride: 1 }, [16, 4, 4]);
    expect(g.layers.some((l) => l.name.endsWith('_dw'))).toBe(false);
    expect(graphCost(g).macs).toBe(16 * 16 * 32 + 2 * 16 * 16 * 8 + 16 * 4 * 16 * 16 + 16 * 32 * 16);
  });
  it('inverted residual with SE and hard-swish', () => {
    const g = one({ type: 'inverted_residual', kernel: 3, stride: 1, expandedCh: 16, outCh: 8, act: 'hswish', seCh: 8 }, [8, 4, 4]);
    expect(g.layers.map((l) => l.name.split('/')[1])).toEqual(['expand', 'dw', 'se_pool', 'se_reduce', 'se_expand', 'se_mul', 'project', 'add']);
    expect(g.outputShape).toEqual([8, 4, 4]);
  });
  it('head: pool then linear', () => {
    const g = lowerBlocks(
      'h',
      [16, 4, 4],
      [
        { stage: 'head', spec: { type: 'global_pool' } },
        { stage: 'c', spec: { type: 'linear', outCh: 10 } },
      ],
    );
    expect(g.outputShape).toEqual([10, 1, 1]);
    expect(graphCost(g).paramsTrain).toBe(170);
  });
  it('int8 weight bytes keep int32 biases', () => {
    const [c] = graphLayerCosts(one({ type: 'conv_bn', kernel: 1, stride: 1, outCh: 8, act: 'relu' }, [4, 2, 2]));
    expect(weightBytes(c!, 'int8')).toBe(32 + 8 * 4);
    expect(weightBytes(c!, 'fp16')).toBe(40 * 2);
    expect(c!.activationElems).toBe(16 + 32);
  });
});

describe('the five MNv4 models', () => {
  const published: Record<string, { params: number; gmacs: number }> = {
    'conv-s': { params: 3.77, gmacs: 0.19 },
    'conv-m': { params: 9.72, gmacs: 1.1 },
    'conv-l': { params: 32.59, gmacs: 6.43 },
    'hybrid-m': { params: 11.07, gmacs: 1.29 },
    'hybrid-l': { params: 37.76, gmacs: 7.77 },
  };
  for (const [id, p] of Object.entries(published)) {
    it(`${id}: params to the last published digit, MACs within 3%`, () => {
      const g = lowerModel(getModel(id));
      expect(g.outputShape).toEqual([1000, 1, 1]);
      const c = graphCost(g);
      expect((c.paramsTrain / 1e6).toFixed(2)).toBe(p.params.toFixed(2));
      expect(Math.abs(c.macs / 1e9 / p.gmacs - 1)).toBeLessThan(0.03);
    });
  }
  it('hybrid-m-paper reproduces the derived Table 13 totals (11.17M, 1.297 G)', () => {
    const c = graphCost(lowerModel(getModel('hybrid-m-paper')));
    expect((c.paramsTrain / 1e6).toFixed(2)).toBe('11.17');
    expect((c.macs / 1e9).toFixed(3)).toBe('1.297');
  });
  it('follows the code: Conv-S stage 1-2 are conv pairs with ReLU, Hybrid-L is GELU with layer scale', () => {
    const s = getModel('conv-s');
    expect(s.blocks.slice(1, 5).map((b) => b.spec.type)).toEqual(['conv_bn', 'conv_bn', 'conv_bn', 'conv_bn']);
    const hl = lowerModel(getModel('hybrid-l'));
    expect(hl.layers.filter((l) => l.op.kind === 'conv' && l.op.act !== 'none').every((l) => l.op.kind === 'conv' && l.op.act === 'gelu')).toBe(true);
    expect(hl.layers.filter((l) => l.op.kind === 'scale')).toHaveLength(27 + 8);
    expect(hl.layers.filter((l) => l.op.kind === 'attention')).toHaveLength(8);
  });
  it('per-block costs add up to the model total and name blocks by the convention', () => {
    const g = lowerModel(getModel('hybrid-m'));
    const blocks = blockCosts(g);
    expect(blocks.reduce((a, b) => a + b.macs, 0)).toBe(graphCost(g).macs);
    for (const l of g.layers) expect(blockOfNodeName(l.name)).toBe(l.block);
    expect(blockOfNodeName('b20_mqa/attn/MatMul_1')).toBe('b20_mqa');
    expect(blockOfNodeName('ReorderInput_3')).toBeUndefined();
  });
  it('resolution is a parameter; bad resolutions are clear errors', () => {
    const m = getModel('conv-m');
    expect(graphCost(lowerModel(m, 224)).macs).toBeLessThan(graphCost(lowerModel(m, 256)).macs);
    expect(lowerModel(m, 224).blocks.at(-4)!.inShape).toEqual([256, 7, 7]);
    expect(() => lowerModel(m, 16)).toThrow(/resolution must be an integer from 32/);
    expect(() => lowerModel(m, 100.5)).toThrow(ModelSpecError);
    expect(() => getModel('conv-xl')).toThrow(/unknown model 'conv-xl'; known models: conv-s/);
  });
  it('roofline: RP 0 is MAC counting, high ridge points are bound by bytes', () => {
    const costs = graphLayerCosts(lowerModel(getModel('conv-s')));
    const macs = costs.reduce((a, c) => a + c.macs, 0);
    expect(rooflineSeconds(costs, 'int8', 1e9, Infinity)).toBeCloseTo(macs / 1e9, 12);
    expect(rooflineSeconds(costs, 'int8', 1e12, 1e9)).toBeGreaterThan(macs / 1e12);
  });
  it('weights are deterministic per seed and layer', () => {
    const g = lowerModel(getModel('conv-s'));
    const a = initWeights(g, 3).get('b05_uib/expand')!.weight!;
    const b = initWeights(g, 3).get('b05_uib/expand')!.weight!;
    const c = initWeights(g, 4).get('b05_uib/expand')!.weight!;
    expect(Array.from(a.slice(0, 8))).toEqual(Array.from(b.slice(0, 8)));
    expect(Array.from(a.slice(0, 8))).not.toEqual(Array.from(c.slice(0, 8)));
    expect(a.length).toBe(192 * 64);
  });
  it('lists the MNv4 family', () => {
    expect(listModels().map((m) => m.id)).toEqual(expect.arrayContaining(['conv-s', 'conv-m', 'conv-l', 'hybrid-m', 'hybrid-l', 'hybrid-m-paper']));
  });
});
