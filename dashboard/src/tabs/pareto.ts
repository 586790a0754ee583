/**
 * Pareto tab: one scatter per device/target (accuracy vs latency), plus MACs and params, from
 * `analysis.pareto`. Each provenance is its own series (filled circles measured, hollow triangles simulated,
 * grey squares published) with its own frontier line; dominated points are faded, not dropped. Each chart has
 * its points in a table below. To add a series or chart, see charts.ts.
 */
import type { TooltipItem } from 'chart.js';
import type { ParetoGroup, ParetoPoint } from '../../../src/report/analysis.js';
import { alpha, baseOptions, chartCard, COLORS, legendLabels, logTick, PROVENANCES, STYLE, type ChartSpec, type Dataset } from '../charts.js';
import type { DashboardData } from '../data.js';
import { el, note } from '../dom.js';
import { fmtMs } from '../format.js';
import type { Mnv4Point } from '../plugins.js';
import { badgeColumn, table } from '../table.js';
import { renderSimulation } from './simulation.js';

type ParetoDatum = Mnv4Point & { point: ParetoPoint };

/** The scatter and frontier line of one provenance (the line only with two or more frontier points). */
function seriesDatasets(g: ParetoGroup, prov: (typeof PROVENANCES)[number]): Dataset[] {
  const pts = g.series[prov];
  if (!pts.length) return [];
  const color = COLORS[prov];
  const hollow = prov === 'simulated';
  const out: Dataset[] = [
    {
      // what each axis of a point is: its latency's provenance, and top-1 always published (Table 6 or its source)
      label: g.axis === 'latency' && prov !== 'published' ? prov + ' latency, published top-1' : prov,
      // names on frontier points and MobileNetV4 models only, so crowded charts stay readable
      data: pts.map((p): ParetoDatum => {
        const named = !p.dominated || p.name.indexOf('MNv4') === 0;
        return { x: p.cost, y: p.accuracy, xLo: p.costLo, xHi: p.costHi, label: named ? p.name : null, point: p };
      }),
      pointStyle: STYLE[prov],
      pointRadius: pts.map((p) => (p.dominated ? 4 : 6)),
      backgroundColor: pts.map((p) => (hollow ? 'rgba(255,255,255,0.9)' : alpha(color, p.dominated ? 0.3 : 0.9))),
      borderColor: pts.map((p) => alpha(color, p.dominated ? 0.45 : 1)),
      borderWidth: hollow ? 2 : 1,
      pointLabels: true,
      pointLabelColor: color,
      // simulated names below their points, the others above, so two series of the same models stay legible
      pointLabelOffset: prov === 'simulated' ? { x: 7, y: 10 } : { x: 7, y: -7 },
      errorBarColor: color,
      legendFill: hollow ? '#ffffff' : color,
      legendStroke: color,
    },
  ];
  const front = pts.filter((p) => !p.dominated).sort((a, b) => a.cost - b.cost);
  if (front.length > 1)
    out.push({
      label: prov + ' frontier',
      type: 'line',
      data: front.map((p) => ({ x: p.cost, y: p.accuracy })),
      borderColor: color,
      borderDash: prov === 'simulated' ? [6, 4] : prov === 'published' ? [2, 3] : [],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: 'line',
      fill: false,
    });
  return out;
}

function paretoChart(g: ParetoGroup): ChartSpec {
  const datasets = PROVENANCES.flatMap((prov) => seriesDatasets(g, prov));
  const axisTitle = g.axis === 'latency' ? 'median latency (ms, log scale)' : g.axis === 'macs' ? 'MACs (G, log scale)' : 'parameters (M, log scale)';
  // room on the right for the names beside the points (log axis: a factor, not an offset)
  const costs = PROVENANCES.flatMap((prov) => g.series[prov].flatMap((p) => [p.cost, p.costHi, p.costLo].filter((c): c is number => c !== null)));
  const xMax = costs.length ? Math.max(...costs) * 1.9 : undefined;
  const xMin = costs.length ? Math.min(...costs) / 1.15 : undefined;
  const tooltipLabel = (ctx: TooltipItem<'scatter'>): string => {
    const p = (ctx.raw as Partial<ParetoDatum> | null)?.point;
    if (!p) return ctx.dataset.label ?? '';
    return `${p.name} [${p.provenance}]: ${fmtMs(p.cost)} ${g.unit}, top-1 ${p.accuracy}%${p.dominated ? ' (dominated)' : ''}`;
  };
  return {
    type: 'scatter',
    data: { datasets },
    options: baseOptions({
      scales: {
        x: { type: 'logarithmic', min: xMin, max: xMax, title: { display: true, text: axisTitle }, ticks: { callback: logTick, maxRotation: 0 } },
        y: { title: { display: true, text: 'ImageNet-1k top-1 (%)' } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 8, generateLabels: legendLabels } },
        tooltip: { callbacks: { label: tooltipLabel as (ctx: TooltipItem<'bar' | 'scatter'>) => string } },
      },
    }),
  };
}

function pointsTable(g: ParetoGroup, id: string): HTMLElement {
  const rows = PROVENANCES.flatMap((prov) => g.series[prov]);
  const det = el('details', null, el('summary', { text: rows.length + ' points' }));
  det.appendChild(
    table<ParetoPoint>(
      [
        { key: 'name', label: 'model' },
        badgeColumn('provenance', 'series'),
        { key: 'cost', label: g.axis === 'latency' ? 'median ms' : g.unit, num: true, fmt: (v) => fmtMs(v) },
        { key: 'costLo', label: 'CI lo', num: true, fmt: (v) => fmtMs(v) },
        { key: 'costHi', label: 'CI hi', num: true, fmt: (v) => fmtMs(v) },
        { key: 'accuracy', label: 'top-1 %', num: true },
        { key: 'dominated', label: 'frontier', fmt: (v, r) => (v ? 'dominated by ' + r.dominatedBy.join(', ') : 'on frontier') },
        { key: 'accuracySource', label: 'top-1 source' },
        { key: 'note', label: 'note' },
      ],
      rows,
      { id, rowClass: (r) => (r.dominated ? 'dominated' : null) },
    ),
  );
  return det;
}

export function renderPareto(root: HTMLElement, data: DashboardData): void {
  root.appendChild(
    note(
      'Each chart is one device/target. Filled circles: measured; hollow triangles: simulated; grey squares: published (Table 6). Lines join each series\u2019 Pareto frontier; faded points are dominated (kept, not dropped). Horizontal bars: CI of the median. Top-1 is the published accuracy (source in each table).',
    ),
  );
  const grid = el('div', { cls: 'grid' });
  data.analysis.pareto.forEach((g, i) => {
    const id = 'pareto-' + i;
    const card = chartCard('pareto', id, g.title, g.notes, () => paretoChart(g));
    card.appendChild(pointsTable(g, id));
    grid.appendChild(card);
  });
  root.appendChild(grid);
  // the device model's simulation view: a search space's simulated frontier, then the out-of-sample validation
  renderSimulation(root, data.analysis.spaceFrontiers, data.analysis.deviceModels);
}
