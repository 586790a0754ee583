import { describe, expect, it } from 'vitest';
import { lowerModel, ModelSpecError } from '../../../src/models/graph.js';
import { graphCost } from '../../../src/models/cost.js';
import {
  buildArchModel,
  decodeArch,
  DW_CHOICES,
  encodeArch,
  enumerateBlockConfigs,
  getSearchSpace,
  listSearchSpaceIds,
  sampleArch,
  skeletonArch,
  spaceSize,
} from '../../../src/models/search-space.js';
import { blockText, parseBlockText } from '../../../src/models/block-text.js';
import { resolveWorkload } from '../../../src/models/workload.js';

describe('search spaces', () => {
  it('fine space: one 9-way DW choice per UIB of the skeleton', () => {
    const s = getSearchSpace('conv-m');
    expect(s.positions).toHaveLength(21);
    expect(s.positions.every((p) => p.choices.length === 9)).toBe(true);
    expect(DW_CHOICES[5]).toMatchObject({ startDw: 3, middleDw: 5 });
    // strided positions exclude FFN: 8 * 9^18 for conv-m's 3 strided UIBs
    expect(spaceSize(s) / (8 ** 3 * 9 ** 18)).toBeCloseTo(1, 12);
    expect(listSearchSpaceIds()).toContain('conv-l-coarse');
  });
  it('the skeleton arch reproduces the MNv4 DW pattern with expansion 4', () => {
    const s = getSearchSpace('conv-m');
    const m = buildArchModel(s, skeletonArch(s));
    const base = s.base.blocks;
    m.blocks.forEach((b, i) => {
      const o = base[i]!.spec;
      if (b.spec.type === 'uib' && o.type === 'uib') {
        expect([b.spec.startDw, b.spec.middleDw, b.spec.outCh, b.spec.stride, b.spec.expandRatio]).toEqual([
          o.startDw,
          o.middleDw,
          o.outCh,
          o.stride,
          4,
        ]);
      } else expect(b.spec).toEqual(o);
    });
  });
  it('arch text round-trips and decodes to a model that lowers', () => {
    for (const id of ['conv-s', 'conv-m+e', 'conv-l-coarse']) {
      const s = getSearchSpace(id);
      for (let seed = 0; seed < 5; seed++) {
        const v = sampleArch(s, seed);
        const text = encodeArch(s, v);
        const a = decodeArch(text);
        expect(a.vector).toEqual(v);
        expect(a.text).toBe(text);
        expect(lowerModel(a.model).outputShape).toEqual([1000, 1, 1]);
      }
    }
  });
  it('sampling is deterministic per seed and never picks a strided FFN', () => {
    const s = getSearchSpace('conv-l');
    expect(sampleArch(s, 7)).toEqual(sampleArch(s, 7));
    expect(sampleArch(s, 7)).not.toEqual(sampleArch(s, 8));
    for (let seed = 0; seed < 200; seed++) {
      const v = sampleArch(s, seed);
      s.positions.forEach((p, i) => {
        if (p.stride > 1) expect(v[i]).not.toBe(0);
      });
    }
  });
  it('coarse space changes stage widths with IB 3x3 e4 blocks', () => {
    const s = getSearchSpace('conv-m-coarse');
    expect(s.positions.map((p) => p.name)).toEqual(['stage2.width', 'stage3.width', 'stage4.width']);
    const narrow = buildArchModel(s, [0, 0, 0]);
    const wide = buildArchModel(s, [4, 4, 4]);
    expect(graphCost(lowerModel(narrow)).macs).toBeLessThan(graphCost(lowerModel(wide)).macs);
    const uibs = narrow.blocks.filter((b) => b.spec.type === 'uib').map((b) => b.spec);
    expect(uibs.every((u) => u.type === 'uib' && u.startDw === 0 && u.middleDw === 3 && u.expandRatio === 4)).toBe(true);
  });
  it('bad vectors get one-line errors that say what is wrong', () => {
    expect(() => decodeArch('conv-m:1,2')).toThrow(/needs 21 choices, got 2/);
    expect(() => decodeArch(`conv-m:${Array(21).fill(9).join(',')}`)).toThrow(/choice 0 \(b02.dw\) must be an integer from 0 to 8, got 9/);
    expect(() => decodeArch(`conv-m:${Array(21).fill(0).join(',')}`)).toThrow(/stride-2 block.*0 \(FFN\) is not allowed/);
    expect(() => decodeArch('conv-m:a,b')).toThrow(/bad choice 'a'/);
    expect(() => decodeArch('conv-xl:1')).toThrow(/unknown search space 'conv-xl'/);
    expect(() => decodeArch('conv-m')).toThrow(ModelSpecError);
  });
  it('enumerates every block configuration an arch can contain, each exactly once', () => {
    const s = getSearchSpace('conv-s');
    const configs = enumerateBlockConfigs(s);
    const keys = new Set(configs.map((c) => c.key));
    expect(keys.size).toBe(configs.length);
    for (let seed = 0; seed < 30; seed++) {
      const g = lowerModel(buildArchModel(s, sampleArch(s, seed)));
      for (const b of g.blocks) expect(keys.has(`${blockText(b.spec)}@${b.inShape.join('x')}`)).toBe(true);
    }
    // 12 UIB positions: 2 strided (8 choices) and 10 stride-1 (9 choices), some identical across positions
    const searchable = configs.filter((c) => c.searchable);
    expect(searchable.length).toBeLessThanOrEqual(2 * 8 + 10 * 9);
    expect(searchable.length).toBeGreaterThan(30);
  });
  it('coarse enumeration covers the head conv at every last-stage width', () => {
    const configs = enumerateBlockConfigs(getSearchSpace('conv-m-coarse'));
    const heads = configs.filter((c) => c.key.startsWith('conv_bn(k1,s1,o960'));
    expect(heads).toHaveLength(5);
  });
});

