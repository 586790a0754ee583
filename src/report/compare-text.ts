/**
 * The text of `mnv4-bench compare`: the comparison of two runs (src/report/compare.ts) as a table with its
 * notes and a closing count of significant regressions and improvements.
 */
import type { CompareResult } from './compare.js';
import { fmt, textTable } from './table.js';

const pct = (x: number | null, signed = true): string => (x === null ? '-' : `${signed && x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);

/** The comparison as a text table plus summary lines. */
export function compareText(c: CompareResult): string {
  const rows = c.rows.map((r) => [
    r.workloadId,
    r.targetLabel,
    fmt(r.medianA ?? undefined, 3),
    fmt(r.medianB ?? undefined, 3),
    pct(r.change),
    r.changeLo === null ? '-' : `[${pct(r.changeLo)}, ${pct(r.changeHi)}]`,
    r.p === null ? '-' : r.p < 1e-4 ? '<0.0001' : r.p.toFixed(4),
    r.test ? `${r.test} ${r.nA}+${r.nB} ${r.units}` : '-',
    `${pct(r.noiseA, false)} / ${pct(r.noiseB, false)}`,
    r.status === 'regression' ? 'REGRESSION' : r.status,
  ]);
  const table = textTable(
    [
      { header: 'workload' },
      { header: 'target' },
      { header: 'A ms', right: true },
      { header: 'B ms', right: true },
      { header: 'change', right: true },
      { header: '95% CI', right: true },
      { header: 'p', right: true },
      { header: 'test' },
      { header: 'noise A / B', right: true },
      { header: 'status' },
    ],
    rows,
  );
  const notes = [...new Set(c.rows.flatMap((r) => r.notes))];
  return [
    `A = ${c.runA.runId} (${c.runA.device}, noise floor ${pct(c.runA.noiseFloor, false)}), B = ${c.runB.runId} (${c.runB.device}, noise floor ${pct(c.runB.noiseFloor, false)}); threshold ${pct(c.threshold, false)}, alpha ${c.alpha}`,
    table,
    ...c.notes.map((n) => `note: ${n}`),
    ...notes.map((n) => `note: ${n}`),
    `${c.regressions} significant regression${c.regressions === 1 ? '' : 's'} beyond ${pct(c.threshold, false)}, ${c.improvements} significant improvement${c.improvements === 1 ? '' : 's'}`,
  ].join('\n');
}

/** The one line a regression ends `compare` with (exit 1). */
export function regressionLine(c: CompareResult): string {
  return `${c.regressions} significant regression${c.regressions === 1 ? '' : 's'} beyond ${pct(c.threshold, false)} in ${c.runB.runId} against ${c.runA.runId}`;
}
