/**
 * NAS exports of a lookup table.
 *
 * - `tunas`: a linear cost model in the spirit of TuNAS (google-research/tunas, mobile_cost_model.py):
 *   cost(arch) = bias + sum_i weights[i][arch[i]], in ms, one weight per (position, choice). In a fine
 *   space the filters of every position are fixed, so TuNAS's Kronecker features (out filters x in filters x
 *   op) reduce to this one-hot per position. Fitted by least squares to the table's predictions over seeded
 *   random architectures (the first valid choice of each position is the reference, weight 0), with the fit
 *   error on a held-out seeded set and against the table's measured whole architectures. Also given as
 *   TuNAS's own serialisation: base64 of big-endian float32 (`>f4`) kernel and bias vectors.
 * - `ofa`: a keyed table like Once-for-All's latency_lookup_table.py reads (JSON, which YAML loaders read
 *   too): keys `uib-input:16x16x160-output:16x16x160-start:3-mid:5-expand:4-stride:1`, values with a
 *   `mean` (the block's contribution under the table's correction, ms); the network latency is the sum of
 *   its blocks' `mean` plus `graph-overhead`.
 * - `csv`: one row per configuration.
 */
import { encodeArch, sampleArch } from '../models/search-space.js';
import type { Shape } from '../models/graph.js';
import { blockFacts } from './corrections.js';
import { solveLeastSquares } from './least-squares.js';
import { compileTable, predictVectorMs, type CompiledTable } from './predict.js';
import type { LutTable } from './schema.js';
import type { IndexedConfig } from './space-index.js';

export const EXPORT_FORMATS = ['tunas', 'ofa', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const hwc = (s: Shape): string => `${s[1]}x${s[2]}x${s[0]}`;

/** OFA-style key of a configuration. */
export function ofaKey(c: IndexedConfig): string {
  const io = `input:${hwc(c.inShape)}-output:${hwc(c.outShape)}`;
  const s = c.spec;
  switch (s.type) {
    case 'uib':
      return `uib-${io}-start:${s.startDw}-mid:${s.middleDw}-expand:${s.expandRatio}-stride:${s.stride}`;
    case 'conv_bn':
      return `${s.depthwise ? 'dwconv' : 'conv'}-${io}-kernel:${s.kernel}-stride:${s.stride}`;
    case 'fused_ib':
      return `fused_ib-${io}-kernel:${s.kernel}-expand:${s.expandRatio}-stride:${s.stride}`;
    case 'mqa':
      return `mqa-${io}-heads:${s.heads}-key:${s.keyDim}-value:${s.valueDim}-kv_stride:${s.kvStride}`;
    default:
      return `${s.type}-${io}`;
  }
}

function validChoices(c: CompiledTable, i: number): number[] {
  const p = c.index.space.positions[i]!;
  const lo = p.name.endsWith('.dw') && p.stride > 1 ? 1 : 0;
  return Array.from({ length: p.choices.length - lo }, (_, k) => k + lo);
}

/** What every JSON export says about where its figures come from. */
interface ExportHeader {
  version: 1;
  description: string;
  space: string;
  resolution: number;
  target: LutTable['target'];
  device: LutTable['device'];
  method: string;
  unit: 'ms';
  /** the integrity digest of the table it was made from. */
  tableDigest: string;
  /** where the table's figures come from: a measured table, or the device model (a simulated table). */
  tableProvenance: 'measured' | 'simulated';
}

export interface TunasModel extends ExportHeader {
  format: 'mnv4-bench-tunas-linear';
  dtype: string;
  provenance: 'estimated';
  positions: { name: string; choices: string[] }[];
  /** weights[i][c]: ms added by choice c at position i; null where the choice is not allowed. */
  weights: (number | null)[][];
  bias: number;
  /** TuNAS serialisation: base64 of '>f4' vectors; kernel = weights flattened in position order (null -> 0). */
  tunas: { dtype: '>f4'; kernelBase64: string; biasBase64: string };
  fit: {
    method: 'least-squares';
    trainArchs: number;
    trainSeed: number;
    heldOutArchs: number;
    heldOutSeed: number;
    /** against the table's predictions on the held-out architectures. */
    heldOut: { rmseMs: number; mape: number; maxAbsRelErr: number };
    /** against the table's measured whole architectures (null when it has none). */
    measured: { archs: number; mape: number; maxAbsRelErr: number } | null;
  };
}

function f32beBase64(values: readonly number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatBE(v, i * 4));
  return buf.toString('base64');
}

