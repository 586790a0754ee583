/**
 * Validation figures of a predictor against end-to-end measurements (`lut validate`), and table files.
 *
 * Per architecture: error = (predicted - measured) / measured. Overall: MAPE (mean |error|), RMSE (ms),
 * the share within ±5% and ±10%, and beside them the noise floor: the median over the architectures of
 * their own between-session spread (robust SD of the session medians / median), which no predictor can beat on
 * this host. Drift: re-measured table entries (blocks) and calibration architectures (whole networks), each
 * median against the table's. Whole networks and single blocks react differently to a host-state change (a
 * busy neighbour taking cache and memory bandwidth slows a network with megabytes of weights more than a
 * block that stays in cache), so the host-state ratio that explains a uniform error is read from the whole
 * architectures: the median of now/table over them, recorded beside the figures. (Predictions re-scaled by
 * it were tried as a diagnostic and dropped: with two anchors the ratio carried as much noise as it removed,
 * and on quiet runs it made good figures look bad.)
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { median } from '../util/median.js';
import { LutError } from './errors.js';
import { parseTable, serializeTable, type LutTable } from './schema.js';

export interface ValidationPoint {
  arch: string;
  predictedMs: number;
  measuredMs: number;
  /** between-session spread of this architecture (robust SD of its session medians), ms. */
  spreadMs: number;
  /** predicted - measured, relative to measured. */
  error: number;
}

export interface ValidationSummary {
  n: number;
  mape: number;
  /** mean signed error (positive: predictions too slow). */
  bias: number;
  rmseMs: number;
  within5: number;
  within10: number;
  maxAbsError: number;
  /** median relative between-session spread of the measured architectures. */
  noiseFloor: number;
}

export function validationPoint(arch: string, predictedMs: number, measuredMs: number, spreadMs: number): ValidationPoint {
  return { arch, predictedMs, measuredMs, spreadMs, error: (predictedMs - measuredMs) / measuredMs };
}

export function summarizeValidation(points: readonly ValidationPoint[]): ValidationSummary {
  const n = points.length;
  if (n === 0) return { n: 0, mape: NaN, bias: NaN, rmseMs: NaN, within5: NaN, within10: NaN, maxAbsError: NaN, noiseFloor: NaN };
  const abs = points.map((p) => Math.abs(p.error));
  const rel = points.map((p) => p.spreadMs / p.measuredMs).sort((a, b) => a - b);
  const noiseFloor = n % 2 ? rel[(n - 1) / 2]! : (rel[n / 2 - 1]! + rel[n / 2]!) / 2;
  return {
    n,
    mape: abs.reduce((a, b) => a + b, 0) / n,
    bias: points.reduce((a, p) => a + p.error, 0) / n,
    rmseMs: Math.sqrt(points.reduce((a, p) => a + (p.predictedMs - p.measuredMs) ** 2, 0) / n),
    // a tiny tolerance so that an error of exactly 5% (in floating point) counts as within 5%
    within5: abs.filter((e) => e <= 0.05 + 1e-12).length / n,
    within10: abs.filter((e) => e <= 0.1 + 1e-12).length / n,
    maxAbsError: Math.max(...abs),
    noiseFloor,
  };
}

/** Reads and checks a table file; every failure is a one-line LutError. */
export async function readTableFile(path: string): Promise<LutTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LutError(
      code === 'ENOENT'
        ? `table file ${path} does not exist: build one with 'mnv4-bench lut build'`
        : `cannot read table file ${path}: ${(e as Error).message}`,
    );
  }
  return parseTable(text, path);
}

/** Writes a table atomically (temp file + rename), so a crash never leaves a truncated table. */
export async function writeTableFile(path: string, table: LutTable): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, serializeTable(table));
  await rename(tmp, path);
}

/** A re-measured table entry or calibration architecture: how far its median moved since the build. */
export interface DriftPoint {
  /** 'entry': a block configuration of the table; 'arch': one of the table's whole calibration architectures. */
  kind: 'entry' | 'arch';
  key: string;
  tableMs: number;
  nowMs: number;
  /** now / table - 1. */
  change: number;
}

