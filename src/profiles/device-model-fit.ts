/**
 * Fits the device model (device-model.ts) to one Table 6 column and validates it out of sample, beside the two
 * baselines the paper itself uses: counting MACs, and the plain roofline (roofline.ts, Table 16 ridge points).
 *
 * - Leave-one-out: each model is predicted by a fit to the OTHER models' published latencies of the column.
 * - Leave-family-out: the MNv4 models are predicted from a fit to the baselines only, and the baselines from
 *   a fit to the MNv4 models only.
 * Every baseline is refitted in exactly the same folds. The fit on all models is used only to simulate
 * workloads that have no published figure; its in-sample error is never shown as a prediction.
 *
 * The ridge point of the per-class work is chosen in each fold from RIDGE_CHOICES by the fold's in-sample
 * relative error, so the held-out model never influences it.
 */
import { InputError } from '../errors.js';
import type { DType } from '../models/cost.js';
import type { Graph } from '../models/graph.js';
import { lowerModel } from '../models/graph.js';
import { DEVICE_COLUMN_INFO, loadPublished, table6Column, type DeviceColumn, type PublishedData } from '../models/published.js';
import { getModel } from '../models/registry.js';
import { onChipFact, type OnChipFact } from './device-facts.js';
import {
  featureVector,
  fitCoefficients,
  jackknifeSe,
  OP_CLASSES,
  opClass,
  TERMS,
  UncostableOpError,
  workloadFeatures,
  type Coefficients,
  type OpClass,
  type Term,
  type WorkloadFeatures,
} from './device-model.js';
import { bestRidge, fitScale, macEquivalents, mape, rooflineLayers, spearman, TABLE16_RIDGE_POINTS, type RooflineLayer } from './roofline.js';

/** Ridge points (MACs per byte) the per-class work is tried at; 0 = plain MACs. */
export const RIDGE_CHOICES: readonly number[] = [0, 25, 50, 100, 200, 400];

/** A column whose published figures are too few to fit, or a workload the model cannot cost: exit 2. */
export class DeviceModelError extends InputError {
  override name = 'DeviceModelError';
}

export type Family = 'mnv4' | 'baseline';

export interface ColumnModelInput {
  id: string;
  name: string;
  family: Family;
  latencyMs: number;
  source: string;
  graph: Graph;
}

/** MNv4 models are the ones the paper proposes; every other defined model is a baseline. */
export function familyOf(id: string): Family {
  return getModel(id).family === 'mnv4' ? 'mnv4' : 'baseline';
}

/**
 * Models the registry defines that have a published latency in the column (new models join automatically).
 * A model with a layer kind the device model has no class for is left out of the fit and listed in `skipped`.
 */
export function columnModelInputs(
  column: DeviceColumn,
  data: PublishedData = loadPublished(),
  graphs = new Map<string, Graph>(),
  skipped: { id: string; reason: string }[] = [],
): ColumnModelInput[] {
  return table6Column(column, data).flatMap((row) => {
    if (!row.defined || row.cell.state !== 'value') return [];
    let g = graphs.get(row.id);
    if (!g) graphs.set(row.id, (g = lowerModel(getModel(row.id))));
    try {
      for (const l of g.layers) opClass(l.op, l.op.kind === 'conv' ? l.op : undefined);
    } catch (e) {
      if (!(e instanceof UncostableOpError)) throw e;
      skipped.push({ id: row.id, reason: e.message });
      return [];
    }
    return [{ id: row.id, name: row.name, family: familyOf(row.id), latencyMs: row.cell.value, source: row.cell.source, graph: g }];
  });
}

/** The terms a column's model has: all but the off-chip one where the column has no public on-chip size. */
export function activeTerms(fact: OnChipFact): Term[] {
  return TERMS.filter((t) => t !== 'offchip' || 'bytes' in fact);
}

/** Fitted parameters: the continuous terms plus the chosen ridge point. */
export const parameterCount = (terms: readonly Term[]): number => terms.length + 1;
/** Each leave-one-out fold must keep at least as many models as the model has parameters. */
export const minPublishedFigures = (terms: readonly Term[]): number => parameterCount(terms) + 1;

