/**
 * The workload x target summary of a run: one row per workload, one numbered column per target entry (its
 * measured median), and beside a column that corresponds to a published Table 6 column (arXiv 2404.10518),
 * the published figure labelled as such. Cells are found by the structured record key (device, workload,
 * dtype, target + settings), never by matching text.
 *
 * `summaryCells` gives the structured cells (for JSON, dashboards); `summaryTable` renders them as text.
 */
import { externalFigureLabel } from './external-label.js';
import { DEVICE_COLUMNS, publishedLatency, type DeviceColumn, type PublishedCell } from '../models/published.js';
import { measurementKey, type LineRecord, type MeasurementRecord } from '../results/schema.js';
import type { SummaryColumn, SummaryLayout, SummaryRow } from '../core/summary-layout.js';
import type { Target } from '../core/target.js';

import { notConvergedCodes, onSoftwareAdapter, settingsText } from './measurement.js';
import { fmt, textTable, type Column } from './table.js';

export type SummaryCell =
  | {
      state: 'measured';
      medianMs: number;
      converged: boolean;
      softwareAdapter: boolean;
      /** share of nodes on the requested backend when below 1 (a partial fallback), else null. */
      fallbackShare: number | null;
      timing: 'protocol' | 'external';
      record: MeasurementRecord;
    }
  | { state: 'failed'; message: string }
  | { state: 'skipped'; reason: string }
  | { state: 'pending' }
  | { state: 'not-planned' };

export interface SummaryCells {
  /** cells[row][column]. */
  cells: SummaryCell[][];
  /** published[row][column]: the Table 6 figure where the column names one and the row is a model at its native resolution. */
  published: (PublishedCell | undefined)[][];
}

/** The key of a (row, column) cell. */
export function cellKey(layout: SummaryLayout, row: SummaryRow, col: SummaryColumn): string {
  return measurementKey(layout.deviceId, row.workloadId, col.dtype, col.target);
}

function isDeviceColumn(c: string | undefined): c is DeviceColumn {
  return c !== undefined && (DEVICE_COLUMNS as readonly string[]).includes(c);
}

/** The structured cells of the summary. Later records of a key win; a measurement wins over anything else. */
export function summaryCells(layout: SummaryLayout, records: readonly LineRecord[]): SummaryCells {
  const measured = new Map<string, MeasurementRecord>();
  const other = new Map<string, SummaryCell>();
  for (const r of records) {
    if (r.kind === 'measurement') measured.set(r.key, r);
    else if (r.kind === 'error') other.set(r.key, { state: 'failed', message: `${r.error.name}: ${r.error.message.split('\n')[0]}` });
    else if (r.kind === 'skipped') other.set(r.key, { state: 'skipped', reason: r.reason });
  }
  const cells = layout.rows.map((row) =>
    layout.columns.map((col): SummaryCell => {
      const key = cellKey(layout, row, col);
      const m = measured.get(key);
      if (m)
        return {
          state: 'measured',
          medianMs: m.latency.medianMs,
          converged: m.latency.converged,
          softwareAdapter: onSoftwareAdapter(m),
          fallbackShare: m.executed.share && m.executed.share.nodeShare < 1 ? m.executed.share.nodeShare : null,
          timing: m.timing,
          record: m,
        };
      if (layout.planned && !layout.planned.has(key)) return { state: 'not-planned' };
      return other.get(key) ?? { state: 'pending' };
    }),
  );
  const published = layout.rows.map((row) =>
    layout.columns.map((col) => {
      if (!isDeviceColumn(col.publishedColumn) || !row.model || row.model.resolution !== row.model.nativeResolution) return undefined;
      return publishedLatency(row.model.id, col.publishedColumn);
    }),
  );
  return { cells, published };
}

function cellText(c: SummaryCell): string {
  switch (c.state) {
    case 'measured':
      // convergence is judged on per-call samples; an external tool's summary has none, so it gets `ext` instead
      return `${fmt(c.medianMs, 3)}${c.timing === 'external' ? ' ext' : c.converged ? '' : `*${notConvergedCodes(c.record).codes}`}${c.softwareAdapter ? ' sw' : ''}${c.fallbackShare !== null ? ` fb${Math.floor(c.fallbackShare * 100)}%` : ''}`;
    case 'failed':
      return 'failed';
    case 'skipped':
      return 'skipped';
    case 'pending':
      return '-';
    case 'not-planned':
      return '';
  }
}

function publishedText(p: PublishedCell | undefined): string {
  if (!p) return '-';
  return p.state === 'value' ? fmt(p.value, 1) : p.state === 'failed' ? 'failed' : 'n/r';
}

