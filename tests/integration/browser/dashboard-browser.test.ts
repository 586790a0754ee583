/**
 * The dashboard in real headless Chromium from file://: no console errors, every chart canvas has drawn
 * pixels, hostile strings from run files stay inert text, tables sort, charts export as PNG. Screenshots of
 * each section are kept in tests/artifacts/dashboard/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDashboard,
  CODE_BUDGET_BYTES,
  DATA_BUDGET_BYTES_PER_RUN,
  PUBLISHED_DATA_BUDGET_BYTES,
  scriptSafeJson,
} from '../../../src/report/dashboard.js';
import { loadRuns } from '../../../src/report/load.js';
import { parseLutValidation } from '../../../src/report/lut-validation.js';
import { simulateForReport } from '../../../src/report/simulation-input.js';
import { openDashboard, renderPngs, SECTIONS, type OpenedDashboard } from '../../../src/report/png.js';
import { findChromium, resolveChromium } from '../../../src/runners/browser/launcher.js';
import { deviceTarget, fixtureManifest, hostMeasurements, MODEL_MS, writeFixtureRun, XSS } from '../../helpers/report-fixture.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const SCRIPT_BREAK = '</script><script>window.__pwned = 1</script>';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-dash-'));
const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts', 'dashboard');
const chromium = findChromium();
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MODELS = Object.keys(MODEL_MS);
let index: string;
let emptyIndex: string;
let runDirs: string[];

beforeAll(async () => {
  const ms = (scale: number, seed: number) => hostMeasurements(scale, seed, { blocks: 4 });
  const a = await writeFixtureRun(tmp, 'run-a', ms(1, 1), {
    createdAt: '2026-01-01T00:00:00.000Z',
    errors: [{ workload: 'conv-l', target: { id: 'ort-webgpu', runner: 'ort-webgpu', backend: 'webgpu', settings: {} }, message: XSS }],
  });
  const b = await writeFixtureRun(tmp, 'run-b', ms(1.1, 100), { createdAt: '2026-01-02T00:00:00.000Z', hostname: SCRIPT_BREAK, cpu: XSS });
  // a device named with the payload (no profile for it: the id is shown as its name)
  const c = await writeFixtureRun(tmp, 'run-xss-device', [{ workload: 'conv-s', medianMs: 5 }], {
    device: XSS,
    createdAt: '2026-01-03T00:00:00.000Z',
  });
  const sim = await writeFixtureRun(
    tmp,
    'run-sim',
    MODELS.map((m, i) => ({
      workload: m,
      dtype: 'int8' as const,
      target: deviceTarget('pixel6', 'android-cpu').target,
      medianMs: MODEL_MS[m]! / 2.5,
      simulated: true,
      seed: 300 + i,
    })),
    { device: 'pixel6', createdAt: '2026-01-04T00:00:00.000Z' },
  );
  runDirs = [a, b, c, sim];
  // the report shape `lut validate --report` writes: sampled architectures, the MNv4 models apart, warnings
  const lut = parseLutValidation(
    {
      table: { space: 'conv-m', target: 'ort-cpu', device: 'host', method: 'in-context' },
      archs: Array.from({ length: 12 }, (_, i) => ({
        arch: i === 0 ? XSS : `conv-m:${i}`,
        measuredMs: 20 + i * 2,
        predictedMs: (20 + i * 2) * (1 + ((i % 5) - 2) * 0.03),
        spreadMs: 0.4,
      })),
      models: [{ arch: 'conv-m', measuredMs: 30, predictedMs: 28 }],
      warnings: [`noisy host ${XSS}`],
    },
    'lut-validation.json',
  );
  // bad inputs: a run of the previous schema version, a folder without a manifest, a torn last line
  const old = path.join(tmp, 'old-schema');
  mkdirSync(old);
  writeFileSync(path.join(old, 'manifest.json'), JSON.stringify({ ...fixtureManifest('old-schema'), schemaVersion: 1 }));
  const noManifest = path.join(tmp, 'no-manifest');
  mkdirSync(noManifest);
  writeFileSync(path.join(noManifest, 'measurements.jsonl'), '');
  const torn = await writeFixtureRun(
    tmp,
    'torn',
    [
      { workload: 'conv-m/b05', medianMs: 0.9 },
      { workload: 'conv-m/b06', medianMs: 1.1 },
    ],
    { createdAt: '2026-01-05T00:00:00.000Z' },
  );
  const tornFile = path.join(torn, 'measurements.jsonl');
  const text = readFileSync(tornFile, 'utf8');
  writeFileSync(tornFile, text.slice(0, text.length - 100));
  const loaded = await loadRuns([...runDirs, path.join(tmp, 'missing-run'), old, noManifest, torn]);
  index = buildDashboard(loaded, path.join(tmp, 'dash'), { lut, compare: ['run-a', 'run-b'] }).index;
  emptyIndex = buildDashboard({ runs: [], problems: [] }, path.join(tmp, 'dash-empty')).index;
  mkdirSync(ARTIFACTS, { recursive: true });
});

/** Per canvas: its id and how many pixels are not white/transparent. */
async function canvasInk(d: OpenedDashboard, section: string): Promise<{ id: string; ink: number; width: number }[]> {
  return d.page.evaluate((s) => {
    return Array.from(document.querySelectorAll(`#${s} canvas[data-chart]`)).map((node) => {
      const c = node as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && (px[i]! < 235 || px[i + 1]! < 235 || px[i + 2]! < 235)) ink++;
      return { id: c.getAttribute('data-chart') ?? '', ink, width: c.width };
    });
  }, section);
}

