import { describe, expect, it } from 'vitest';
import { GraphBuilder, lowerBlocks, type Graph, type Shape } from '../../../src/models/graph.js';
import type { BlockSpec } from '../../../src/models/spec.js';
import type { GraphWeights } from '../../../src/models/weights.js';
import { activate, calibrationRanges, erf, ReferenceError, runReference, runReferenceAll } from '../../../src/models/reference.js';

const one = (spec: BlockSpec, inShape: Shape): Graph => lowerBlocks('t', inShape, [{ stage: 't', spec }]);
const f32 = (a: number[]): Float32Array => Float32Array.from(a);
const range = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);

function close(got: Float32Array, want: number[], tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w), `element ${i}: got ${got[i]}, want ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
}

describe('erf and activations', () => {
  it('erf matches tabulated values', () => {
    // Abramowitz & Stegun table 7.1 / high-precision values
    expect(erf(0)).toBe(0);
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf(2)).toBeCloseTo(0.9953222650189527, 14);
    expect(erf(-1.5)).toBeCloseTo(-0.9661051464753108, 14);
    expect(erf(3.5)).toBeCloseTo(0.9999992569016276, 14);
    expect(erf(7)).toBe(1);
  });
  it('activations follow the documented formulas', () => {
    expect(activate('relu', -2)).toBe(0);
    expect(activate('relu6', 7.5)).toBe(6);
    expect(activate('relu6', 2.5)).toBe(2.5);
    expect(activate('hswish', 1)).toBeCloseTo((1 * 4) / 6, 15);
    expect(activate('hswish', -4)).toBe(-0); // relu6(-1) = 0
    expect(activate('hswish', 4)).toBe(4);
    expect(activate('hsigmoid', 0)).toBe(0.5);
    expect(activate('hsigmoid', 5)).toBe(1);
    // gelu(x) = x/2 (1 + erf(x / sqrt 2)); erf(1/sqrt 2) = 0.6826894921370859, erf(3/sqrt 2) = 0.9973002039367398
    expect(activate('gelu', 1)).toBeCloseTo(0.5 * (1 + 0.6826894921370859), 14);
    expect(activate('gelu', -3)).toBeCloseTo(-3 * 0.5 * (1 - 0.9973002039367398), 14);
  });
});

describe('conv with TF-SAME padding', () => {
  it('3x3 stride 2 on a 4x4 input pads only bottom/right', () => {
    // SAME: out 2x2, total pad 1 -> top/left 0, bottom/right 1
    const g = one({ type: 'conv_bn', kernel: 3, stride: 2, outCh: 1, act: 'none' }, [1, 4, 4]);
    const w: GraphWeights = new Map([['b00_conv_bn/conv', { weight: new Float32Array(9).fill(1), bias: f32([0.5]) }]]);
    // x = 1..16 row-major; windows: rows 0-2/cols 0-2, rows 0-2/cols 2-3, rows 2-3/cols 0-2, rows 2-3/cols 2-3
    close(runReference(g, w, f32(range(16))), [54.5, 45.5, 72.5, 54.5]);
  });
  it('3x3 stride 2 on a 5x5 input pads symmetrically, sums over input channels', () => {
    const g = one({ type: 'conv_bn', kernel: 3, stride: 2, outCh: 1, act: 'relu' }, [2, 5, 5]);
    // channel 0 weight = centre tap 1, channel 1 weight = all -1
    const wt = new Float32Array(18);
    wt[4] = 1;
    for (let i = 9; i < 18; i++) wt[i] = -1;
    const w: GraphWeights = new Map([['b00_conv_bn/conv', { weight: wt, bias: f32([0]) }]]);
    const x = f32([...range(25), ...new Array<number>(25).fill(0.1)]);
    // out (3x3) at centre positions (0,0),(0,2),... of the 5x5 grid (pad 1): centre tap of ch0 minus the
    // number of in-bounds taps * 0.1 of ch1; corners see 4 taps, edges 6, the middle 9; relu keeps >= 0
    const c = (v: number, taps: number): number => Math.max(0, v - 0.1 * taps);
    close(runReference(g, w, x), [c(1, 4), c(3, 6), c(5, 4), c(11, 6), c(13, 9), c(15, 6), c(21, 4), c(23, 6), c(25, 4)]);
  });
  it('depthwise conv keeps channels apart', () => {
    const g = one({ type: 'conv_bn', kernel: 3, stride: 1, outCh: 2, act: 'none', depthwise: true }, [2, 3, 3]);
    const wt = new Float32Array(18);
    wt[4] = 2; // channel 0: 2 * identity
    for (let i = 9; i < 18; i++) wt[i] = 1; // channel 1: box sum
    const w: GraphWeights = new Map([['b00_conv_bn/conv', { weight: wt, bias: f32([0, -1]) }]]);
    const x = f32([...range(9), ...range(9)]);
    // box sums of 1..9 on a 3x3 grid with zero padding
    const box = [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v - 1);
    close(runReference(g, w, x), [...range(9).map((v) => 2 * v), ...box]);
  });
});

describe('multi-query attention', () => {
  it('2 heads share one K/V head; softmax(q.k / sqrt(kd)) v', () => {
    // input channels: 0..3 = q (head0 j0, head0 j1, head1 j0, head1 j1), 4..5 = k (j0, j1), 6 = v
    const b = new GraphBuilder([7, 1, 2]);
    const pick = (role: string, chans: number[]): string =>
      b.add('b00_mqa', role, { kind: 'conv', kernel: 1, stride: 1, groups: 1, inCh: 7, outCh: chans.length, bn: false, bias: false, act: 'none' }, [
        'input',
      ]);
    const q = pick('q', [0, 1, 2, 3]);
    const k = pick('k', [4, 5]);
    const v = pick('v', [6]);
    const a = b.add('b00_mqa', 'attn', { kind: 'attention', heads: 2, keyDim: 2, valueDim: 1 }, [q, k, v]);
    const g: Graph = { id: 't', inputShape: [7, 1, 2], layers: b.layers, output: a, outputShape: b.shapeOf(a), blocks: [] };
    const sel = (chans: number[]): Float32Array => {
      const m = new Float32Array(chans.length * 7);
      chans.forEach((c, o) => (m[o * 7 + c] = 1));
      return m;
    };
    const w: GraphWeights = new Map([
      ['b00_mqa/q', { weight: sel([0, 1, 2, 3]) }],
      ['b00_mqa/k', { weight: sel([4, 5]) }],
      ['b00_mqa/v', { weight: sel([6]) }],
    ]);
    // per channel, positions p0 p1 (= key tokens m0 m1 for k and v)
    const x = f32([
      1,
      0, // q head0 j0
      0,
      2, // q head0 j1
      2,
      -1, // q head1 j0
      1,
      0, // q head1 j1
      1,
      2, // k j0
      1,
      0, // k j1
      10,
      20, // v
    ]);
    const s = Math.SQRT1_2;
    const attend = (s0: number, s1: number): number => {
      const e0 = Math.exp(s0);
      const e1 = Math.exp(s1);
      return (10 * e0 + 20 * e1) / (e0 + e1);
    };
    // q.k per head/position: head0 p0 (1,0): [1, 2]; head0 p1 (0,2): [2, 0]; head1 p0 (2,1): [3, 4]; head1 p1 (-1,0): [-1, -2]
    const want = [attend(1 * s, 2 * s), attend(2 * s, 0), attend(3 * s, 4 * s), attend(-1 * s, -2 * s)];
    close(runReference(g, w, x), want);
    const all = runReferenceAll(g, w, x);
    expect([...all.keys()]).toEqual(
      expect.arrayContaining(['input', 'b00_mqa/q:out', 'b00_mqa/attn/scores:out', 'b00_mqa/attn/softmax:out', 'b00_mqa/attn:out']),
    );
    const probs = all.get('b00_mqa/attn/softmax:out')!;
    for (let r = 0; r < 4; r++) expect(probs[2 * r]! + probs[2 * r + 1]!).toBeCloseTo(1, 6);
  });
});

describe('whole blocks and errors', () => {
  it('global pool and linear', () => {
    const g = lowerBlocks(
      't',
      [2, 2, 2],
      [
        { stage: 'h', spec: { type: 'global_pool' } },
        { stage: 'c', spec: { type: 'linear', outCh: 2 } },
      ],
    );
    const w: GraphWeights = new Map([['b01_linear/fc', { weight: f32([1, 0, 1, -1]), bias: f32([0.5, 0]) }]]);
    // means: ch0 = 2.5, ch1 = 6.5
    close(runReference(g, w, f32(range(8))), [3, -4]);
  });
  it('residual UIB adds its input', () => {
    const g = one({ type: 'uib', startDw: 0, middleDw: 0, stride: 1, expandRatio: 1, outCh: 8, act: 'relu' }, [8, 2, 2]);
    const zeros = (n: number): Float32Array => new Float32Array(n);
    const w: GraphWeights = new Map([
      ['b00_uib/expand', { weight: zeros(64), bias: zeros(8) }],
      ['b00_uib/project', { weight: zeros(64), bias: new Float32Array(8).fill(1) }],
    ]);
    const x = f32(range(32));
    close(runReference(g, w, x), range(32, 2));
  });
  it('rejects a wrong input size and missing weights', () => {
    const g = one({ type: 'conv_bn', kernel: 1, stride: 1, outCh: 2, act: 'none' }, [2, 2, 2]);
    expect(() => runReference(g, new Map(), new Float32Array(7))).toThrow(ReferenceError);
    expect(() => runReference(g, new Map(), new Float32Array(8))).toThrow(/missing b00_conv_bn\/conv weight/);
  });
  it('calibration ranges cover every input', () => {
    const g = one({ type: 'conv_bn', kernel: 1, stride: 1, outCh: 1, act: 'relu' }, [1, 1, 2]);
    const w: GraphWeights = new Map([['b00_conv_bn/conv', { weight: f32([2]), bias: f32([0]) }]]);
    const t = calibrationRanges(g, w, [f32([-1, 1]), f32([3, 0])]);
    expect(t.get('input')).toEqual({ min: -1, max: 3 });
    expect(t.get('b00_conv_bn/conv/conv:out')).toEqual({ min: -2, max: 6 });
    expect(t.get('b00_conv_bn/conv:out')).toEqual({ min: 0, max: 6 });
  });
});
