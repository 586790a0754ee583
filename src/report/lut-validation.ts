/**
 * LUT validation results for the predicted-vs-measured view: a JSON file holding architectures with the
 * latency a lookup table predicted and the latency measured end to end. Accepted shapes: an array of
 * `{arch, predictedMs, measuredMs}`, or an object with such an array under `architectures`, `results` or
 * `rows` (other fields are ignored). Figures are ms.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ReportInputError } from './load.js';

const Row = z.object({ arch: z.string().min(1), predictedMs: z.number().positive(), measuredMs: z.number().positive() });
const Rows = z.array(Row).min(1);

export interface LutPoint {
  arch: string;
  predictedMs: number;
  measuredMs: number;
  /** (predicted - measured) / measured. */
  error: number;
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
}

export interface LutValidation {
  source: string;
  points: LutPoint[];
  stats: LutStats;
}

/** Error statistics of predicted vs measured latencies. */
export function lutStats(points: readonly LutPoint[]): LutStats {
  const n = points.length;
  const abs = points.map((p) => Math.abs(p.error));
  return {
    n,
    mape: abs.reduce((s, v) => s + v, 0) / n,
    bias: points.reduce((s, p) => s + p.error, 0) / n,
    rmseMs: Math.sqrt(points.reduce((s, p) => s + (p.predictedMs - p.measuredMs) ** 2, 0) / n),
    within5: abs.filter((v) => v <= 0.05).length / n,
    within10: abs.filter((v) => v <= 0.1).length / n,
    maxAbsError: Math.max(...abs),
  };
}

/** Validates parsed LUT validation JSON (see the module comment). */
export function parseLutValidation(json: unknown, source: string): LutValidation {
  const obj = json as Record<string, unknown> | null;
  const arr = Array.isArray(json) ? json : obj && typeof obj === 'object' ? (obj.architectures ?? obj.results ?? obj.rows) : undefined;
  const r = Rows.safeParse(arr);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ReportInputError(
      `${source}: not a LUT validation file (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}); expected an array of {arch, predictedMs, measuredMs}`,
    );
  }
  const points = r.data.map((p) => ({ ...p, error: (p.predictedMs - p.measuredMs) / p.measuredMs }));
  return { source, points, stats: lutStats(points) };
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
