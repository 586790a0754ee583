/**
 * The dashboard page reads `DashboardData` (src/report/dashboard.ts) through dashboard/src/data.ts: what a
 * real fixture run produces survives the JSON embedding unchanged and passes the page's shape check; data of
 * another shape is refused with one clear line. The tab list of index.html, the page and the PNG export is
 * the one in src/report/tabs.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDashboardData } from '../../../dashboard/src/data.js';
import { dashboardData, scriptSafeJson, writeDashboard, type DashboardData } from '../../../src/report/dashboard.js';
import { withTabs } from '../../../src/report/dashboard-bundle.js';
import { loadRuns } from '../../../src/report/load.js';
import { parseLutValidation } from '../../../src/report/lut-validation.js';
import { SECTIONS } from '../../../src/report/png.js';
import { TAB_IDS, TABS } from '../../../src/report/tabs.js';
import { deviceTarget, hostMeasurements, MODEL_MS, writeFixtureRun, XSS } from '../../helpers/report-fixture.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-dash-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let data: DashboardData;
beforeAll(async () => {
  const ms = (scale: number, seed: number) => hostMeasurements(scale, seed, { blocks: 3, peak: true, profileModel: 'conv-m' });
  const a = await writeFixtureRun(tmp, 'run-a', ms(1, 1), { createdAt: '2026-01-01T00:00:00.000Z' });
  const b = await writeFixtureRun(tmp, 'run-b', ms(1.05, 50), {
    createdAt: '2026-01-02T00:00:00.000Z',
    cpu: XSS,
    errors: [{ workload: 'conv-l', target: { id: 'ort-webgpu', runner: 'ort-webgpu', backend: 'webgpu', settings: {} }, message: XSS }],
  });
  const sim = await writeFixtureRun(
    tmp,
    'run-sim',
    Object.keys(MODEL_MS).map((m, i) => ({
      workload: m,
      dtype: 'int8' as const,
      target: deviceTarget('pixel6', 'android-cpu').target,
      medianMs: MODEL_MS[m]! / 2.5,
      simulated: true,
      seed: 10 + i,
    })),
    { device: 'pixel6', createdAt: '2026-01-03T00:00:00.000Z' },
  );
  const lut = parseLutValidation(
    {
      archs: Array.from({ length: 6 }, (_, i) => ({ arch: `conv-m:${i}`, measuredMs: 20 + i, predictedMs: 21 + i })),
      models: [{ arch: 'conv-m', measuredMs: 30, predictedMs: 28 }],
    },
    'lut.json',
  );
  const loaded = await loadRuns([a, b, sim, path.join(tmp, 'missing-run')]);
  data = dashboardData(loaded, { lut, compare: ['run-a', 'run-b'], now: new Date('2026-02-01T00:00:00.000Z') });
});

describe('dashboard data', () => {
  it('a real fixture run fills every view the page draws', () => {
    const a = data.analysis;
    for (const k of ['runs', 'problems', 'targets', 'models', 'pareto', 'modelRows', 'efficiency', 'blocks', 'ops'] as const)
      expect(a[k].length, `analysis.${k}`).toBeGreaterThan(0);
    expect(data.compare?.rows.length).toBeGreaterThan(0);
    expect(data.lut?.points.length).toBe(7);
  });

  it('survives the JSON embedding unchanged (no NaN, Infinity, Date or undefined turned into something else)', () => {
    const embedded = scriptSafeJson(data);
    expect(JSON.parse(embedded)).toEqual(data);
    const nonFinite: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (typeof v === 'number' && !Number.isFinite(v)) nonFinite.push(at);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    walk(data, 'data');
    expect(nonFinite).toEqual([]);
  });

  it('passes the page shape check as embedded', () => {
    const r = readDashboardData(scriptSafeJson(data));
    expect(r.problem).toBeNull();
    expect(r.data).toEqual(data);
  });

  it('data of another shape is refused with one line naming the field and what to do', () => {
    const broken = (f: (d: Record<string, unknown>) => void): string => {
      const d = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
      f(d);
      return readDashboardData(JSON.stringify(d)).problem ?? '';
    };
    expect(broken((d) => delete (d.analysis as Record<string, unknown>).pareto)).toMatch(
      /\(analysis\.pareto is not array\); rebuild the dashboard with mnv4-bench dashboard\.$/,
    );
    expect(broken((d) => (d.compare = []))).toMatch(/compare is not object or null/);
    expect(broken((d) => (d.generatedAt = 5))).toMatch(/generatedAt is not string/);
    expect(readDashboardData('[1]').problem).toMatch(/not an object/);
    expect(readDashboardData('{"a":').problem).toMatch(/could not be read .*rebuild the dashboard with mnv4-bench dashboard/);
    expect(readDashboardData('null').problem).toMatch(/not an object/);
  });
});

describe('the tab list is defined once', () => {
  it('index.html gets its tab bar and sections from TABS, in order; the PNG export walks the same list', () => {
    const out = writeDashboard(data, path.join(tmp, 'dash'));
    const html = readFileSync(out.index, 'utf8');
    expect([...html.matchAll(/<button type="button" data-tab="(\w+)">([^<]+)<\/button>/g)].map((m) => [m[1], m[2]])).toEqual(
      TABS.map((t) => [t.id, t.label]),
    );
    expect([...html.matchAll(/<section id="(\w+)" hidden><\/section>/g)].map((m) => m[1])).toEqual(TAB_IDS);
    expect(SECTIONS).toEqual(TAB_IDS);
    expect(html).not.toMatch(/__MNV4_/);
  });
  it('a template without the tab placeholders is an error, not a page without tabs', () => {
    expect(() => withTabs('<nav></nav>')).toThrow(/no __MNV4_TABS__ placeholder/);
  });
});
