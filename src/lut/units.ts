/**
 * Reference units (issue 21): a table built with its space's reference (the base model's own choices,
 * measured in the same run, interleaved round by round with every entry) holds each entry, identity graph
 * and calibration architecture also as a ratio to the reference (`relative`: the median over sessions of the
 * session's median / the reference's median in the same round). A slow change of the host between rounds
 * moves both sides of a ratio alike, so ratios survive it where milliseconds do not.
 *
 * The predictor works in the table's units: `unitView` gives the table with every latency in reference units
 * (median = relative, spread scaled alike), and a prediction is turned into ms by the reference's median:
 * the table's own, or one measured at prediction time (`lut predict --reference-ms`).
 */
import { skeletonArch, encodeArch } from '../models/search-space.js';
import type { Latency, LutTable } from './schema.js';
import type { SpaceIndex } from './space-index.js';

/** The reference architecture of a space: its base model's own choices (`<space>:<i>,...`). */
export function referenceArch(index: SpaceIndex): string {
  return encodeArch(index.space, referenceVector(index));
}

export function referenceVector(index: SpaceIndex): number[] {
  return skeletonArch(index.space);
}

/** Median over paired sessions of a / b (sessions paired by index = engine round). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n === 0) return null;
  const r = Array.from({ length: n }, (_, i) => a[i]! / b[i]!)
    .filter((x) => Number.isFinite(x) && x > 0)
    .sort((x, y) => x - y);
  if (r.length === 0) return null;
  const m = r.length;
  return m % 2 ? r[(m - 1) / 2]! : (r[m / 2 - 1]! + r[m / 2]!) / 2;
}

function toUnits(l: Latency, relative: number | undefined): Latency {
  if (relative === undefined) return l;
  const f = relative / l.median;
  return {
    ...l,
    median: relative,
    p10: l.p10 * f,
    p90: l.p90 * f,
    sessionMedians: l.sessionMedians.map((x) => x * f),
    spreadMs: l.spreadMs * f,
  };
}

/** True when every latency of the table also has its reference-unit figure. */
export function inReferenceUnits(t: Pick<LutTable, 'reference' | 'entries' | 'archs' | 'overhead'>): boolean {
  return (
    t.reference !== undefined &&
    t.entries.every((e) => e.relative !== undefined) &&
    t.archs.every((a) => a.relative !== undefined) &&
    t.overhead.every((o) => o.relative !== undefined)
  );
}

/** The table with every latency in reference units (1 = the reference's median); the table itself when it has none. */
export function unitView(t: LutTable): { view: LutTable; unitMs: number; units: 'reference' | 'ms' } {
  if (!inReferenceUnits(t)) return { view: t, unitMs: 1, units: 'ms' };
  return {
    view: {
      ...t,
      entries: t.entries.map((e) => ({ ...e, latency: toUnits(e.latency, e.relative) })),
      overhead: t.overhead.map((o) => ({ ...o, latency: toUnits(o.latency, o.relative) })),
      archs: t.archs.map((a) => ({ ...a, latency: toUnits(a.latency, a.relative) })),
    },
    unitMs: t.reference!.latency.median,
    units: 'reference',
  };
}
