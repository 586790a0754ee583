/**
 * Renders the dashboard's charts to PNG in headless Chromium: the built dashboard is opened from file://
 * and each chart is read back from its canvas (with its title drawn in), so the PNGs come from the same chart
 * code as the page. The caller finds Chromium (the CLI: --chromium PATH, $MNV4_BENCH_CHROMIUM, or PATH; see
 * `resolveChromium` in src/runners/browser/launcher.ts) and passes its path, so the report needs no runner code.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { withFsErrorsSync } from '../util/fs-errors.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { TAB_IDS } from './tabs.js';

/** Dashboard sections, in tab order (the page's own list: tabs.ts). */
export const SECTIONS = TAB_IDS;

/** Flags for a headless, offline, root-safe Chromium that only renders local files. */
const FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
];

export interface OpenedDashboard {
  browser: Browser;
  page: Page;
  /** console errors, page errors and failed requests seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium and opens `index` (a dashboard index.html) from file://. */
export async function openDashboard(
  index: string,
  opts: { chromiumPath: string; width?: number; height?: number; scale?: number },
): Promise<OpenedDashboard> {
  const { default: puppeteer } = await import('puppeteer-core');
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'mnv4-dash-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: opts.chromiumPath,
    headless: true,
    args: [...FLAGS, `--user-data-dir=${userDataDir}`],
    defaultViewport: { width: opts.width ?? 1400, height: opts.height ?? 900, deviceScaleFactor: opts.scale ?? 1 },
    pipe: true,
  });
  const errors: string[] = [];
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pathToFileURL(index).href, { waitUntil: 'load' });
  return {
    browser,
    page,
    errors,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** File name of a chart: its id and a slug of its title (`pareto-3-host-onnxruntime-node-cpu-1-thread.png`). */
export function pngFileName(id: string, title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${id.replace(/[^\w.-]+/g, '_')}${slug ? `-${slug}` : ''}.png`;
}

/**
 * Writes every chart of the dashboard at `index` as a PNG into `outDir` (2x pixel density, white
 * background); returns the files written. Throws when the page reports an error.
 */
export async function renderPngs(index: string, outDir: string, opts: { chromiumPath: string }): Promise<string[]> {
  withFsErrorsSync(outDir, { doing: 'create the PNG folder', expect: 'directory', flag: '--png' }, () => mkdirSync(outDir, { recursive: true }));
  const d = await openDashboard(index, { chromiumPath: opts.chromiumPath, scale: 2 });
  const written: string[] = [];
  try {
    for (const section of SECTIONS) {
      const shots = await d.page.evaluate((s) => {
        const dash = (window as unknown as { mnv4Dashboard: { show(n: string): void; pngOf(id: string): string | null } }).mnv4Dashboard;
        dash.show(s);
        return Array.from(document.querySelectorAll(`#${s} canvas[data-chart]`)).map((c) => {
          const id = c.getAttribute('data-chart') ?? 'chart';
          return { id, title: c.getAttribute('aria-label') ?? '', url: dash.pngOf(id) ?? (c as HTMLCanvasElement).toDataURL('image/png') };
        });
      }, section);
      for (const s of shots) {
        const file = path.join(outDir, pngFileName(s.id, s.title));
        writeFileSync(file, Buffer.from(s.url.replace(/^data:image\/png;base64,/, ''), 'base64'));
        written.push(file);
      }
    }
    if (d.errors.length) throw new Error(`the dashboard reported errors while rendering: ${d.errors[0]}`);
  } finally {
    await d.close();
  }
  return written;
}