/**
 * The table as text: numbered measured columns (median ms), a `published` column beside those that name a
 * Table 6 column, a legend naming each target, the reasons of skipped columns, and the marks' meaning.
 */
export function summaryTable(layout: SummaryLayout, records: readonly LineRecord[]): string {
  const { cells, published } = summaryCells(layout, records);
  const cols: Column[] = [{ header: 'workload' }];
  const rows = layout.rows.map((r) => [r.workloadId]);
  const legend: string[] = [];
  const marks = new Set<string>();
  const extLabels = new Set<string>();
  layout.columns.forEach((col, k) => {
    cols.push({ header: `[${k + 1}] ms measured`, right: true });
    const reasons = new Set<string>();
    layout.rows.forEach((_, i) => {
      const c = cells[i]![k]!;
      rows[i]!.push(cellText(c));
      if (c.state === 'skipped') reasons.add(c.reason);
      if (c.state === 'measured') {
        if (c.timing === 'external') {
          marks.add('ext');
          extLabels.add(externalFigureLabel(c.record.sessions));
        } else if (!c.converged) marks.add('*');
        if (c.softwareAdapter) marks.add('sw');
        if (c.fallbackShare !== null) marks.add('fb');
      }
      if (c.state === 'pending') marks.add('-');
    });
    legend.push(
      `[${k + 1}] ${col.label}: ${col.target.id} ${col.dtype}${Object.keys(col.target.settings).length ? ` ${settingsText(col.target.settings)}` : ''}`,
    );
    for (const r of reasons) legend.push(`    skipped: ${r}`);
    if (isDeviceColumn(col.publishedColumn)) {
      cols.push({ header: `${col.publishedColumn} ms published`, right: true });
      layout.rows.forEach((_, i) => rows[i]!.push(publishedText(published[i]![k])));
    }
  });
  const notes: string[] = [];
  if (marks.has('*'))
    notes.push(
      "* = not converged within the preset's caps, because: d = the sessions' medians disagree beyond the target, t = samples trended, w = a session's CI stayed wider than the target (see the record's warnings)",
    );
  if (marks.has('ext'))
    notes.push(
      `ext = timed by an external tool such as benchmark_model: ${[...extLabels].join('; ')} (summary statistics only: no CI, convergence not judged)`,
    );
  if (marks.has('sw')) notes.push('sw = software GPU adapter (SwiftShader): measured, but not a GPU latency');
  if (marks.has('fb'))
    notes.push(
      'fbNN% = partial fallback: only NN% of the nodes ran on the requested backend, the rest elsewhere (see the warnings; --strict-backend refuses it)',
    );
  if (marks.has('-')) notes.push('- = not measured yet (resume the run)');
  if (layout.columns.some((c) => isDeviceColumn(c.publishedColumn)))
    notes.push('published = arXiv 2404.10518 Table 6 (models at their native resolution; n/r = not reported)');
  return [textTable(cols, rows), ...legend, ...notes].join('\n');
}

/**
 * A layout from records alone (a run read back from disk): columns by (target + settings, dtype), rows by
 * workload in first-seen order. `targetOrder` (e.g. the manifest's targets) orders the columns; others follow
 * in first-seen order.
 */
export function layoutFromRecords(deviceId: string, records: readonly LineRecord[], targetOrder: readonly Target[] = []): SummaryLayout {
  const columns = new Map<string, SummaryColumn>();
  const rows = new Map<string, SummaryRow>();
  for (const r of records) {
    if (r.kind === 'session' || r.device.id !== deviceId) continue;
    const dtype = r.kind === 'measurement' ? r.workload.file.dtype : r.dtype;
    const colKey = measurementKey(deviceId, '', dtype, r.target);
    if (!columns.has(colKey)) columns.set(colKey, { label: `${r.target.id} ${dtype}`, target: r.target, dtype });
    const model = r.kind === 'measurement' ? r.workload.model : undefined;
    const prev = rows.get(r.workload.id);
    if (!prev || (!prev.model && model)) rows.set(r.workload.id, { workloadId: r.workload.id, ...(model ? { model } : {}) });
  }
  const targetKey = (t: Target): string => measurementKey(deviceId, '', '', t);
  const rank = (c: SummaryColumn): number => {
    const i = targetOrder.findIndex((t) => targetKey(t) === targetKey(c.target));
    return i < 0 ? targetOrder.length : i;
  };
  const ordered = [...columns.values()].map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i);
  return { deviceId, columns: ordered.map((x) => x.c), rows: [...rows.values()] };
}
