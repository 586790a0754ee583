/**
 * The whole Android flow (find the phone, identify it, cool down, push, run benchmark_model, parse, check the
 * delegate, profile) through the same runner code a phone uses, against a scripted stand-in at the adb-client
 * boundary that answers with benchmark_model output reproduced from its source (tests/fixtures/benchmark_model).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getPreset } from '../../../src/profiles/protocol.js';
import { createAndroidCpuRunner } from '../../../src/runners/android/cpu.js';
import { createAndroidGpuRunner } from '../../../src/runners/android/gpu.js';
import { createAndroidNnapiRunner } from '../../../src/runners/android/nnapi.js';
import { BenchmarkModelOutputError } from '../../../src/runners/android/benchmark-model-output.js';
import { cpusOfMask, maskWarning, protocolArgs } from '../../../src/runners/android/benchmark-runner.js';
import { configureAndroid } from '../../../src/runners/android/link.js';
import { prepareWorkload } from '../../../src/runners/prepare.js';
import { BackendMismatchError } from '../../../src/core/measurement.js';
import { type RunContext } from '../../../src/core/target.js';
import { type PreparedWorkload } from '../../../src/core/workload-file.js';
import { type Runner } from '../../../src/runners/types.js';
import { writeArm64Elf } from '../../helpers/android.js';
import { benchmarkModelFixture } from '../../helpers/fixtures.js';
import { echoCommand, PIXEL6_CPUS, PIXEL6_PROPS, ScriptedAdb, type ScriptedPhone } from '../../helpers/scripted-adb.js';

const tmp = mkdtempSync(join(tmpdir(), 'mnv4-android-'));
const fakeBinary = writeArm64Elf(join(tmp, 'android_aarch64_benchmark_model'), 4096);

const ctx = (over: Partial<RunContext> = {}): RunContext => ({
  deviceId: 'pixel6',
  connection: { kind: 'adb', model: 'Pixel 6' },
  signal: new AbortController().signal,
  scratchDir: tmp,
  ...over,
});
const protocol = getPreset('quick');

type Answer = 'xnnpack' | 'gpu' | 'nnapi-partial' | 'nnapi-fallback' | 'nnapi-failed' | 'truncated';
const FIXTURE: Record<Answer, string> = {
  xnnpack: 'tf2.15-xnnpack-cpu-int8.txt',
  gpu: 'tf2.4-gpu-fp16.txt',
  'nnapi-partial': 'tf2.15-nnapi-edgetpu-partial.txt',
  'nnapi-fallback': 'tf2.15-nnapi-fallback.txt',
  'nnapi-failed': 'tf2.15-nnapi-failed.txt',
  truncated: 'tf2.15-truncated.txt',
};

function pixel6(
  answer: Answer,
  thermal: ScriptedPhone['thermal'] = [
    ['BIG', 36000],
    ['battery', 30000],
  ],
): ScriptedPhone {
  return {
    serial: '1A2B3C4D',
    props: PIXEL6_PROPS,
    cpus: PIXEL6_CPUS,
    thermal,
    benchmark: (argv) => {
      if (argv.includes('--enable_op_profiling=true'))
        return { output: echoCommand(benchmarkModelFixture('tf2.15-nnapi-op-profiling.txt'), argv), exitCode: 0 };
      const text = echoCommand(benchmarkModelFixture(FIXTURE[answer]), argv);
      return { output: text, exitCode: answer === 'nnapi-failed' ? 1 : 0 };
    },
  };
}

let restore: (() => void) | undefined;
let sleeps: number[] = [];
function useAdb(adb: ScriptedAdb, extra: Parameters<typeof configureAndroid>[0] = {}): void {
  sleeps = [];
  restore = configureAndroid({
    transportFor: async () => adb,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    benchmarkModelFlag: fakeBinary,
    ...extra,
  });
}
afterEach(() => {
  restore?.();
  restore = undefined;
});

let w: PreparedWorkload;
beforeAll(async () => {
  // a real int8 TFLite export of one small block (the profiling pass reads its structure)
  w = await prepareWorkload('conv-s/b04', { format: 'tflite', dtype: 'int8', resolution: 64, cacheDir: join(tmp, 'cache') });
});

async function measureK(r: Runner, settings: Record<string, string | number | boolean>, k: number, profile = false) {
  const resolved = r.resolveSettings(settings);
  const out = [];
  for (let i = 0; i < k; i++) out.push(await r.measure(w, protocol, resolved, ctx(), { profile }));
  return out;
}

describe('android-cpu through the stand-in', () => {
  it('detects the phone, runs k independent sessions, pushes each file once, records thermals and the exact command', async () => {
    let reads = 0;
    const adb = new ScriptedAdb([
      pixel6('xnnpack', () =>
        reads++ < 3
          ? [
              ['BIG', 47500],
              ['battery', 33000],
            ]
          : [
              ['BIG', 39000],
              ['battery', 33000],
            ],
      ),
    ]);
    useAdb(adb);
    const r = createAndroidCpuRunner();
    const a = await r.detect(ctx());
    expect(a).toMatchObject({
      available: true,
      details: { serial: '1A2B3C4D', model: 'Pixel 6', soc: 'Google GS101', android: '14', benchmarkModel: fakeBinary },
    });

    const results = await measureK(r, { threads: 1, cpuMask: '80' }, 3);
    expect(adb.benchmarkRuns('1A2B3C4D')).toBe(3);
    expect(adb.pushes.map((p) => p.remote)).toEqual([
      expect.stringMatching(/^\/data\/local\/tmp\/mnv4-bench\/bin\/benchmark_model-[0-9a-f]{16}$/),
      `/data/local/tmp/mnv4-bench/models/${w.file.sha256}.tflite`,
    ]);

    const first = results[0]!;
    expect(first.external?.summary).toMatchObject({ count: 100, minMs: 2.389, maxMs: 2.517 });
    expect(first.external?.tool).toBe('tflite-benchmark_model');
    expect(first.executed).toMatchObject({ runtime: 'tflite-benchmark_model', runtimeVersion: '2.15.0', backend: 'cpu', provider: 'XNNPACK' });
    expect(first.executed.details?.delegation).toMatchObject({ state: 'full', nodeShare: 1 });
    expect(first.coldStart).toEqual({ sessionCreateMs: 41.203, firstInferenceMs: 2.783 });
    expect(first.external?.command).toEqual([
      'taskset',
      '80',
      adb.pushes[0]!.remote,
      `--graph=/data/local/tmp/mnv4-bench/models/${w.file.sha256}.tflite`,
      '--num_threads=1',
      '--use_xnnpack=true',
      ...protocolArgs(protocol),
      '--enable_op_profiling=false',
    ]);
    // identification read the zones once (hot); the first session then read 2 hot readings 5 s apart before a cool one
    expect(sleeps).toEqual([5000, 5000]);
    expect(first.context?.thermal).toMatchObject({
      coolDownWaitedMs: 10000,
      hottestAtStart: { type: 'BIG', celsius: 39 },
      hottestAfter: { type: 'BIG', celsius: 39 },
    });
    expect((first.context?.thermal as { before: unknown[] }).before).toEqual([
      { zone: 'thermal_zone0', type: 'BIG', celsius: 47.5 },
      { zone: 'thermal_zone1', type: 'battery', celsius: 33 },
    ]);
    expect(results[1]!.context?.thermal).toMatchObject({ coolDownWaitedMs: 0 });
    expect(first.warnings).toEqual([]);
    expect(first.context?.device).toMatchObject({ serial: '1A2B3C4D', governors: ['sched_pixel'] });
    expect(first.context?.toolOutput).toBe(echoCommand(benchmarkModelFixture('tf2.15-xnnpack-cpu-int8.txt'), first.external!.command!));
  });

  it('warns when the mask is not on the fastest cores and when the phone stays hot', async () => {
    const adb = new ScriptedAdb([pixel6('xnnpack', [['BIG', 55000]])]);
    useAdb(adb);
    const [res] = await measureK(createAndroidCpuRunner(), { cpuMask: '0f', coolDownMaxS: 12 }, 1);
    expect(sleeps).toEqual([5000, 5000, 2000]);
    expect(res!.warnings).toEqual([
      'the phone did not cool to 42 °C within 12 s (hottest zone BIG at 55 °C): measured warm',
      "cpuMask 0f includes cpu0, cpu1, cpu2, cpu3 below the fastest cores' 2802 MHz (the paper pinned the fastest core)",
    ]);
  });
});

describe('a set cool-down time', () => {
  it('pauses before every session, then checks the temperature', async () => {
    const adb = new ScriptedAdb([pixel6('xnnpack')]);
    useAdb(adb);
    const results = await measureK(createAndroidCpuRunner(), { pauseS: 30 }, 2);
    expect(sleeps).toEqual([30000, 30000]);
    expect(results.map((r) => (r.context?.thermal as { coolDownWaitedMs: number }).coolDownWaitedMs)).toEqual([30000, 30000]);
    expect(results[0]!.warnings).toEqual([]);
  });
});

describe('android-gpu and android-nnapi through the stand-in', () => {
  it('GPU delegate, fp16: the whole graph on the GPU', async () => {
    useAdb(new ScriptedAdb([pixel6('gpu')]));
    const [res] = await measureK(createAndroidGpuRunner(), {}, 1);
    expect(res!.external?.command).toEqual(expect.arrayContaining(['--use_gpu=true', '--gpu_precision_loss_allowed=true']));
    expect(res!.executed).toMatchObject({ backend: 'gpu', provider: 'GPU' });
    expect(res!.external?.memory).toMatchObject({ peakFootprintMb: 84.1914 });
  });

  it('NNAPI to the EdgeTPU, partial: recorded with its node share and, from the profiling run, its time share', async () => {
    useAdb(new ScriptedAdb([pixel6('nnapi-partial')]));
    const [res] = await measureK(createAndroidNnapiRunner(), { accelerator: 'google-edgetpu' }, 1, true);
    expect(res!.external?.command).toEqual(expect.arrayContaining(['--use_nnapi=true', '--nnapi_accelerator_name=google-edgetpu']));
    expect(res!.executed.backend).toBe('nnapi+cpu');
    const d = res!.executed.details?.delegation as { state: string; nodeShare: number; timeShare: number };
    expect(d.state).toBe('partial');
    expect(d.nodeShare).toBeCloseTo(112 / 124, 12);
    // TfLiteNnapiDelegate rows vs the CPU rows of the profiling fixture (warm means)
    expect(d.timeShare).toBeGreaterThan(0.7);
    expect(d.timeShare).toBeLessThan(0.9);
    expect(res!.warnings).toEqual([
      'partial delegation: the NNAPI delegate ran 90.3% of nodes; the rest fell back to the CPU (NNAPI delegate: partial (2 delegate kernels); replacing 112 out of 124 node(s) with TfLiteNnapiDelegate, 5 partition(s))',
      'CPU-fallback ops: RESHAPE, BATCH_MATMUL, SOFTMAX',
    ]);
    expect(res!.profile?.source).toBe('tflite-benchmark_model-op-profiling');
    expect(res!.executed.details?.nnapiAccelerators).toEqual(['google-edgetpu', 'nnapi-reference']);
  });

  it('an NNAPI delegate that took nothing (silent CPU fallback) is refused, never recorded as the accelerator', async () => {
    useAdb(new ScriptedAdb([pixel6('nnapi-fallback')]));
    const err = await measureK(createAndroidNnapiRunner(), { accelerator: 'google-edgetpu' }, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendMismatchError);
    expect((err as Error).message).toBe(
      "android-nnapi: requested backend 'nnapi' but 'cpu' executed (benchmark_model: NNAPI delegate: none); refusing to record a result",
    );
  });

  it('a delegate that failed to apply, and output cut short, are errors that say so', async () => {
    useAdb(new ScriptedAdb([pixel6('nnapi-failed')]));
    await expect(measureK(createAndroidNnapiRunner(), { accelerator: 'google-edgetpu' }, 1)).rejects.toThrow(BenchmarkModelOutputError);
    restore?.();
    useAdb(new ScriptedAdb([pixel6('truncated')]));
    await expect(measureK(createAndroidCpuRunner(), {}, 1)).rejects.toThrow(/truncated: it ends during the timed runs/);
  });

  it('an external delegate library is pushed once and passed by its path on the phone', async () => {
    const lib = join(tmp, 'libvendor_delegate.so');
    writeFileSync(lib, 'elf-ish');
    const adb = new ScriptedAdb([
      {
        ...pixel6('xnnpack'),
        benchmark: (argv) => ({
          output: echoCommand(benchmarkModelFixture('tf2.15-xnnpack-cpu-int8.txt'), argv).replace(
            'Explicitly applied XNNPACK delegate',
            'Explicitly applied External delegate',
          ),
          exitCode: 0,
        }),
      },
    ]);
    useAdb(adb);
    const [res] = await measureK(createAndroidNnapiRunner(), { externalDelegate: lib }, 1);
    const remote = adb.pushes.find((p) => p.local === lib)!.remote;
    expect(remote).toMatch(/^\/data\/local\/tmp\/mnv4-bench\/bin\/external_delegate-[0-9a-f]{16}$/);
    expect(res!.external?.command).toContain(`--external_delegate_path=${remote}`);
    expect(res!.executed.provider).toBe('External');
  });
});

describe('no phone, no binary', () => {
  it('no phone: detect names what it looked for, at which adb server, and the three ways on', async () => {
    useAdb(new ScriptedAdb([]));
    const a = await createAndroidCpuRunner().detect(ctx());
    expect(a.available).toBe(false);
    expect(a.available ? '' : a.reason).toBe(
      "device 'pixel6': no Android device with ro.product.model 'Pixel 6' at the adb server scripted:5037 (it lists no devices); ways on: (1) attach the phone by USB with USB debugging on and accept the prompt on it; (2) use a phone elsewhere through its adb server: --adb-server host:port, or \"adbServer\" in the device profile (e.g. a DeviceFarmer STF node); (3) mnv4-bench run --device pixel6 --simulate for the device model's estimates fitted to the paper's published latencies",
    );
  });

  it('no benchmark_model: detect says where it comes from and how to pass it', async () => {
    useAdb(new ScriptedAdb([pixel6('xnnpack')]), { benchmarkModelFlag: undefined });
    const saved = process.env.MNV4_BENCHMARK_MODEL;
    delete process.env.MNV4_BENCHMARK_MODEL;
    try {
      const a = await createAndroidCpuRunner().detect(ctx());
      expect(a.available ? '' : a.reason).toMatch(/^no benchmark_model binary: pass --benchmark-model PATH/);
    } finally {
      if (saved !== undefined) process.env.MNV4_BENCHMARK_MODEL = saved;
    }
  });

  it('a non-adb device is not a phone', async () => {
    const a = await createAndroidCpuRunner().detect(ctx({ connection: { kind: 'local' } }));
    expect(a.available ? '' : a.reason).toBe("android-cpu runs over adb connections, and device 'pixel6' is reached over local");
  });
});

describe('settings and helpers', () => {
  it('validates settings with one-line errors', () => {
    expect(() => createAndroidCpuRunner().resolveSettings({ cpuMask: 'x7' })).toThrow(
      "android-cpu: cpuMask must be a hex CPU mask such as 80 (cpu7), or '' for no pinning, got 'x7'",
    );
    expect(() => createAndroidNnapiRunner().resolveSettings({ accelerator: 'edge tpu; reboot' })).toThrow(/accelerator must be an NNAPI device name/);
    expect(createAndroidGpuRunner().resolveSettings({})).toEqual({
      precision: 'fp16',
      threads: 1,
      cpuMask: '',
      coolDownC: 42,
      coolDownMaxS: 180,
      pauseS: 0,
    });
  });

  it('masks and protocol flags', () => {
    expect(cpusOfMask('c0')).toEqual([6, 7]);
    expect(cpusOfMask('100')).toEqual([8]);
    expect(maskWarning('80', [{ cpu: 'cpu7', governor: 'g', curKHz: 1, maxKHz: 2802000 }])).toBeNull();
    expect(maskWarning('100', [{ cpu: 'cpu7', governor: 'g', curKHz: 1, maxKHz: 1 }])).toBe(
      'cpuMask 100 selects no CPU this phone reports (it has cpu7)',
    );
    const settings = { ...getPreset('default'), warmupMinIterations: 10, warmupMinMs: 1000, minSamples: 50, minTimeMs: 2000, maxTimeMs: 30_000 };
    expect(protocolArgs(settings)).toEqual(['--warmup_runs=10', '--warmup_min_secs=1', '--num_runs=50', '--min_secs=2', '--max_secs=30']);
  });
});
