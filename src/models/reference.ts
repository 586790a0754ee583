/**
 * A small pure-TypeScript reference executor for layer graphs (src/models/graph.ts).
 *
 * It is the ground truth that exported files (ONNX, TFLite) are checked against, and it provides the
 * calibration ranges of int8 exports. It favours being obviously right over speed: direct loops, float64
 * accumulation, every layer output rounded to float32 (as a float32 runtime stores it). Fine for tiny test
 * shapes; a whole model at native resolution takes seconds.
 *
 * Semantics, exactly as graph.ts documents them (batch 1, NCHW, row-major):
 * - conv: TF-SAME padding (samePadding(): the extra pixel at the bottom/right), `groups` groups, OIHW weights,
 *   optional bias (the folded BN shift), then the fused activation;
 * - activations: relu, relu6 = min(max(x,0),6), gelu = exact erf form 0.5 x (1 + erf(x / sqrt 2)) (the
 *   ONNX Gelu default, approximate='none'), hswish = x relu6(x+3)/6, hsigmoid = relu6(x+3)/6;
 * - affine y = x*scale[c] + shift[c]; scale y = x*gamma[c]; add a+b; mul a[c,y,x]*b[c]; global_pool mean;
 * - linear out[o] = bias[o] + sum_i W[o,i] x[i];
 * - attention: out[h*vd + d, p] = sum_m softmax_m(sum_j q[h*kd + j, p] k[j, m] * (1/sqrt kd)) v[d, m],
 *   with p and m the row-major positions of the query and key/value grids (with kvHeads == heads, head h
 *   reads k[h*kd + j, m] and v[h*vd + d, m]);
 * - layernorm: per pixel, (x - mean_c) / sqrt(biased var_c + eps) * gamma[c] + beta[c];
 * - concat along channels; linear_attention, avg_pool (TF-SAME, padding not counted), token_pool as graph.ts
 *   documents them.
 *
 * Tensor names reported to `onTensor` (and used as calibration keys by the int8 ONNX exporter):
 *   `input`; `<layer>:out` for every layer output; and the float tensors inside a layer that the ONNX graph
 *   materializes: `<layer>/conv:out` (conv result before a non-trivial activation), `<layer>/mul:out`
 *   (affine x*scale before the shift), `<layer>/scores:out`, `<layer>/scale:out`, `<layer>/softmax:out`,
 *   `<layer>/context:out` (attention), `<layer>/{mean,centered,square,var,var_eps,rsqrt,normalized,gamma_mul}:out`
 *   (layernorm, the steps of the TFLite decomposition), and those of linearAttention() (its comment). Only their
 *   values matter (for ranges), not their memory layout.
 */
import type { Activation } from './spec.js';
import type { Graph, Layer, LayerOp } from './graph.js';
import { INPUT_TENSOR, samePadding } from './graph.js';
import type { GraphWeights } from './weights.js';

/** Error for inputs the executor cannot run (wrong sizes, missing weights). */
export class ReferenceError extends Error {
  override name = 'ReferenceError';
}

/** erf(x) to ~1e-13: Maclaurin series for |x| < 3, continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated by backward recursion.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

const SQRT1_2 = Math.SQRT1_2;

/** One activation applied to a scalar (double precision). */
export function activate(act: Activation, x: number): number {
  switch (act) {
    case 'none':
      return x;
    case 'relu':
      return x > 0 ? x : 0;
    case 'relu6':
      return x < 0 ? 0 : x > 6 ? 6 : x;
    case 'gelu':
      return 0.5 * x * (1 + erf(x * SQRT1_2));
    case 'hswish': {
      const t = x + 3;
      return (x * (t < 0 ? 0 : t > 6 ? 6 : t)) / 6;
    }
    case 'hsigmoid': {
      const t = x + 3;
      return (t < 0 ? 0 : t > 6 ? 6 : t) / 6;
    }
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
  }
}

function need(w: Float32Array | undefined, n: number, what: string): Float32Array {
  if (!w) throw new ReferenceError(`missing ${what}`);
  if (w.length !== n) throw new ReferenceError(`${what} has ${w.length} values, expected ${n}`);
  return w;
}

