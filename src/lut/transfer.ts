/**
 * `lut transfer`: a table for a new target (or dtype) from another target's table and at most N measurements
 * (issue 22; in the spirit of LitePred, NSDI 2024, and HELP, NeurIPS 2021: adapt a predictor to a new
 * platform from few samples, chosen for what they teach).
 *
 * Model. Every source entry is split by op class (1x1 conv, depthwise kxk, full kxk conv, attention, pool,
 * linear, elementwise) with its own per-op profile where the source has one, else in proportion to the
 * layers' MACs and activation elements. In reference units (src/lut/units.ts) the new target's entry is
 *   new(b) = sum_k (1 + d_k) x_k(b) + c
 * where x_k(b) is the source entry's time in class k (ratio to the source's reference), d_k says how much
 * class k got slower or faster on the new target than the reference did (0 = like the reference), and c a
 * per-graph constant. d and c are fitted (weighted ridge least squares, towards d = 0) on the blocks measured
 * on the new target, each paired round by round with the new target's reference.
 *
 * What to measure (the budget counts workloads: the reference, blocks, whole architectures):
 *  1. the reference: the unit of the new table;
 *  2. for every op class of the space (each is an op the new target may change), the entry where that class
 *     takes the largest share of the time: the purest teacher of its factor. A budget that cannot hold these
 *     is refused (exit 2, saying how many it needs);
 *  3. then, greedily, the entry that adds the most information about (d, c): the largest leverage
 *     z' M^-1 z of its class composition z against what is already chosen (D-optimal design);
 *  4. with 4 or more to spare, 2 of the source's calibration architectures: whole networks on the new target,
 *     to choose the correction (src/lut/method-choice.ts).
 * Entries measured on the new target keep their measurement; the others are labelled `estimated`.
 */
import { solveLeastSquares } from './least-squares.js';
import { LutError } from './errors.js';
import { chooseMethod } from './method-choice.js';
import { fitInputs, standaloneMedians, compileTable } from './predict.js';
import { scoreMethod, looRelRmse } from './corrections.js';
import {
  METHOD_IDS,
  parseTable,
  pointLatency,
  serializeTable,
  signTable,
  type Latency,
  type LutEntry,
  type LutTable,
  type RunSummary,
} from './schema.js';
import type { IndexedConfig, SpaceIndex } from './space-index.js';
import { unitView, inReferenceUnits } from './units.js';
import type { Layer } from '../models/graph.js';

/** The op class of a layer: what a runtime implements with one kind of kernel. */
export function opClass(layer: Layer): string {
  const op = layer.op;
  switch (op.kind) {
    case 'conv':
      if (op.groups > 1 && op.groups === op.inCh) return `dw${op.kernel}x${op.kernel}`;
      return op.kernel === 1 ? 'conv1x1' : `conv${op.kernel}x${op.kernel}`;
    case 'attention':
      return 'attention';
    case 'global_pool':
      return 'pool';
    case 'linear':
      return 'linear';
    default:
      return 'elementwise';
  }
}

