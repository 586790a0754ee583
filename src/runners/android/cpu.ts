/**
 * android-cpu: TFLite benchmark_model on the phone's CPU with XNNPACK (the paper's CPU columns: int8, XNNPACK,
 * pinned to the fastest core). See android/benchmark-runner.ts for one session.
 */
import { createBenchmarkModelRunner } from './benchmark-runner.js';
import type { Runner } from '../types.js';

export function createAndroidCpuRunner(): Runner {
  return createBenchmarkModelRunner({
    id: 'android-cpu',
    backend: 'cpu',
    describe: 'TFLite benchmark_model on an Android phone over adb, CPU with XNNPACK (pin it with cpuMask)',
    settings: [
      { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'benchmark_model --num_threads' },
      { key: 'xnnpack', type: 'bool', default: true, describe: 'XNNPACK delegate (false: TFLite built-in kernels)' },
    ],
    delegateArgs: (s) => [`--use_xnnpack=${s.xnnpack ? 'true' : 'false'}`],
    delegate: () => 'XNNPACK',
    // the built-in kernels are CPU too: a delegate that took nothing is recorded, not refused
    requiresDelegate: false,
  });
}
