/**
 * The empirically fitted roofline latency model of the MobileNetV4 paper (arXiv 2404.10518, Sec. 3 and
 * App. F, Eq. 1), for devices this host cannot reach:
 *
 *   ModelTime = sum_i max(MACTime_i, MemTime_i),  MACTime_i = MACs_i / PeakMACs,
 *   MemTime_i = (WeightBytes_i + ActivationBytes_i) / PeakMemBW,  RidgePoint = PeakMACs / PeakMemBW.
 *
 * With the ridge point RP fixed, ModelTime = (1 / PeakMACs) * sum_i max(MACs_i, RP * Bytes_i): a layer costs
 * its MACs or RP times its bytes, whichever is larger ("MAC-equivalents"). RP comes from the paper's Table 16
 * where it gives one (Pixel 6 CPU 31.2, Samsung S23 CPU 39.7, Pixel 4 DSP 347.3, Pixel 8 EdgeTPU 433.8
 * MACs/byte); for the other Table 6 columns it is fitted here (and labelled so). PeakMACs is fitted to the
 * paper's published Table 6 latencies of that column; the figures reported per model are leave-one-out: the
 * model's own published latency is not used to predict it.
 *
 * Bytes per layer come from src/models/cost.ts at the column's precision (int8 weights with int32 biases, or
 * fp16): weights plus every input read once and the output written once, no fusion or caching (the per-layer
 * upper bound). MACs follow the same file (attention matmuls included, elementwise ops 0).
 *
 * Everything this module produces is a simulation: every figure carries `provenance: 'simulated'`.
 */
import { sampleRankCorrelation } from 'simple-statistics';
import { graphLayerCosts, weightBytes, DTYPE_BYTES, type DType, type LayerCost } from '../models/cost.js';
import type { Graph } from '../models/graph.js';
import { lowerModel } from '../models/graph.js';
import { getModel, hasModel } from '../models/registry.js';
import { DEVICE_COLUMN_INFO, DEVICE_COLUMNS, table6Column, type DeviceColumn, type PublishedData, loadPublished } from '../models/published.js';

export const ROOFLINE_CITATION = 'arXiv 2404.10518 Sec. 3, Eq. 1 (roofline), Table 16 (ridge points)';

/** Ridge points the paper gives (Table 16), MACs per byte, by Table 6 column. */
export const TABLE16_RIDGE_POINTS: Readonly<Partial<Record<DeviceColumn, number>>> = {
  pixel6_cpu: 31.2,
  s23_cpu: 39.7,
  pixel4_hexagon: 347.3,
  pixel8_edgetpu: 433.8,
};

/** The paper's own Spearman correlations (Table 16): roofline and MAC count vs measured latency. */
export const TABLE16_SPEARMAN: Readonly<Partial<Record<DeviceColumn, { roofline: number; macs: number }>>> = {
  pixel6_cpu: { roofline: 0.973, macs: 0.962 },
  s23_cpu: { roofline: 0.962, macs: 0.94 },
  pixel4_hexagon: { roofline: 0.962, macs: 0.758 },
  pixel8_edgetpu: { roofline: 0.973, macs: 0.857 },
};

/** Ridge points tried when a column has none in Table 16: 0 and a log grid up to 500 MACs/byte (the paper's
 * sweep range). */
export const RIDGE_GRID: readonly number[] = [
  0,
  ...Array.from({ length: 49 }, (_, k) => Math.round(10 ** (0 + (k * Math.log10(500)) / 48) * 100) / 100),
];

/** One layer's roofline inputs. */
export interface RooflineLayer {
  layer: string;
  block: string;
  macs: number;
  bytes: number;
}

/** Per-layer MACs and bytes of a graph at a precision. */
export function rooflineLayers(graph: Graph, dtype: DType): RooflineLayer[] {
  return graphLayerCosts(graph).map((c: LayerCost) => ({
    layer: c.layer,
    block: c.block,
    macs: c.macs,
    bytes: weightBytes(c, dtype) + c.activationElems * DTYPE_BYTES[dtype],
  }));
}

/** sum_i max(MACs_i, RP * Bytes_i): time in units of one MAC at peak rate. */
export function macEquivalents(layers: readonly RooflineLayer[], ridgePoint: number): number {
  let s = 0;
  for (const l of layers) s += Math.max(l.macs, ridgePoint * l.bytes);
  return s;
}