/** Source entry time by op class (reference units when the table has them), summing to the entry's median. */
export function classShares(cfg: IndexedConfig, entry: LutEntry, median: number): Map<string, number> {
  const byRole = new Map<string, number>();
  for (const l of entry.ops?.layers ?? []) byRole.set(l.layer, (byRole.get(l.layer) ?? 0) + l.ms);
  const weights = new Map<string, number>();
  const profiled = cfg.layers.some((l) => byRole.has(l.layer.name.split('/')[1] ?? ''));
  for (const { layer, cost } of cfg.layers) {
    const role = layer.name.split('/')[1] ?? '';
    const w = profiled ? (byRole.get(role) ?? 0) : cost.macs + cost.activationElems;
    const k = opClass(layer);
    weights.set(k, (weights.get(k) ?? 0) + w);
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  for (const [k, w] of weights) out.set(k, total > 0 ? (median * w) / total : median / weights.size);
  return out;
}

/** What a transfer will measure, with why. */
export interface TransferPlan {
  classes: string[];
  reference: string;
  blocks: { key: string; why: string }[];
  archs: { arch: string; why: string }[];
  /** the least budget that covers every op class. */
  needed: number;
}

/** A class counts for coverage when it takes at least this share of some entry's time. */
const MIN_SHARE = 0.05;

function solveSmall(m: number[][], z: number[]): number[] {
  // M^-1 z by Gaussian elimination (M is small and positive definite)
  const n = z.length;
  const a = m.map((row, i) => [...row, z[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

/** Chooses what to measure on the new target. Throws LutError when the budget cannot cover the op classes. */
export function planTransfer(src: LutTable, index: SpaceIndex, budget: number, reference: string): TransferPlan {
  const { view } = unitView(src);
  const comp = view.entries.flatMap((e) => {
    const ci = index.byKey.get(e.key);
    return ci === undefined ? [] : [{ key: e.key, shares: classShares(index.configs[ci]!, e, e.latency.median), total: e.latency.median }];
  });
  const classes = [...new Set(comp.flatMap((c) => [...c.shares].filter(([, v]) => v / c.total >= MIN_SHARE).map(([k]) => k)))].sort();
  // 1 + one teacher per class (one block may teach two classes, but the count is what a user can plan for)
  const teachers: { key: string; why: string }[] = [];
  for (const k of classes) {
    const best = comp.reduce((a, c) => ((c.shares.get(k) ?? 0) / c.total > (a.shares.get(k) ?? 0) / a.total ? c : a));
    const share = (best.shares.get(k) ?? 0) / best.total;
    const have = teachers.find((t) => t.key === best.key);
    if (have) have.why += `, ${k} (${(share * 100).toFixed(0)}%)`;
    else teachers.push({ key: best.key, why: `op class ${k} (${(share * 100).toFixed(0)}% of its time)` });
  }
  const needed = 1 + teachers.length;
  if (budget < needed) {
    throw new LutError(
      `--budget ${budget} cannot cover the op classes the new target may change (${classes.join(', ')}): it needs at least ${needed} (the reference and ${teachers.length} blocks)`,
    );
  }
  const spare = budget - needed;
  const nArchs = spare >= 4 ? Math.min(2, src.archs.length) : 0;
  const nMore = spare - nArchs;
  const dim = classes.length + 1;
  const vec = (c: (typeof comp)[number]): number[] => [...classes.map((k) => (c.shares.get(k) ?? 0) / c.total), 1];
  const m: number[][] = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? 1e-3 : 0)));
  const add = (z: number[]): void => z.forEach((zi, i) => z.forEach((zj, j) => (m[i]![j]! += zi * zj)));
  for (const t of teachers) add(vec(comp.find((c) => c.key === t.key)!));
  const blocks = [...teachers];
  for (let n = 0; n < nMore; n++) {
    let best: (typeof comp)[number] | null = null;
    let bestGain = -1;
    for (const c of comp) {
      if (blocks.some((b) => b.key === c.key)) continue;
      const z = vec(c);
      const gain = z.reduce((a, zi, i) => a + zi * solveSmall(m, z)[i]!, 0);
      if (gain > bestGain) {
        bestGain = gain;
        best = c;
      }
    }
    if (!best) break;
    add(vec(best));
    blocks.push({ key: best.key, why: `most informative left (leverage ${bestGain.toFixed(2)} against the blocks chosen before)` });
  }
  const archs = src.archs.slice(0, nArchs).map((a) => ({ arch: a.arch, why: 'whole architecture: chooses the correction on the new target' }));
  return { classes, reference, blocks, archs, needed };
}

/** A measured workload on the new target: its latency and its ratio to the new reference (paired by round). */
export interface TransferMeasurement {
  latency: Latency;
  relative: number;
}

export interface TransferInputs {
  source: LutTable;
  sourceFile: string;
  index: SpaceIndex;
  plan: TransferPlan;
  budget: number;
  device: LutTable['device'];
  target: LutTable['target'];
  dtype: LutTable['dtype'];
  format: LutTable['format'];
  protocol: string;
  runs: RunSummary[];
  reference: { workloadId: string; latency: Latency };
  blocks: Map<string, TransferMeasurement & { workloadId: string }>;
  archs: Map<string, TransferMeasurement & { workloadId: string }>;
  cost: { measurements: number; wallSeconds: number };
  createdAt?: string;
}

/** Fits the class factors and assembles the transferred table (signed). */
export function transferTable(inp: TransferInputs): LutTable {
  const { source: src, index, plan } = inp;
  if (!inReferenceUnits(src)) throw new LutError(`the source table has no reference (built before tables had one): rebuild it, then transfer`);
  const { view } = unitView(src);
  const classes = plan.classes;
  const srcByKey = new Map(view.entries.map((e) => [e.key, e]));
  const x = (key: string): number[] => {
    const e = srcByKey.get(key)!;
    const sh = classShares(index.configs[index.byKey.get(key)!]!, e, e.latency.median);
    return classes.map((k) => sh.get(k) ?? 0);
  };
  const rows: number[][] = [];
  const y: number[] = [];
  const w: number[] = [];
  for (const [key, m] of inp.blocks) {
    const xs = x(key);
    rows.push([...xs, 1]);
    y.push(m.relative - xs.reduce((a, b) => a + b, 0));
    w.push(1 / m.relative ** 2);
  }
  const coef = solveLeastSquares(rows, y, { weights: w, ridge: [...classes.map(() => 0.3), 0.01] });
  // a factor is a speed ratio: kept within [0.1, 10] (a class with little time in the measured blocks can fit wild)
  const d = new Map(classes.map((k, i) => [k, Math.min(9, Math.max(-0.9, coef[i]!))]));
  const c = coef[classes.length]!;
  const refMs = inp.reference.latency.median;
  const entries: LutEntry[] = view.entries.map((e) => {
    const orig = src.entries.find((o) => o.key === e.key)!;
    const measured = inp.blocks.get(e.key);
    const { ops: _ops, relative: _r, workloadId: _w, latency: _l, ...facts } = orig;
    if (measured) return { ...facts, workloadId: measured.workloadId, latency: measured.latency, relative: measured.relative };
    const xs = x(e.key);
    const rel = Math.max(1e-6, xs.reduce((a, v, i) => a + (1 + d.get(classes[i]!)!) * v, 0) + c);
    const ms = rel * refMs;
    const relSpread = e.latency.spreadMs / e.latency.median;
    return {
      ...facts,
      workloadId: orig.workloadId,
      relative: rel,
      latency: pointLatency(ms, 'estimated', relSpread * ms),
    };
  });
  const archs = [...inp.archs].map(([arch, m]) => {
    const sa = src.archs.find((a) => a.arch === arch)!;
    return { arch, role: 'calibration' as const, workloadId: m.workloadId, macs: sa.macs, latency: m.latency, relative: m.relative, profiles: [] };
  });
  const factors = Object.fromEntries(classes.map((k) => [k, 1 + d.get(k)!]));
  const draft: Omit<LutTable, 'integrity'> = {
    kind: 'mnv4-bench-lut',
    schemaVersion: 1,
    createdAt: inp.createdAt ?? new Date().toISOString(),
    space: src.space,
    device: inp.device,
    target: inp.target,
    dtype: inp.dtype,
    format: inp.format,
    protocol: inp.protocol,
    sessions: inp.reference.latency.sessions,
    runs: inp.runs,
    entries,
    overhead: [],
    archs,
    method: { id: 'sum', chosenBy: 'requested', looRelRmse: null, comparison: [] },
    reference: { arch: plan.reference, workloadId: inp.reference.workloadId, latency: inp.reference.latency },
    transfer: {
      from: { file: inp.sourceFile, target: src.target, dtype: src.dtype, digest: src.integrity.digest, device: src.device.id },
      budget: inp.budget,
      measured: [
        { workload: `arch:${plan.reference}`, kind: 'reference', why: 'the unit of the new table (every block is paired with it round by round)' },
        ...plan.blocks.map((b) => ({ workload: `block:${b.key}`, kind: 'block' as const, why: b.why })),
        ...plan.archs.map((a) => ({ workload: `arch:${a.arch}`, kind: 'arch' as const, why: a.why })),
      ],
      factors,
      note: `${inp.blocks.size} of ${entries.length} entries measured on the new target, the others estimated from the source entries by op-class factors (constant ${c.toFixed(4)} reference units per block)`,
    },
    build: inp.cost,
  };
  const { view: tv } = unitView(draft as LutTable);
  const fi = fitInputs(tv, index, standaloneMedians(tv, index).standalone);
  const comparison = METHOD_IDS.map((mid) => scoreMethod(mid, fi));
  const choice = chooseMethod(fi);
  const id = choice?.id ?? 'sum';
  draft.method = {
    id,
    chosenBy: 'leave-one-out',
    noiseFloor: null,
    looRelRmse: looRelRmse(id, fi),
    comparison,
    why: choice?.why ?? 'no whole architectures measured on the new target: the simplest (sum), anchored on the reference',
    anchored: true,
  };
  const t = signTable(draft);
  parseTable(serializeTable(t), 'the transferred table'); // what a reader will check (e.g. factors > 0)
  compileTable(t); // checks it against its space
  return t;
}