/** Fits the TuNAS-style linear model. */
export function exportTunas(table: LutTable, opts: { trainArchs?: number; heldOutArchs?: number; seed?: number } = {}): TunasModel {
  const c = compileTable(table);
  const space = c.index.space;
  const nTrain = opts.trainArchs ?? 4000;
  const nHeld = opts.heldOutArchs ?? 1000;
  const seed = opts.seed ?? 1;
  const columns: { pos: number; choice: number }[] = [];
  space.positions.forEach((_, i) =>
    validChoices(c, i)
      .slice(1)
      .forEach((k) => columns.push({ pos: i, choice: k })),
  );
  const colOf = new Map(columns.map((col, j) => [`${col.pos}:${col.choice}`, j]));
  const features = (v: number[]): number[] => {
    const row = new Array<number>(columns.length + 1).fill(0);
    v.forEach((k, i) => {
      const j = colOf.get(`${i}:${k}`);
      if (j !== undefined) row[j] = 1;
    });
    row[columns.length] = 1;
    return row;
  };
  const train = Array.from({ length: nTrain }, (_, i) => sampleArch(space, seed * 1_000_003 + i));
  const coef = solveLeastSquares(
    train.map(features),
    train.map((v) => predictVectorMs(c, v)),
  );
  const weights = space.positions.map((p, i) => {
    const valid = validChoices(c, i);
    return p.choices.map((_, k) => (!valid.includes(k) ? null : k === valid[0] ? 0 : coef[colOf.get(`${i}:${k}`)!]!));
  });
  const bias = coef[columns.length]!;
  const linear = (v: readonly number[]): number => bias + v.reduce((a, k, i) => a + (weights[i]![k] ?? 0), 0);
  const heldSeed = seed * 1_000_003 + nTrain + 17;
  let se = 0;
  let sa = 0;
  let mx = 0;
  for (let i = 0; i < nHeld; i++) {
    const v = sampleArch(space, heldSeed + i);
    const p = predictVectorMs(c, v);
    const e = linear(v) - p;
    se += e * e;
    sa += Math.abs(e / p);
    mx = Math.max(mx, Math.abs(e / p));
  }
  const measured = table.archs;
  let measuredFit: TunasModel['fit']['measured'] = null;
  if (measured.length > 0) {
    const errs = measured.map((a) => {
      const v = a.arch
        .slice(a.arch.indexOf(':') + 1)
        .split(',')
        .map(Number);
      return Math.abs(linear(v) - a.latency.median) / a.latency.median;
    });
    measuredFit = { archs: errs.length, mape: errs.reduce((a, b) => a + b, 0) / errs.length, maxAbsRelErr: Math.max(...errs) };
  }
  return {
    format: 'mnv4-bench-tunas-linear',
    version: 1,
    description:
      'cost_ms(arch) = bias + sum over positions i of weights[i][arch[i]]; arch = the choice indices of `mnv4-bench space <id>` (text <space>:<i>,<i>,...)',
    space: space.id,
    resolution: c.index.resolution,
    target: table.target,
    device: table.device,
    dtype: table.dtype,
    method: c.method,
    unit: 'ms',
    provenance: 'estimated',
    positions: space.positions.map((p) => ({ name: p.name, choices: p.choices })),
    weights,
    bias,
    tunas: { dtype: '>f4', kernelBase64: f32beBase64(weights.flat().map((w) => w ?? 0)), biasBase64: f32beBase64([bias]) },
    fit: {
      method: 'least-squares',
      trainArchs: nTrain,
      trainSeed: seed * 1_000_003,
      heldOutArchs: nHeld,
      heldOutSeed: heldSeed,
      heldOut: { rmseMs: Math.sqrt(se / nHeld), mape: sa / nHeld, maxAbsRelErr: mx },
      measured: measuredFit,
    },
    tableDigest: table.integrity.digest,
    tableProvenance: table.provenance ?? 'measured',
  };
}

/** Predicts with an exported TuNAS-style model (what the README's Python snippet does). */
export function predictTunas(model: Pick<TunasModel, 'weights' | 'bias'>, vector: readonly number[]): number {
  return model.bias + vector.reduce((a, k, i) => a + (model.weights[i]![k] ?? NaN), 0);
}