/** Per-block share of the simulated time (blocks in first-seen order). */
export function blockMacEquivalents(
  layers: readonly RooflineLayer[],
  ridgePoint: number,
): { block: string; macEquivalents: number; memoryBound: boolean }[] {
  const by = new Map<string, { m: number; macs: number }>();
  for (const l of layers) {
    const e = by.get(l.block) ?? { m: 0, macs: 0 };
    e.m += Math.max(l.macs, ridgePoint * l.bytes);
    e.macs += l.macs;
    by.set(l.block, e);
  }
  return [...by.entries()].map(([block, e]) => ({ block, macEquivalents: e.m, memoryBound: e.m > e.macs }));
}

/**
 * The scale k (ms per MAC-equivalent, = 1 / PeakMACs) minimising the squared RELATIVE error of k*u_i against
 * l_i: k = sum(u/l) / sum((u/l)^2). Relative error because latencies span two orders of magnitude.
 */
export function fitScale(units: readonly number[], latencies: readonly number[]): number {
  let a = 0;
  let b = 0;
  units.forEach((u, i) => {
    const r = u / (latencies[i] as number);
    a += r;
    b += r * r;
  });
  if (!(b > 0)) throw new Error('roofline fit needs at least one model with a positive cost and latency');
  return a / b;
}

export function spearman(x: readonly number[], y: readonly number[]): number {
  return sampleRankCorrelation([...x], [...y]);
}

/** mean |pred - actual| / actual. */
export function mape(pred: readonly number[], actual: readonly number[]): number {
  return pred.reduce((s, p, i) => s + Math.abs(p - (actual[i] as number)) / (actual[i] as number), 0) / pred.length;
}

/** A simulated latency: never mixed with measured or published figures. */
export interface SimulatedLatency {
  value: number;
  unit: 'ms';
  provenance: 'simulated';
  method: string;
}

export interface RooflineModelPoint {
  id: string;
  name: string;
  /** Table 6 latency of this column. */
  published: { value: number; unit: 'ms'; provenance: 'published'; source: string };
  /** leave-one-out prediction. */
  simulated: SimulatedLatency;
  macs: number;
  bytes: number;
  macEquivalents: number;
  /** the ridge point used for this prediction (differs per left-out model when the ridge point is fitted). */
  ridgePoint: number;
}

export interface RooflineColumnFit {
  column: DeviceColumn;
  label: string;
  dtype: DType;
  ridgePoint: number;
  ridgeSource: 'table16' | 'fitted';
  /** PeakMACs fitted on every model of the column, MACs per ms (for predicting other workloads). */
  peakMacsPerMs: number;
  /** PeakMemBW = PeakMACs / RP, bytes per ms (Infinity when RP = 0). */
  peakBytesPerMs: number;
  points: RooflineModelPoint[];
  /** Spearman rank correlation of the leave-one-out predictions with the published latencies. */
  spearman: number;
  /** Spearman of the MAC count alone with the published latencies (the paper's r_s-MAC). */
  spearmanMacs: number;
  /** mean absolute percentage error of the leave-one-out predictions, as a fraction. */
  mape: number;
  /** the paper's own correlations for this column (Table 16), when it gives them. */
  paper?: { roofline: number; macs: number };
  provenance: 'simulated';
  notes: string[];
}

export interface RooflineModelInput {
  id: string;
  name: string;
  latencyMs: number;
  source: string;
  layers: RooflineLayer[];
}

/** The Table 6 rows of a column that have both a model definition here and a published number. */
export function columnInputs(
  column: DeviceColumn,
  data: PublishedData = loadPublished(),
  graphs: Map<string, Graph> = new Map(),
): RooflineModelInput[] {
  const dtype = DEVICE_COLUMN_INFO[column].precision;
  const out: RooflineModelInput[] = [];
  for (const row of table6Column(column, data)) {
    if (!hasModel(row.id) || row.cell.state !== 'value') continue;
    let g = graphs.get(row.id);
    if (!g) {
      g = lowerModel(getModel(row.id));
      graphs.set(row.id, g);
    }
    out.push({ id: row.id, name: row.name, latencyMs: row.cell.value, source: row.cell.source, layers: rooflineLayers(g, dtype) });
  }
  return out;
}

/** The ridge point with the smallest in-sample relative error on `inputs` (grid search). */
export function bestRidge(inputs: readonly RooflineModelInput[]): number {
  let best = { rp: 0, err: Infinity };
  const lat = inputs.map((m) => m.latencyMs);
  for (const rp of RIDGE_GRID) {
    const u = inputs.map((m) => macEquivalents(m.layers, rp));
    const k = fitScale(u, lat);
    const err = mape(
      u.map((x) => x * k),
      lat,
    );
    if (err < best.err) best = { rp, err };
  }
  return best.rp;
}