export interface ValidationReport {
  table: { file: string; space: string; resolution: number; target: string; device: string; method: string; digest: string };
  seed: number;
  archs: ValidationPoint[];
  summary: ValidationSummary;
  /** the MNv4 models (their blocks outside the table's space are predicted by regression). */
  models: (ValidationPoint & { source: string })[];
  drift: DriftPoint[];
  /** The host's change since the build read from the re-measured calibration architectures (median now/table; null without any). */
  hostState: { ratio: number | null; archs: number };
  /** what makes the figures hard to read (a noisy host, drift since the build). */
  warnings: string[];
  runId: string;
  provenance: { predicted: 'estimated'; measured: 'measured' };
  /**
   * how it was measured: every item paired with the space's reference in randomized order; `units`
   * 'reference': errors are of ratios to the reference, shown in ms at the reference's median now.
   */
  paired?: {
    reference: string;
    units: 'reference' | 'ms';
    referenceMsNow: number;
    referenceMsTable: number | null;
    referenceSessions: number;
    wallSeconds: number;
  };
}

/**
 * A few table entries to re-measure during validation: spread over the range of medians (smallest, the
 * terciles, largest) among the searchable entries, deterministic.
 */
export function driftEntries(table: LutTable, count = 4): string[] {
  const s = table.entries
    .filter((e) => e.searchable && e.latency.provenance === 'measured')
    .sort((a, b) => a.latency.median - b.latency.median || a.key.localeCompare(b.key));
  if (s.length <= count) return s.map((e) => e.key);
  const picks = Array.from({ length: count }, (_, i) => s[Math.round((i * (s.length - 1)) / (count - 1))]!.key);
  return [...new Set(picks)];
}

/**
 * Calibration architectures to re-measure during validation: the `count` with the smallest relative
 * between-session spread in the build (the steadiest anchors), deterministic.
 */
export function driftArchs(table: LutTable, count = 2): string[] {
  const rel = (a: LutTable['archs'][number]) => (a.latency.spreadMs ?? 0) / a.latency.median;
  return [...table.archs]
    .sort((a, b) => rel(a) - rel(b) || a.arch.localeCompare(b.arch))
    .slice(0, Math.max(0, count))
    .map((a) => a.arch);
}

export function driftPoint(key: string, tableMs: number, nowMs: number, kind: DriftPoint['kind'] = 'entry'): DriftPoint {
  return { kind, key, tableMs, nowMs, change: nowMs / tableMs - 1 };
}

/** Median of now/table over the re-measured whole architectures; null when none was re-measured. */
export function hostStateRatio(drift: readonly DriftPoint[]): number | null {
  const r = drift.filter((d) => d.kind === 'arch').map((d) => d.nowMs / d.tableMs);
  return r.length === 0 ? null : median(r);
}

/** Above these, validation figures mostly measure the host, not the predictor. */
export const NOISE_FLOOR_WARNING = 0.05;
export const DRIFT_WARNING = 0.05;

export function validationWarnings(summary: ValidationSummary, drift: readonly DriftPoint[]): string[] {
  const w: string[] = [];
  if (summary.n > 0 && summary.noiseFloor > NOISE_FLOOR_WARNING) {
    w.push(
      `the architectures' own sessions disagree by ${(summary.noiseFloor * 100).toFixed(1)}% (median): the host is too noisy to check ±5%/±10%; validate on a quiet host`,
    );
  }
  for (const kind of ['arch', 'entry'] as const) {
    const changes = drift
      .filter((d) => d.kind === kind)
      .map((d) => Math.abs(d.change))
      .sort((a, b) => a - b);
    const mid = changes.length ? changes[Math.floor((changes.length - 1) / 2)]! : 0;
    if (mid > DRIFT_WARNING) {
      w.push(
        `re-measured ${kind === 'arch' ? 'calibration architectures' : 'table entries'} moved by ${(mid * 100).toFixed(1)}% (median) since the build: the host is not in the state the table was built in; rebuild or validate when it is`,
      );
    }
  }
  return w;
}