/** Conv2D, TF-SAME padding, grouped, NCHW / OIHW, then the activation. Also reports the pre-activation tensor. */
function conv(
  layer: Layer,
  op: Extract<LayerOp, { kind: 'conv' }>,
  x: Float32Array,
  weights: GraphWeights,
  tap: (suffix: string, t: Float32Array) => void,
): Float32Array {
  const [inC, H, W] = layer.inShapes[0]!;
  const [outC, OH, OW] = layer.outShape;
  const k = op.kernel;
  const s = op.stride;
  const icPerG = inC / op.groups;
  const ocPerG = outC / op.groups;
  const lw = weights.get(layer.name);
  const wt = need(lw?.weight, outC * icPerG * k * k, `${layer.name} weight`);
  const bias = op.bn || op.bias ? need(lw?.bias, outC, `${layer.name} bias`) : undefined;
  const [padT] = samePadding(H, k, s);
  const [padL] = samePadding(W, k, s);
  const pre = new Float32Array(outC * OH * OW);
  const acc = new Float64Array(OH * OW);
  for (let oc = 0; oc < outC; oc++) {
    const g = Math.floor(oc / ocPerG);
    acc.fill(bias ? bias[oc]! : 0);
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        // valid ox: 0 <= ox*s - padL + kx < W
        const oxStart = Math.max(0, Math.ceil((padL - kx) / s));
        const oxEnd = Math.min(OW - 1, Math.floor((W - 1 + padL - kx) / s));
        // four input channels per pass (a 2-4x speed-up in V8); the remainder one at a time
        let icl = 0;
        for (; icl + 4 <= icPerG; icl += 4) {
          const wb = (oc * icPerG + icl) * k * k + ky * k + kx;
          const w0 = wt[wb]!;
          const w1 = wt[wb + k * k]!;
          const w2 = wt[wb + 2 * k * k]!;
          const w3 = wt[wb + 3 * k * k]!;
          const p0 = (g * icPerG + icl) * H * W;
          const HW = H * W;
          for (let oy = 0; oy < OH; oy++) {
            const iy = oy * s - padT + ky;
            if (iy < 0 || iy >= H) continue;
            const r0 = p0 + iy * W - padL + kx;
            const r1 = r0 + HW;
            const r2 = r1 + HW;
            const r3 = r2 + HW;
            const rowOut = oy * OW;
            for (let ox = oxStart; ox <= oxEnd; ox++) {
              const o = ox * s;
              acc[rowOut + ox]! += w0 * x[r0 + o]! + w1 * x[r1 + o]! + w2 * x[r2 + o]! + w3 * x[r3 + o]!;
            }
          }
        }
        for (; icl < icPerG; icl++) {
          const wv = wt[((oc * icPerG + icl) * k + ky) * k + kx]!;
          const p0 = (g * icPerG + icl) * H * W;
          for (let oy = 0; oy < OH; oy++) {
            const iy = oy * s - padT + ky;
            if (iy < 0 || iy >= H) continue;
            const r0 = p0 + iy * W - padL + kx;
            const rowOut = oy * OW;
            for (let ox = oxStart; ox <= oxEnd; ox++) acc[rowOut + ox]! += wv * x[r0 + ox * s]!;
          }
        }
      }
    }
    pre.set(acc, oc * OH * OW);
  }
  if (op.act === 'none') return pre;
  tap('conv', pre);
  const out = new Float32Array(pre.length);
  for (let i = 0; i < pre.length; i++) out[i] = activate(op.act, pre[i]!);
  return out;
}

function attention(
  layer: Layer,
  op: Extract<LayerOp, { kind: 'attention' }>,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  tap: (suffix: string, t: Float32Array) => void,
): Float32Array {
  const { heads, keyDim: kd, valueDim: vd } = op;
  const perHeadKv = (op.kvHeads ?? 1) > 1;
  const [, H, W] = layer.inShapes[0]!;
  const [, h, w] = layer.inShapes[1]!;
  const P = H * W;
  const M = h * w;
  // the ONNX graph multiplies by this float32 constant
  const scale = Math.fround(1 / Math.sqrt(kd));
  const scores = new Float32Array(heads * P * M);
  const scaled = new Float32Array(heads * P * M);
  const probs = new Float32Array(heads * P * M);
  const ctx = new Float32Array(heads * vd * P);
  const row = new Float64Array(M);
  for (let hd = 0; hd < heads; hd++) {
    // offsets of this head's K and V rows (0 when one K/V head is shared)
    const kOff = perHeadKv ? hd * kd * M : 0;
    const vOff = perHeadKv ? hd * vd * M : 0;
    for (let p = 0; p < P; p++) {
      const base = (hd * P + p) * M;
      let mx = -Infinity;
      for (let m = 0; m < M; m++) {
        let dot = 0;
        for (let j = 0; j < kd; j++) dot += q[(hd * kd + j) * P + p]! * k[kOff + j * M + m]!;
        scores[base + m] = dot;
        const sc = Math.fround(dot) * scale;
        scaled[base + m] = sc;
        row[m] = sc;
        if (sc > mx) mx = sc;
      }
      let sum = 0;
      for (let m = 0; m < M; m++) {
        row[m] = Math.exp(row[m]! - mx);
        sum += row[m]!;
      }
      for (let m = 0; m < M; m++) {
        row[m] = row[m]! / sum;
        probs[base + m] = row[m]!;
      }
      for (let d = 0; d < vd; d++) {
        let a = 0;
        for (let m = 0; m < M; m++) a += row[m]! * v[vOff + d * M + m]!;
        ctx[(hd * vd + d) * P + p] = a;
      }
    }
  }
  tap('scores', scores);
  tap('scale', scaled);
  tap('softmax', probs);
  tap('context', ctx);
  return ctx;
}

