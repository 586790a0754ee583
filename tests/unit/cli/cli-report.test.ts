/** `report`, `compare` and `dashboard` through `main(argv, io)`, on synthetic runs. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import { createFakeRunner, installFakeRunners } from '../../helpers/fake-runner.js';
import { runMain } from '../../helpers/main-io.js';
import { fixtureSimulation, MODEL_MS, ORT_WASM, writeFixtureRun } from '../../helpers/report-fixture.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-cli-report-'));
const results = path.join(tmp, 'results');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  const ms = (scale: number, seed: number) =>
    Object.keys(MODEL_MS).flatMap((m, i) => [
      { workload: m, medianMs: MODEL_MS[m]! * scale, seed: seed + i },
      { workload: m, target: ORT_WASM, medianMs: MODEL_MS[m]! * 1.8, seed: seed + 10 + i },
    ]);
  await writeFixtureRun(results, 'base', ms(1, 1), { createdAt: '2026-01-01T00:00:00.000Z' });
  await writeFixtureRun(results, 'slower', ms(1.1, 50), { createdAt: '2026-01-02T00:00:00.000Z' });
  await writeFixtureRun(results, 'same', ms(1, 90), { createdAt: '2026-01-03T00:00:00.000Z' });
  mkdirSync(path.join(results, 'no-manifest'));
  writeFileSync(path.join(results, 'no-manifest', 'measurements.jsonl'), '');
});

describe('compare', () => {
  it('exits 1 on a significant regression beyond the threshold, 0 without one', async () => {
    const r = await runMain(['compare', 'base', 'slower', '--results', results]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION/);
    expect(r.stdout).toMatch(/5 significant regressions beyond 3\.0%/);
    expect(r.stderr).toBe('mnv4-bench: 5 significant regressions beyond 3.0% in slower against base\n');
    expect((await runMain(['compare', 'base', 'slower', '--results', results, '--threshold', '15%'])).code).toBe(0);
    const same = await runMain(['compare', 'base', 'same', '--results', results]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/0 significant regressions/);
  });
  it('--json and bad input (exit 2, one line)', async () => {
    const j = JSON.parse((await runMain(['compare', path.join(results, 'base'), path.join(results, 'slower'), '--json'])).stdout) as {
      regressions: number;
      rows: unknown[];
    };
    expect(j.regressions).toBe(5);
    expect(j.rows).toHaveLength(10);
    for (const args of [
      ['compare', 'base', 'nope', '--results', results],
      ['compare', 'base', 'no-manifest', '--results', results],
      ['compare', 'base', 'slower', '--results', results, '--threshold', 'lots'],
    ]) {
      const r = await runMain(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mnv4-bench: /);
    }
  });
});

describe('report', () => {
  it('md by default, csv and json; unreadable runs are listed as skipped', async () => {
    const md = await runMain(['report', '--results', results]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('## Latency of the models (ms)');
    expect(md.stderr).toMatch(/skipped: .*no-manifest: .*no manifest/);
    const csv = await runMain(['report', 'base', '--results', results, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(/^run,device,target,workload/);
    expect(csv.stdout.trim().split('\n')).toHaveLength(11);
    expect(JSON.parse((await runMain(['report', 'base', '--results', results, '--format', 'json'])).stdout).rows).toHaveLength(10);
  });
  it('no runs at all: one line, exit 2', async () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    const r = await runMain(['report', '--results', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^mnv4-bench: no runs in .*empty; measure one with 'mnv4-bench run --device host'/);
  });
});

describe('simulation input', () => {
  it('report and dashboard take --simulation files; a bad one is one line, exit 2', async () => {
    const sim = path.join(tmp, 'pixel6.sim.json');
    writeFileSync(sim, JSON.stringify(fixtureSimulation('pixel6', 'pixel6_cpu')));
    const empty = path.join(tmp, 'empty-sim');
    mkdirSync(empty);
    const md = await runMain(['report', '--results', empty, '--simulation', sim]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/\| MNv4-Conv-S \| 73\.8 \| \d\.\d\d \| 2\.40 \|/);
    const out = path.join(tmp, 'dash-sim');
    const d = await runMain(['dashboard', '--results', empty, '--simulation', sim, '-o', out]);
    expect(d.stderr).toMatch(/shows simulated and published figures only/);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('(device model simulation)');
    // --simulate computes the same here
    const here = await runMain(['report', '--results', empty, '--simulate', 'pixel6', '--format', 'csv']);
    expect(here.code, here.stderr).toBe(0);
    expect(here.stdout).toMatch(/^,pixel6,Pixel 6 CPU \(device model simulation\),model:conv-s,MNv4-Conv-S,simulated,/m);
    expect((await runMain(['report', '--results', empty, '--simulate', 'host'])).stderr).toMatch(
      /--simulate host: device host names no Table 6 column/,
    );
    writeFileSync(path.join(tmp, 'bad.sim.json'), '{"schema":"mnv4-bench/simulation@1"}');
    const bad = await runMain(['dashboard', '--results', empty, '--simulation', path.join(tmp, 'bad.sim.json'), '-o', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mnv4-bench: .*bad\.sim\.json: not a simulation file .*--simulate --json'\n$/);
  });
});

describe('dashboard', () => {
  it('builds a folder and prints where it is; with no runs it still builds, saying so', async () => {
    const out = path.join(tmp, 'dash');
    const r = await runMain(['dashboard', '--results', results, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`dashboard: ${path.join(out, 'index.html')} (3 runs`);
    expect(r.stderr).toMatch(/skipped: .*no-manifest/);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('"runId":"slower"');
    expect(existsSync(path.join(out, 'chart.umd.min.js'))).toBe(true);
    const empty = path.join(tmp, 'empty2');
    mkdirSync(empty);
    const e = await runMain(['dashboard', '--results', empty]);
    expect(e.code).toBe(0);
    expect(e.stderr).toMatch(/the dashboard shows published figures only/);
    expect(existsSync(path.join(empty, 'dashboard', 'index.html'))).toBe(true);
    expect((await runMain(['dashboard', '--results', results, '--compare', 'base'])).code).toBe(2);
    expect((await runMain(['dashboard', '--results', results, '--compare', 'base,missing', '-o', out])).stderr).toMatch(
      /--compare: no loaded run 'missing'/,
    );
  });
});

describe('run builds its dashboard', () => {
  it('at the end of the run, and says where it is (stderr with --json); a skipped target shows with its reason', async () => {
    const undo = installFakeRunners(createFakeRunner(), createFakeRunner({ id: 'fake-phone', connections: ['adb'] }));
    try {
      const file = path.join(tmp, 'dev.json');
      writeFileSync(
        file,
        JSON.stringify({
          schemaVersion: 1,
          id: 'dev',
          name: 'Test device',
          connection: { kind: 'local' },
          preset: 'quick',
          workloads: ['conv-s/b03'],
          targets: [
            { target: 'fake-cpu', label: 'fake CPU' },
            { target: 'fake-phone', label: 'fake phone' },
          ],
        }),
      );
      const env = { MNV4_BENCH_CACHE: path.join(tmp, 'cache') };
      const r = await runMain(['run', '--device', file, '--out', results, '--run-id', 'with-dash', '--sessions', '2'], env);
      expect(r.code, r.stderr).toBe(0);
      const index = path.join(results, 'with-dash', 'dashboard', 'index.html');
      expect(r.stdout).toContain(`dashboard: ${index} (1 run,`);
      const html = readFileSync(index, 'utf8');
      expect(html).toContain('"status":"skipped"');
      expect(html).toContain('fake-phone runs over adb connections');
      const j = await runMain(['run', '--device', file, '--out', results, '--run-id', 'with-dash-json', '--json'], env);
      expect(j.code, j.stderr).toBe(0);
      expect(JSON.parse(j.stdout).runId).toBe('with-dash-json');
      expect(j.stderr).toContain(`dashboard: ${path.join(results, 'with-dash-json', 'dashboard', 'index.html')}`);
    } finally {
      undo();
      clearTargetsMemoryCache();
    }
  });
});
