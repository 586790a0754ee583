/**
 * Chart helpers shared by the tabs: colours, `chartCard` (a titled canvas whose chart is created when its tab
 * is first shown: hidden canvases have no size), Chart.js base options, log-axis ticks and legend swatches.
 *
 * Adding a chart to a tab:
 *   root.appendChild(chartCard('models', 'models-foo', 'Title (units)', ['note under the chart'], () => ({
 *     type: 'bar', data: { labels, datasets: [{ label: 'x', data: [1, 2] }] }, options: baseOptions({ ... }),
 *   })));
 * The id must be unique on the page (PNG export names the file after it and the title). `make` runs only
 * when the tab is shown (or by `renderAll`), so it may be costly. Datasets may carry the fields of
 * `Mnv4DatasetExtras` (error bars, point labels, legend colours) for the plugins in plugins.ts.
 */
import type { Chart, ChartDataset, ChartOptions, ChartType, LegendItem } from 'chart.js';
import type { TabId } from '../../src/report/tabs.js';
import { el, note } from './dom.js';
import type { Mnv4DatasetExtras, Mnv4Point } from './plugins.js';

export type Provenance = 'measured' | 'simulated' | 'published';
export const PROVENANCES: readonly Provenance[] = ['measured', 'simulated', 'published'];
export const COLORS: Record<Provenance, string> = { measured: '#1f6fb4', simulated: '#d9730d', published: '#6b6b6b' };
export const STYLE: Record<Provenance, 'circle' | 'triangle' | 'rect'> = { measured: 'circle', simulated: 'triangle', published: 'rect' };
export const PALETTE = ['#1f6fb4', '#2ca02c', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#d62728', '#7f7f7f', '#ff7f0e'];

/** A dataset: Chart.js's fields for bar, scatter or line, and the dashboard's extras; `data` holds numbers or points. */
export type Dataset = Omit<Partial<ChartDataset<'bar'>> & Partial<ChartDataset<'scatter'>> & Partial<ChartDataset<'line'>>, 'data' | 'type'> &
  Mnv4DatasetExtras & {
    type?: 'bar' | 'scatter' | 'line';
    label: string;
    data: readonly (number | null)[] | readonly Mnv4Point[];
  };

/** What a chart's `make` returns. */
export interface ChartSpec {
  type: 'bar' | 'scatter';
  data: { labels?: string[]; datasets: Dataset[] };
  options: ChartOptions<'bar' | 'scatter'>;
}

/** The charts drawn so far (id -> Chart) and, per tab, the charts still to create when it is shown. */
export const charts: Record<string, Chart<ChartType, unknown>> = {};
const pending = new Map<TabId, (() => void)[]>();

/** Creates the charts of `tab` not drawn yet (the tab must be visible, so canvases have a size). */
export function drawPending(tab: TabId): void {
  for (const f of pending.get(tab) ?? []) f();
}

/** A card with a title, a canvas (drawn by `make` when `tab` is first shown) and notes below. */
export function chartCard(
  tab: TabId,
  id: string,
  title: string,
  notes: readonly string[] | null,
  make: () => ChartSpec,
  tall = false,
): HTMLDivElement {
  const canvas = el('canvas', { 'data-chart': id, role: 'img', 'aria-label': title });
  const card = el('div', { cls: 'card' }, el('h3', { text: title }), el('div', { cls: 'chart-box' + (tall ? ' tall' : '') }, canvas));
  for (const n of notes ?? []) card.appendChild(note(n));
  const list = pending.get(tab) ?? [];
  pending.set(tab, list);
  list.push(() => {
    const ChartJs = window.Chart;
    if (charts[id] || !ChartJs) return;
    // ChartSpec is Chart.js's configuration narrowed to what the dashboard uses, plus the plugins' fields
    charts[id] = new ChartJs(canvas.getContext('2d')!, make() as unknown as ConstructorParameters<typeof ChartJs>[1]);
  });
  return card;
}

/** Options every chart shares (no animation, bottom legend with point-style swatches), with `extra` on top. */
export function baseOptions(extra: ChartOptions<'bar' | 'scatter'> = {}): ChartOptions<'bar' | 'scatter'> {
  return {
    animation: false,
    responsive: true,
    layout: { padding: { right: 36, top: 6 } },
    maintainAspectRatio: false,
    plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 8 } }, tooltip: { enabled: true } },
    ...extra,
  };
}

/** Log-axis ticks at 1, 2, 5 x 10^k only (Chart.js labels every minor tick otherwise). */
export function logTick(value: string | number): string {
  const v = Number(value);
  const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
  if (Math.abs(m - 1) > 1e-6 && Math.abs(m - 2) > 1e-6 && Math.abs(m - 5) > 1e-6) return '';
  return v >= 1 ? String(Math.round(v * 100) / 100) : String(Number(v.toPrecision(2)));
}

/** Legend entries drawn with the series' own colour (`legendFill` / `legendStroke` of the dataset). */
export function legendLabels(chart: Chart): LegendItem[] {
  const items = window.Chart!.defaults.plugins.legend.labels.generateLabels(chart);
  for (const item of items) {
    const ds = chart.data.datasets[item.datasetIndex ?? -1] as Mnv4DatasetExtras | undefined;
    if (ds?.legendFill) {
      item.fillStyle = ds.legendFill;
      item.strokeStyle = ds.legendStroke;
    }
  }
  return items;
}

/** `#rrggbb` with an alpha, as `rgba()`. */
export function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}
