/**
 * Additivity corrections: how per-block table entries become a whole-network prediction.
 *
 * A block measured on its own pays what a whole network pays once (the session call, the input and output
 * copies, layout changes at the graph border) and runs with warm caches that it does not have in context.
 * Four ways to turn standalone block medians t_i into a network latency, each `T = C + sum_i v(t_i, block i)`:
 *  - `sum`:        v = t_i, C = 0 (the naive sum, for comparison).
 *  - `overhead`:   v = t_i - o(in_i, out_i), C = o(net in, net out), where o(a, b) = (I(a) + I(b)) / 2 and
 *                  I(s) is the measured median of the identity graph on shape s (a line over the element count
 *                  between measured shapes): what one graph costs beyond its layers.
 *  - `in-context`: v = the block's own time inside whole sampled architectures, from the runtime profiler
 *                  (a separate pass), scaled by measured unprofiled median / profiled total of that run; a
 *                  configuration never seen in context takes t_i times the median in-context/standalone ratio
 *                  of its stage. C = 0.
 *  - `learned`:    v = t_i (1 + d_stage) for searchable blocks, t_i for fixed ones, C = b; b and d by ridge
 *                  least squares on the measured whole architectures (relative error, ridge towards d = 0).
 * Every method is scored by leave-one-out over the measured calibration architectures; the table keeps the
 * best one (src/lut/build.ts) and the comparison.
 */
import type { Shape } from '../models/graph.js';
import { solveLeastSquares } from './least-squares.js';
import type { ArchMeasurement, LutOverhead, MethodId, MethodScore } from './schema.js';
import type { SpaceIndex } from './space-index.js';

/** What a correction needs to know about one block. */
export interface BlockFacts {
  /** configuration index in the space index; null for a block outside the space (another model). */
  ci: number | null;
  stage: string;
  searchable: boolean;
  inShape: Shape;
  outShape: Shape;
}

export interface Correction {
  method: MethodId;
  constMs: number;
  value(standaloneMs: number, b: BlockFacts): number;
}

/** A measured whole architecture with its configurations. */
export interface CalibrationArch {
  arch: ArchMeasurement;
  /** configuration index per skeleton block. */
  configs: number[];
}

