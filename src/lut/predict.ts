/**
 * The predictor: `predictLatency(arch, table)`.
 *
 * A table is compiled once (cached per table object) into flat arrays: for every skeleton block and every
 * combination of the choices it depends on, the block's contribution under the table's correction method
 * and its variance. A prediction is then a sum of one array read per block, so a NAS inner loop gets
 * millions of predictions per second (bench/lut.ts prints the rate).
 *
 * Uncertainty (one standard deviation, ms): sqrt(sum of the entries' between-session variances + the
 * regression error of regression-filled configurations + (method leave-one-out relative RMS x prediction)^2).
 * A configuration missing from the table is predicted by the regression fallback (src/lut/regression.ts)
 * and the prediction says so (`source`, `regressionConfigs`).
 */
import { graphLayerCosts } from '../models/cost.js';
import type { Graph } from '../models/graph.js';
import { getSearchSpace, validateArch } from '../models/search-space.js';
import { blockFacts, fitCorrection, type CalibrationArch, type Correction, type FitInputs } from './corrections.js';
import { LutError } from './errors.js';
import { fitRegression, predictRegression, type RegressionModel } from './regression.js';
import type { LutTable, MethodId } from './schema.js';
import { archConfigs, configKey, spaceIndex, type SpaceIndex } from './space-index.js';
import { inReferenceUnits, referenceVector, unitView } from './units.js';

export interface CompiledTable {
  table: LutTable;
  index: SpaceIndex;
  method: MethodId;
  correction: Correction;
  constMs: number;
  /** standalone median per configuration (measured or regression). */
  standalone: Float64Array;
  /** 1 where the configuration's standalone median comes from the regression. */
  fromRegression: Uint8Array;
  regression: RegressionModel | null;
  /** per block: offset of its combinations in `values`. */
  offsets: Int32Array;
  /** contribution (ms) by block combination; NaN for invalid combinations. */
  values: Float64Array;
  variances: Float64Array;
  /** configuration index by block combination (-1 invalid). */
  comboConfig: Int32Array;
  /** dependency layout, flattened: per block, [first, count) into depPos / depRadix. */
  depStart: Int32Array;
  depCount: Int32Array;
  depPos: Int32Array;
  depRadix: Int32Array;
  relModelSd: number;
  /** ms per table unit: the reference's median for tables in reference units, else 1. */
  unitMs: number;
  units: 'reference' | 'ms';
}

export interface Prediction {
  arch: string;
  /** predicted median latency, ms. */
  medianMs: number;
  /** one standard deviation, ms. */
  uncertaintyMs: number;
  method: MethodId;
  /** the prediction in reference units (ratio to the space's reference), for tables that have one; else null. */
  ratio: number | null;
  /** the reference median (ms) the ratio was turned into ms with, and where it came from; null without a reference. */
  referenceMs: number | null;
  /** 'table' when every block came from measured entries; 'table+regression' when some did not. */
  source: 'table' | 'table+regression';
  regressionConfigs: string[];
  provenance: 'estimated';
}

const compiled = new WeakMap<LutTable, CompiledTable>();

/** The measured architectures of a table, decoded against its space (throws LutError for foreign ones). */
function tableCalibration(table: LutTable, index: SpaceIndex): CalibrationArch[] {
  return table.archs.map((a) => ({ arch: a, configs: archConfigs(index, parseArchVector(a.arch, index, 'table architecture')) }));
}

/** What the corrections are fitted on; `table` in its own units (unitView): anchored on the reference when it has one. */
export function fitInputs(table: LutTable, index: SpaceIndex, standalone: Float64Array): FitInputs {
  const anchor = inReferenceUnits(table) ? { configs: archConfigs(index, referenceVector(index)), value: 1 } : undefined;
  return { index, standalone, overhead: table.overhead, calibration: tableCalibration(table, index), ...(anchor ? { anchor } : {}) };
}

/** Standalone medians per configuration: measured entries, the regression for the rest. */
export function standaloneMedians(
  table: LutTable,
  index: SpaceIndex,
): { standalone: Float64Array; fromRegression: Uint8Array; regression: RegressionModel | null; variances: Float64Array } {
  const n = index.configs.length;
  const standalone = new Float64Array(n).fill(NaN);
  const variances = new Float64Array(n);
  const fromRegression = new Uint8Array(n);
  const items = [];
  for (const e of table.entries) {
    const ci = index.byKey.get(e.key);
    if (ci === undefined)
      throw new LutError(
        `table entry ${e.key} is not a configuration of space ${index.space.id} at ${index.resolution}: the table was edited or built for another space`,
      );
    standalone[ci] = e.latency.median;
    variances[ci] = e.latency.spreadMs ** 2;
    items.push({ entry: e, layers: index.configs[ci]!.layers });
  }
  const missing = [...standalone.keys()].filter((ci) => Number.isNaN(standalone[ci]!));
  const regression = missing.length > 0 ? fitRegression(items, table.dtype) : null;
  for (const ci of missing) {
    if (!regression)
      throw new LutError(`table has no entry for ${index.configs[ci]!.key} and too few entries for the regression fallback: rebuild it`);
    standalone[ci] = predictRegression(regression, index.configs[ci]!.layers, table.dtype);
    variances[ci] = (regression.relRmse * standalone[ci]!) ** 2;
    fromRegression[ci] = 1;
  }
  return { standalone, fromRegression, regression, variances };
}