/**
 * Fits the roofline to one Table 6 column and scores it by leave-one-out. With a Table 16 ridge point only
 * PeakMACs is fitted; without one the ridge point is chosen too, inside each leave-one-out fold, so the
 * left-out model never influences its own prediction.
 */
export function fitColumn(column: DeviceColumn, inputs: readonly RooflineModelInput[], ridgeOverride?: number): RooflineColumnFit {
  const info = DEVICE_COLUMN_INFO[column];
  if (inputs.length < 3) throw new Error(`roofline for ${info.label}: ${inputs.length} model(s) with published latencies; at least 3 are needed`);
  const table16 = ridgeOverride ?? TABLE16_RIDGE_POINTS[column];
  const ridgeSource: RooflineColumnFit['ridgeSource'] = table16 !== undefined ? 'table16' : 'fitted';
  const lat = inputs.map((m) => m.latencyMs);
  const ridgeAll = table16 ?? bestRidge(inputs);
  const kAll = fitScale(
    inputs.map((m) => macEquivalents(m.layers, ridgeAll)),
    lat,
  );
  const method = `roofline, leave-one-out (${ridgeSource === 'table16' ? `ridge point ${ridgeAll} MACs/B from Table 16` : 'ridge point fitted without this model'})`;
  const points: RooflineModelPoint[] = inputs.map((m, i) => {
    const rest = inputs.filter((_, j) => j !== i);
    const rp = table16 ?? bestRidge(rest);
    const k = fitScale(
      rest.map((r) => macEquivalents(r.layers, rp)),
      rest.map((r) => r.latencyMs),
    );
    const u = macEquivalents(m.layers, rp);
    return {
      id: m.id,
      name: m.name,
      published: { value: m.latencyMs, unit: 'ms', provenance: 'published', source: m.source },
      simulated: { value: u * k, unit: 'ms', provenance: 'simulated', method },
      macs: m.layers.reduce((s, l) => s + l.macs, 0),
      bytes: m.layers.reduce((s, l) => s + l.bytes, 0),
      macEquivalents: u,
      ridgePoint: rp,
    };
  });
  const sim = points.map((p) => p.simulated.value);
  const notes: string[] = [];
  if (ridgeSource === 'fitted')
    notes.push(
      `Table 16 gives no ridge point for ${info.label}; ${ridgeAll} MACs/B fits all ${inputs.length} models best (chosen per fold for the leave-one-out figures).`,
    );
  const fit: RooflineColumnFit = {
    column,
    label: info.label,
    dtype: info.precision,
    ridgePoint: ridgeAll,
    ridgeSource,
    peakMacsPerMs: 1 / kAll,
    peakBytesPerMs: ridgeAll > 0 ? 1 / kAll / ridgeAll : Infinity,
    points,
    spearman: spearman(sim, lat),
    spearmanMacs: spearman(
      points.map((p) => p.macs),
      lat,
    ),
    mape: mape(sim, lat),
    provenance: 'simulated',
    notes,
  };
  const paper = TABLE16_SPEARMAN[column];
  if (paper) fit.paper = paper;
  return fit;
}

/** Fits every Table 6 column that has at least 3 defined models with numbers. */
export function fitAllColumns(data: PublishedData = loadPublished()): RooflineColumnFit[] {
  const graphs = new Map<string, Graph>();
  return DEVICE_COLUMNS.flatMap((c) => {
    const inputs = columnInputs(c, data, graphs);
    return inputs.length >= 3 ? [fitColumn(c, inputs)] : [];
  });
}

/** Simulates any graph (model, block or search-space architecture) with a column's fitted roofline. */
export function simulateGraph(
  graph: Graph,
  fit: Pick<RooflineColumnFit, 'ridgePoint' | 'peakMacsPerMs' | 'dtype' | 'label' | 'ridgeSource'>,
): {
  latency: SimulatedLatency;
  blocks: { block: string; latency: SimulatedLatency; memoryBound: boolean }[];
} {
  const layers = rooflineLayers(graph, fit.dtype);
  const method = `roofline fitted to ${fit.label} (ridge point ${fit.ridgePoint} MACs/B${fit.ridgeSource === 'fitted' ? ', fitted' : ', Table 16'})`;
  const lat = (m: number): SimulatedLatency => ({ value: m / fit.peakMacsPerMs, unit: 'ms', provenance: 'simulated', method });
  return {
    latency: lat(macEquivalents(layers, fit.ridgePoint)),
    blocks: blockMacEquivalents(layers, fit.ridgePoint).map((b) => ({ block: b.block, latency: lat(b.macEquivalents), memoryBound: b.memoryBound })),
  };
}