/**
 * ReLU linear attention, per head. Taps (the TFLite decomposition's tensors, for int8 ranges; values only):
 * q_relu, k_relu [N,d]; kv [d,d] = k^T v; num [N,d] = q kv; ksum [d]; den [N] = q . ksum; den_eps = den + eps;
 * rsqrt = 1/sqrt(den_eps); inv = rsqrt^2; weighted [N,d] = num * inv.
 */
function linearAttention(
  layer: Layer,
  op: Extract<LayerOp, { kind: 'linear_attention' }>,
  x: Float32Array,
  tap: (suffix: string, t: Float32Array) => void,
): Float32Array {
  const { heads, dim: d } = op;
  const [, H, W] = layer.inShapes[0]!;
  const N = H * W;
  const t = {
    q_relu: new Float32Array(heads * N * d),
    k_relu: new Float32Array(heads * N * d),
    kv: new Float32Array(heads * d * d),
    num: new Float32Array(heads * N * d),
    ksum: new Float32Array(heads * d),
    den: new Float32Array(heads * N),
    den_eps: new Float32Array(heads * N),
    rsqrt: new Float32Array(heads * N),
    inv: new Float32Array(heads * N),
  };
  const out = new Float32Array(heads * d * N);
  const q = new Float64Array(N * d);
  const k = new Float64Array(N * d);
  for (let h = 0; h < heads; h++) {
    const base = h * 3 * d * N;
    for (let j = 0; j < d; j++) {
      for (let n = 0; n < N; n++) {
        q[n * d + j] = Math.max(0, x[base + j * N + n]!);
        k[n * d + j] = Math.max(0, x[base + (d + j) * N + n]!);
        t.q_relu[(h * N + n) * d + j] = q[n * d + j]!;
        t.k_relu[(h * N + n) * d + j] = k[n * d + j]!;
      }
    }
    const kv = new Float64Array(d * d);
    const ksum = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      for (let n = 0; n < N; n++) ksum[j]! += k[n * d + j]!;
      for (let e = 0; e < d; e++) {
        let a = 0;
        for (let n = 0; n < N; n++) a += k[n * d + j]! * x[base + (2 * d + e) * N + n]!;
        kv[j * d + e] = a;
        t.kv[(h * d + j) * d + e] = a;
      }
      t.ksum[h * d + j] = ksum[j]!;
    }
    for (let n = 0; n < N; n++) {
      let den = 0;
      for (let j = 0; j < d; j++) den += q[n * d + j]! * ksum[j]!;
      const denEps = den + op.eps;
      const r = 1 / Math.sqrt(denEps);
      t.den[h * N + n] = den;
      t.den_eps[h * N + n] = denEps;
      t.rsqrt[h * N + n] = r;
      t.inv[h * N + n] = r * r;
      for (let e = 0; e < d; e++) {
        let a = 0;
        for (let j = 0; j < d; j++) a += q[n * d + j]! * kv[j * d + e]!;
        t.num[(h * N + n) * d + e] = a;
        out[(h * d + e) * N + n] = a / denEps;
      }
    }
  }
  for (const [name, a] of Object.entries(t)) tap(name, a);
  tap('weighted', out);
  return out;
}