/** Compiles a table for prediction (checks it against its space; cached per table object). */
export function compileTable(table: LutTable): CompiledTable {
  const have = compiled.get(table);
  if (have) return have;
  let index: SpaceIndex;
  try {
    index = spaceIndex(table.space.id, table.space.resolution);
  } catch (e) {
    throw new LutError(`table is for space '${table.space.id}', which this mnv4-bench does not know (${(e as Error).message})`);
  }
  if (index.fingerprint !== table.space.fingerprint) {
    throw new LutError(
      `table was built for another definition of space ${table.space.id} (its configurations differ from this mnv4-bench's): rebuild it`,
    );
  }
  const { view, unitMs, units } = unitView(table);
  const { standalone, fromRegression, regression, variances: entryVar } = standaloneMedians(view, index);
  const inputs = fitInputs(view, index, standalone);
  const corr = fitCorrection(table.method.id, inputs);
  if ('unavailable' in corr) throw new LutError(`table method '${table.method.id}' cannot be applied: ${corr.unavailable}`);
  const nBlocks = index.blocks.length;
  const offsets = new Int32Array(nBlocks + 1);
  index.blocks.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.comboConfig.length));
  const total = offsets[nBlocks]!;
  const values = new Float64Array(total).fill(NaN);
  const variances = new Float64Array(total);
  const comboConfig = new Int32Array(total);
  const contribution = new Float64Array(index.configs.length);
  index.configs.forEach((_, ci) => (contribution[ci] = corr.value(standalone[ci]!, blockFacts(index, ci))));
  index.blocks.forEach((b, i) => {
    for (let k = 0; k < b.comboConfig.length; k++) {
      const ci = b.comboConfig[k]!;
      comboConfig[offsets[i]! + k] = ci;
      if (ci < 0) continue;
      values[offsets[i]! + k] = contribution[ci]!;
      // the entry's spread scaled like its contribution
      const s = standalone[ci]! > 0 ? contribution[ci]! / standalone[ci]! : 1;
      variances[offsets[i]! + k] = entryVar[ci]! * s * s;
    }
  });
  const depStart = new Int32Array(nBlocks);
  const depCount = new Int32Array(nBlocks);
  const depPos: number[] = [];
  const depRadix: number[] = [];
  index.blocks.forEach((b, i) => {
    depStart[i] = depPos.length;
    depCount[i] = b.deps.length;
    depPos.push(...b.deps);
    depRadix.push(...b.radix);
  });
  const c: CompiledTable = {
    table,
    index,
    method: table.method.id,
    correction: corr,
    constMs: corr.constMs,
    standalone,
    fromRegression,
    regression,
    offsets,
    values,
    variances,
    comboConfig,
    depStart,
    depCount,
    depPos: Int32Array.from(depPos),
    depRadix: Int32Array.from(depRadix),
    relModelSd: table.method.looRelRmse ?? 0,
    unitMs,
    units,
  };
  compiled.set(table, c);
  return c;
}

/** Parses `<space>:<i>,...` or `arch:<space>:<i>,...` against an index; LutError for another space. */
export function parseArchVector(text: string, index: SpaceIndex, what = 'architecture'): number[] {
  const t = text.trim().replace(/^arch:/, '');
  const colon = t.indexOf(':');
  if (colon < 0) throw new LutError(`bad ${what} '${text}': expected ${index.space.id}:<i>,<i>,... (${index.space.positions.length} choices)`);
  const spaceId = t.slice(0, colon).toLowerCase();
  let canonical = spaceId;
  if (spaceId !== index.space.id) {
    try {
      canonical = getSearchSpace(spaceId).id;
    } catch (e) {
      throw new LutError(`${what} '${text}': ${(e as Error).message}`);
    }
  }
  if (canonical !== index.space.id) throw new LutError(`${what} '${text}' is from space ${canonical}; the table is for space ${index.space.id}`);
  const parts = t.slice(colon + 1).split(',');
  const vector = parts.map((p) => {
    if (!/^\s*\d+\s*$/.test(p)) throw new LutError(`bad choice '${p}' in ${what} '${text}': choices are non-negative integers`);
    return Number(p);
  });
  try {
    validateArch(index.space, vector);
  } catch (e) {
    throw new LutError(`${what} '${text}': ${(e as Error).message}`);
  }
  return vector;
}

/**
 * The inner loop: predicted median of a valid architecture vector in the table's units (reference units
 * for tables that have a reference: multiply by `c.unitMs` for ms; predictVectorMs does). `variance` (optional, length 1)
 * receives the entries' summed variance. No validation: use predictLatency for untrusted input.
 */