describe.skipIf(!chromium.ok)('dashboard in headless Chromium (file://)', () => {
  let d: OpenedDashboard;
  beforeAll(async () => {
    d = await openDashboard(index, { chromiumPath: resolveChromium().path });
  });
  afterAll(async () => {
    await d?.close();
  });
  it('every section renders without console errors, every canvas has drawn pixels; screenshots kept', async () => {
    {
      const counts: Record<string, number> = {};
      for (const s of SECTIONS) {
        await d.page.evaluate((x) => (window as unknown as { mnv4Dashboard: { show(n: string): void } }).mnv4Dashboard.show(x), s);
        const ink = await canvasInk(d, s);
        counts[s] = ink.length;
        for (const c of ink) {
          expect(c.width, `${s}/${c.id} has no size`).toBeGreaterThan(100);
          expect(c.ink, `${s}/${c.id} drew nothing`).toBeGreaterThan(500);
        }
        await d.page.screenshot({ path: path.join(ARTIFACTS, `${s}.png`), fullPage: true });
      }
      // 2 measured host targets + pixel6 (simulated + published) + the XSS device + 6 Table 6 columns + MACs + params
      expect(counts.pareto).toBe(12);
      expect(counts.models).toBe(1);
      expect(counts.blocks).toBe(2); // standalone blocks and the in-model profile
      expect(counts.ops).toBe(1);
      expect(counts.lut).toBe(1);
      expect(counts.compare).toBe(1);
      expect(d.errors).toEqual([]);
    }
  });

  it('hostile strings from run files are inert and shown as text', async () => {
    {
      const r = await d.page.evaluate(
        async (sections) => {
          for (const s of sections) (window as unknown as { mnv4Dashboard: { show(n: string): void } }).mnv4Dashboard.show(s);
          await new Promise((res) => setTimeout(res, 200)); // let a would-be onerror fire
          return {
            imgs: document.querySelectorAll('img').length,
            scripts: document.querySelectorAll('script').length,
            pwned: (window as unknown as { __pwned?: number }).__pwned ?? 0,
            text: document.body.textContent ?? '',
          };
        },
        [...SECTIONS],
      );
      expect(r.imgs).toBe(0);
      expect(r.scripts).toBe(4); // data, chart.js, plugins, app
      expect(r.pwned).toBe(0);
      expect(r.text).toContain(XSS); // device name, host CPU, error reason, LUT arch
      expect(r.text).toContain(SCRIPT_BREAK);
      expect(d.errors).toEqual([]); // an alert() would have been recorded as a dialog
    }
  });

  it('tables sort by any column, numerically where numeric, both ways', async () => {
    {
      const col = async (tableId: string, header: string, clicks: number) =>
        d.page.evaluate(
          (t, h, n) => {
            (window as unknown as { mnv4Dashboard: { show(n: string): void } }).mnv4Dashboard.show('models');
            const table = document.querySelector(`table[data-table="${t}"]`)!;
            const ths = Array.from(table.querySelectorAll('th'));
            const i = ths.findIndex((x) => x.textContent === h);
            for (let k = 0; k < n; k++) ths[i]!.click();
            return {
              sort: ths[i]!.getAttribute('aria-sort'),
              cells: Array.from(table.querySelectorAll('tbody tr')).map((tr) => tr.children[i]!.textContent ?? ''),
            };
          },
          tableId,
          header,
          clicks,
        );
      const asc = await col('models', 'median ms', 1);
      expect(asc.sort).toBe('ascending');
      const nums = asc.cells.map(Number);
      expect(nums).toEqual([...nums].sort((x, y) => x - y));
      expect(nums.length).toBeGreaterThan(10);
      const desc = await col('models', 'median ms', 1);
      expect(desc.sort).toBe('descending');
      expect(desc.cells.map(Number)).toEqual([...nums].reverse());
      const byTarget = await col('models', 'target', 1);
      expect(byTarget.cells).toEqual([...byTarget.cells].sort((x, y) => x.localeCompare(y, undefined, { numeric: true })));
      // the block table sorts by CI too (empty cells last)
      const ci = await d.page.evaluate(() => {
        (window as unknown as { mnv4Dashboard: { show(n: string): void } }).mnv4Dashboard.show('blocks');
        const ths = Array.from(document.querySelectorAll('table[data-table="blocks"] th'));
        const i = ths.findIndex((x) => x.textContent === 'CI hi');
        (ths[i] as HTMLElement).click();
        return Array.from(document.querySelectorAll('table[data-table="blocks"] tbody tr')).map((tr) => tr.children[i]!.textContent ?? '');
      });
      const filled = ci.filter((x) => x !== '');
      expect(filled.map(Number)).toEqual([...filled.map(Number)].sort((x, y) => x - y));
      expect(ci.slice(filled.length).every((x) => x === '')).toBe(true);
      expect(d.errors).toEqual([]);
    }
  });

  it('with no runs: published charts and a clear note, never a blank page', async () => {
    const d = await openDashboard(emptyIndex, { chromiumPath: resolveChromium().path });
    try {
      const text = await d.page.evaluate(() => document.body.innerText);
      expect(text).toContain('No runs were loaded');
      await d.page.evaluate(() => (window as unknown as { mnv4Dashboard: { show(n: string): void } }).mnv4Dashboard.show('pareto'));
      const ink = await canvasInk(d, 'pareto');
      expect(ink.length).toBe(9); // seven Table 6 columns, MACs, params
      expect(ink.every((c) => c.ink > 500)).toBe(true);
      await d.page.screenshot({ path: path.join(ARTIFACTS, 'empty-pareto.png'), fullPage: true });
      expect(d.errors).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('simulated devices: the search-space frontier draws and the device-model validation sits beside the baselines', async () => {
    const sims = simulateForReport(['pixel8']);
    const simIndex = buildDashboard({ runs: [], problems: [] }, path.join(tmp, 'dash-sim'), { simulations: sims }).index;
    const d = await openDashboard(simIndex, { chromiumPath: resolveChromium().path });
    try {
      await d.page.evaluate(() => (window as unknown as { mnv4Dashboard: { show(n: string): void } }).mnv4Dashboard.show('pareto'));
      const frontier = (await canvasInk(d, 'pareto')).find((c) => c.id === 'space-frontier-0')!;
      expect(frontier.ink).toBeGreaterThan(500);
      const rows = await d.page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-device-model="pixel8_edgetpu"] table tbody tr')).map((tr) =>
          Array.from(tr.children).map((td) => td.textContent ?? ''),
        ),
      );
      expect(rows.map((r) => r[0])).toEqual(['leave-one-out', 'MNv4 from baselines', 'baselines from MNv4', 'leave-family-out, both']);
      expect(rows[0]!.slice(2).every((c) => /^(0\.\d{3}|1\.000) \/ \d+\.\d%$/.test(c))).toBe(true);
      const text = await d.page.evaluate(() => document.querySelector('#pareto')!.textContent ?? '');
      expect(text).toMatch(/conv-m search space, simulated/);
      expect(text).toMatch(/No off-chip term: Google publishes no on-chip memory size/);
      await d.page.screenshot({ path: path.join(ARTIFACTS, 'simulated-pareto.png'), fullPage: true });
      expect(d.errors).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('the tab bar switches sections and the URL hash, and a hash opens its tab', async () => {
    const r = await d.page.evaluate(async () => {
      const shown = () =>
        Array.from(document.querySelectorAll('main > section'))
          .filter((x) => !(x as HTMLElement).hidden)
          .map((x) => x.id);
      const out: { tab: string; shown: string[]; hash: string; selected: string | null }[] = [];
      for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('nav button[data-tab]'))) {
        b.click();
        out.push({ tab: b.getAttribute('data-tab')!, shown: shown(), hash: location.hash, selected: b.getAttribute('aria-selected') });
      }
      location.hash = '#ops';
      await new Promise((res) => setTimeout(res, 50));
      return { out, afterHash: shown() };
    });
    expect(r.out.map((x) => x.tab)).toEqual([...SECTIONS]);
    for (const x of r.out) expect(x).toEqual({ tab: x.tab, shown: [x.tab], hash: `#${x.tab}`, selected: 'true' });
    expect(r.afterHash).toEqual(['ops']);
    expect(d.errors).toEqual([]);
  });

  it('data of another shape: one clear line on the overview, no script error', async () => {
    const dir = path.join(tmp, 'dash-wrong-shape');
    mkdirSync(dir, { recursive: true });
    const src = path.dirname(emptyIndex);
    for (const f of ['app.js', 'plugins.js', 'style.css', 'chart.umd.min.js']) writeFileSync(path.join(dir, f), readFileSync(path.join(src, f)));
    const html = readFileSync(emptyIndex, 'utf8').replace(
      /(<script type="application\/json" id="mnv4-data">)[\s\S]*?(<\/script>)/,
      '$1{"generatedAt":"x","tool":{},"analysis":{"runs":[]},"compare":null,"lut":null}$2',
    );
    writeFileSync(path.join(dir, 'index.html'), html);
    const w = await openDashboard(path.join(dir, 'index.html'), { chromiumPath: resolveChromium().path });
    try {
      const text = await w.page.evaluate(() => document.getElementById('overview')!.textContent ?? '');
      expect(text).toBe(
        'The embedded data is not what this dashboard draws (analysis.problems is not array); rebuild the dashboard with mnv4-bench dashboard.',
      );
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('lists unreadable runs as skipped with the reason (missing, other schema version, no manifest) and notes a torn line', async () => {
    {
      const text = await d.page.evaluate(() => document.getElementById('overview')!.textContent ?? '');
      expect(text).toMatch(/missing-run: .*no such run directory/);
      expect(text).toMatch(/old-schema: .*schemaVersion 1 is not supported/);
      expect(text).toMatch(/no-manifest: .*no manifest/);
      expect(text).toMatch(/the last line was cut off/);
    }
  });

  it('renders every chart to PNG with the same chart code', async () => {
    const out = path.join(tmp, 'png');
    const files = await renderPngs(index, out, { chromiumPath: resolveChromium().path });
    expect(files.length).toBe(12 + 1 + 2 + 1 + 1 + 1);
    for (const f of files) {
      const head = readFileSync(f).subarray(0, 8);
      expect(head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(statSync(f).size).toBeGreaterThan(5000);
    }
  });
});

describe('dashboard folder', () => {
  it('is self-contained: Chart.js copied in, no remote URL anywhere', () => {
    const dir = path.dirname(index);
    for (const f of ['index.html', 'app.js', 'plugins.js', 'style.css', 'chart.umd.min.js', 'chart.js-LICENSE.md'])
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    for (const f of ['index.html', 'app.js', 'plugins.js', 'style.css'])
      expect(readFileSync(path.join(dir, f), 'utf8')).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
  it('embedded JSON cannot close its script element', () => {
    const s = scriptSafeJson({ a: SCRIPT_BREAK, b: '<!-- x', c: '\u2028' });
    expect(s).not.toMatch(/<\/script/i);
    expect(s).not.toContain('<');
    expect(JSON.parse(s)).toEqual({ a: SCRIPT_BREAK, b: '<!-- x', c: '\u2028' });
  });
  it('stays within the page weight budget stated in the README', () => {
    const dir = path.dirname(index);
    const code = ['app.js', 'plugins.js', 'style.css', 'chart.umd.min.js'].reduce((s, f) => s + statSync(path.join(dir, f)).size, 0);
    expect(code).toBeLessThanOrEqual(CODE_BUDGET_BYTES);
    const html = readFileSync(path.join(path.dirname(emptyIndex), 'index.html'), 'utf8');
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(PUBLISHED_DATA_BUDGET_BYTES);
    const withRuns = statSync(index).size;
    expect(withRuns - Buffer.byteLength(html)).toBeLessThanOrEqual(runDirs.length * DATA_BUDGET_BYTES_PER_RUN);
  });
});
