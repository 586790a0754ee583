/**
 * The fallback for a block configuration that is not in a table: a linear model of latency over the
 * table's own entries, per layer class (op type and kernel): t(layer) = a_c + b_c * MACs + g_c * bytes.
 *
 * Fitted on per-op rows (each profiled layer of each entry, its profiler time rescaled so that an entry's
 * layers add up to the entry's measured median) when every entry has a per-op breakdown, else on per-block
 * rows (sum of the layer features of the block, plus an intercept: one graph's overhead). Rows are weighted
 * by 1/y^2, so the fit minimises relative error; a light ridge keeps classes with few rows sane.
 */
import { DTYPE_BYTES, weightBytes, type DType, type LayerCost } from '../models/cost.js';
import type { Layer } from '../models/graph.js';
import { dot, solveLeastSquares } from './least-squares.js';
import type { LutEntry } from './schema.js';

export const LAYER_CLASSES = ['conv1x1', 'convk', 'dw3', 'dw5', 'dwk', 'linear', 'pool', 'eltwise', 'attention'] as const;
export type LayerClass = (typeof LAYER_CLASSES)[number];
const FEATURES_PER_CLASS = 3;
/** feature columns: 3 per class, then the per-block intercept. */
export const REGRESSION_COLUMNS = LAYER_CLASSES.length * FEATURES_PER_CLASS + 1;

export function layerClass(layer: Layer): LayerClass {
  const op = layer.op;
  switch (op.kind) {
    case 'conv':
      if (op.groups > 1) return op.kernel === 3 ? 'dw3' : op.kernel === 5 ? 'dw5' : 'dwk';
      return op.kernel === 1 ? 'conv1x1' : 'convk';
    case 'linear':
      return 'linear';
    case 'global_pool':
      return 'pool';
    case 'attention':
      return 'attention';
    default:
      return 'eltwise';
  }
}

/** Feature row of one layer (MACs in millions, bytes in MB, so columns have similar scales). */
export function layerFeatures(layer: Layer, cost: LayerCost, dtype: DType, out: number[] = new Array<number>(REGRESSION_COLUMNS).fill(0)): number[] {
  const c = LAYER_CLASSES.indexOf(layerClass(layer)) * FEATURES_PER_CLASS;
  out[c] = out[c]! + 1;
  out[c + 1] = out[c + 1]! + cost.macs / 1e6;
  out[c + 2] = out[c + 2]! + (weightBytes(cost, dtype) + cost.activationElems * DTYPE_BYTES[dtype]) / 1e6;
  return out;
}

export function blockFeatures(layers: readonly { layer: Layer; cost: LayerCost }[], dtype: DType): number[] {
  const row = new Array<number>(REGRESSION_COLUMNS).fill(0);
  for (const l of layers) layerFeatures(l.layer, l.cost, dtype, row);
  row[REGRESSION_COLUMNS - 1] = 1;
  return row;
}

export interface RegressionModel {
  level: 'op' | 'block';
  coef: number[];
  rows: number;
  /** in-sample relative RMS error per block (the uncertainty of a regression-filled configuration). */
  relRmse: number;
}

/** The layer role of a layer name: `b00_uib/expand` -> `expand`. */
export const layerRole = (name: string): string => name.slice(name.indexOf('/') + 1);

/**
 * Fits the fallback on the entries (each with the layers of its configuration); null with fewer than 3 entries.
 */
export function fitRegression(
  items: readonly { entry: LutEntry; layers: readonly { layer: Layer; cost: LayerCost }[] }[],
  dtype: DType,
): RegressionModel | null {
  if (items.length < 3) return null;
  const opLevel = items.every((it) => it.entry.ops && it.entry.ops.layers.length > 0);
  const rows: number[][] = [];
  const y: number[] = [];
  if (opLevel) {
    for (const { entry, layers } of items) {
      const byRole = new Map<string, number>();
      for (const l of entry.ops!.layers) byRole.set(l.layer, (byRole.get(l.layer) ?? 0) + l.ms);
      const total = [...byRole.values()].reduce((a, b) => a + b, 0);
      if (!(total > 0)) continue;
      const f = entry.latency.median / total;
      for (const l of layers) {
        const ms = byRole.get(layerRole(l.layer.name));
        if (ms === undefined || !(ms > 0)) continue;
        rows.push(layerFeatures(l.layer, l.cost, dtype));
        y.push(ms * f);
      }
    }
  } else {
    for (const { entry, layers } of items) {
      rows.push(blockFeatures(layers, dtype));
      y.push(entry.latency.median);
    }
  }
  if (rows.length < 3) return null;
  const ridge = new Array<number>(REGRESSION_COLUMNS).fill(1e-3);
  ridge[REGRESSION_COLUMNS - 1] = 0;
  const coef = solveLeastSquares(rows, y, { weights: y.map((v) => 1 / (v * v)), ridge });
  const model: RegressionModel = { level: opLevel ? 'op' : 'block', coef, rows: rows.length, relRmse: 0 };
  let se = 0;
  for (const { entry, layers } of items) {
    const r = (predictRegression(model, layers, dtype) - entry.latency.median) / entry.latency.median;
    se += r * r;
  }
  model.relRmse = Math.sqrt(se / items.length);
  return model;
}

/** Predicted standalone median of a block from its layers (never below 1 µs). */
export function predictRegression(model: RegressionModel, layers: readonly { layer: Layer; cost: LayerCost }[], dtype: DType): number {
  const row = blockFeatures(layers, dtype);
  if (model.level === 'op') row[REGRESSION_COLUMNS - 1] = 0;
  return Math.max(1e-3, dot(row, model.coef));
}
