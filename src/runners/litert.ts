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
import type { ProtocolSettings } from '../profiles/protocol.js';
import { basicBrowserAvailability, EnvironmentSlot } from './browser/common.js';
import { measureLitertBrowser } from './browser/litert-browser.js';
import { resolveSettingsFromSpecs, RunnerUnavailableError, type Availability, type MeasureOptions, type MeasurementResult, type PreparedWorkload, type RunContext, type Runner, type SettingSpec, type TargetSettings } from './types.js';
import { installedVersion } from '../results/writer.js';

const PACKAGES = ['@litertjs/core', 'puppeteer-core'];

function makeRunner(id: string, accelerator: 'wasm' | 'webgpu', describe: string, settings: readonly SettingSpec[]): Runner {
  const slot = new EnvironmentSlot();
  return {
    id,
    runtime: '@litertjs/core',
    backend: accelerator,
    describe,
    formats: ['tflite'],
    settings,
    connections: ['local'],
    runtimeVersion: () => installedVersion('@litertjs/core'),
    resolveSettings(input) {
      return resolveSettingsFromSpecs(id, settings, input);
    },
    async detect(_ctx: RunContext): Promise<Availability> {
      const basic = basicBrowserAvailability(PACKAGES);
      return basic.ok ? { available: true, details: basic.details } : { available: false, reason: basic.reason };
    },
    async measure(w: PreparedWorkload, protocol: ProtocolSettings, s: TargetSettings, _ctx: RunContext, options: MeasureOptions = {}): Promise<MeasurementResult> {
      const resolved = resolveSettingsFromSpecs(id, settings, s);
      const basic = basicBrowserAvailability(PACKAGES);
      if (!basic.ok) throw new RunnerUnavailableError(id, basic.reason);
      return measureLitertBrowser({ id, runner: id, backend: accelerator, settings: resolved }, accelerator, slot, w, protocol, options);
    },
    async dispose() {
      await slot.release();
    },
  };
}

/** `litert-wasm`: LiteRT.js CPU (XNNPACK in WASM). */
export function createLitertWasmRunner(): Runner {
  return makeRunner('litert-wasm', 'wasm', 'LiteRT.js (@litertjs/core), CPU / XNNPACK in WASM, in headless Chromium', [
    { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'CPU threads (cpuOptions.numThreads; > 1 loads the threaded WASM build)' },
  ]);
}

/** `litert-webgpu`: LiteRT.js WebGPU delegate. */
export function createLitertWebgpuRunner(): Runner {
  return makeRunner('litert-webgpu', 'webgpu', 'LiteRT.js (@litertjs/core), WebGPU delegate, in headless Chromium', [
    { key: 'precision', type: 'enum', values: ['fp32', 'fp16'], default: 'fp32', describe: 'WebGPU delegate precision (gpuOptions.precision)' },
  ]);
}
