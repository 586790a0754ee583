import { describe, expect, it } from 'vitest';
import { blockText, parseBlockText } from '../../../src/models/block-text.js';
import { ModelSpecError, type Graph } from '../../../src/models/graph.js';
import { decodeArch, getSearchSpace, skeletonArch, encodeArch, enumerateBlockConfigs } from '../../../src/models/search-space.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { checkWorkloadFits, estimateWorkloadMemory, formatBytes, MAX_CHANNELS, maxKernel } from '../../../src/models/workload-limits.js';

const GiB = 2 ** 30;

describe('block text: repeated keys are refused (issue 10 case 7)', () => {
  it.each([
    ['conv_bn(k3,k5,s1,o8,relu)', /gives 'k' twice \('k3' and 'k5'\)/],
    ['conv_bn(k3,s1,o8,relu,relu6)', /gives an activation twice \('relu' and 'relu6'\)/],
    ['conv_bn(k3,s1,o8,relu,dw,dw)', /gives the flag 'dw' twice/],
    ['uib(a3,m5,s1,s2,e4,o8,relu)', /gives 's' twice/],
    ['se(c8,gsigmoid,ghsigmoid,relu)', /gives a gate twice/],
    ['mqa(h4,kd64,vd64,kv1,kv2)', /gives 'kv' twice/],
    ['uib(a3,m5,s1,e4,o8,relu,ls1e-5,ls0.1)', /gives 'ls' twice/],
  ])('%s', (text, msg) => {
    expect(() => parseBlockText(text)).toThrow(ModelSpecError);
    expect(() => parseBlockText(text)).toThrow(msg);
  });

  it('refuses an activation on a block that takes none, and names what a block takes', () => {
    expect(() => parseBlockText('mqa(h4,kd64,vd64,kv1,relu)')).toThrow(/mqa takes no activation/);
    expect(() => parseBlockText('conv_bn(k3,s1,o8,relu,x4)')).toThrow(/conv_bn takes k<n>, s<n>, o<n>, g<n>, dw, nobn, bias, an activation/);
  });

  it('still reads every canonical text it writes', () => {
    for (const t of [
      'conv_bn(k3,s2,o32,relu,dw,nobn,bias)',
      'uib(a3,m5,s2,e4,o80,relu,ls0.00001)',
      'mqa(h4,kd64,vd64,kv2,ls1e-05)',
      'ir(k3,s2,x96,o24,relu6,se24)',
      'se(c56,gsigmoid,relu)',
      'global_pool()',
      'linear(o1000)',
    ]) {
      const canonical = blockText(parseBlockText(t));
      expect(blockText(parseBlockText(canonical))).toBe(canonical);
    }
  });
});