/** One fitted model: what simulating any workload on the column needs. */
export interface FittedDeviceModel {
  column: DeviceColumn;
  label: string;
  dtype: DType;
  ridgePoint: number;
  onChipBytes?: number;
  terms: Term[];
  /** ms per unit of each feature, in TERMS order. */
  coefficients: Coefficients;
  /** op classes that some model of the fit contained (the others cannot be costed: no evidence). */
  seenClasses: OpClass[];
}

interface Prepared {
  inputs: ColumnModelInput[];
  terms: Term[];
  active: boolean[];
  onChipBytes?: number;
  /** features of every model at every ridge choice. */
  features: WorkloadFeatures[][];
  rooflineLayers: RooflineLayer[][];
}

function prepare(column: DeviceColumn, inputs: ColumnModelInput[]): Prepared {
  const fact = onChipFact(column);
  const terms = activeTerms(fact);
  const dtype = DEVICE_COLUMN_INFO[column].precision;
  const onChipBytes = 'bytes' in fact ? fact.bytes : undefined;
  const features = RIDGE_CHOICES.map((rp) =>
    inputs.map((m) => workloadFeatures(m.graph, { dtype, ridgePoint: rp, ...(onChipBytes ? { onChipBytes } : {}) })),
  );
  return {
    inputs,
    terms,
    active: TERMS.map((t) => terms.includes(t)),
    ...(onChipBytes ? { onChipBytes } : {}),
    features,
    rooflineLayers: inputs.map((m) => rooflineLayers(m.graph, dtype)),
  };
}

const dotFeatures = (coef: Coefficients, f: WorkloadFeatures): number => featureVector(f).reduce((s, v, j) => s + v * coef[j]!, 0);

/** Fits on the models `train` (indices), choosing the ridge point by in-sample relative error. */
function fitOn(p: Prepared, train: readonly number[], fixedRidge?: number): { ridge: number; coef: Coefficients } {
  const lat = train.map((i) => p.inputs[i]!.latencyMs);
  let best = { ridge: 0, coef: [] as Coefficients, err: Infinity };
  RIDGE_CHOICES.forEach((rp, g) => {
    if (fixedRidge !== undefined && rp !== fixedRidge) return;
    const x = train.map((i) => featureVector(p.features[g]![i]!));
    const coef = fitCoefficients(x, lat, p.active);
    const err = mape(
      train.map((i) => dotFeatures(coef, p.features[g]![i]!)),
      lat,
    );
    if (err < best.err - 1e-12) best = { ridge: rp, coef, err };
  });
  return { ridge: best.ridge, coef: best.coef };
}

const seen = (p: Prepared, train: readonly number[]): Set<OpClass> =>
  new Set(OP_CLASSES.filter((c) => train.some((i) => p.features[0]![i]!.work[c] > 0)));

/** A prediction of model `i` from a fit to `train`, or null when `i` has an op class no training model has. */
function predictHeldOut(p: Prepared, train: readonly number[], i: number): number | null {
  const known = seen(p, train);
  if (OP_CLASSES.some((c) => p.features[0]![i]!.work[c] > 0 && !known.has(c))) return null;
  const f = fitOn(p, train);
  return dotFeatures(f.coef, p.features[RIDGE_CHOICES.indexOf(f.ridge)]![i]!);
}

function baselinePredictions(p: Prepared, column: DeviceColumn, train: readonly number[], i: number): { macs: number; roofline: number } {
  const lat = train.map((j) => p.inputs[j]!.latencyMs);
  const macsOf = (j: number): number => p.features[0]![j]!.macs;
  const kMacs = fitScale(train.map(macsOf), lat);
  const table16 = TABLE16_RIDGE_POINTS[column];
  const rp =
    table16 ?? bestRidge(train.map((j) => ({ id: '', name: '', latencyMs: p.inputs[j]!.latencyMs, source: '', layers: p.rooflineLayers[j]! })));
  const kRoof = fitScale(
    train.map((j) => macEquivalents(p.rooflineLayers[j]!, rp)),
    lat,
  );
  return { macs: kMacs * macsOf(i), roofline: kRoof * macEquivalents(p.rooflineLayers[i]!, rp) };
}

