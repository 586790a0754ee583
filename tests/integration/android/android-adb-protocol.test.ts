/**
 * The Android path through the real adb host protocol: the tool's own adbkit transport (adb.ts) talks to a
 * test adb server on 127.0.0.1 (tests/helpers/adb-server.ts), whose benchmark_model runs the pushed .tflite
 * with LiteRT.js on this host and prints benchmark_model's output with those real timings. Faults are
 * scripted per phone; each must end in one clear error with nothing recorded as measured.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolSettings } from '../../../src/core/protocol-run.js';
import { getPreset } from '../../../src/profiles/protocol.js';
import { createAndroidCpuRunner } from '../../../src/runners/android/cpu.js';
import { createAndroidGpuRunner } from '../../../src/runners/android/gpu.js';
import { createAndroidNnapiRunner } from '../../../src/runners/android/nnapi.js';
import { adbkitTransport, findDevice } from '../../../src/runners/android/adb.js';
import { parseBenchmarkModelOutput } from '../../../src/runners/android/benchmark-model-output.js';
import { protocolArgs } from '../../../src/runners/android/benchmark-runner.js';
import { BenchmarkCrossCheckError } from '../../../src/runners/android/cross-check.js';
import { configureAndroid } from '../../../src/runners/android/link.js';
import { prepareWorkload } from '../../../src/runners/prepare.js';
import { BackendMismatchError } from '../../../src/core/measurement.js';
import type { RunContext } from '../../../src/core/target.js';
import type { PreparedWorkload } from '../../../src/core/workload-file.js';
import type { Runner } from '../../../src/runners/types.js';
import { analyse } from '../../../src/report/analysis.js';
import { loadRuns } from '../../../src/report/load.js';
import { writeArm64Elf } from '../../helpers/android.js';
import { runMain } from '../../helpers/main-io.js';
import { TestAdbServer, type StandInPhone } from '../../helpers/adb-server.js';
import { PIXEL6_CPUS, PIXEL6_PROPS } from '../../helpers/scripted-adb.js';

const tmp = mkdtempSync(join(tmpdir(), 'mnv4-adbproto-'));
const fakeBinary = writeArm64Elf(join(tmp, 'android_aarch64_benchmark_model'), 4096);
// small counts: the stand-in really runs the model on this host
const protocol: ProtocolSettings = { ...getPreset('quick'), warmupMinIterations: 2, warmupMinMs: 0, minSamples: 8, minTimeMs: 0, maxTimeMs: 20_000 };

function phone(over: Partial<StandInPhone> = {}): StandInPhone {
  return {
    serial: 'STANDIN01',
    props: PIXEL6_PROPS,
    cpus: PIXEL6_CPUS,
    thermal: () => [
      ['BIG', 36000],
      ['battery', 30000],
    ],
    nnapiAccelerators: ['google-edgetpu', 'nnapi-reference'],
    ...over,
  };
}

let server: TestAdbServer | undefined;
let restore: (() => void) | undefined;
async function serve(p: StandInPhone): Promise<RunContext> {
  server = new TestAdbServer([p]);
  const port = await server.start();
  restore = configureAndroid({ transportFor: (addr) => adbkitTransport(addr), sleep: async () => undefined, benchmarkModelFlag: fakeBinary });
  return {
    deviceId: 'pixel6',
    connection: { kind: 'adb', model: 'Pixel 6', adbServer: { host: '127.0.0.1', port } },
    signal: new AbortController().signal,
    scratchDir: tmp,
  };
}
afterEach(async () => {
  restore?.();
  restore = undefined;
  await server?.stop();
  server = undefined;
});

let w: PreparedWorkload;
beforeAll(async () => {
  // fp32: LiteRT.js feeds float32, int32 and uint8 tensors only
  w = await prepareWorkload('conv-s/b04', { format: 'tflite', dtype: 'fp32', resolution: 64, cacheDir: join(tmp, 'cache') });
});
afterAll(() => undefined);

const measure = (r: Runner, settings: Record<string, string | number | boolean>, ctx: RunContext, profile = false) =>
  r.measure(w, protocol, r.resolveSettings(settings), ctx, { profile });

describe('adbkit against the test adb server', () => {
  it('lists, identifies, pushes byte for byte, runs quoted commands, forwards and reverses over the adb protocol', async () => {
    const ctx = await serve(phone());
    const { port } = (ctx.connection as { adbServer: { port: number } }).adbServer;
    const t = await adbkitTransport({ host: '127.0.0.1', port });
    expect(await t.listDevices()).toEqual([{ serial: 'STANDIN01', state: 'device' }]);
    const d = await findDevice(t, { model: 'pixel 6' });
    const facts = await d.facts();
    expect(facts).toMatchObject({ model: 'Pixel 6', soc: 'Google GS101', sdk: 34, abi: 'arm64-v8a' });
    expect(facts.cpus).toHaveLength(8);
    const remote = await d.pushModel(w.file.path, w.file.sha256);
    expect(server!.file('STANDIN01', remote)!.equals(readFileSync(w.file.path))).toBe(true);
    expect(await d.pushModel(w.file.path, w.file.sha256)).toBe(remote);
    expect(d.pushes).toBe(1);
    // an argument with spaces and quotes reaches the phone as one word
    const r = await d.shell(['getprop', "it's a key"]);
    expect(r.exitCode).toBe(0);
    expect(server!.shells.at(-1)!.argv).toEqual(['getprop', "it's a key"]);
    await d.forwardAbstract(9222, 'chrome_devtools_remote');
    expect(await d.forwardedAbstract('chrome_devtools_remote')).toBe(9222);
    await d.reversePort(8080);
    expect(server!.reverses).toEqual([{ serial: 'STANDIN01', remote: 'tcp:8080', local: 'tcp:8080' }]);
    for (const svc of [
      'host:devices',
      'host:transport:STANDIN01',
      'sync:',
      'host-serial:STANDIN01:forward:tcp:9222;localabstract:chrome_devtools_remote',
      'reverse:forward:tcp:8080;tcp:8080',
    ])
      expect(server!.requests).toContain(svc);
  });
});

describe('android runners through the adb protocol, timing the model they were given', () => {
  it('android-cpu records exactly what benchmark_model printed for the pushed model, with the asked counts', async () => {
    const ctx = await serve(phone());
    const r = createAndroidCpuRunner();
    expect(await r.detect(ctx)).toMatchObject({ available: true, details: { serial: 'STANDIN01', model: 'Pixel 6' } });
    const res = await measure(r, { threads: 1, cpuMask: '80' }, ctx);
    const printed = parseBenchmarkModelOutput(String(res.context?.toolOutput));
    expect(printed.graph).toBe(`/data/local/tmp/mnv4-bench/models/${w.file.sha256}.tflite`);
    expect(printed.inference!.count).toBeGreaterThanOrEqual(protocol.minSamples);
    expect(res.external!.summary.count).toBe(printed.inference!.count);
    expect(res.external!.summary.meanMs).toBeCloseTo(printed.inference!.avgUs! / 1000, 9);
    expect(res.external!.summary.medianMs).toBe(printed.inference!.medianUs! / 1000);
    expect(res.external!.summary.minMs).toBeGreaterThan(0);
    expect(res.executed).toMatchObject({ backend: 'cpu', provider: 'XNNPACK' });
    expect(res.executed.details?.delegation).toMatchObject({ state: 'full', nodeShare: 1 });
    expect(server!.benchmarkRuns('STANDIN01')).toBe(1);
    expect(server!.shells.find((s) => s.argv.some((a) => a.startsWith('--graph=')))!.argv.slice(0, 2)).toEqual(['taskset', '80']);
  });

  it('android-gpu: a GPU delegate that takes the whole graph is recorded as the GPU, with an op profile of its partition', async () => {
    const ctx = await serve(phone({ delegates: { GPU: 'all' } }));
    const res = await measure(createAndroidGpuRunner(), {}, ctx, true);
    expect(res.executed).toMatchObject({ backend: 'gpu', provider: 'GPU' });
    expect(res.external!.command).toContain('--use_gpu=true');
    expect(res.profile).toBeDefined();
    expect(server!.benchmarkRuns('STANDIN01')).toBe(2);
  });

  it('android-nnapi: an NNAPI delegate that takes no node is refused, never recorded as the accelerator', async () => {
    const ctx = await serve(phone({ delegates: { NNAPI: 'none' } }));
    await expect(measure(createAndroidNnapiRunner(), {}, ctx)).rejects.toBeInstanceOf(BackendMismatchError);
  });
});

describe('faults of the phone path: one line, nothing recorded as measured', () => {
  const oneLine = async (p: Promise<unknown>): Promise<Error> => {
    const e = await p.then(
      () => null,
      (x: unknown) => x as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).not.toContain('\n');
    return e!;
  };

  it('a benchmark_model that echoes another graph than the one pushed', async () => {
    const ctx = await serve(phone({ faults: { echoGraph: '/data/local/tmp/mobilenet_v1_1.0_224.tflite' } }));
    const e = await oneLine(measure(createAndroidCpuRunner(), {}, ctx));
    expect(e).toBeInstanceOf(BenchmarkCrossCheckError);
    expect(e.message).toContain(
      `graph: the command asks /data/local/tmp/mnv4-bench/models/${w.file.sha256}.tflite, benchmark_model echoes /data/local/tmp/mobilenet_v1_1.0_224.tflite`,
    );
  });

  it('a benchmark_model that ignores the run counts', async () => {
    const ctx = await serve(phone({ faults: { ignoreRunCounts: 1 } }));
    const e = await oneLine(measure(createAndroidGpuRunner(), {}, ctx));
    expect(e).toBeInstanceOf(BenchmarkCrossCheckError);
    expect(e.message).toContain(`timed runs: the command asks ${protocol.minSamples}, benchmark_model echoes 1`);
  });

  it('a delegate that takes no node on a target that promises the accelerator', async () => {
    const ctx = await serve(phone({ faults: { delegateTakesNothing: true } }));
    const e = await oneLine(measure(createAndroidGpuRunner(), {}, ctx));
    expect(e).toBeInstanceOf(BackendMismatchError);
    expect(e.message).toMatch(/requested backend 'gpu' but 'cpu' executed/);
  });

  it('a phone that disappears while benchmark_model runs', async () => {
    const ctx = await serve(phone({ faults: { vanishDuringBenchmark: true } }));
    const e = await oneLine(measure(createAndroidCpuRunner(), {}, ctx));
    expect(e.message).toMatch(/the phone STANDIN01 disconnected while benchmark_model ran .*not recorded/);
  });

  it('a push that fails half-way', async () => {
    const ctx = await serve(phone({ faults: { pushFailsAfterBytes: 2048 } }));
    const e = await oneLine(measure(createAndroidCpuRunner(), {}, ctx));
    expect(e.message).toMatch(/^pushing .* failed \(.*No space left on device.*\); free space on the phone/);
    expect(server!.benchmarkRuns('STANDIN01')).toBe(0);
  });

  it('a benchmark_model that prints nothing', async () => {
    const ctx = await serve(phone({ faults: { silent: true } }));
    const e = await oneLine(measure(createAndroidCpuRunner(), {}, ctx));
    expect(e.message).toMatch(/benchmark_model printed nothing it would print when it runs \(exit code 0\)/);
  });

  it('a thermal zone that stays hot: measured after the longest wait, labelled warm, zones recorded', async () => {
    const ctx = await serve(phone({ thermal: () => [['BIG', 61000]] }));
    const res = await measure(createAndroidCpuRunner(), { coolDownC: 42, coolDownMaxS: 1 }, ctx);
    expect(res.warnings.join(' ')).toMatch(/did not cool to 42 °C within 1 s \(hottest zone BIG at 61 °C\): measured warm/);
    expect(res.context?.thermal).toMatchObject({ hottestAtStart: { type: 'BIG', celsius: 61 }, hottestAfter: { type: 'BIG', celsius: 61 } });
  });
});

describe("the paper's protocol for the Table 6 phones", () => {
  it('is App. B: 5 sessions of 1000 timed runs, each a mean, median over sessions; the Table 6 phone profiles use it', async () => {
    const paper = getPreset('paper');
    expect(paper).toMatchObject({ sessions: 5, minSamples: 1000, maxSamples: 1000, minTimeMs: 0 });
    expect(protocolArgs(paper)).toEqual(['--warmup_runs=50', '--warmup_min_secs=1', '--num_runs=1000', '--min_secs=0', '--max_secs=600']);
    for (const id of ['pixel4', 'pixel6', 'pixel7', 'pixel8', 'samsung-s23']) {
      const profile = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'devices', `${id}.json`), 'utf8')) as {
        preset: string;
        targets: { publishedColumn?: string }[];
      };
      expect(
        profile.targets.some((t) => t.publishedColumn),
        id,
      ).toBe(true);
      expect(profile.preset, id).toBe('paper');
    }
  });
});

describe('--sustained: latency and thermal zones over time', () => {
  it('runs benchmark_model back to back for the duration, records each run with the zones after it, and pools the session', async () => {
    // the phone heats by 0.1 °C per reading (a fast host makes hundreds of readings in 600 ms; readings at or
    // above 150 °C are discarded as implausible, so a steeper ramp would leave the range)
    const ctx = await serve(phone({ thermal: (n) => [['BIG', 36000 + 100 * n]] }));
    const [outer, inner] = [restore, configureAndroid({ sustainedMs: 600 })];
    restore = () => {
      inner();
      outer?.();
    };
    const res = await measure(createAndroidCpuRunner(), {}, ctx);
    const series = res.external!.sustained!;
    expect(series.length).toBeGreaterThanOrEqual(2);
    expect(server!.benchmarkRuns('STANDIN01')).toBe(series.length);
    for (let i = 1; i < series.length; i++) {
      expect(series[i]!.tMs).toBeGreaterThan(series[i - 1]!.tMs);
      expect(series[i]!.hottestC!).toBeGreaterThan(series[i - 1]!.hottestC!);
    }
    expect(series[0]!.zones).toEqual({ BIG: series[0]!.hottestC });
    expect(res.external!.summary.count).toBe(series.reduce((n, p) => n + p.count, 0));
    expect(res.external!.summary.medianMs).toBeUndefined();
    expect(res.warnings.join(' ')).toMatch(
      new RegExp(
        `sustained 1 s: ${series.length} back-to-back benchmark_model runs without cool-down; mean latency .* ms \\([+-][\\d.]+%\\), hottest zone [\\d.]+ -> [\\d.]+ °C`,
      ),
    );
  });

  it('run --sustained records the series and the dashboard data carries it', async () => {
    const ctx = await serve(phone({ delegates: { GPU: 'all' }, thermal: (n) => [['BIG', 36000 + 1000 * n]] }));
    const { port } = (ctx.connection as { adbServer: { port: number } }).adbServer;
    const out = join(tmp, 'sustained');
    const r = await runMain(
      [
        ...['run', '--device', 'pixel6', '--targets', 'android-gpu', '--workloads', 'conv-s/b04', '--resolution', '64', '--sessions', '1'],
        ...[
          '--preset',
          'quick',
          '--out',
          out,
          '--run-id',
          'hot',
          '--benchmark-model',
          fakeBinary,
          '--adb-server',
          `127.0.0.1:${port}`,
          '--sustained',
          '1s',
        ],
      ],
      {},
    );
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    const a = analyse(await loadRuns([join(out, 'hot')]));
    expect(a.sustained).toHaveLength(1);
    expect(a.sustained[0]!.sessions[0]!.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(out, 'hot', 'dashboard', 'index.html'), 'utf8')).toContain('"sustained":[{');
    const bad = await runMain(['run', '--device', 'pixel6', '--sustained', 'forever', '--adb-server', `127.0.0.1:${port}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sustained: 'forever' is not a duration: use e\.g\. 90s, 30m, 1h or 1h30m/);
  });
});
