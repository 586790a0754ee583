/**
 * Compare tab: run B against run A (`data.compare`, from src/report/compare.ts): counts of significant
 * regressions and improvements, the change of each median with its CI (one horizontal bar chart, coloured by
 * status), and the table of every row. To add a chart, see charts.ts.
 */
import type { CompareResult, CompareRow } from '../../../src/report/compare.js';
import { baseOptions, chartCard, type ChartSpec } from '../charts.js';
import type { DashboardData } from '../data.js';
import { el, note, stats } from '../dom.js';
import { fmtMs, num, pct, signedPct } from '../format.js';
import { badgeColumn, table } from '../table.js';

const STATUS_COLOR: Partial<Record<CompareRow['status'], string>> = { regression: '#b42318', improvement: '#067647' };

function changeChart(both: readonly CompareRow[]): ChartSpec {
  return {
    type: 'bar',
    data: {
      labels: both.map((r) => r.workloadId + ' · ' + r.targetLabel),
      datasets: [
        {
          label: 'change',
          data: both.map((r) => r.change! * 100),
          errorBars: both.map((r) => (r.changeLo !== null && r.changeHi !== null ? { lo: r.changeLo * 100, hi: r.changeHi * 100 } : null)),
          backgroundColor: both.map((r) => STATUS_COLOR[r.status] || '#a0a7b4'),
        },
      ],
    },
    options: baseOptions({
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: 'change of the median (%)' } } },
    }),
  };
}

function rowsTable(c: CompareResult): HTMLElement {
  return table<CompareRow>(
    [
      { key: 'workloadId', label: 'workload' },
      { key: 'targetLabel', label: 'target' },
      badgeColumn('status', 'status'),
      { key: 'medianA', label: 'A ms', num: true, fmt: fmtMs },
      { key: 'medianB', label: 'B ms', num: true, fmt: fmtMs },
      { key: 'change', label: 'change', num: true, fmt: signedPct },
      { key: 'changeLo', label: 'CI lo', num: true, fmt: signedPct },
      { key: 'changeHi', label: 'CI hi', num: true, fmt: signedPct },
      { key: 'p', label: 'p', num: true, fmt: (v) => (v === null || v === undefined ? '' : v < 1e-4 ? '<0.0001' : num(v, 4)) },
      { key: 'test', label: 'test', fmt: (v, r) => (v ? v + ' on ' + r.nA + '+' + r.nB + ' ' + r.units : '') },
      { key: 'noiseA', label: 'noise A', num: true, fmt: (v) => pct(v) },
      { key: 'noiseB', label: 'noise B', num: true, fmt: (v) => pct(v) },
      { key: 'notes', label: 'notes', fmt: (v) => v.join('; '), sortValue: (r) => r.notes.join('; ') },
    ],
    c.rows,
    { id: 'compare', rowClass: (r) => (r.status === 'regression' || r.status === 'improvement' ? r.status : null) },
  );
}

export function renderCompare(root: HTMLElement, data: DashboardData): void {
  const c = data.compare;
  if (!c) {
    root.appendChild(note('No comparison: build the dashboard from two or more runs (the two latest are compared) or pass --compare A,B.'));
    return;
  }
  root.appendChild(el('h2', { text: 'Run ' + c.runB.runId + ' against ' + c.runA.runId }));
  root.appendChild(
    stats([
      [String(c.regressions), 'significant regressions > ' + pct(c.threshold)],
      [String(c.improvements), 'significant improvements'],
      [pct(c.runA.noiseFloor) || 'n/a', 'noise floor A'],
      [pct(c.runB.noiseFloor) || 'n/a', 'noise floor B'],
    ]),
  );
  for (const n of c.notes) root.appendChild(note(n));
  const both = c.rows.filter((r) => r.change !== null);
  if (both.length)
    root.appendChild(
      chartCard(
        'compare',
        'compare',
        'Change of the median (B / A \u2212 1), 95% CI (over sessions: widened for few sessions)',
        ['red: significant regression beyond the threshold; green: significant improvement; grey: no significant change or within the threshold'],
        () => changeChart(both),
        true,
      ),
    );
  root.appendChild(rowsTable(c));
}