export interface HeldOutPoint {
  id: string;
  name: string;
  family: Family;
  published: { value: number; unit: 'ms'; provenance: 'published'; source: string };
  /** out-of-sample predictions, ms, all `simulated`; deviceModel null when it cannot cost the model from the fold. */
  deviceModel: number | null;
  macs: number;
  roofline: number;
}

export interface Score {
  /** models scored (those the device model could cost in this scheme). */
  n: number;
  spearman: number | null;
  mape: number;
}

export interface SchemeScores {
  deviceModel: Score;
  macs: Score;
  roofline: Score;
  /** models the device model could not cost in this scheme, with the op class it lacked evidence for. */
  excluded: { id: string; reason: string }[];
}

function score(points: readonly HeldOutPoint[]): Omit<SchemeScores, 'excluded'> {
  const ok = points.filter((q) => q.deviceModel !== null);
  const pub = ok.map((q) => q.published.value);
  const one = (pred: number[]): Score => ({ n: ok.length, spearman: ok.length >= 3 ? spearman(pred, pub) : null, mape: mape(pred, pub) });
  return { deviceModel: one(ok.map((q) => q.deviceModel!)), macs: one(ok.map((q) => q.macs)), roofline: one(ok.map((q) => q.roofline)) };
}

function heldOut(p: Prepared, column: DeviceColumn, i: number, train: number[]): HeldOutPoint {
  const m = p.inputs[i]!;
  return {
    id: m.id,
    name: m.name,
    family: m.family,
    published: { value: m.latencyMs, unit: 'ms', provenance: 'published', source: m.source },
    deviceModel: predictHeldOut(p, train, i),
    ...baselinePredictions(p, column, train, i),
  };
}

function excludedOf(p: Prepared, points: readonly HeldOutPoint[], train: (i: number) => number[]): SchemeScores['excluded'] {
  return points.flatMap((q, i) => {
    if (q.deviceModel !== null) return [];
    const known = seen(p, train(i));
    const missing = OP_CLASSES.filter((c) => p.features[0]![i]!.work[c] > 0 && !known.has(c));
    return [{ id: q.id, reason: `no model it was fitted to has ${missing.join(', ')} ops` }];
  });
}

export interface TermEstimate {
  term: Term;
  /** ms per unit (see `unit`); 0 when the fit does not use the term. */
  value: number;
  /** jackknife standard error (leave-one-out refits at the chosen ridge point). */
  se: number;
  unit: string;
}

export interface DeviceModelColumnReport {
  column: DeviceColumn;
  label: string;
  dtype: DType;
  provenance: 'simulated';
  n: number;
  families: Record<Family, number>;
  parameters: number;
  minPublishedFigures: number;
  onChipMemory: OnChipFact;
  ridgePoint: number;
  estimates: TermEstimate[];
  leaveOneOut: SchemeScores & { points: HeldOutPoint[] };
  leaveFamilyOut: {
    mnv4FromBaselines: SchemeScores & { trainN: number };
    baselinesFromMnv4: SchemeScores & { trainN: number };
    /** every model predicted from the other family only, scored together. */
    combined: SchemeScores & { points: HeldOutPoint[] };
  };
  /** the fit on every model: used only to simulate workloads without a published figure. */
  model: FittedDeviceModel;
  /** models with a published figure left out because the model cannot cost one of their ops. */
  skipped?: { id: string; reason: string }[];
}

/** Units per term of the reported values (value = coefficient times the unit's scale). */
export const TERM_UNITS: Record<Term, { unit: string; scale: number }> = {
  floor: { unit: 'ms per inference', scale: 1 },
  dispatch: { unit: 'µs per op', scale: 1e3 },
  'rate.conv': { unit: 'ms per GMAC-eq', scale: 1e9 },
  'rate.depthwise': { unit: 'ms per GMAC-eq', scale: 1e9 },
  'rate.pointwise': { unit: 'ms per GMAC-eq', scale: 1e9 },
  'rate.matmul': { unit: 'ms per GMAC-eq', scale: 1e9 },
  'rate.elementwise': { unit: 'ms per GMAC-eq', scale: 1e9 },
  offchip: { unit: 'ms per MB off chip', scale: 1e6 },
};

