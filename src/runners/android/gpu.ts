/**
 * android-gpu: TFLite benchmark_model with the GPU delegate (the paper's GPU columns: fp16). A GPU delegate that
 * took no node is a fallback and refused; a partial one is recorded with its share. See
 * android/benchmark-runner.ts for one session.
 */
import { createBenchmarkModelRunner } from './benchmark-runner.js';
import type { Runner } from '../types.js';

export function createAndroidGpuRunner(): Runner {
  return createBenchmarkModelRunner({
    id: 'android-gpu',
    backend: 'gpu',
    describe: 'TFLite benchmark_model on an Android phone over adb, GPU delegate (fp16 by default)',
    settings: [
      { key: 'precision', type: 'enum', values: ['fp16', 'fp32'], default: 'fp16', describe: 'fp16: --gpu_precision_loss_allowed=true; fp32: false' },
      { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'CPU threads for ops the GPU delegate does not take' },
    ],
    delegateArgs: (s) => ['--use_gpu=true', `--gpu_precision_loss_allowed=${s.precision === 'fp16' ? 'true' : 'false'}`],
    delegate: () => 'GPU',
    requiresDelegate: true,
  });
}
