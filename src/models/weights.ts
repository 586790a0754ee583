/**
 * Deterministic inference weights for a layer graph. Nothing is downloaded: latency does not depend on the
 * values, but correctness tests and cross-runtime checks need every exporter to see the same numbers.
 *
 * Layouts (the exporters convert from these):
 * - conv:    weight [outCh, inCh/groups, k, k] (OIHW), normal with std = sqrt(gain / fan_in), gain 2 before a
 *            ReLU-like activation and 1 otherwise (He / LeCun); bias [outCh] when the conv has a BN (folded) or
 *            a bias of its own. The last conv of a residual branch is scaled down by RESIDUAL_BRANCH_SCALE
 *            (what a trained BN gamma does), so activations stay O(1) through deep residual stacks and fit
 *            fp16: without it they double per residual block and overflow 65504 in Conv-M/L.
 * - linear:  weight [outF, inF], He-normal; bias [outF].
 * - affine:  weight = per-channel scale [ch] (around 1), bias = per-channel shift [ch].
 * - scale:   weight = layer-scale gamma [ch], every entry = the block's init value.
 * Values are drawn from a seeded PRNG keyed by (seed, layer name), so a layer's weights do not depend on the
 * other layers of the graph.
 */
import type { Graph } from './graph.js';
import { mulberry32 } from '../util/random.js';

export interface LayerWeights {
  weight?: Float32Array;
  bias?: Float32Array;
}

export type GraphWeights = Map<string, LayerWeights>;

/** 32-bit FNV-1a of a string, mixed with a seed. */
function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Uniform [0, 1) generator for a seed (mulberry32). */
export const uniformRng = mulberry32;

/** Standard normal generator (Box-Muller) on top of uniformRng. */
export function normalRng(seed: number): () => number {
  const u = uniformRng(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u1 = u();
    while (u1 <= Number.EPSILON) u1 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

function normalArray(n: number, std: number, mean: number, rnd: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = mean + std * rnd();
  return a;
}

/** Standard deviation of the folded-BN biases and affine shifts. */
const BIAS_STD = 0.1;
/** Weight std factor of the last conv of a residual branch (variance grows by 1 + 0.25^2 per block). */
export const RESIDUAL_BRANCH_SCALE = 0.25;

/** Names of layers whose output is the branch input of a residual add (possibly through a layer scale). */
function residualBranchEnds(g: Graph): Set<string> {
  const producer = new Map(g.layers.map((l) => [l.output, l]));
  const ends = new Set<string>();
  for (const l of g.layers) {
    if (l.op.kind !== 'add') continue;
    let branch = producer.get(l.inputs[0] ?? '');
    if (branch?.op.kind === 'scale') branch = producer.get(branch.inputs[0] ?? '');
    if (branch) ends.add(branch.name);
  }
  return ends;
}

export function initWeights(g: Graph, seed = 0): GraphWeights {
  const out: GraphWeights = new Map();
  const branchEnds = residualBranchEnds(g);
  for (const layer of g.layers) {
    const rnd = normalRng(hashSeed(seed, layer.name));
    const op = layer.op;
    switch (op.kind) {
      case 'conv': {
        const fanIn = (op.inCh / op.groups) * op.kernel * op.kernel;
        const gain = op.act === 'relu' || op.act === 'relu6' ? 2 : 1;
        const branch = branchEnds.has(layer.name) ? RESIDUAL_BRANCH_SCALE : 1;
        const weight = normalArray(op.outCh * fanIn, branch * Math.sqrt(gain / fanIn), 0, rnd);
        const bias = op.bn || op.bias ? normalArray(op.outCh, BIAS_STD, 0, rnd) : undefined;
        out.set(layer.name, bias ? { weight, bias } : { weight });
        break;
      }
      case 'linear': {
        const weight = normalArray(op.outF * op.inF, Math.sqrt(2 / op.inF), 0, rnd);
        const bias = op.bias ? normalArray(op.outF, BIAS_STD, 0, rnd) : undefined;
        out.set(layer.name, bias ? { weight, bias } : { weight });
        break;
      }
      case 'layernorm':
      case 'affine':
        out.set(layer.name, { weight: normalArray(op.ch, BIAS_STD, 1, rnd), bias: normalArray(op.ch, BIAS_STD, 0, rnd) });
        break;
      case 'scale':
        out.set(layer.name, { weight: new Float32Array(op.ch).fill(op.init) });
        break;
      default:
        break;
    }
  }
  return out;
}

/** A seeded input tensor in [-1, 1) for a graph (batch 1, NCHW order, row-major). */
export function seededInput(g: Graph, seed = 1): Float32Array {
  const u = uniformRng(hashSeed(seed, 'input'));
  const [c, h, w] = g.inputShape;
  const a = new Float32Array(c * h * w);
  for (let i = 0; i < a.length; i++) a[i] = u() * 2 - 1;
  return a;
}
