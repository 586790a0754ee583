/**
 * LUT validation results for the predicted-vs-measured view: architectures with the latency a lookup table
 * predicted (estimated) and the latency measured end to end. Accepted shapes (figures in ms):
 * - the report `mnv4-bench lut validate --report FILE` (or `--json`) writes: `{table, archs, models,
 *   warnings, ...}`, each point `{arch, predictedMs, measuredMs[, spreadMs]}`; the five MNv4 models are kept
 *   apart from the random architectures (they are not held-out samples of the space);
 * - a plain array of `{arch, predictedMs, measuredMs}`, or an object holding one under `architectures`,
 *   `results` or `rows`. Other fields are ignored.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { summarizeValidation, validationPoint } from '../lut/validate.js';
import { median } from '../util/median.js';
import { ReportInputError } from './load.js';

const Point = z.object({
  arch: z.string().min(1),
  predictedMs: z.number().positive(),
  measuredMs: z.number().positive(),
  spreadMs: z.number().nonnegative().optional(),
});
const Points = z.array(Point);

export interface LutPoint {
  arch: string;
  predictedMs: number;
  measuredMs: number;
  /** (predicted - measured) / measured. */
  error: number;
  /** the measured architecture's own between-session spread, ms, when known. */
  spreadMs: number | null;
  /** `arch`: a sampled architecture of the table's space; `model`: one of the MNv4 models. */
  kind: 'arch' | 'model';
}

export interface LutStats {
  n: number;
  /** mean absolute percentage error, as a fraction. */
  mape: number;
  /** mean signed error, as a fraction (positive: predictions too slow). */
  bias: number;
  rmseMs: number;
  within5: number;
  within10: number;
  maxAbsError: number;
  /** median of spread / measured over the architectures (the measurement's own noise), null when unknown. */
  noiseFloor: number | null;
}

export interface LutValidation {
  source: string;
  /** what the table is (space, target, device, method), when the file says. */
  context: string | null;
  points: LutPoint[];
  /** over the sampled architectures only (the models are shown, not counted). */
  stats: LutStats;
  warnings: string[];
}

/** A relative error of exactly 5% / 10% (in floating point) counts as within. */
/**
 * Error statistics of predicted vs measured latencies: the same figures `lut validate` prints (one
 * implementation, src/lut/validate.ts); the noise floor here covers only the points whose spread is known.
 */
export function lutStats(points: readonly LutPoint[]): LutStats {
  const { noiseFloor: _ignored, ...errors } = summarizeValidation(
    points.map((p) => validationPoint(p.arch, p.predictedMs, p.measuredMs, p.spreadMs ?? 0)),
  );
  const relativeSpreads = points.filter((p) => p.spreadMs !== null).map((p) => p.spreadMs! / p.measuredMs);
  return { ...errors, noiseFloor: relativeSpreads.length === 0 ? null : median(relativeSpreads) };
}

function fail(source: string, what: string): never {
  throw new ReportInputError(
    `${source}: not a LUT validation file (${what}); expected the JSON of 'mnv4-bench lut validate --report FILE' or an array of {arch, predictedMs, measuredMs}`,
  );
}

function points(value: unknown, kind: LutPoint['kind'], source: string, field: string): LutPoint[] {
  const r = Points.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    fail(source, `${field}${issue && issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data.map((p) => ({
    arch: p.arch,
    predictedMs: p.predictedMs,
    measuredMs: p.measuredMs,
    error: (p.predictedMs - p.measuredMs) / p.measuredMs,
    spreadMs: p.spreadMs ?? null,
    kind,
  }));
}

/** Validates parsed LUT validation JSON (see the module comment). */
export function parseLutValidation(json: unknown, source: string): LutValidation {
  let archs: LutPoint[];
  let models: LutPoint[] = [];
  let warnings: string[] = [];
  let context: string | null = null;
  if (Array.isArray(json)) archs = points(json, 'arch', source, '(root)');
  else if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    const field = ['archs', 'architectures', 'results', 'rows'].find((k) => Array.isArray(o[k]));
    if (!field) fail(source, 'no array of architectures (archs, architectures, results or rows)');
    archs = points(o[field], 'arch', source, field);
    if (Array.isArray(o.models)) models = points(o.models, 'model', source, 'models');
    if (Array.isArray(o.warnings)) warnings = o.warnings.filter((w): w is string => typeof w === 'string');
    const t = o.table as Record<string, unknown> | undefined;
    if (t && typeof t === 'object') {
      context = ['space', 'target', 'device', 'method', 'resolution']
        .filter((k) => typeof t[k] === 'string' || typeof t[k] === 'number')
        .map((k) => `${k} ${String(t[k])}`)
        .join(', ');
    }
  } else fail(source, 'not an object or array');
  if (archs.length === 0) fail(source, 'no architectures');
  return { source, context: context || null, points: [...archs, ...models], stats: lutStats(archs), warnings };
}

/** Reads a LUT validation file; one-line ReportInputError when it is missing or malformed. */
export function loadLutValidation(file: string): LutValidation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportInputError(`cannot read LUT validation file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseLutValidation(json, file);
}
