/**
 * `--sustained DURATION`: one session becomes back-to-back benchmark_model runs (no cool-down between them)
 * for DURATION, and every run's latency and the phone's thermal zones after it are recorded against time,
 * because device rankings are reported to flip after tens of minutes of heat. The session's summary pools the
 * runs (count-weighted mean and pooled standard deviation; no median: the runs' medians do not pool).
 */
import type { ExternalTiming } from '../../core/measurement.js';
import type { ThermalReading } from './adb.js';
import { hottestZone } from './thermal.js';

/** One point of a sustained series: a whole benchmark_model run, stamped at its end. */
export interface SustainedPoint {
  /** ms since the sustained session began. */
  tMs: number;
  meanMs: number;
  medianMs?: number;
  count: number;
  /** hottest SoC zone after the run, °C (null: the phone exposes none). */
  hottestC: number | null;
  /** every zone after the run: type -> °C. */
  zones: Record<string, number>;
}

/** Parses a duration: `90s`, `30m`, `1h`, `1h30m`, or plain seconds. Throws with the expected form. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!m || t === '' || (m[1] === undefined && m[2] === undefined && m[3] === undefined))
    throw new Error(`'${text}' is not a duration: use e.g. 90s, 30m, 1h or 1h30m`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

export function sustainedPoint(tMs: number, t: ExternalTiming, zones: readonly ThermalReading[]): SustainedPoint {
  const p: SustainedPoint = {
    tMs,
    meanMs: t.summary.meanMs,
    count: t.summary.count,
    hottestC: hottestZone([...zones])?.celsius ?? null,
    zones: Object.fromEntries(zones.map((z) => [z.type, z.celsius])),
  };
  if (t.summary.medianMs !== undefined) p.medianMs = t.summary.medianMs;
  return p;
}

/** The session's timing from its runs: pooled counts, mean, min, max and standard deviation. */
export function poolRuns(runs: readonly ExternalTiming[], series: SustainedPoint[]): ExternalTiming {
  const first = runs[0]!;
  const n = runs.reduce((a, r) => a + r.summary.count, 0);
  const mean = runs.reduce((a, r) => a + r.summary.count * r.summary.meanMs, 0) / n;
  const varSum = runs.reduce((a, r) => a + r.summary.count * (r.summary.stdMs ** 2 + (r.summary.meanMs - mean) ** 2), 0);
  const summary: ExternalTiming['summary'] = {
    count: n,
    minMs: Math.min(...runs.map((r) => r.summary.minMs)),
    maxMs: Math.max(...runs.map((r) => r.summary.maxMs)),
    meanMs: mean,
    stdMs: Math.sqrt(varSum / n),
  };
  if (first.summary.firstMs !== undefined) summary.firstMs = first.summary.firstMs;
  const { summary: _s, ...rest } = first;
  return { ...rest, summary, sustained: series };
}

/** The one-line account of a sustained session (first and last run, hottest zone). */
export function sustainedWarning(series: readonly SustainedPoint[], durationMs: number): string {
  const a = series[0]!;
  const b = series[series.length - 1]!;
  const change = ((b.meanMs / a.meanMs - 1) * 100).toFixed(1);
  const heat = a.hottestC !== null && b.hottestC !== null ? `, hottest zone ${a.hottestC} -> ${b.hottestC} °C` : '';
  return `sustained ${Math.round(durationMs / 1000)} s: ${series.length} back-to-back benchmark_model runs without cool-down; mean latency ${a.meanMs.toFixed(3)} -> ${b.meanMs.toFixed(3)} ms (${Number(change) >= 0 ? '+' : ''}${change}%)${heat}`;
}