/** Long on purpose: one short case per layer kind, each that kind's arithmetic (the exporters' emitLayer/lowerLayer mirror it). */
function runLayer(layer: Layer, xs: Float32Array[], weights: GraphWeights, tap: (suffix: string, t: Float32Array) => void): Float32Array {
  const op = layer.op;
  const x = xs[0]!;
  const [C, H, W] = layer.inShapes[0]!;
  const HW = H * W;
  switch (op.kind) {
    case 'conv':
      return conv(layer, op, x, weights, tap);
    case 'affine': {
      const lw = weights.get(layer.name);
      const sc = need(lw?.weight, C, `${layer.name} scale`);
      const sh = need(lw?.bias, C, `${layer.name} shift`);
      const mul = new Float32Array(x.length);
      const out = new Float32Array(x.length);
      for (let c = 0; c < C; c++) {
        for (let i = c * HW; i < (c + 1) * HW; i++) {
          mul[i] = x[i]! * sc[c]!;
          out[i] = mul[i]! + sh[c]!;
        }
      }
      tap('mul', mul);
      return out;
    }
    case 'scale': {
      const g = need(weights.get(layer.name)?.weight, C, `${layer.name} gamma`);
      const out = new Float32Array(x.length);
      for (let c = 0; c < C; c++) for (let i = c * HW; i < (c + 1) * HW; i++) out[i] = x[i]! * g[c]!;
      return out;
    }
    case 'add': {
      const b = xs[1]!;
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i]! + b[i]!;
      return out;
    }
    case 'mul': {
      const b = xs[1]!;
      const out = new Float32Array(x.length);
      for (let c = 0; c < C; c++) for (let i = c * HW; i < (c + 1) * HW; i++) out[i] = x[i]! * b[c]!;
      return out;
    }
    case 'act': {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = activate(op.act, x[i]!);
      return out;
    }
    case 'global_pool': {
      const out = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let i = c * HW; i < (c + 1) * HW; i++) s += x[i]!;
        out[c] = s / HW;
      }
      return out;
    }
    case 'linear': {
      const lw = weights.get(layer.name);
      const wt = need(lw?.weight, op.outF * op.inF, `${layer.name} weight`);
      const bias = op.bias ? need(lw?.bias, op.outF, `${layer.name} bias`) : undefined;
      const out = new Float32Array(op.outF);
      for (let o = 0; o < op.outF; o++) {
        let s = bias ? bias[o]! : 0;
        for (let i = 0; i < op.inF; i++) s += wt[o * op.inF + i]! * x[i]!;
        out[o] = s;
      }
      return out;
    }
    case 'attention':
      return attention(layer, op, x, xs[1]!, xs[2]!, tap);
    case 'concat': {
      const out = new Float32Array(layer.outShape[0] * HW);
      let at = 0;
      for (const t of xs) {
        out.set(t, at);
        at += t.length;
      }
      return out;
    }
    case 'linear_attention':
      return linearAttention(layer, op, x, tap);
    case 'avg_pool': {
      const [, OH, OW] = layer.outShape;
      const k = op.kernel;
      const [pt] = samePadding(H, k, k);
      const [pl] = samePadding(W, k, k);
      const out = new Float32Array(C * OH * OW);
      for (let c = 0; c < C; c++) {
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            let s = 0;
            let n = 0;
            for (let iy = Math.max(0, oy * k - pt); iy < Math.min(H, oy * k - pt + k); iy++) {
              for (let ix = Math.max(0, ox * k - pl); ix < Math.min(W, ox * k - pl + k); ix++) {
                s += x[c * HW + iy * W + ix]!;
                n++;
              }
            }
            out[(c * OH + oy) * OW + ox] = s / n;
          }
        }
      }
      return out;
    }
    case 'token_pool': {
      const M = layer.outShape[2];
      const out = new Float32Array(C * M);
      for (let c = 0; c < C; c++) {
        for (let m = 0; m < M; m++) {
          let s = 0;
          for (let i = 0; i < op.kernel; i++) s += x[c * HW + m * op.kernel + i]!;
          out[c * M + m] = s / op.kernel;
        }
      }
      return out;
    }
    case 'layernorm': {
      const lw = weights.get(layer.name);
      const gamma = need(lw?.weight, C, `${layer.name} gamma`);
      const beta = need(lw?.bias, C, `${layer.name} beta`);
      // the intermediates are tapped under the names of the TFLite decomposition (its int8 ranges)
      const t = Object.fromEntries(
        ['mean', 'var', 'var_eps', 'rsqrt']
          .map((k) => [k, new Float32Array(HW)])
          .concat(['centered', 'square', 'normalized', 'gamma_mul'].map((k) => [k, new Float32Array(x.length)])),
      ) as Record<string, Float32Array>;
      const out = new Float32Array(x.length);
      for (let p = 0; p < HW; p++) {
        let mean = 0;
        for (let c = 0; c < C; c++) mean += x[c * HW + p]!;
        mean /= C;
        let v = 0;
        for (let c = 0; c < C; c++) {
          const d = x[c * HW + p]! - mean;
          t.centered![c * HW + p] = d;
          t.square![c * HW + p] = d * d;
          v += d * d;
        }
        const inv = 1 / Math.sqrt(v / C + op.eps);
        t.mean![p] = mean;
        t.var![p] = v / C;
        t.var_eps![p] = v / C + op.eps;
        t.rsqrt![p] = inv;
        for (let c = 0; c < C; c++) {
          const i = c * HW + p;
          const n = (x[i]! - mean) * inv;
          t.normalized![i] = n;
          t.gamma_mul![i] = n * gamma[c]!;
          out[i] = n * gamma[c]! + beta[c]!;
        }
      }
      for (const [k, a] of Object.entries(t)) tap(k, a);
      return out;
    }
  }
}