export interface OfaTable extends ExportHeader {
  format: 'mnv4-bench-ofa-lut';
  table: Record<
    string,
    {
      mean: number;
      standalone_median: number;
      p10: number | null;
      p90: number | null;
      n: number | null;
      source: 'measured' | 'simulated' | 'regression' | 'fitted' | 'none';
    }
  >;
}

export function exportOfa(table: LutTable): OfaTable {
  const c = compileTable(table);
  const byKey = new Map(table.entries.map((e) => [e.key, e]));
  const out: OfaTable['table'] = {};
  c.index.configs.forEach((cfg, ci) => {
    const e = byKey.get(cfg.key);
    out[ofaKey(cfg)] = {
      // tables in reference units: ms at the table's reference median (c.unitMs)
      mean: c.correction.value(c.standalone[ci]!, blockFacts(c.index, ci)) * c.unitMs,
      standalone_median: c.standalone[ci]! * c.unitMs,
      p10: e?.latency.p10 ?? null,
      p90: e?.latency.p90 ?? null,
      n: e?.latency.n ?? null,
      source: e ? (table.provenance ?? 'measured') : 'regression',
    };
  });
  // the constant of the correction: identity graphs for `overhead`, a least-squares bias for `learned`
  const constSource =
    c.units === 'reference' || c.method === 'overhead' ? (table.provenance ?? 'measured') : c.method === 'learned' ? 'fitted' : 'none';
  out['graph-overhead'] = { mean: c.constMs * c.unitMs, standalone_median: 0, p10: null, p90: null, n: null, source: constSource };
  return {
    format: 'mnv4-bench-ofa-lut',
    version: 1,
    description:
      "network latency (ms) = sum of table[key]['mean'] over the network's blocks + table['graph-overhead']['mean']; keys as in Once-for-All's latency lookup tables (input/output HxWxC)",
    space: c.index.space.id,
    resolution: c.index.resolution,
    target: table.target,
    device: table.device,
    method: c.method,
    unit: 'ms',
    table: out,
    tableDigest: table.integrity.digest,
    tableProvenance: table.provenance ?? 'measured',
  };
}

const csvCell = (v: string | number | null): string =>
  v === null ? '' : typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;

export function exportCsv(table: LutTable): string {
  const c = compileTable(table);
  const byKey = new Map(table.entries.map((e) => [e.key, e]));
  const header = [
    'key',
    'ofa_key',
    'op',
    'input',
    'output',
    'stride',
    'start_dw',
    'mid_dw',
    'kernel',
    'expand',
    'searchable',
    'stage',
    'macs',
    'median_ms',
    'p10_ms',
    'p90_ms',
    'n',
    'sessions',
    'spread_ms',
    'contribution_ms',
    'source',
  ];
  const rows = c.index.configs.map((cfg, ci) => {
    const e = byKey.get(cfg.key);
    const s = cfg.spec;
    return [
      cfg.key,
      ofaKey(cfg),
      s.type,
      cfg.inShape.join('x'),
      cfg.outShape.join('x'),
      cfg.stride,
      s.type === 'uib' ? s.startDw : null,
      s.type === 'uib' ? s.middleDw : null,
      'kernel' in s ? s.kernel : null,
      'expandRatio' in s ? s.expandRatio : null,
      cfg.searchable ? 'yes' : 'no',
      cfg.stage,
      cfg.macs,
      c.standalone[ci]! * c.unitMs,
      e?.latency.p10 ?? null,
      e?.latency.p90 ?? null,
      e?.latency.n ?? null,
      e?.latency.sessions ?? null,
      e?.latency.spreadMs ?? null,
      c.correction.value(c.standalone[ci]!, blockFacts(c.index, ci)) * c.unitMs,
      e ? (table.provenance ?? 'measured') : 'regression',
    ]
      .map(csvCell)
      .join(',');
  });
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}

/** Seeded random architectures of a table's space, as text. */
export function sampleArchTexts(table: LutTable, n: number, seed: number): string[] {
  const c = compileTable(table);
  return Array.from({ length: n }, (_, i) => encodeArch(c.index.space, sampleArch(c.index.space, seed + i)));
}