describe('block bounds derived from the input shape (issue 10 case 7)', () => {
  it('refuses k99999 on an 8x8 input before export, with the largest kernel allowed', () => {
    expect(() => resolveWorkload('block:conv_bn(k99999,s1,o8,relu)@8x8x8')).toThrow(
      /kernel k99999 is larger than the padded input allows \(at most 15 on a side of 8/,
    );
    expect(() => resolveWorkload('block:uib(a3,m17,s1,e4,o8,relu)@8x8x8')).toThrow(/kernel m17/);
    expect(resolveWorkload('block:conv_bn(k15,s1,o8,relu)@8x8x8').id).toBe('block:conv_bn(k15,s1,o8,relu)@8x8x8');
  });

  it('keeps small kernels and stride 2 on tiny maps (models place them there at small resolutions)', () => {
    expect(maxKernel(1)).toBe(7);
    expect(() => resolveWorkload('block:uib(a5,m5,s2,e4,o8,relu)@8x1x1')).not.toThrow();
    // every block configuration of a search space at the smallest resolution stays a valid block workload
    const space = getSearchSpace('conv-s');
    for (const c of enumerateBlockConfigs(space, 32)) expect(() => resolveWorkload(`block:${c.key}`)).not.toThrow();
  });

  it('refuses strides, channels, heads and dims out of range', () => {
    expect(() => resolveWorkload('block:conv_bn(k3,s9,o8,relu)@8x8x8')).toThrow(/stride s9 exceeds the input side 8; use a stride from 1 to 8/);
    expect(() => resolveWorkload(`block:conv_bn(k1,s1,o${MAX_CHANNELS + 1},relu)@8x8x8`)).toThrow(/o65537 channels is above the limit of 65536/);
    expect(() => resolveWorkload('block:mqa(h300,kd8,vd8,kv1)@8x8x8')).toThrow(/h300 heads is above the limit/);
    expect(() => resolveWorkload('block:mqa(h4,kd5000,vd8,kv1)@8x8x8')).toThrow(/key dimension kd5000/);
    expect(() => resolveWorkload('block:mqa(h4,kd8,vd8,kv9)@8x8x8')).toThrow(/stride kv9 exceeds/);
  });
});

describe('memory estimate against this machine (issue 10 case 7)', () => {
  it('refuses a block that cannot fit, with the figure', () => {
    // ~4096 * 16384 * 15 * 15 weights: 15 G parameters, 56 GiB at fp32 - above the 2 GiB file limit first
    expect(() => resolveWorkload('block:conv_bn(k15,s1,o16384,relu)@4096x8x8')).toThrow(/weights; model files are limited to 2 GiB/);
    // activations: 4096 channels of 4096x4096 at fp32 = 256 GiB just for the input
    expect(() => resolveWorkload('block:conv_bn(k1,s1,o8,relu)@4096x4096x4096', { availableMemoryBytes: 64 * GiB })).toThrow(
      /needs at least 256\.\d GiB of memory .*largest activations 256\.\d GiB in b00_conv_bn\/conv\), but this machine has 64\.0 GiB/,
    );
  });

  it('counts the attention score matrix', () => {
    const w = resolveWorkload('block:mqa(h8,kd64,vd64,kv1)@64x128x128', { availableMemoryBytes: 1024 * GiB });
    const est = estimateWorkloadMemory(w.graph, 'fp32');
    // 8 heads x 16384 queries x 16384 keys x 4 bytes = 8 GiB
    expect(est.peakLayer).toBe('b00_mqa/attn');
    expect(est.peakActivationBytes).toBeGreaterThan(8 * GiB);
    expect(() => checkWorkloadFits(w.graph, 'fp32', 4 * GiB)).toThrow(/in b00_mqa\/attn\), but this machine has 4\.00 GiB/);
  });

  it('uses the dtype for the file and fp32 for the runtime copy and activations', () => {
    const g: Graph = resolveWorkload('block:conv_bn(k3,s1,o64,relu)@64x8x8').graph;
    const f = estimateWorkloadMemory(g, 'fp32');
    const q = estimateWorkloadMemory(g, 'int8');
    expect(f.weightsFp32Bytes).toBe(q.weightsFp32Bytes);
    expect(q.fileBytes).toBe(64 * 64 * 9 + 64 * 4);
    expect(f.fileBytes).toBe((64 * 64 * 9 + 64) * 4);
    expect(f.peakActivationBytes).toBe(2 * 64 * 8 * 8 * 4);
    expect(f.totalBytes).toBe(2 * f.weightsFp32Bytes + f.fileBytes + f.peakActivationBytes);
  });

  it('accepts every bundled model at its native resolution on a 4 GiB machine', () => {
    for (const m of ['conv-s', 'conv-m', 'conv-l', 'hybrid-m', 'hybrid-l'])
      expect(() => resolveWorkload(m, { availableMemoryBytes: 4 * GiB })).not.toThrow();
  });

  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * GiB)).toBe('1.50 GiB');
    expect(formatBytes(6.7 * 1024 * 1024 * GiB)).toBe('6.70 PiB');
  });
});

describe('architecture vectors: clear messages', () => {
  const space = getSearchSpace('conv-s');
  const good = encodeArch(space, skeletonArch(space));
  it.each([
    [
      'conv-s:8',
      /needs 12 choices, got 1 \(a list flag may have split the vector at its commas\): one per position, b\d\d\.dw \.\. b\d\d\.dw; 'mnv4-bench space conv-s' lists the positions/,
    ],
    ['conv-s:', /has no choices: give 12 comma-separated choice indices/],
    ['conv-s:1,,2', /empty choice at position 1/],
    ['conv-s:1,x,2', /bad choice 'x' at position 1/],
    ['conv-s:1,2@256', /give the resolution with --resolution/],
    ['conv-s:1,-2', /bad choice '-2'/],
    ['conv-s:99999999999999999999', /bad choice/],
    ['conv-q:1,2', /unknown search space 'conv-q'/],
  ])('%s', (text, msg) => {
    expect(() => decodeArch(text)).toThrow(ModelSpecError);
    expect(() => decodeArch(text)).toThrow(msg);
  });
  it('decodes a full vector', () => {
    expect(decodeArch(good).text).toBe(good);
  });
});

describe('workload text', () => {
  it('says that an architecture needs the arch: prefix', () => {
    expect(() => resolveWorkload('conv-s:1,2')).toThrow(/'conv-s:1,2' is not a workload; an architecture needs the 'arch:' prefix: arch:conv-s:1,2/);
  });
});
