/**
 * The shape of a run's workload x target summary (shared contract): the engine plans it from a run's plan,
 * src/report/summary.ts fills its cells from the records and renders it.
 */
import type { Target } from './target.js';

export interface SummaryColumn {
  label: string;
  target: Target;
  dtype: string;
  /** the paper's Table 6 column this target corresponds to, if any. */
  publishedColumn?: string;
}

export interface SummaryRow {
  workloadId: string;
  /** set for whole models (published figures apply only at the native resolution). */
  model?: { id: string; resolution: number; nativeResolution: number };
}

export interface SummaryLayout {
  deviceId: string;
  columns: SummaryColumn[];
  rows: SummaryRow[];
  /** keys of the pairs that were meant to be measured; others are blank cells (default: every row x column). */
  planned?: ReadonlySet<string>;
}
