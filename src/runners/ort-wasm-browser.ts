/**
 * `ort-wasm-browser`: onnxruntime-web's WASM backend (`ort.wasm.min.mjs`, the WASM-only build, SIMD always on)
 * in the shared Chromium, on a cross-origin isolated page (so WASM threads work and performance.now() has
 * 5 µs resolution).
 *
 * Same sequence as ort-webgpu (src/runners/browser/ort-browser.ts): timed page with the shared protocol
 * running in the page, then a separate verification page whose ORT profiler trace proves every kernel ran on
 * the CPU EP inside WASM and, with `profile`, gives the per-op / per-block breakdown.
 *
 * Threads: ORT silently uses 1 thread when the page is not isolated; the runner reads
 * `ort.env.wasm.numThreads` back after initialisation and refuses a run whose thread count differs.
 *
 * Settings: threads (default 1), optLevel (default all).
 */
import type { ProtocolSettings } from '../profiles/protocol.js';
import { basicBrowserAvailability, EnvironmentSlot } from './browser/common.js';
import { measureOrtBrowser } from './browser/ort-browser.js';
import { OPT_LEVELS } from './ort-cpu.js';
import { resolveSettingsFromSpecs, RunnerUnavailableError, type Availability, type MeasureOptions, type MeasurementResult, type PreparedWorkload, type RunContext, type Runner, type SettingSpec, type TargetSettings } from './types.js';
import { installedVersion } from '../results/writer.js';

const ID = 'ort-wasm-browser';

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'WASM threads (ort.env.wasm.numThreads; needs cross-origin isolation, which the page server provides)' },
  { key: 'optLevel', type: 'enum', values: OPT_LEVELS, default: 'all', describe: 'graph optimization level' },
];

/** Creates the ort-wasm-browser runner (cheap: the browser starts on measure). */
export function createOrtWasmBrowserRunner(): Runner {
  const slot = new EnvironmentSlot();
  return {
    id: ID,
    runtime: 'onnxruntime-web',
    backend: 'wasm',
    describe: 'ONNX Runtime Web, WASM backend (SIMD, threads) in headless Chromium',
    formats: ['onnx'],
    settings: SETTINGS,
    connections: ['local'],
    runtimeVersion: () => installedVersion('onnxruntime-web'),
    resolveSettings(input) {
      return resolveSettingsFromSpecs(ID, SETTINGS, input);
    },
    async detect(_ctx: RunContext): Promise<Availability> {
      const basic = basicBrowserAvailability(['onnxruntime-web', 'puppeteer-core']);
      return basic.ok ? { available: true, details: basic.details } : { available: false, reason: basic.reason };
    },
    async measure(w: PreparedWorkload, protocol: ProtocolSettings, settings: TargetSettings, _ctx: RunContext, options: MeasureOptions = {}): Promise<MeasurementResult> {
      const s = resolveSettingsFromSpecs(ID, SETTINGS, settings);
      const basic = basicBrowserAvailability(['onnxruntime-web', 'puppeteer-core']);
      if (!basic.ok) throw new RunnerUnavailableError(ID, basic.reason);
      return measureOrtBrowser({ target: { id: ID, runner: ID, backend: 'wasm', settings: s }, ep: 'wasm', ortFile: 'ort.wasm.min.mjs' }, slot, w, protocol, options);
    },
    async dispose() {
      await slot.release();
    },
  };
}