describe('workload references', () => {
  it('models, model blocks, free blocks and archs', () => {
    expect(resolveWorkload('conv-m').id).toBe('model:conv-m@256');
    expect(resolveWorkload('model:conv-s', { resolution: 192 }).graph.inputShape).toEqual([3, 192, 192]);
    const b = resolveWorkload('block:conv-m/b05');
    expect(b.id).toBe('block:conv-m/b05_uib@256');
    expect(b.graph.inputShape).toEqual([160, 16, 16]);
    expect(b.graph.layers[0]!.name).toBe('b05_uib/start_dw');
    const f = resolveWorkload('block:uib(a3,m5,s2,e4,o80,relu)@48x64');
    expect(f.id).toBe('block:uib(a3,m5,s2,e4,o80,relu)@48x64x64');
    expect(f.graph.outputShape).toEqual([80, 32, 32]);
    const a = resolveWorkload(`arch:conv-s:${Array(12).fill(4).join(',')}`);
    expect(a.kind).toBe('arch');
    expect(a.graph.outputShape).toEqual([1000, 1, 1]);
  });
  it('block text round-trips for every block type', () => {
    for (const t of [
      'conv_bn(k3,s2,o32,relu)',
      'conv_bn(k3,s1,o8,none,dw,nobn,bias)',
      'fused_ib(k3,s2,e4,o48,gelu)',
      'uib(a0,m0,s1,e2,o160,relu,ls0.00001)',
      'mqa(h4,kd64,vd64,kv2,ls0.00001)',
      'ir(k5,s2,x72,o40,hswish,se24)',
      'se(c8,gsigmoid,relu)',
      'global_pool()',
      'linear(o1000)',
    ]) {
      const spec = parseBlockText(t);
      expect(parseBlockText(blockText(spec))).toEqual(spec);
    }
  });
  it('bad references say what to do', () => {
    expect(() => resolveWorkload('block:conv-m/b99')).toThrow(/conv-m has blocks b00..b26/);
    expect(() => resolveWorkload('block:uib(a3,m5,s2,e4,o80,relu)')).toThrow(/needs an input shape/);
    expect(() => resolveWorkload('block:uib(a3,m5,s2,o80,relu)@8x8')).toThrow(/missing 'e<value>'/);
    expect(() => resolveWorkload('block:uib(a4,m5,s2,e4,o80,relu)@8x8')).toThrow(/must be odd/);
    expect(() => resolveWorkload('block:foo(k3)@8x8')).toThrow(/unknown block type 'foo'/);
    expect(() => resolveWorkload('block:uib(a3,m5,s2,e4,o80,relu)@8xq')).toThrow(/bad input shape/);
    expect(() => resolveWorkload('mobilenet-v9')).toThrow(/unknown model/);
  });
});
