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
import type { ProtocolSettings } from '../profiles/protocol.js';
import { basicBrowserAvailability, EnvironmentSlot } from './browser/common.js';
import { measureTfliteBrowser } from './browser/tflite-browser.js';
import { resolveSettingsFromSpecs, RunnerUnavailableError, type Availability, type MeasureOptions, type MeasurementResult, type PreparedWorkload, type RunContext, type Runner, type SettingSpec, type TargetSettings } from './types.js';
import { installedVersion } from '../results/writer.js';

const ID = 'tflite-wasm';

const SETTINGS: readonly SettingSpec[] = [{ key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'interpreter threads (loadTFLiteModel numThreads; XNNPACK thread pool)' }];

const PACKAGES = ['@tensorflow/tfjs-tflite', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', 'puppeteer-core'];

/** Creates the tflite-wasm runner (cheap: the browser starts on measure). */
export function createTfliteWasmRunner(): Runner {
  const slot = new EnvironmentSlot();
  return {
    id: ID,
    runtime: '@tensorflow/tfjs-tflite',
    backend: 'wasm',
    describe: 'TFLite WASM interpreter + XNNPACK (tfjs-tflite) in headless Chromium',
    formats: ['tflite'],
    settings: SETTINGS,
    connections: ['local'],
    runtimeVersion: () => installedVersion('@tensorflow/tfjs-tflite'),
    resolveSettings(input) {
      return resolveSettingsFromSpecs(ID, SETTINGS, input);
    },
    async detect(_ctx: RunContext): Promise<Availability> {
      const basic = basicBrowserAvailability(PACKAGES);
      return basic.ok ? { available: true, details: basic.details } : { available: false, reason: basic.reason };
    },
    async measure(w: PreparedWorkload, protocol: ProtocolSettings, settings: TargetSettings, _ctx: RunContext, options: MeasureOptions = {}): Promise<MeasurementResult> {
      const s = resolveSettingsFromSpecs(ID, SETTINGS, settings);
      const basic = basicBrowserAvailability(PACKAGES);
      if (!basic.ok) throw new RunnerUnavailableError(ID, basic.reason);
      return measureTfliteBrowser({ id: ID, runner: ID, backend: 'wasm', settings: s }, slot, w, protocol, options);
    },
    async dispose() {
      await slot.release();
    },
  };
}
