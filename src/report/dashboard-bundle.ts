/**
 * The dashboard's page code: dashboard/src (TypeScript) bundled by scripts/build-dashboard.mjs into
 * dist/dashboard/{app,plugins}.js, and index.html's tab bar and sections written from the one tab list
 * (tabs.ts). A source checkout used without `npm run build` rebuilds a missing or stale bundle here (esbuild,
 * well under a second); an installed package ships dist/dashboard.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { bundleStaleReason } from '../util/bundle-info.js';
import { ReportInputError } from './load.js';
import { TABS } from './tabs.js';

/** The bundle's files (dist/dashboard), copied into every dashboard folder. */
export const DASHBOARD_BUNDLE = ['app.js', 'plugins.js'] as const;
/** index.html's placeholders for the tab bar (inside <nav>) and the sections (inside <main>). */
export const TABS_PLACEHOLDER = '__MNV4_TABS__';
export const SECTIONS_PLACEHOLDER = '__MNV4_SECTIONS__';

const BUNDLE_DIR = path.join('dist', 'dashboard');

export function dashboardBundleDir(): string {
  return path.join(packageRoot(), BUNDLE_DIR);
}

/** Builds dist/dashboard when it is missing or older than its sources; throws a one-line error when it cannot. */
export function ensureDashboardBundle(root = packageRoot()): void {
  const why = bundleStaleReason(root, BUNDLE_DIR, 'dashboard bundle');
  if (!why) return;
  const script = path.join(root, 'scripts', 'build-dashboard.mjs');
  if (!existsSync(script)) throw new ReportInputError(`${why}, and scripts/build-dashboard.mjs is not there to build it; reinstall mnv4-bench`);
  try {
    execFileSync(process.execPath, [script], { cwd: root, timeout: 120_000, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' ');
    throw new ReportInputError(`building the dashboard bundle failed (${why}): ${err}; run \`npm run build\``);
  }
}

/** index.html with its tab bar and sections written from TABS (labels and ids are constants, not data). */
export function withTabs(template: string): string {
  for (const p of [TABS_PLACEHOLDER, SECTIONS_PLACEHOLDER])
    if (!template.includes(p)) throw new Error(`dashboard/index.html has no ${p} placeholder`);
  const buttons = TABS.map((t) => `<button type="button" data-tab="${t.id}">${t.label}</button>`).join('\n        ');
  const sections = TABS.map((t) => `<section id="${t.id}" hidden></section>`).join('\n      ');
  return template.split(TABS_PLACEHOLDER).join(buttons).split(SECTIONS_PLACEHOLDER).join(sections);
}
