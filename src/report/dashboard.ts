/**
 * Builds the static dashboard: a self-contained folder (index.html with the data embedded as JSON and its tabs
 * from tabs.ts, the dashboard's scripts bundled from dashboard/src (dashboard-bundle.ts), its stylesheet,
 * Chart.js's UMD build copied from node_modules with its licence). It opens from file:// without a network:
 * nothing is fetched, the data is inline. `DashboardData` is the page's input type: dashboard/src imports it.
 *
 * The JSON is embedded in `<script type="application/json">` with every `<` written as `\u003c`, so no file
 * content can close the script element; the page inserts every string as text.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fsError } from '../util/fs-errors.js';
import path from 'node:path';
import { packageRoot, packageVersion } from '../paths.js';
import { packageDir } from '../util/packages.js';
import { analyse, type Analysis } from './analysis.js';
import { compareRuns, type CompareResult } from './compare.js';
import { DASHBOARD_BUNDLE, dashboardBundleDir, ensureDashboardBundle, withTabs } from './dashboard-bundle.js';
import { ReportInputError } from './load.js';
import type { LutValidation } from './lut-validation.js';
import type { SimulationView } from './simulation-input.js';
import type { LoadedRuns, RunView } from './views.js';

/** The files the dashboard folder holds besides index.html, from dashboard/ (the scripts: DASHBOARD_BUNDLE). */
export const DASHBOARD_SOURCES = ['style.css'] as const;
export const DATA_PLACEHOLDER = '__MNV4_DATA__';
/**
 * Page weight budget (bytes), stated in the README and checked by the tests: scripts + styles (Chart.js is
 * ~205 KiB of it), index.html with the published data alone (no runs), and what each run adds.
 */
export const CODE_BUDGET_BYTES = 300 * 1024;
export const PUBLISHED_DATA_BUDGET_BYTES = 150 * 1024;
export const DATA_BUDGET_BYTES_PER_RUN = 60 * 1024;

export interface DashboardData {
  generatedAt: string;
  tool: { version: string };
  analysis: Analysis;
  compare: CompareResult | null;
  lut: LutValidation | null;
}

export interface DashboardBuild {
  dir: string;
  index: string;
  /** bytes of each file written. */
  files: Record<string, number>;
  dataBytes: number;
}

export function dashboardSourceDir(): string {
  return path.join(packageRoot(), 'dashboard');
}

/** Chart.js's UMD build and licence in node_modules. */
export function chartJsFiles(): { umd: string; license: string } {
  const dir = packageDir('chart.js');
  if (!dir) throw new ReportInputError('chart.js is not installed; run npm install in the mnv4-bench folder (the dashboard bundles its UMD build)');
  return { umd: path.join(dir, 'dist', 'chart.umd.min.js'), license: path.join(dir, 'LICENSE.md') };
}

/** JSON safe inside a `<script>` element: `<` (so `</script` and `<!--`), U+2028 and U+2029 escaped. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Picks the pair to compare: explicit run ids, or the two latest runs that share a measurement key. */
export function defaultComparePair(runs: readonly RunView[], ids?: [string, string]): [RunView, RunView] | null {
  if (ids) {
    const find = (id: string): RunView => {
      const r = runs.find((x) => x.runId === id || path.basename(x.dir) === id);
      if (!r) throw new ReportInputError(`--compare: no loaded run '${id}'; loaded: ${runs.map((x) => x.runId).join(', ') || '(none)'}`);
      return r;
    };
    return [find(ids[0]), find(ids[1])];
  }
  for (let j = runs.length - 1; j >= 1; j--) {
    const b = runs[j]!;
    const keys = new Set(b.measurements.map((m) => m.key));
    for (let i = j - 1; i >= 0; i--) if (runs[i]!.measurements.some((m) => keys.has(m.key))) return [runs[i]!, b];
  }
  return null;
}

export interface DashboardOptions {
  lut?: LutValidation | null;
  simulations?: readonly SimulationView[];
  compare?: [string, string];
  threshold?: number;
  now?: Date;
}

export function dashboardData(loaded: LoadedRuns, opts: DashboardOptions = {}): DashboardData {
  const pair = defaultComparePair(loaded.runs, opts.compare);
  return {
    generatedAt: (opts.now ?? new Date()).toISOString(),
    tool: { version: packageVersion() },
    analysis: analyse(loaded, { simulations: opts.simulations ?? [] }),
    compare: pair ? compareRuns(pair[0], pair[1], { threshold: opts.threshold }) : null,
    lut: opts.lut ?? null,
  };
}

/** Writes the dashboard folder; returns what it wrote. */
export function writeDashboard(data: DashboardData, outDir: string): DashboardBuild {
  const src = dashboardSourceDir();
  let template: string;
  try {
    template = readFileSync(path.join(src, 'index.html'), 'utf8');
  } catch {
    throw new ReportInputError(`${src}/index.html is missing: the dashboard sources ship with mnv4-bench in dashboard/`);
  }
  if (!template.includes(DATA_PLACEHOLDER)) throw new Error(`${src}/index.html has no ${DATA_PLACEHOLDER} placeholder`);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw fsError(e, outDir, { doing: 'create the dashboard folder', expect: 'directory', flag: '-o' });
  }
  const json = scriptSafeJson(data);
  const files: Record<string, number> = {};
  const index = path.join(outDir, 'index.html');
  ensureDashboardBundle();
  writeFileSync(index, withTabs(template).split(DATA_PLACEHOLDER).join(json));
  files['index.html'] = statSync(index).size;
  const copied = [...DASHBOARD_SOURCES.map((f) => path.join(src, f)), ...DASHBOARD_BUNDLE.map((f) => path.join(dashboardBundleDir(), f))];
  for (const from of copied) {
    const f = path.basename(from);
    copyFileSync(from, path.join(outDir, f));
    files[f] = statSync(path.join(outDir, f)).size;
  }
  const chart = chartJsFiles();
  copyFileSync(chart.umd, path.join(outDir, 'chart.umd.min.js'));
  files['chart.umd.min.js'] = statSync(chart.umd).size;
  copyFileSync(chart.license, path.join(outDir, 'chart.js-LICENSE.md'));
  files['chart.js-LICENSE.md'] = statSync(chart.license).size;
  return { dir: outDir, index, files, dataBytes: Buffer.byteLength(json) };
}

/** Loads, analyses and writes in one call. */
export function buildDashboard(loaded: LoadedRuns, outDir: string, opts: DashboardOptions = {}): DashboardBuild {
  return writeDashboard(dashboardData(loaded, opts), outDir);
}