export interface FitInputs {
  index: SpaceIndex;
  /** standalone median per configuration (measured, or the regression fallback). */
  standalone: Float64Array;
  overhead: readonly LutOverhead[];
  calibration: readonly CalibrationArch[];
  /**
   * the measured reference (src/lut/units.ts): when given, every method is anchored on it: the constant is
   * chosen so that the reference predicts exactly its measured value, and an architecture is predicted as
   * the reference plus the corrected differences of its blocks (what a whole graph pays once cancels).
   */
  anchor?: { configs: readonly number[]; value: number };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const numel = (s: Shape): number => s[0] * s[1] * s[2];

export function blockFacts(index: SpaceIndex, ci: number): BlockFacts {
  const c = index.configs[ci]!;
  return { ci, stage: c.stage, searchable: c.searchable, inShape: c.inShape, outShape: c.outShape };
}

/** I(s): identity-graph median by shape; exact when measured, else a least-squares line over element counts. */
export function identityModel(overhead: readonly LutOverhead[]): ((s: Shape) => number) | null {
  if (overhead.length === 0) return null;
  const exact = new Map(overhead.map((o) => [o.shape.join('x'), o.latency.median]));
  const rows = overhead.map((o) => [1, numel(o.shape)]);
  const [a, b] =
    overhead.length >= 2
      ? solveLeastSquares(
          rows,
          overhead.map((o) => o.latency.median),
        )
      : [overhead[0]!.latency.median, 0];
  return (s) => exact.get(s.join('x')) ?? Math.max(0, a! + b! * numel(s));
}

function netShapes(index: SpaceIndex): { input: Shape; output: Shape } {
  const first = index.configs.find((c) => c.blocks.includes(0))!;
  const lastBlock = index.blocks.length - 1;
  const last = index.configs.find((c) => c.blocks.includes(lastBlock))!;
  return { input: first.inShape, output: last.outShape };
}

/** Fits a method on a set of calibration architectures (anchored when the inputs have an anchor); says why not when it cannot. */
export function fitCorrection(
  method: MethodId,
  inp: FitInputs,
  calibration: readonly CalibrationArch[] = inp.calibration,
): Correction | { unavailable: string } {
  const c = fitRaw(method, inp, calibration);
  if ('unavailable' in c || !inp.anchor) return c;
  let sum = 0;
  for (const ci of inp.anchor.configs) sum += c.value(inp.standalone[ci]!, blockFacts(inp.index, ci));
  return { ...c, constMs: inp.anchor.value - sum };
}

function fitRaw(method: MethodId, inp: FitInputs, calibration: readonly CalibrationArch[]): Correction | { unavailable: string } {
  switch (method) {
    case 'sum':
      return { method, constMs: 0, value: (t) => t };
    case 'overhead': {
      const ident = identityModel(inp.overhead);
      if (!ident) return { unavailable: 'no identity-graph measurements in the table' };
      const net = netShapes(inp.index);
      return {
        method,
        constMs: (ident(net.input) + ident(net.output)) / 2,
        value: (t, b) => Math.max(0, t - (ident(b.inShape) + ident(b.outShape)) / 2),
      };
    }
    case 'in-context': {
      const obs = new Map<number, number[]>();
      for (const c of calibration) {
        for (const p of c.arch.profiles) {
          const total = p.blockMs.reduce((a, b) => a + b, 0) + p.unattributedMs;
          if (!(total > 0) || p.blockMs.length !== c.configs.length) continue;
          const f = c.arch.latency.median / total;
          p.blockMs.forEach((ms, bi) => {
            const ci = c.configs[bi]!;
            obs.set(ci, [...(obs.get(ci) ?? []), ms * f]);
          });
        }
      }
      if (obs.size === 0) return { unavailable: 'no profiled whole architectures (the target has no profiler, or none were measured)' };
      const context = new Map([...obs].map(([ci, xs]) => [ci, median(xs)]));
      const ratios = new Map<string, number[]>();
      for (const [ci, ms] of context) {
        const st = inp.standalone[ci]!;
        if (!(st > 0)) continue;
        const stage = inp.index.configs[ci]!.stage;
        ratios.set(stage, [...(ratios.get(stage) ?? []), ms / st]);
      }
      const stageRatio = new Map([...ratios].map(([s, xs]) => [s, median(xs)]));
      const globalRatio = median([...ratios.values()].flat());
      return {
        method,
        constMs: 0,
        value: (t, b) => (b.ci !== null && context.has(b.ci) ? context.get(b.ci)! : t * (stageRatio.get(b.stage) ?? globalRatio)),
      };
    }
    case 'learned': {
      if (calibration.length < 2) return { unavailable: `needs at least 2 measured whole architectures, the table has ${calibration.length}` };
      const stages = [...new Set(inp.index.configs.filter((c) => c.searchable).map((c) => c.stage))];
      const rows: number[][] = [];
      const y: number[] = [];
      const mean = calibration.reduce((a, c) => a + c.arch.latency.median, 0) / calibration.length;
      const w: number[] = [];
      const rowOf = (configs: readonly number[]): { g: number[]; sum: number } => {
        const g = new Array<number>(stages.length + 1).fill(0);
        g[stages.length] = 1;
        let sum = 0;
        for (const ci of configs) {
          const t = inp.standalone[ci]!;
          sum += t;
          const cfg = inp.index.configs[ci]!;
          if (cfg.searchable) g[stages.indexOf(cfg.stage)]! += t;
        }
        return { g, sum };
      };
      // anchored: fit the differences from the reference (no intercept: it cancels)
      const ref = inp.anchor ? rowOf(inp.anchor.configs) : null;
      for (const c of calibration) {
        const { g, sum } = rowOf(c.configs);
        let target = c.arch.latency.median - sum;
        if (ref && inp.anchor) {
          ref.g.forEach((x, j) => (g[j] = j === stages.length ? 0 : g[j]! - x));
          target -= inp.anchor.value - ref.sum;
        }
        rows.push(g);
        y.push(target);
        w.push((mean / c.arch.latency.median) ** 2);
      }
      const ridge = [...stages.map(() => 0.5), 0];
      const coef = solveLeastSquares(rows, y, { weights: w, ridge });
      const d = new Map(stages.map((s, i) => [s, coef[i]!]));
      return { method, constMs: coef[stages.length]!, value: (t, b) => (b.searchable ? t * (1 + (d.get(b.stage) ?? 0)) : t) };
    }
  }
}

/** Predicted latency of a calibration architecture under a correction. */
export function predictCalibration(corr: Correction, inp: FitInputs, c: CalibrationArch): number {
  let t = corr.constMs;
  for (const ci of c.configs) t += corr.value(inp.standalone[ci]!, blockFacts(inp.index, ci));
  return t;
}

/** Leave-one-out relative errors of a method, one per calibration architecture it could predict; a reason when none. */
export function looErrors(method: MethodId, inp: FitInputs): { errors: number[]; fitted: boolean } | { unavailable: string } {
  const cal = inp.calibration;
  const full = fitCorrection(method, inp);
  if ('unavailable' in full) return full;
  if (cal.length === 0) return { unavailable: 'no measured whole architectures to score it' };
  const fitted = method === 'in-context' || method === 'learned';
  const errors: number[] = [];
  for (let i = 0; i < cal.length; i++) {
    const corr = fitted
      ? fitCorrection(
          method,
          inp,
          cal.filter((_, j) => j !== i),
        )
      : full;
    if ('unavailable' in corr) continue;
    const p = predictCalibration(corr, inp, cal[i]!);
    errors.push((p - cal[i]!.arch.latency.median) / cal[i]!.arch.latency.median);
  }
  if (errors.length === 0) return { unavailable: 'too few architectures to leave one out' };
  return { errors, fitted };
}

/** Leave-one-out score of a method over the calibration architectures (all of them when nothing is fitted). */
export function scoreMethod(method: MethodId, inp: FitInputs): MethodScore {
  const r = looErrors(method, inp);
  if ('unavailable' in r) return { method, looMape: null, looMaxAbsErr: null, within5: null, within10: null, note: r.unavailable };
  const abs = r.errors.map(Math.abs);
  return {
    method,
    looMape: abs.reduce((a, b) => a + b, 0) / abs.length,
    looMaxAbsErr: Math.max(...abs),
    within5: abs.filter((e) => e <= 0.05).length / abs.length,
    within10: abs.filter((e) => e <= 0.1).length / abs.length,
    note: r.fitted ? `leave-one-out over ${r.errors.length} architectures` : `no fitted parameters: error over ${r.errors.length} architectures`,
  };
}

/** Relative RMS of the leave-one-out errors of a method (the model part of the predictor's uncertainty). */
export function looRelRmse(method: MethodId, inp: FitInputs): number | null {
  const cal = inp.calibration;
  const fitsSomething = method === 'in-context' || method === 'learned';
  let se = 0;
  let n = 0;
  for (let i = 0; i < cal.length; i++) {
    const corr = fitCorrection(method, inp, fitsSomething ? cal.filter((_, j) => j !== i) : cal);
    if ('unavailable' in corr) continue;
    const e = (predictCalibration(corr, inp, cal[i]!) - cal[i]!.arch.latency.median) / cal[i]!.arch.latency.median;
    se += e * e;
    n++;
  }
  return n === 0 ? null : Math.sqrt(se / n);
}

/** From the simplest correction to the one with the most fitted parameters. */
export const SIMPLICITY_ORDER: readonly MethodId[] = ['sum', 'overhead', 'learned', 'in-context'];

/**
 * The simplest method whose leave-one-out MAPE is within `tolerance` of the lowest. The tolerance is the
 * calibration architectures' own noise (median relative between-session spread): a method that beats a
 * simpler one by less than that has not shown it is better, only that it fitted the noise of this run.
 */
export function selectMethod(scores: readonly MethodScore[], tolerance = 0): MethodId | null {
  const scored = scores.filter((s) => s.looMape !== null);
  if (scored.length === 0) return null;
  const best = Math.min(...scored.map((s) => s.looMape!));
  for (const m of SIMPLICITY_ORDER) {
    const s = scored.find((x) => x.method === m);
    if (s && s.looMape! <= best + tolerance + 1e-12) return m;
  }
  return null;
}