/** Options of the reference executor. */
export interface ReferenceOptions {
  /** called with every named float tensor (see the module comment for the names) as soon as it exists. */
  onTensor?: (name: string, data: Float32Array) => void;
}

/**
 * Runs a graph on one input ([C,H,W] row-major float32) and returns the output tensor (row-major, the
 * graph's outputShape). Throws ReferenceError on a wrong input size or missing weights.
 */
export function runReference(graph: Graph, weights: GraphWeights, input: Float32Array, opts: ReferenceOptions = {}): Float32Array {
  const [c, h, w] = graph.inputShape;
  if (input.length !== c * h * w)
    throw new ReferenceError(`input has ${input.length} values, graph ${graph.id} expects ${c}x${h}x${w} = ${c * h * w}`);
  // free each tensor after its last reader so whole models fit in memory
  const lastUse = new Map<string, number>();
  graph.layers.forEach((l, i) => l.inputs.forEach((t) => lastUse.set(t, i)));
  const tensors = new Map<string, Float32Array>([[INPUT_TENSOR, input]]);
  opts.onTensor?.(INPUT_TENSOR, input);
  let out: Float32Array | undefined;
  graph.layers.forEach((layer, i) => {
    const xs = layer.inputs.map((t) => {
      const v = tensors.get(t);
      if (!v) throw new ReferenceError(`${layer.name}: input tensor ${t} not computed`);
      return v;
    });
    const tap = (suffix: string, t: Float32Array): void => opts.onTensor?.(`${layer.name}/${suffix}:out`, t);
    const y = runLayer(layer, xs, weights, tap);
    opts.onTensor?.(layer.output, y);
    tensors.set(layer.output, y);
    for (const t of layer.inputs) if (lastUse.get(t) === i && t !== graph.output) tensors.delete(t);
    if (layer.output === graph.output) out = y;
  });
  if (graph.layers.length === 0) return input.slice();
  if (!out) throw new ReferenceError(`graph ${graph.id} never computes its output ${graph.output}`);
  return out;
}

/** Every layer output of one run, keyed by tensor name (`input`, `<layer>:out`, ...). Tiny graphs only. */
export function runReferenceAll(graph: Graph, weights: GraphWeights, input: Float32Array): Map<string, Float32Array> {
  const all = new Map<string, Float32Array>();
  runReference(graph, weights, input, { onTensor: (n, t) => all.set(n, t) });
  return all;
}

/** Observed value range of a tensor. */
export interface TensorRange {
  min: number;
  max: number;
}

/** Calibration table: tensor name -> min/max over all calibration inputs. */
export type CalibrationTable = Map<string, TensorRange>;

/** Widens the [min, max] range of `name` in `table` to cover `data`. */
export function widenRange(table: CalibrationTable, name: string, data: ArrayLike<number>): void {
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const r = table.get(name);
  if (r) {
    r.min = Math.min(r.min, mn);
    r.max = Math.max(r.max, mx);
  } else table.set(name, { min: mn, max: mx });
}

/**
 * Min/max of every named tensor (module comment) over runs of the graph on the given inputs: the
 * calibration of a static int8 quantization.
 */
export function calibrationRanges(graph: Graph, weights: GraphWeights, inputs: Float32Array[]): CalibrationTable {
  if (inputs.length === 0) throw new ReferenceError('calibration needs at least one input');
  const table: CalibrationTable = new Map();
  for (const input of inputs) {
    runReference(graph, weights, input, {
      onTensor: (name, t) => widenRange(table, name, t),
    });
  }
  return table;
}