export function predictVector(c: CompiledTable, vector: ArrayLike<number>, variance?: Float64Array): number {
  let t = c.constMs;
  let v = 0;
  const n = c.depStart.length;
  for (let i = 0; i < n; i++) {
    let combo = 0;
    const s = c.depStart[i]!;
    const e = s + c.depCount[i]!;
    for (let j = s; j < e; j++) combo += vector[c.depPos[j]!]! * c.depRadix[j]!;
    const k = c.offsets[i]! + combo;
    t += c.values[k]!;
    v += c.variances[k]!;
  }
  if (variance) variance[0] = v;
  return t;
}

/** predictVector in ms (the table's reference median times the ratio, for tables in reference units). */
export function predictVectorMs(c: CompiledTable, vector: ArrayLike<number>): number {
  return predictVector(c, vector) * c.unitMs;
}

/**
 * Predicted latency of an architecture (text or vector) with its uncertainty. Throws LutError for bad input.
 * `referenceMs`: the reference's median measured now (tables in reference units); default the table's own.
 */
export function predictLatency(arch: string | readonly number[], table: LutTable | CompiledTable, referenceMs?: number): Prediction {
  const c = 'index' in table && 'values' in table ? table : compileTable(table);
  let vector: number[];
  if (typeof arch === 'string') vector = parseArchVector(arch, c.index);
  else {
    vector = [...arch];
    try {
      validateArch(c.index.space, vector);
    } catch (e) {
      throw new LutError(`architecture ${vector.join(',')}: ${(e as Error).message}`);
    }
  }
  const variance = new Float64Array(1);
  const units = predictVector(c, vector, variance);
  const unitMs = c.units === 'reference' ? (referenceMs ?? c.unitMs) : 1;
  const medianMs = units * unitMs;
  const regressionConfigs = c.fromRegression.includes(1)
    ? [
        ...new Set(
          archConfigs(c.index, vector)
            .filter((ci) => c.fromRegression[ci] === 1)
            .map((ci) => c.index.configs[ci]!.key),
        ),
      ]
    : [];
  return {
    arch: `${c.index.space.id}:${vector.join(',')}`,
    medianMs,
    uncertaintyMs: Math.sqrt(variance[0]! * unitMs * unitMs + (c.relModelSd * medianMs) ** 2),
    method: c.method,
    ratio: c.units === 'reference' ? units : null,
    referenceMs: c.units === 'reference' ? unitMs : null,
    source: regressionConfigs.length > 0 ? 'table+regression' : 'table',
    regressionConfigs,
    provenance: 'estimated',
  };
}

/**
 * Predicts any lowered network (e.g. another MNv4 model at the table's resolution): blocks whose
 * configuration is in the table use it, the others use the regression fallback; the correction applies
 * to all. Needs the regression (at least 3 entries).
 */
export function predictGraph(graph: Graph, table: LutTable | CompiledTable, referenceMs?: number): Prediction {
  const c = 'index' in table && 'values' in table ? table : compileTable(table);
  const costs = graphLayerCosts(graph);
  let regression = c.regression;
  let t = c.constMs;
  let v = 0;
  const fallback: string[] = [];
  for (const b of graph.blocks) {
    const key = configKey(b.spec, b.inShape);
    const ci = c.index.byKey.get(key);
    if (ci !== undefined) {
      const val = c.correction.value(c.standalone[ci]!, blockFacts(c.index, ci));
      t += val;
      const spreadUnits = (c.table.entries.find((e) => e.key === key)?.latency.spreadMs ?? 0) / c.unitMs;
      v += c.fromRegression[ci] ? (c.regression!.relRmse * val) ** 2 : spreadUnits ** 2;
      if (c.fromRegression[ci]) fallback.push(key);
      continue;
    }
    if (!regression) {
      regression = fitRegression(
        unitView(c.table).view.entries.map((e) => ({ entry: e, layers: c.index.configs[c.index.byKey.get(e.key)!]!.layers })),
        c.table.dtype,
      );
      if (!regression) throw new LutError(`the table has too few entries to predict ${graph.id} by regression`);
    }
    const layers = graph.layers.map((layer, i) => ({ layer, cost: costs[i]! })).filter((l) => l.layer.block === b.id);
    const st = predictRegression(regression, layers, c.table.dtype);
    const val = c.correction.value(st, { ci: null, stage: b.stage, searchable: b.spec.type === 'uib', inShape: b.inShape, outShape: b.outShape });
    t += val;
    v += (regression.relRmse * val) ** 2;
    fallback.push(key);
  }
  const unitMs = c.units === 'reference' ? (referenceMs ?? c.unitMs) : 1;
  return {
    arch: graph.id,
    medianMs: t * unitMs,
    uncertaintyMs: Math.sqrt(v + (c.relModelSd * t) ** 2) * unitMs,
    method: c.method,
    ratio: c.units === 'reference' ? t : null,
    referenceMs: c.units === 'reference' ? unitMs : null,
    source: fallback.length > 0 ? 'table+regression' : 'table',
    regressionConfigs: [...new Set(fallback)],
    provenance: 'estimated',
  };
}