/** Throws the one-line refusal when the column has too few published figures for the model's parameters. */
export function checkEnoughFigures(column: DeviceColumn, n: number, terms: readonly Term[]): void {
  const need = minPublishedFigures(terms);
  if (n < need)
    throw new DeviceModelError(
      `device model for ${DEVICE_COLUMN_INFO[column].label}: ${n} published figure(s) for models defined here; it needs at least ${need} (one more than its ${parameterCount(terms)} fitted parameters) to fit and validate out of sample`,
    );
}

/** Fits the device model to a column and scores it by leave-one-out and leave-family-out. */
export function fitDeviceModelColumn(column: DeviceColumn, inputs: ColumnModelInput[]): DeviceModelColumnReport {
  const p = prepare(column, inputs);
  checkEnoughFigures(column, inputs.length, p.terms);
  const all = inputs.map((_, i) => i);
  const others = (i: number): number[] => all.filter((j) => j !== i);
  const otherFamily = (i: number): number[] => all.filter((j) => inputs[j]!.family !== inputs[i]!.family);
  const loo = all.map((i) => heldOut(p, column, i, others(i)));
  const lofo = all.map((i) => heldOut(p, column, i, otherFamily(i)));
  const full = fitOn(p, all);
  const jack = jackknifeSe(all.map((i) => fitOn(p, others(i), full.ridge).coef));
  const family = (f: Family): SchemeScores & { trainN: number } => {
    const idx = all.filter((i) => inputs[i]!.family === f);
    const pts = idx.map((i) => lofo[i]!);
    return {
      ...score(pts),
      excluded: excludedOf(p, lofo, otherFamily).filter((e) => pts.some((q) => q.id === e.id)),
      trainN: all.length - idx.length,
    };
  };
  const info = DEVICE_COLUMN_INFO[column];
  const fact = onChipFact(column);
  return {
    column,
    label: info.label,
    dtype: info.precision,
    provenance: 'simulated',
    n: inputs.length,
    families: { mnv4: inputs.filter((m) => m.family === 'mnv4').length, baseline: inputs.filter((m) => m.family === 'baseline').length },
    parameters: parameterCount(p.terms),
    minPublishedFigures: minPublishedFigures(p.terms),
    onChipMemory: fact,
    ridgePoint: full.ridge,
    estimates: p.terms.map((t) => {
      const j = TERMS.indexOf(t);
      const u = TERM_UNITS[t];
      return { term: t, value: full.coef[j]! * u.scale, se: jack[j]! * u.scale, unit: u.unit };
    }),
    leaveOneOut: { ...score(loo), excluded: excludedOf(p, loo, others), points: loo },
    leaveFamilyOut: {
      mnv4FromBaselines: family('mnv4'),
      baselinesFromMnv4: family('baseline'),
      combined: { ...score(lofo), excluded: excludedOf(p, lofo, otherFamily), points: lofo },
    },
    model: {
      column,
      label: info.label,
      dtype: info.precision,
      ridgePoint: full.ridge,
      ...(p.onChipBytes ? { onChipBytes: p.onChipBytes } : {}),
      terms: p.terms,
      coefficients: full.coef,
      seenClasses: [...seen(p, all)],
    },
  };
}

/** Fits a column from the published data, refusing one with too few figures. */
export function fitDeviceModel(
  column: DeviceColumn,
  data: PublishedData = loadPublished(),
  graphs = new Map<string, Graph>(),
): DeviceModelColumnReport {
  const skipped: { id: string; reason: string }[] = [];
  const r = fitDeviceModelColumn(column, columnModelInputs(column, data, graphs, skipped));
  return skipped.length ? { ...r, skipped } : r;
}
