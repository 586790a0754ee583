/**
 * `tflite-wasm`: TFLite's WASM interpreter with the XNNPACK delegate, through @tensorflow/tfjs-tflite
 * (0.0.1-alpha.10), in the shared Chromium on a cross-origin isolated page (threaded SIMD build).
 *
 * Every file is validated with the project's TFLite reader before it is loaded (a wrong file is one clear
 * error, not an interpreter crash). Timing: one call = `predict()` + every output read back. Proof of what
 * ran: a separate verification load with profiling on, whose summary must show an XNNPACK delegate node;
 * with `profile`, XNNPACK's per-operator table ("Delegate internal") mapped to blocks where possible.
 *
 * Settings: threads (`numThreads`, default 1).
 */
import { defineBrowserRunner } from '../browser/runner.js';
import { tfliteBrowserSteps } from './browser-steps.js';
import type { SettingSpec } from '../../core/target.js';
import type { Runner } from '../types.js';

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'interpreter threads (loadTFLiteModel numThreads; XNNPACK thread pool)' },
];

/** Creates the tflite-wasm runner (cheap: the browser starts on detect/measure). */
export function createTfliteWasmRunner(): Runner {
  return defineBrowserRunner({
    id: 'tflite-wasm',
    runtime: '@tensorflow/tfjs-tflite',
    backend: 'wasm',
    describe: 'TFLite WASM interpreter + XNNPACK (tfjs-tflite) in Chromium',
    formats: ['tflite'],
    settings: SETTINGS,
    packages: ['@tensorflow/tfjs-tflite', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'],
    bundle: 'tflite',
    session: (slot, w, target, ctx) => tfliteBrowserSteps(slot, w, target, ctx),
  });
}
