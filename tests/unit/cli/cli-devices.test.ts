/**
 * `devices` and `run --device pixel6` in-process (main(argv, io)) with the scripted stand-in at the adb-client
 * boundary: the CLI, the engine, the Android runners and the parsers are the code a phone goes through.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRun } from '../../../src/results/reader.js';
import { configureAndroid } from '../../../src/runners/android/link.js';
import { writeArm64Elf } from '../../helpers/android.js';
import { benchmarkModelFixture } from '../../helpers/fixtures.js';
import { runMain } from '../../helpers/main-io.js';
import { echoCommand, PIXEL6_CPUS, PIXEL6_PROPS, ScriptedAdb, type ScriptedPhone } from '../../helpers/scripted-adb.js';

const tmp = mkdtempSync(join(tmpdir(), 'mnv4-cli-android-'));
const bin = writeArm64Elf(join(tmp, 'benchmark_model'));

const pixel6: ScriptedPhone = {
  serial: '1A2B3C4D',
  props: PIXEL6_PROPS,
  cpus: PIXEL6_CPUS,
  thermal: [
    ['BIG', 37000],
    ['battery', 30000],
  ],
  benchmark: (argv) => ({
    output: echoCommand(
      benchmarkModelFixture(argv.includes('--use_nnapi=true') ? 'tf2.15-nnapi-edgetpu-partial.txt' : 'tf2.15-xnnpack-cpu-int8.txt'),
      argv,
    ),
    exitCode: 0,
  }),
};
const pixel9: ScriptedPhone = {
  serial: 'ZZ99',
  props: { ...PIXEL6_PROPS, 'ro.product.model': 'Pixel 9', 'ro.build.version.release': '15' },
  thermal: [],
};

/** `run` of one small int8 block, 2 sessions, quick preset, with the stand-in benchmark_model. */
const phoneRun = (devices: string, targets: string, out: string, runId: string): string[] => [
  ...['run', '--device', devices, '--targets', targets, '--workloads', 'conv-s/b04', '--resolution', '64'],
  ...['--sessions', '2', '--preset', 'quick', '--out', out, '--run-id', runId, '--benchmark-model', bin],
];

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('CLI: devices', () => {
  it('lists every profile with its targets and columns, which phone is attached, and attached phones without a profile', async () => {
    const adb = new ScriptedAdb([pixel6, pixel9], '127.0.0.1:5037');
    restore = configureAndroid({ transportFor: async () => adb });
    const r = await runMain(['devices', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      schema: string;
      devices: { id: string; status: { state: string; detail: string }; publishedColumns: string[]; targets: { target: string }[] }[];
      unprofiled: { serial: string; model: string }[];
    };
    expect(j.schema).toBe('mnv4-bench/devices@1');
    const by = new Map(j.devices.map((d) => [d.id, d]));
    expect(by.get('pixel6')?.status).toEqual({ state: 'attached', detail: '1A2B3C4D at 127.0.0.1:5037 (Pixel 6, Android 14)', serial: '1A2B3C4D' });
    expect(by.get('pixel8')?.status).toEqual({ state: 'not-attached', detail: "no device with ro.product.model 'Pixel 8' at 127.0.0.1:5037" });
    expect(by.get('host')?.status.state).toBe('this-machine');
    expect(by.get('iphone13')?.status.state).toBe('published-only');
    expect(by.get('samsung-s23')?.publishedColumns).toEqual(['s23_cpu', 's23_gpu']);
    expect(by.get('pixel6')?.targets.map((t) => t.target)).toEqual(['android-cpu', 'android-gpu', 'android-nnapi', 'ort-wasm-browser', 'ort-webgpu']);
    expect(j.unprofiled.map((u) => [u.serial, u.model])).toEqual([['ZZ99', 'Pixel 9']]);

    const text = await runMain(['devices']);
    expect(text.stdout).toMatch(/^pixel6\s+attached\s+pixel6_cpu\s+android-cpu int8 \(threads=1 cpuMask=80\); android-gpu fp16;/m);
    expect(text.stdout).toContain(
      'attached without a profile: ZZ99 (device, Pixel 9) at 127.0.0.1:5037: copy devices/pixel6.json, set "connection": {"kind": "adb", "serial": "ZZ99"} and pass --device ./that.json',
    );
  });

  it('an adb server that cannot be reached is reported per profile, not fatal', async () => {
    restore = configureAndroid({
      transportFor: async () => {
        throw new Error('cannot reach the adb server at farm:7100 (ECONNREFUSED)');
      },
    });
    const r = await runMain(['devices', '--json', '--adb-server', 'farm:7100']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { devices: { id: string; status: { state: string; detail: string } }[] };
    expect(j.devices.find((d) => d.id === 'pixel6')?.status).toEqual({
      state: 'adb-unavailable',
      detail: 'cannot reach the adb server at farm:7100 (ECONNREFUSED)',
    });
    expect((await runMain(['devices', '--adb-server', 'farm'])).stderr).toMatch(/--adb-server: bad adb server 'farm'/);
  });
});

describe('CLI: run --device pixel6 through the engine and the stand-in', () => {
  it('a phone but no benchmark_model: one line saying where it comes from and how to pass it, exit 2', async () => {
    restore = configureAndroid({ transportFor: async () => new ScriptedAdb([pixel6]) });
    const saved = process.env.MNV4_BENCHMARK_MODEL;
    delete process.env.MNV4_BENCHMARK_MODEL;
    try {
      const r = await runMain(['run', '--device', 'pixel6', '--out', join(tmp, 'nobin')]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mnv4-bench: no benchmark_model binary: pass --benchmark-model PATH .*android_aarch64_benchmark_model/);
    } finally {
      if (saved !== undefined) process.env.MNV4_BENCHMARK_MODEL = saved;
    }
  });

  it('measures k sessions per pair with benchmark_model, records external timing, delegation and thermals, prints the table', async () => {
    const adb = new ScriptedAdb([pixel6]);
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    const out = join(tmp, 'results');
    const r = await runMain(phoneRun('pixel6', 'android-cpu,android-nnapi', out, 'phone'));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(adb.benchmarkRuns('1A2B3C4D')).toBe(4);
    expect(adb.pushes.filter((p) => p.remote.includes('/bin/'))).toHaveLength(1);

    const run = await readRun(join(out, 'phone'));
    expect(run.manifest.devices).toEqual([
      { id: 'pixel6', name: 'Google Pixel 6', connection: { kind: 'adb', model: 'Pixel 6', devtools: { socket: 'chrome_devtools_remote' } } },
    ]);
    const ms = run.records.filter((x) => x.kind === 'measurement');
    expect(ms).toHaveLength(2);
    const cpu = ms.find((m) => m.target.id === 'android-cpu')!;
    expect(cpu.timing).toBe('external');
    expect(cpu.protocol.sessions).toBe(2);
    expect(cpu.latency.medianMs).toBeCloseTo(2.42037, 9);
    expect(cpu.sessions.map((s) => s.external?.summary.count)).toEqual([100, 100]);
    expect(cpu.executed).toMatchObject({ runtime: 'tflite-benchmark_model', backend: 'cpu', provider: 'XNNPACK' });
    const nnapi = ms.find((m) => m.target.id === 'android-nnapi')!;
    expect(nnapi.executed.backend).toBe('nnapi+cpu');
    expect(nnapi.warnings.map((w) => w.message)).toContain(
      'session 1: partial delegation: the NNAPI delegate ran 90.3% of nodes; the rest fell back to the CPU (NNAPI delegate: partial (2 delegate kernels); replacing 112 out of 124 node(s) with TfLiteNnapiDelegate, 5 partition(s))',
    );
    const sessions = run.records.filter((x) => x.kind === 'session');
    expect(sessions).toHaveLength(4);
    expect((sessions[0]!.context as { thermal: { before: unknown[] } }).thermal.before).toHaveLength(2);
    expect(r.stdout).toMatch(/2\.420/);
    expect(r.stdout).toContain('pixel6_cpu');
  });
});

describe('CLI: run --device pixel6,pixel8 (two phones at once, one run)', () => {
  it('measures both devices in parallel into one run directory, one table per device', async () => {
    const pixel8: ScriptedPhone = { ...pixel6, serial: 'P8P8P8', props: { ...PIXEL6_PROPS, 'ro.product.model': 'Pixel 8' } };
    const adb = new ScriptedAdb([pixel6, pixel8]);
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    const out = join(tmp, 'results2');
    const r = await runMain(phoneRun('pixel6,pixel8', 'android-cpu', out, 'two'));
    expect(r.code, r.stderr).toBe(0);
    expect([adb.benchmarkRuns('1A2B3C4D'), adb.benchmarkRuns('P8P8P8')]).toEqual([2, 2]);
    // the devices ran at the same time: the second phone's first run came before the first phone's last one
    const runs = adb.calls.filter((c) => c.argv[0] === 'taskset').map((c) => c.serial);
    expect(runs.indexOf('P8P8P8')).toBeLessThan(runs.lastIndexOf('1A2B3C4D'));
    const run = await readRun(join(out, 'two'));
    expect(run.manifest.devices.map((d) => d.id)).toEqual(['pixel6', 'pixel8']);
    const ms = run.records.filter((x) => x.kind === 'measurement');
    expect(ms.map((m) => m.device.id).sort()).toEqual(['pixel6', 'pixel8']);
    expect(ms.every((m) => m.sessions.length === 2 && m.timing === 'external')).toBe(true);
    expect(r.stdout).toContain('Google Pixel 6 (pixel6):');
    expect(r.stdout).toContain('Google Pixel 8 (pixel8):');
    expect(r.stderr).toMatch(/^\[pixel8\] /m);
  });
});
