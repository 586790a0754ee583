/**
 * Ops tab: profiler time per op type, one stacked horizontal bar per workload · target (the nine op types
 * with the most time, the rest as "other"), and the op table, from `analysis.ops`. To add a chart, see
 * charts.ts.
 */
import type { OpRow } from '../../../src/report/analysis.js';
import { baseOptions, chartCard, PALETTE, type ChartSpec } from '../charts.js';
import type { DashboardData } from '../data.js';
import { note } from '../dom.js';
import { fmtMs, pct } from '../format.js';
import { table } from '../table.js';

const seriesOf = (r: OpRow): string => r.workloadId + ' · ' + r.targetLabel;

function opsChart(rows: readonly OpRow[]): ChartSpec {
  const series = [...new Set(rows.map(seriesOf))];
  const totalsByOp = new Map<string, number>();
  for (const r of rows) totalsByOp.set(r.op, (totalsByOp.get(r.op) ?? 0) + r.ms);
  const ops = [...totalsByOp.keys()].sort((x, y) => totalsByOp.get(y)! - totalsByOp.get(x)!);
  const top = ops.slice(0, 9);
  const labels = top.concat(ops.length > top.length ? ['other'] : []);
  const inBar = (r: OpRow, s: string, op: string): boolean => seriesOf(r) === s && (op === 'other' ? top.indexOf(r.op) < 0 : r.op === op);
  return {
    type: 'bar',
    data: {
      labels: series,
      datasets: labels.map((op, i) => ({
        label: op,
        data: series.map((s) => rows.filter((r) => inBar(r, s, op)).reduce((t, r) => t + r.ms, 0)),
        backgroundColor: PALETTE[i % PALETTE.length],
      })),
    },
    options: baseOptions({ indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'ms' } }, y: { stacked: true } } }),
  };
}

export function renderOps(root: HTMLElement, data: DashboardData): void {
  const rows = data.analysis.ops;
  if (!rows.length) {
    root.appendChild(note('No per-op profiles in the loaded runs (measure with --profile on a target that has a profiler).'));
    return;
  }
  root.appendChild(
    chartCard(
      'ops',
      'ops',
      'Per-op time (profiler medians, ms)',
      ['the nine op types with the most time; the rest as "other"'],
      () => opsChart(rows),
      true,
    ),
  );
  root.appendChild(
    table<OpRow>(
      [
        { key: 'workloadId', label: 'workload' },
        { key: 'targetLabel', label: 'target' },
        { key: 'op', label: 'op' },
        { key: 'ms', label: 'ms', num: true, fmt: fmtMs },
        { key: 'share', label: 'share', num: true, fmt: (v) => pct(v) },
        { key: 'runId', label: 'run' },
      ],
      rows,
      { id: 'ops' },
    ),
  );
}
