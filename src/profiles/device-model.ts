/**
 * A device model for phones and accelerators this host cannot reach: latency as a sum of costs with a
 * physical reason each, fitted to the paper's published Table 6 column of the device. The paper's plain
 * roofline (roofline.ts) stays as the baseline it is compared against.
 *
 *   latency = floor + dispatch * ops + sum_c work_c / rate_c + offChipBytes / offChipRate
 *
 * Why each term is there (docs/device-model.md has the figures):
 * - floor (ms per inference): a fixed cost every inference pays whatever the model: delegate/driver
 *   invocation, input/output copies, accelerator wake-up. On the Pixel 8 EdgeTPU five of the 13 models sit at a
 *   published 0.7 ms that no amount of work explains; the plain roofline predicts Conv-S at 0.2 ms.
 * - dispatch (ms per dispatched op): each op is a kernel launch / command-buffer entry / instruction
 *   stream of its own. GPUs and DSPs pay it per op, so a model of many small ops (MobileNet-V3, SE blocks)
 *   is slower than its MACs say. An op here is one layer of the graph (a conv with its folded BN and
 *   activation is one op); attention counts 3 (two matmuls and a softmax).
 * - one rate per op class (full conv, depthwise, pointwise, matmul/attention, elementwise/pooling): a
 *   processor reaches a different share of its peak on each class: depthwise convs have ~k*k MACs per
 *   weight and starve a MAC array; 1x1 convs are the GEMMs the hardware is built for; elementwise ops do
 *   no MACs at all and cost their bytes. The work of a layer is its roofline time in MAC-equivalents,
 *   max(MACs, RP * bytes) (the paper's Eq. 1) with the column's ridge point RP, so each fitted rate is an
 *   efficiency relative to the roofline; with RP = 0 the work is plain MACs (elementwise work is then its
 *   bytes).
 * - off-chip traffic (bytes per ms): where the processor's on-chip memory is a public figure, the weights
 *   beyond it (streamed from DRAM every inference) and each layer's activations beyond it. Large models
 *   slow down more than their MACs say once they stop fitting. A device with no public on-chip figure
 *   gets no such term (never an invented size).
 *
 * The fit is non-negative (every term is a cost; a negative rate has no meaning) and robust: iteratively
 * reweighted non-negative least squares on relative residuals (pred / published - 1, a first-order log
 * error, so a 1 ms model counts as much as a 100 ms one) with Huber weights. Each fitted value comes with a
 * jackknife standard error (refit leaving out each model in turn).
 *
 * Everything computed here is `simulated`.
 */
import { graphLayerCosts, weightBytes, DTYPE_BYTES, type DType, type LayerCost } from '../models/cost.js';
import type { Graph } from '../models/graph.js';
import { InputError } from '../errors.js';
import { nnls } from './nnls.js';

export const OP_CLASSES = ['conv', 'depthwise', 'pointwise', 'matmul', 'elementwise'] as const;
export type OpClass = (typeof OP_CLASSES)[number];

export const TERMS = ['floor', 'dispatch', ...OP_CLASSES.map((c) => `rate.${c}` as const), 'offchip'] as const;
export type Term = (typeof TERMS)[number];

/**
 * Layer kinds that cost their bytes: elementwise arithmetic, activations, per-channel affine/scale, pooling
 * and normalisation (LayerNorm reads and writes each element a fixed number of times, like them).
 */
const ELEMENTWISE_KINDS: ReadonlySet<string> = new Set([
  'add',
  'mul',
  'act',
  'affine',
  'scale',
  'global_pool',
  'avg_pool',
  'token_pool',
  'layernorm',
  'concat',
]);
/** Kinds that are matrix products of activations with activations (EfficientViT's linear attention too). */
const MATMUL_KINDS: ReadonlySet<string> = new Set(['attention', 'linear_attention']);

/** Which op class a layer belongs to; UncostableOpError for a kind the model has no class for. */
export function opClass(c: Pick<LayerCost, 'kind'>, op?: { kernel?: number; groups?: number; inCh?: number }): OpClass {
  const kind: string = c.kind;
  if (kind === 'conv') {
    if ((op?.groups ?? 1) > 1 && op?.groups === op?.inCh) return 'depthwise';
    return op?.kernel === 1 ? 'pointwise' : 'conv';
  }
  if (kind === 'linear') return 'pointwise';
  if (MATMUL_KINDS.has(kind)) return 'matmul';
  if (ELEMENTWISE_KINDS.has(kind)) return 'elementwise';
  throw new UncostableOpError(kind);
}

/** A layer of a kind the device model has no class for (exit 2, naming the op). */
export class UncostableOpError extends InputError {
  override name = 'UncostableOpError';
  constructor(
    readonly op: string,
    detail = 'it has no op class for it',
  ) {
    super(`the device model cannot cost op '${op}': ${detail}`);
  }
}

/** The per-graph quantities the model's terms multiply: one number per term. */
export interface WorkloadFeatures {
  /** dispatched ops (attention counts 3). */
  ops: number;
  /** roofline work per class in MAC-equivalents, max(MACs, RP * bytes) summed over the class's layers. */
  work: Record<OpClass, number>;
  /** bytes beyond the on-chip memory (0 when the device has no public on-chip figure). */
  offChipBytes: number;
  macs: number;
  bytes: number;
}

export interface FeatureOptions {
  dtype: DType;
  /** MACs per byte; 0 makes compute work plain MACs. */
  ridgePoint: number;
  /** on-chip memory in bytes, only from a cited public figure. */
  onChipBytes?: number;
}

