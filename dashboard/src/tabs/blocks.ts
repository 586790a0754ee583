/**
 * Blocks tab: per-block latency, one stacked horizontal bar chart per device · target · source (blocks
 * measured alone, or profiler time inside the whole model), and the block table, from `analysis.blocks`. To
 * add a chart, see charts.ts.
 */
import type { TooltipItem } from 'chart.js';
import type { BlockRow } from '../../../src/report/analysis.js';
import { baseOptions, chartCard, PALETTE, type ChartSpec, type Dataset } from '../charts.js';
import type { DashboardData } from '../data.js';
import { el, note } from '../dom.js';
import { fmtMs, num, pct } from '../format.js';
import type { Mnv4DatasetExtras } from '../plugins.js';
import { table } from '../table.js';

const groupOf = (r: BlockRow): string => r.device + ' · ' + r.targetLabel + ' · ' + r.source;

/** Stacked bars per model, one dataset per block position (b00, b01...: models differ at the same position). */
function blockChart(gr: readonly BlockRow[]): ChartSpec {
  const models = [...new Set(gr.map((r) => r.model))];
  const indices = [...new Set(gr.map((r) => r.index))].sort((x, y) => x - y);
  const cell = (m: string, idx: number): BlockRow | null => gr.find((x) => x.model === m && x.index === idx) ?? null;
  const datasets = indices.map((idx, i): Dataset => ({
    label: idx < 0 ? 'unattributed' : 'b' + (idx < 10 ? '0' : '') + idx,
    data: models.map((m) => cell(m, idx)?.medianMs ?? null),
    blockNames: models.map((m) => cell(m, idx)?.block ?? ''),
    backgroundColor: PALETTE[i % PALETTE.length],
    borderColor: '#fff',
    borderWidth: 0.5,
  }));
  const tooltipLabel = (ctx: TooltipItem<'bar'>): string =>
    ((ctx.dataset as Mnv4DatasetExtras).blockNames?.[ctx.dataIndex] || ctx.dataset.label) + ': ' + fmtMs(ctx.raw as number) + ' ms';
  return {
    type: 'bar',
    data: { labels: models, datasets },
    options: baseOptions({
      indexAxis: 'y',
      scales: { x: { stacked: true, title: { display: true, text: 'ms' } }, y: { stacked: true } },
      plugins: {
        // 20-40 positions cycle through ten colours: a legend would mislead, the tooltip names each block
        legend: { display: false },
        tooltip: { callbacks: { label: tooltipLabel as (ctx: TooltipItem<'bar' | 'scatter'>) => string } },
      },
    }),
  };
}

type BlockTableRow = BlockRow & { share: number };

export function renderBlocks(root: HTMLElement, data: DashboardData): void {
  const rows = data.analysis.blocks;
  if (!rows.length) {
    root.appendChild(note('No per-block data: measure blocks (e.g. `--workloads conv-s/b00,conv-s/b01,...`) or profile whole models (`--profile`).'));
    return;
  }
  const grid = el('div', { cls: 'grid' });
  [...new Set(rows.map(groupOf))].forEach((k, gi) => {
    const gr = rows.filter((r) => groupOf(r) === k);
    const what =
      gr[0]!.source === 'standalone'
        ? 'each block measured alone; stacked per model (the sum is not the model\u2019s latency)'
        : 'profiler time of each block inside the whole model';
    const legend =
      '; colours mark block positions (b00, b01, ...; they repeat every ten); hover a segment for the block\u2019s name and time; the table below has every figure';
    grid.appendChild(chartCard('blocks', 'blocks-' + gi, 'Per-block latency: ' + k, [what + legend], () => blockChart(gr)));
  });
  root.appendChild(grid);
  root.appendChild(el('h2', { text: 'Block table' }));
  const totals = new Map<string, number>();
  const totalKey = (r: BlockRow): string => r.runId + r.targetLabel + r.model + r.source;
  for (const r of rows) totals.set(totalKey(r), (totals.get(totalKey(r)) ?? 0) + r.medianMs);
  root.appendChild(
    table<BlockTableRow>(
      [
        { key: 'model', label: 'model' },
        { key: 'block', label: 'block', sortValue: (r) => r.index },
        { key: 'device', label: 'device' },
        { key: 'targetLabel', label: 'target' },
        { key: 'source', label: 'source' },
        { key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs },
        { key: 'ciLo', label: 'CI lo', num: true, fmt: fmtMs },
        { key: 'ciHi', label: 'CI hi', num: true, fmt: fmtMs },
        { key: 'n', label: 'n', num: true },
        { key: 'gmac', label: 'GMAC', num: true, fmt: (v) => num(v, 4) },
        { key: 'share', label: 'share of sum', num: true, fmt: (v) => pct(v) },
      ],
      rows.map((r) => ({ ...r, share: r.medianMs / totals.get(totalKey(r))! })),
      { id: 'blocks' },
    ),
  );
}
