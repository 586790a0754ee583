/**
 * The short form of a run for a person (like hyperfine): one line per finished cell, and at the end the few
 * warnings that matter, grouped and counted over the cells ("3 cells: host busy (other processes up to 65%)").
 * Every detail stays in the records and the report; `-v` prints each measurement in full instead.
 *
 * A cell's main figure is its ratio to the co-measured reference when it has one (src/profiles/paired.ts): the
 * host's drift cancels in it; else its absolute median. "Converged" is judged on that figure.
 */
import type { ErrorRecord, MeasurementRecord, SkippedRecord } from '../results/schema.js';
import { formatPercent, formatSig } from './numbers.js';

/** Whether the cell converged on its main figure (the ratio when it has one). */
export function cellConverged(m: MeasurementRecord): boolean {
  return m.relative ? m.relative.converged : m.latency.converged;
}

/** Why a cell did not converge on its main figure, in a few words (empty when it did). */
export function cellWhy(m: MeasurementRecord): string {
  if (cellConverged(m)) return '';
  const reasons = m.relative ? m.relative.notConverged : m.latency.notConverged;
  const words: string[] = [];
  if (reasons.some((r) => /^session (medians|ratios) differ/.test(r)))
    words.push(`sessions differ by up to ${formatPercent(m.relative ? m.relative.ci.relHalfWidth : m.latency.between.maxDeviationRel)}`);
  const stops = new Set(m.sessions.map((s) => s.stopReason));
  if (stops.has('trend')) words.push('trend');
  if (['ci-too-wide', 'max-samples', 'max-time'].some((r) => stops.has(r))) words.push('CI wider than the target at the caps');
  if (m.sessions.length < 2) words.push('one session');
  return words.join(', ') || 'see the record';
}

/** One line for a finished cell. */
export function cellLine(m: MeasurementRecord): string {
  const lat = m.latency;
  const ci = lat.ciMedian;
  const abs = `${formatSig(lat.medianMs, 4)} ms${ci ? ` ±${formatPercent(ci.relHalfWidth)}` : ''}`;
  const r = m.relative;
  const rel = r ? `  x${formatSig(r.ratio, 4)} ±${formatPercent(r.ci.relHalfWidth)} vs ${r.referenceId.replace(/^model:/, '')}` : '';
  const mark = cellConverged(m) ? 'ok' : `not converged (${cellWhy(m)})`;
  return `${m.workload.id.replace(/^model:/, '')} ${m.workload.file.dtype} on ${m.target.id}: ${abs}${rel}  ${mark}`;
}

/** Labels of the warning codes worth a line, in order of importance; `detail` reads a figure from the messages. */
const GROUPS: { code: string; label: string; detail?: RegExp; unit?: string }[] = [
  { code: 'high-load', label: 'host busy', detail: /used ([\d.]+)% of the CPU/, unit: 'other processes up to' },
  { code: 'high-steal', label: 'hypervisor steal', detail: /took ([\d.]+)% of the CPU/, unit: 'up to' },
  { code: 'trend', label: 'samples trended', detail: /trend by -?([\d.]+)%/, unit: 'by up to' },
  { code: 'warmup-not-steady', label: 'warm-up still changing at its cap' },
  { code: 'high-cv', label: 'noisy samples', detail: /is ([\d.]+)%/, unit: 'CV up to' },
  { code: 'timer-resolution', label: 'timer-resolution bound' },
  { code: 'sessions-executed-differently', label: 'sessions ran on different backends' },
];

/**
 * The grouped warnings of a run: how many cells converged on their main figure, the not-converged ones by
 * reason, the warning codes above counted over the cells, skipped and failed cells grouped by reason. At most
 * `max` lines besides the first.
 */
export function groupedWarnings(
  measured: readonly MeasurementRecord[],
  skipped: readonly SkippedRecord[],
  failed: readonly ErrorRecord[],
  max = 8,
): string[] {
  const lines: string[] = [];
  const cells = measured.length;
  const converged = measured.filter(cellConverged).length;
  const relative = measured.filter((m) => m.relative).length;
  if (cells > 0)
    lines.push(
      `${converged} of ${cells} cells converged (${formatPercent(converged / cells)})${relative > 0 ? `; ${relative} judged on their ratio to the co-measured reference` : ''}`,
    );
  const groups: string[] = [];
  const count = (n: number) => `${n} cell${n === 1 ? '' : 's'}`;
  const byWhy = new Map<string, number>();
  for (const m of measured) if (!cellConverged(m)) byWhy.set(cellWhy(m), (byWhy.get(cellWhy(m)) ?? 0) + 1);
  for (const [why, n] of [...byWhy].sort((a, b) => b[1] - a[1])) groups.push(`${count(n)}: not converged (${why})`);
  for (const g of GROUPS) {
    const hits = measured.filter((m) => m.warnings.some((w) => w.code === g.code));
    if (hits.length === 0) continue;
    let detail = '';
    if (g.detail) {
      const values = hits.flatMap((m) => m.warnings.filter((w) => w.code === g.code).map((w) => Number(g.detail!.exec(w.message)?.[1] ?? NaN)));
      const top = Math.max(...values.filter(Number.isFinite));
      if (Number.isFinite(top)) detail = ` (${g.unit} ${top.toFixed(0)}%)`;
    }
    groups.push(`${count(hits.length)}: ${g.label}${detail}`);
  }
  const runnerNotes = new Map<string, number>();
  for (const m of measured)
    for (const w of m.warnings.filter((x) => x.code === 'runner')) {
      const text = w.message.replace(/^session \d+: /, '').split(':')[0]!;
      runnerNotes.set(text, (runnerNotes.get(text) ?? 0) + 1);
    }
  for (const [text, n] of runnerNotes) groups.push(`${count(n)}: ${text}`);
  const skipReasons = new Map<string, number>();
  for (const s of skipped) {
    const k = `skipped on ${s.target.id}: ${s.reason.split(';')[0]}`;
    skipReasons.set(k, (skipReasons.get(k) ?? 0) + 1);
  }
  for (const [k, n] of skipReasons) groups.push(`${count(n)}: ${k}`);
  for (const f of failed) groups.push(`1 cell: failed: ${f.workload.id} on ${f.target.id}: ${f.error.message.split('\n')[0]}`);
  lines.push(...groups.slice(0, max));
  if (groups.length > max) lines.push(`... ${groups.length - max} more kinds of warning`);
  if (groups.length > 0) lines.push('every detail: the records, `mnv4-bench report`, or -v');
  return lines;
}
