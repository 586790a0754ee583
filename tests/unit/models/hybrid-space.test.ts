/** Hybrid search spaces: attention positions (MQA kv1/kv2, identity, UIB) where the hybrids have their MQA blocks. */
import { describe, expect, it } from 'vitest';
import { lowerModel, ModelSpecError } from '../../../src/models/graph.js';
import { getModel } from '../../../src/models/registry.js';
import { ATTN_CHOICES } from '../../../src/models/hybrid-space.js';
import {
  buildArchModel,
  decodeArch,
  defineHybridSpace,
  enumerateBlockConfigs,
  getSearchSpace,
  listSearchSpaceIds,
  sampleArch,
  skeletonArch,
} from '../../../src/models/search-space.js';
import { archConfigs, configKey, spaceIndex } from '../../../src/lut/space-index.js';

describe('hybrid search spaces', () => {
  it('place an attention position at every MQA block of the model and a DW position at every UIB', () => {
    expect(listSearchSpaceIds()).toEqual(expect.arrayContaining(['hybrid-m', 'hybrid-l']));
    for (const id of ['hybrid-m', 'hybrid-l']) {
      const s = getSearchSpace(id);
      const model = getModel(id);
      const attn = s.positions.filter((p) => p.name.endsWith('.attn'));
      expect(attn.map((p) => p.blocks[0])).toEqual(model.blocks.flatMap((b, i) => (b.spec.type === 'mqa' ? [i] : [])));
      expect(attn.every((p) => p.choices.length === ATTN_CHOICES.length)).toBe(true);
      expect(s.positions.length).toBe(model.blocks.filter((b) => b.spec.type === 'uib' || b.spec.type === 'mqa').length);
    }
  });

  it("take the model itself as the skeleton: its blocks are the skeleton architecture's blocks", () => {
    for (const id of ['hybrid-m', 'hybrid-l']) {
      const s = getSearchSpace(id);
      const arch = buildArchModel(s, skeletonArch(s));
      expect(arch.blocks.map((b) => b.spec)).toEqual(getModel(id).blocks.map((b) => b.spec));
    }
  });

  it('put MQA with K/V stride 1 or 2, identity, or a UIB of the stage width at an attention position', () => {
    const s = getSearchSpace('hybrid-m');
    const i = s.positions.findIndex((p) => p.name === 'b08.attn');
    const v = skeletonArch(s);
    const at = (c: number) => {
      const w = [...v];
      w[i] = c;
      return buildArchModel(s, w).blocks[8]!.spec;
    };
    expect(at(0)).toMatchObject({ type: 'mqa', heads: 4, keyDim: 64, kvStride: 1 });
    expect(at(1)).toMatchObject({ type: 'mqa', kvStride: 2 });
    expect(at(2)).toEqual({ type: 'identity' });
    expect(at(7)).toMatchObject({ type: 'uib', startDw: 3, middleDw: 3, stride: 1, expandRatio: 4, outCh: 160, act: 'relu' });
    // every choice lowers to a network with the same output
    for (let c = 0; c < ATTN_CHOICES.length; c++) {
      const w = [...v];
      w[i] = c;
      const g = lowerModel(buildArchModel(s, w), 256);
      expect(g.blocks[8]!.outShape).toEqual(g.blocks[8]!.inShape);
    }
    expect(getSearchSpace('hybrid-l').positions.find((p) => p.attention)!.attention!.act).toBe('gelu');
  });

  it('refuse an MQA choice at a position whose shapes cannot hold it, when the space is defined', () => {
    const base = getModel('hybrid-m');
    // block 4 is the stride-2 UIB that opens stage 3 (80 -> 160 channels)
    expect(() => defineHybridSpace('bad', base, [{ block: 4, heads: 4, keyDim: 64 }])).toThrow(ModelSpecError);
    expect(() => defineHybridSpace('bad', base, [{ block: 4, heads: 4, keyDim: 64 }])).toThrow(
      /b04\.attn: an MQA block keeps its input shape.*stride 2/,
    );
    expect(() => defineHybridSpace('bad', base, [{ block: 99 }])).toThrow(/has no block 99/);
    expect(() => defineHybridSpace('bad', base, [{ block: 5 }])).toThrow(/is a uib, give the MQA's heads and key dim/);
    // a stride-1, same-width UIB can hold one
    expect(defineHybridSpace('ok', base, [{ block: 5, heads: 4, keyDim: 64 }]).positions.filter((p) => p.attention)).toHaveLength(1);
  });

  it('index every configuration: sampled architectures map to the configurations of their lowered model', () => {
    const ix = spaceIndex('hybrid-m');
    expect(new Set(ix.configs.map((c) => c.key))).toEqual(new Set(enumerateBlockConfigs(ix.space).map((c) => c.key)));
    for (let seed = 0; seed < 20; seed++) {
      const v = sampleArch(ix.space, seed);
      const g = lowerModel(buildArchModel(ix.space, v), ix.resolution);
      expect(archConfigs(ix, v).map((ci) => ix.configs[ci]!.key)).toEqual(g.blocks.map((b) => configKey(b.spec, b.inShape)));
    }
    expect(decodeArch(`hybrid-m:${skeletonArch(ix.space).join(',')}`).model.blocks[8]!.spec.type).toBe('mqa');
  });
});
