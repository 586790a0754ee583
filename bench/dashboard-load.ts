/**
 * Dashboard weight and opening time: builds a dashboard from N synthetic runs (written with the project's
 * record builders; 5 models on 2 targets + 8 blocks of conv-s + a profile per run) and opens it from file:// in
 * headless Chromium several times, printing the folder's bytes, the time from navigation start until the
 * first section is drawn, and until every chart is drawn.
 *
 *   npx tsx bench/dashboard-load.ts [--runs 10] [--repeats 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDashboard } from '../src/report/dashboard.js';
import { loadRuns } from '../src/report/load.js';
import { openDashboard } from '../src/report/png.js';
import { resolveChromium } from '../src/runners/browser/launcher.js';
import { hostMeasurements, writeFixtureRun } from '../tests/helpers/report-fixture.js';
import { arg, hostLine, median } from './common.js';

const runs = Number(arg('runs', '10'));
const repeats = Number(arg('repeats', '5'));
console.log(hostLine());
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-dash-bench-'));
try {
  const dirs: string[] = [];
  for (let r = 0; r < runs; r++) {
    const ms = hostMeasurements(1 + r * 0.01, r * 100, { blocks: 8, profileModel: 'conv-m' }).map((m) => ({ ...m, n: 200 }));
    dirs.push(await writeFixtureRun(tmp, `run-${String(r).padStart(2, '0')}`, ms, { createdAt: new Date(Date.UTC(2026, 0, 1 + r)).toISOString() }));
  }
  const build = buildDashboard(await loadRuns(dirs), path.join(tmp, 'dash'));
  const total = Object.values(build.files).reduce((s, v) => s + v, 0);
  console.log(
    `${runs} runs: folder ${(total / 1024).toFixed(0)} KiB (${Object.entries(build.files)
      .map(([f, b]) => `${f} ${(b / 1024).toFixed(0)}`)
      .join(', ')}), embedded data ${(build.dataBytes / 1024).toFixed(0)} KiB`,
  );
  const ready: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const d = await openDashboard(build.index, { chromiumPath: resolveChromium().path });
    const t = await d.page.evaluate(() => {
      const w = window as unknown as { mnv4Dashboard: { readyMs: number; renderAll(): string[] } };
      const t0 = performance.now();
      const n = w.mnv4Dashboard.renderAll().length;
      return { ready: w.mnv4Dashboard.readyMs, all: w.mnv4Dashboard.readyMs + performance.now() - t0, charts: n };
    });
    ready.push(t.ready);
    all.push(t.all);
    if (d.errors.length) console.log(`errors: ${d.errors.join('; ')}`);
    await d.close();
    if (i === 0) console.log(`${t.charts} charts`);
  }
  console.log(`first section drawn: median ${median(ready).toFixed(0)} ms (${ready.map((x) => x.toFixed(0)).join(', ')}) after navigation start`);
  console.log(`all charts drawn:    median ${median(all).toFixed(0)} ms (${all.map((x) => x.toFixed(0)).join(', ')})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
