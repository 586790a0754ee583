/**
 * The command line through `main(argv, io)` with the fake runner (no runtime, virtual clock): option
 * aliases, sessions, plain progress lines, the summary table, skipped targets, exit codes and one-line errors.
 * Workloads are real exports (small blocks, into a temporary cache).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { splitList } from '../../../src/models/workload-list.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { readRun, selectMeasurements } from '../../../src/results/reader.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import { createFakeRunner, installFakeRunners } from '../../helpers/fake-runner.js';
import { runMain } from '../../helpers/main-io.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-cli-main-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { MNV4_BENCH_CACHE: path.join(tmp, 'cache') };
let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
  clearTargetsMemoryCache();
});

const B03 = resolveWorkload('conv-s/b03').id;
const B05 = resolveWorkload('conv-s/b05').id;

function deviceFile(name: string, body: Record<string, unknown>): string {
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ schemaVersion: 1, id: name, name: `Device ${name}`, connection: { kind: 'local' }, preset: 'quick', ...body }),
  );
  return file;
}

describe('list flags', () => {
  it('split at top-level commas only: blocks with parentheses and architecture vectors stay whole', () => {
    expect(splitList('conv-s, conv-m/b05', '--workloads')).toEqual(['conv-s', 'conv-m/b05']);
    expect(splitList('block:uib(a3,m5,s2,e4,o80,relu)@48x64x64,conv-s', '--workloads')).toEqual([
      'block:uib(a3,m5,s2,e4,o80,relu)@48x64x64',
      'conv-s',
    ]);
    expect(splitList('arch:conv-s:8,1,1,0,conv-m,arch:conv-m:1,2', '--workloads')).toEqual(['arch:conv-s:8,1,1,0', 'conv-m', 'arch:conv-m:1,2']);
    expect(() => splitList(',,', '--workloads')).toThrow(/item 1 of ',,' is empty/);
  });
});

describe('bench through main()', () => {
  it('aliases, k sessions, plain progress, the readable summary, and the manifest command', async () => {
    undo = installFakeRunners(createFakeRunner());
    const argv = [
      'bench',
      '--targets',
      'fake-cpu',
      '--workloads',
      'conv-s/b03,conv-s/b05',
      '--sessions',
      '2',
      '--preset',
      'quick',
      '-o',
      tmp,
      '--run-id',
      'b1',
      '--set',
      'mask=f0',
    ];
    const r = await runMain(argv, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`run b1 -> ${path.join(tmp, 'b1')}`);
    expect(r.stderr).toContain('device host (local): 2 pairs x 2 sessions, 4 sessions to run');
    expect(r.stderr).toContain(`[1/4] ${B03} fp32 on fake-cpu, session 1/2: measuring...`);
    expect(r.stderr).toContain(`[4/4] ${B05} fp32 on fake-cpu, session 2/2: measuring...`);
    expect(r.stderr).toMatch(/ {2}session 2: median [\d.]+ ms, n=\d+.*, converged/);
    expect(r.stderr).toContain('run b1: 2 measured, 0 failed, 0 skipped, 0 already measured');
    expect(r.stdout).toMatch(new RegExp(`${B03.replace(/[/()@]/g, '\\$&')} on fake-cpu \\(threads=1 mask=f0\\), onnx fp32, device host`));
    expect(r.stdout).toMatch(/2 sessions: [\d.]+, [\d.]+ ms \(range [\d.]+%, largest deviation [\d.]+%\)/);
    const run = await readRun(path.join(tmp, 'b1'));
    expect(run.manifest.command).toEqual(argv);
    expect(selectMeasurements(run).map((m) => m.sessions.length)).toEqual([2, 2]);
    // the noise floor: the reference workload timed at both ends, in the manifest and on stderr
    const nf = run.manifest.noiseFloor![0]!;
    expect(nf.workload).toBe('js-matmul-48-f64-worker');
    expect(nf.end!.medianMs).toBeGreaterThan(nf.start.medianMs / 10);
    expect(nf.driftRel).toBeCloseTo((nf.end!.medianMs - nf.start.medianMs) / nf.start.medianMs, 12);
    expect(r.stderr).toMatch(
      /noise floor \(js-matmul-48-f64-worker\): start [\d.]+ ms \(CV [\d.]+%\), end [\d.]+ ms \(CV [\d.]+%\), drift [+-][\d.]+%/,
    );
  });

  it('--json prints what this execution wrote; a failure ends with exit 1 after the others', async () => {
    undo = installFakeRunners(createFakeRunner({ failWhen: (w) => w === B05 }));
    const r = await runMain(
      [
        'bench',
        '--target',
        'fake-cpu',
        '--block',
        'conv-s/b03',
        '--block',
        'conv-s/b05',
        '--preset',
        'quick',
        '--out',
        tmp,
        '--json',
        '--no-noise-floor',
      ],
      env,
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { measurements: { workload: { id: string } }[]; errors: { workload: { id: string } }[] };
    expect(j.measurements.map((m) => m.workload.id)).toEqual([B03]);
    expect(j.errors.map((m) => m.workload.id)).toEqual([B05]);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^mnv4-bench: 1 of 2 measurements failed \(error records in .*measurements\.jsonl\)$/);
  });

  it('a target that is not available stops bench before a run is created (exit 1)', async () => {
    undo = installFakeRunners(createFakeRunner({ id: 'fake-off', unavailable: 'the fake is switched off' }));
    const r = await runMain(['bench', '--target', 'fake-off', '--block', 'conv-s/b03', '--out', tmp, '--run-id', 'gone'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mnv4-bench: target fake-off is not available on device host: the fake is switched off\n');
    await expect(readRun(path.join(tmp, 'gone'))).rejects.toThrow(/no manifest/);
  });
});

describe('targets through main()', () => {
  it('--device checks availability on that device: a local-only runner cannot reach a phone', async () => {
    undo = installFakeRunners(createFakeRunner(), createFakeRunner({ id: 'fake-phone', connections: ['adb'] }));
    const file = deviceFile('phone2', { connection: { kind: 'adb' }, workloads: ['conv-s/b03'], targets: [{ target: 'fake-phone' }] });
    const r = await runMain(['targets', '--device', file, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; availability: { available: boolean; reason?: string } }[];
    const byId = new Map(list.map((t) => [t.id, t.availability]));
    expect(byId.get('fake-phone')).toMatchObject({ available: true });
    expect(byId.get('fake-cpu')).toEqual({
      available: false,
      reason: "fake-cpu runs over local connections, and device 'phone2' is reached over adb",
    });
    const table = await runMain(['targets', '--device', file], env);
    expect(table.stdout).toMatch(/^target\s+on phone2\s+runtime \/ backend/);
    expect(table.stdout).toMatch(/fake-phone\s+yes\s+fake-runtime \/ cpu\s+onnx\s+threads=1 \(1\.\.8\), mask=ff \(a hex CPU mask such as f0\)/);
  });
});

describe('run through main()', () => {
  it('skips what the device connection cannot reach, measures the rest, prints the table', async () => {
    undo = installFakeRunners(createFakeRunner(), createFakeRunner({ id: 'fake-phone', connections: ['adb'] }));
    const file = deviceFile('phone', {
      connection: { kind: 'adb', serial: 'R5CT' },
      workloads: ['conv-s/b03'],
      targets: [
        { target: 'fake-cpu', label: 'host CPU' },
        { target: 'fake-phone', label: 'phone CPU', settings: { mask: 'f0' } },
      ],
    });
    const r = await runMain(['run', '--device', file, '--out', tmp, '--run-id', 'p1', '--sessions', '1', '--no-noise-floor'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("skipped: fake-cpu fp32: fake-cpu runs over local connections, and device 'phone' is reached over adb");
    expect(r.stdout).toMatch(/workload\s+\[1\] ms measured\s+\[2\] ms measured/);
    expect(r.stdout).toMatch(new RegExp(`${B03.replace(/[/()@]/g, '\\$&')}\\s+skipped\\s+[\\d.]+\\*?$`, 'm'));
    const run = await readRun(path.join(tmp, 'p1'));
    expect(run.manifest.devices).toEqual([{ id: 'phone', name: 'Device phone', connection: { kind: 'adb', serial: 'R5CT' } }]);
    expect(run.records.map((x) => x.kind)).toEqual(['skipped', 'session', 'measurement']);
  });

  it('nothing can run on the device: exit 1, the reasons on record', async () => {
    undo = installFakeRunners(createFakeRunner());
    const file = deviceFile('remote', {
      connection: { kind: 'devtools', endpoint: 'ws://10.0.0.2:9222' },
      workloads: ['conv-s/b03'],
      targets: [{ target: 'fake-cpu' }],
    });
    const r = await runMain(['run', '--device', file, '--out', tmp, '--run-id', 'none', '--no-noise-floor'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mnv4-bench: no target of device remote can run/);
    expect((await readRun(path.join(tmp, 'none'))).records.map((x) => x.kind)).toEqual(['skipped']);
  });

  it('bad input: exit 2 with exactly one line', async () => {
    undo = installFakeRunners(createFakeRunner());
    const file = deviceFile('ok', { workloads: ['conv-s/b03'], targets: [{ target: 'fake-cpu' }] });
    const badConn = deviceFile('badconn', {
      connection: { kind: 'devtools', endpoint: 'not a url' },
      workloads: ['conv-s/b03'],
      targets: [{ target: 'fake-cpu' }],
    });
    const cases: [string[], RegExp][] = [
      [['run', '--device', file, '--targets', ''], /--targets is empty: give at least one value/],
      [['run', '--device', file, '--workloads', ''], /--workloads is empty: give at least one value/],
      [['run', '--device', file, '--out', ''], /--out is empty/],
      [['run', '--device', file, '--run-id', '.'], /--run-id '\.' is not a run name/],
      [['run', '--device', file, '--sessions', 'x'], /--sessions must be an integer from 1 to 50, got 'x'/],
      [['run', '--device', file, '--run-id', 'a', '--resume', 'a'], /either --run-id .* or --resume/],
      [['run', '--device', file, '--resume', 'never-made', '--out', tmp], /nothing to resume/],
      [['run', '--device', badConn], /connection\.endpoint: a ws:\/\/, wss:\/\/, http:\/\/ or https:\/\/ URL/],
      [['run', '--device', file, '--bogus'], /^mnv4-bench: unknown option '--bogus' \(see mnv4-bench --help\)$/],
      [['bench', '--target', 'fake-cpu', '--model', 'conv-s', '--set', 'mask=zz'], /fake-cpu: mask must be a hex CPU mask such as f0, got 'zz'/],
    ];
    for (const [argv, re] of cases) {
      const r = await runMain(argv, env);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout, argv.join(' ')).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(1);
      expect(lines[0], argv.join(' ')).toMatch(/^mnv4-bench: /);
      expect(lines[0], argv.join(' ')).toMatch(re);
    }
  });
});