/** Features of a graph (a model, a block, a search-space architecture) at a precision. */
export function workloadFeatures(graph: Graph, o: FeatureOptions): WorkloadFeatures {
  const blocks = blockFeatures(graph, o);
  const total = emptyFeatures();
  for (const f of blocks.values()) addFeatures(total, f);
  return total;
}

const emptyFeatures = (): WorkloadFeatures => ({
  ops: 0,
  work: Object.fromEntries(OP_CLASSES.map((c) => [c, 0])) as Record<OpClass, number>,
  offChipBytes: 0,
  macs: 0,
  bytes: 0,
});

function addFeatures(to: WorkloadFeatures, f: WorkloadFeatures): void {
  to.ops += f.ops;
  for (const c of OP_CLASSES) to.work[c] += f.work[c];
  to.offChipBytes += f.offChipBytes;
  to.macs += f.macs;
  to.bytes += f.bytes;
}

/**
 * Features per block (first-seen order); they sum to the graph's. Weights beyond the on-chip memory are a
 * property of the whole graph: each block gets the share of its weight bytes.
 */
export function blockFeatures(graph: Graph, o: FeatureOptions): Map<string, WorkloadFeatures> {
  const out = new Map<string, WorkloadFeatures>();
  const weightsOf = new Map<string, number>();
  let weights = 0;
  graphLayerCosts(graph).forEach((c, i) => {
    const layer = graph.layers[i]!;
    const cls = opClass(c, layer.op.kind === 'conv' ? layer.op : undefined);
    const f = out.get(c.block) ?? emptyFeatures();
    out.set(c.block, f);
    const w = weightBytes(c, o.dtype);
    const a = c.activationElems * DTYPE_BYTES[o.dtype];
    // elementwise layers have no MACs: their work is their bytes at the ridge point (1 when RP = 0)
    const rp = cls === 'elementwise' ? Math.max(o.ridgePoint, 1) : o.ridgePoint;
    f.work[cls] += Math.max(c.macs, rp * (w + a));
    f.ops += MATMUL_KINDS.has(c.kind) ? 3 : 1;
    f.macs += c.macs;
    f.bytes += w + a;
    if (o.onChipBytes !== undefined && a > o.onChipBytes) f.offChipBytes += a - o.onChipBytes;
    weightsOf.set(c.block, (weightsOf.get(c.block) ?? 0) + w);
    weights += w;
  });
  if (o.onChipBytes !== undefined && weights > o.onChipBytes) {
    const beyond = weights - o.onChipBytes;
    for (const [b, f] of out) f.offChipBytes += (beyond * (weightsOf.get(b) ?? 0)) / weights;
  }
  return out;
}

/** The feature vector in TERMS order. */
export function featureVector(f: WorkloadFeatures): number[] {
  return [1, f.ops, ...OP_CLASSES.map((c) => f.work[c]), f.offChipBytes];
}

/** Fitted coefficients in TERMS order: ms per unit of each feature. */
export type Coefficients = number[];

export function predictMs(coef: Coefficients, f: WorkloadFeatures): number {
  const x = featureVector(f);
  return x.reduce((s, v, j) => s + v * (coef[j] ?? 0), 0);
}

/** Huber tuning constant, in robust standard deviations of the relative residuals. */
const HUBER_K = 1.345;
/** relative residuals below this count as exact (stops a near-perfect fit from reweighting on noise). */
const MIN_SCALE = 0.02;

/**
 * Robust non-negative fit of `latency ~ x . coef` on relative residuals: IRLS with Huber weights, each step
 * an exact NNLS. `active` masks the terms the column has (others are fixed at 0).
 */
export function fitCoefficients(x: readonly (readonly number[])[], latency: readonly number[], active: readonly boolean[]): Coefficients {
  const cols = active.flatMap((a, j) => (a ? [j] : []));
  let w = latency.map(() => 1);
  let sub: number[] = [];
  for (let it = 0; it < 20; it++) {
    const rows = x.map((r, i) => cols.map((j) => (r[j]! / latency[i]!) * Math.sqrt(w[i]!)));
    const rhs = latency.map((_, i) => Math.sqrt(w[i]!));
    const next = nnls(rows, rhs);
    const rel = x.map((r, i) => cols.reduce((s, j, k) => s + r[j]! * next[k]!, 0) / latency[i]! - 1);
    const sorted = rel.map(Math.abs).sort((a, b) => a - b);
    const mad = sorted[Math.floor((sorted.length - 1) / 2)]! / 0.6745;
    const scale = Math.max(mad, MIN_SCALE) * HUBER_K;
    const nw = rel.map((r) => (Math.abs(r) <= scale ? 1 : scale / Math.abs(r)));
    const done = sub.length > 0 && next.every((v, k) => Math.abs(v - sub[k]!) <= 1e-9 * Math.max(Math.abs(v), 1e-30));
    sub = next;
    w = nw;
    if (done) break;
  }
  const coef = new Array<number>(TERMS.length).fill(0);
  cols.forEach((j, k) => (coef[j] = sub[k]!));
  return coef;
}

/** Jackknife standard error of each coefficient from leave-one-out refits. */
export function jackknifeSe(folds: readonly Coefficients[]): number[] {
  const n = folds.length;
  const p = folds[0]?.length ?? 0;
  return Array.from({ length: p }, (_, j) => {
    const vals = folds.map((f) => f[j]!);
    const mean = vals.reduce((s, v) => s + v, 0) / n;
    return Math.sqrt(((n - 1) / n) * vals.reduce((s, v) => s + (v - mean) ** 2, 0));
  });
}
