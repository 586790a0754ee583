/**
 * mnv4-bench dashboard, entry of app.js: reads the data embedded in index.html (script#mnv4-data, JSON; see
 * data.ts), renders each tab into its section and shows one at a time. Built by scripts/build-dashboard.mjs
 * (esbuild, one classic script: the page opens from file://, where modules cannot load) after Chart.js's UMD
 * build and plugins.js.
 *
 * Layout: one module per tab in tabs/ (render(root, data) fills the tab's <section>); shared helpers in
 * dom.ts (text-only DOM), table.ts (sortable tables), charts.ts (chart cards; how to add a chart is there),
 * format.ts, and plugins.ts (Chart.js plugins, bundled apart as plugins.js). The data types are the ones
 * src/report writes (DashboardData, Analysis...), imported, never copied.
 *
 * Adding a tab: add `{ id, label }` to TABS in src/report/tabs.ts (index.html's tab bar and sections and the
 * PNG export are generated from it), write tabs/<id>.ts exporting `render<Id>(root, data)`, and add it to
 * RENDERERS below (the compiler rejects a tab without a renderer).
 *
 * Charts are created when their tab is first shown (hidden canvases have no size), or all at once by
 * `window.mnv4Dashboard.renderAll()` (PNG export, tests).
 */
import type { Chart, ChartType } from 'chart.js';
import { TAB_IDS, type TabId } from '../../src/report/tabs.js';
import { charts, drawPending } from './charts.js';
import { readDashboardData, type DashboardData } from './data.js';
import { append, badge, el } from './dom.js';
import { isoShort } from './format.js';
import { renderBlocks } from './tabs/blocks.js';
import { renderCompare } from './tabs/compare.js';
import { renderLut } from './tabs/lut.js';
import { renderModels } from './tabs/models.js';
import { renderOps } from './tabs/ops.js';
import { renderOverview } from './tabs/overview.js';
import { renderPareto } from './tabs/pareto.js';

/** What fills each tab's section. */
const RENDERERS: Record<TabId, (root: HTMLElement, data: DashboardData) => void> = {
  overview: renderOverview,
  pareto: renderPareto,
  models: renderModels,
  blocks: renderBlocks,
  ops: renderOps,
  lut: renderLut,
  compare: renderCompare,
};

/** The page's API for the PNG export (src/report/png.ts), bench/dashboard-load.ts and the browser tests. */
export interface DashboardApi {
  show(name: string): TabId;
  renderAll(back?: string): string[];
  charts: Record<string, Chart<ChartType, unknown>>;
  chartIds(): string[];
  pngOf(id: string): string | null;
  readyMs: number;
}

declare global {
  interface Window {
    mnv4Dashboard: DashboardApi;
  }
}

const section = (id: TabId): HTMLElement => document.getElementById(id)!;
const isTab = (name: string): name is TabId => (TAB_IDS as readonly string[]).includes(name);

/** Shows one tab (unknown names show the overview) and draws its charts; returns the tab shown. */
function show(name: string): TabId {
  const tab = isTab(name) ? name : 'overview';
  for (const s of TAB_IDS) {
    section(s).hidden = s !== tab;
    document.querySelector(`nav button[data-tab="${s}"]`)?.setAttribute('aria-selected', s === tab ? 'true' : 'false');
  }
  drawPending(tab);
  return tab;
}

function header(data: DashboardData): void {
  const a = data.analysis;
  document.getElementById('subtitle')!.textContent =
    `${a.runs.length} run${a.runs.length === 1 ? '' : 's'} · ${isoShort(data.generatedAt, ' UTC')} · mnv4-bench ${data.tool.version}`;
  append(document.getElementById('legend')!, [
    'Series: ',
    badge('measured'),
    ' on this tool\u2019s protocol, ',
    badge('simulated'),
    ' by a device model, ',
    badge('published'),
    ' from a paper (cited). They are never merged.',
  ]);
  document.getElementById('footer')!.textContent =
    `Built by mnv4-bench ${data.tool.version} from ${a.runs.length} run(s). Accuracy and Table 6 latencies: ${a.citation}. Charts: Chart.js (MIT).`;
}

function build(): void {
  const read = readDashboardData(document.getElementById('mnv4-data')?.textContent ?? '');
  const problems = read.problem ? [read.problem] : [];
  if (!window.Chart) problems.push('chart.umd.min.js did not load: keep the files of this folder together.');
  if (problems.length) {
    const ov = section('overview');
    for (const p of problems) ov.appendChild(el('p', { cls: 'problem', text: p }));
    ov.hidden = false;
  }
  const data = read.data;
  if (!data) return;
  header(data);
  for (const tab of TAB_IDS) RENDERERS[tab](section(tab), data);
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button[data-tab]'))
    b.addEventListener('click', () => {
      const name = show(b.getAttribute('data-tab') ?? '');
      if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
    });
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  show(location.hash.slice(1) || 'overview');
}

build();

window.mnv4Dashboard = {
  show,
  /** creates every chart (each tab is shown in turn so its canvases have a size), then returns to `back`. */
  renderAll(back?: string) {
    for (const s of TAB_IDS) show(s);
    show(back || 'overview');
    return Object.keys(charts);
  },
  charts,
  chartIds: () => Object.keys(charts),
  /** PNG data URL of a drawn chart, with its title drawn in (for papers; the page shows it as a heading). */
  pngOf(id: string) {
    const c = charts[id];
    if (!c) return null;
    const title = c.canvas.getAttribute('aria-label') || '';
    c.options.plugins!.title = { display: true, text: title, font: { size: 14, weight: 'bold' }, padding: { top: 4, bottom: 8 } } as never;
    c.update('none');
    const url = c.toBase64Image('image/png');
    c.options.plugins!.title = { display: false } as never;
    c.update('none');
    return url;
  },
  /** ms from navigation start until the first section was drawn (bench/dashboard-load.ts reads it). */
  readyMs: performance.now(),
};
