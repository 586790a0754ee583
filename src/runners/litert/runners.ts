/**
 * LiteRT.js targets (@litertjs/core 2.x, TFLite's successor runtime for the web) in the shared Chromium:
 *  - `litert-wasm`: CPU kernels (XNNPACK) in WebAssembly; setting threads (default 1; > 1 loads the
 *    threaded build);
 *  - `litert-webgpu`: LiteRT's WebGPU delegate; setting precision (fp32 default | fp16). A model LiteRT.js
 *    cannot fully accelerate (it then falls back to WASM) is a BackendMismatchError, never a result; a
 *    software adapter (SwiftShader) is measured but flagged.
 * Both take fp32/fp16 .tflite files (LiteRT.js cannot feed int8 tensors). Sequence:
 * src/runners/browser/litert-browser.ts.
 */
import { litertBrowserSteps } from './browser-steps.js';
import { defineBrowserRunner } from '../browser/runner.js';
import type { SettingSpec } from '../../core/target.js';
import type { Runner } from '../types.js';

function litertRunner(id: string, accelerator: 'wasm' | 'webgpu', describe: string, settings: readonly SettingSpec[]): Runner {
  return defineBrowserRunner({
    id,
    runtime: '@litertjs/core',
    backend: accelerator,
    describe,
    formats: ['tflite'],
    settings,
    packages: ['@litertjs/core'],
    bundle: 'litert',
    session: (slot, w, target, ctx) => litertBrowserSteps(accelerator, slot, w, target, ctx),
  });
}

/** `litert-wasm`: LiteRT.js CPU (XNNPACK in WASM). */
export function createLitertWasmRunner(): Runner {
  return litertRunner('litert-wasm', 'wasm', 'LiteRT.js (@litertjs/core), CPU / XNNPACK in WASM, in Chromium', [
    { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'CPU threads (cpuOptions.numThreads; > 1 loads the threaded WASM build)' },
  ]);
}

/** `litert-webgpu`: LiteRT.js WebGPU delegate. */
export function createLitertWebgpuRunner(): Runner {
  return litertRunner('litert-webgpu', 'webgpu', 'LiteRT.js (@litertjs/core), WebGPU delegate, in Chromium', [
    { key: 'precision', type: 'enum', values: ['fp32', 'fp16'], default: 'fp32', describe: 'WebGPU delegate precision (gpuOptions.precision)' },
  ]);
}
