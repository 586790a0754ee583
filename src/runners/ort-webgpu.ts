/**
 * `ort-webgpu`: onnxruntime-web's WebGPU execution provider (JSEP build `ort.min.mjs`) in the shared Chromium.
 *
 * Asks for `executionProviders: ['webgpu']` only: with a list ORT silently falls back to WASM when no adapter
 * exists. Proof of what ran comes from a separate verification session whose ORT profiler names the provider
 * of every kernel; zero kernels on the WebGPU EP is a BackendMismatchError.
 *
 * Timing: one call = `session.run()` with outputs downloaded to the CPU (default preferredOutputLocation;
 * a gpu-buffer output would return before the GPU is done). With `profile` and a `timestamp-query` adapter,
 * ORT's per-kernel GPU profiler runs in that separate session (never during timed samples); kernels map to
 * blocks through the exporter's node names.
 *
 * Adapter: recorded with every result (vendor, architecture, device, description, isFallbackAdapter,
 * features). Without a GPU, Chromium's `--enable-unsafe-webgpu` gives the SwiftShader fallback adapter: it is
 * measured, but flagged (`softwareAdapter: true` and a warning) because it is CPU emulation.
 *
 * Settings: threads (WASM threads for nodes ORT places on the CPU, default 1), optLevel (default all),
 * powerPreference (adapter request, default high-performance).
 */
import type { ProtocolSettings } from '../profiles/protocol.js';
import { basicBrowserAvailability, EnvironmentSlot } from './browser/common.js';
import { measureOrtBrowser, softwareAdapterWarning } from './browser/ort-browser.js';
import type { AdapterInfo, PageEnv } from './browser/page/api.js';
import { OPT_LEVELS } from './ort-cpu.js';
import { resolveSettingsFromSpecs, RunnerUnavailableError, type Availability, type MeasureOptions, type MeasurementResult, type PreparedWorkload, type RunContext, type Runner, type SettingSpec, type TargetSettings } from './types.js';
import { installedVersion } from '../results/writer.js';

const ID = 'ort-webgpu';

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'WASM threads for nodes ORT keeps on the CPU (ort.env.wasm.numThreads)' },
  { key: 'optLevel', type: 'enum', values: OPT_LEVELS, default: 'all', describe: 'graph optimization level' },
  { key: 'powerPreference', type: 'enum', values: ['high-performance', 'low-power'], default: 'high-performance', describe: 'navigator.gpu.requestAdapter powerPreference' },
];

/** Creates the ort-webgpu runner (cheap: the browser starts on detect/measure). */
export function createOrtWebgpuRunner(): Runner {
  const slot = new EnvironmentSlot();
  return {
    id: ID,
    runtime: 'onnxruntime-web',
    backend: 'webgpu',
    describe: 'ONNX Runtime Web, WebGPU execution provider (JSEP) in headless Chromium',
    formats: ['onnx'],
    settings: SETTINGS,
    connections: ['local'],
    runtimeVersion: () => installedVersion('onnxruntime-web'),
    resolveSettings(input) {
      return resolveSettingsFromSpecs(ID, SETTINGS, input);
    },
    async detect(_ctx: RunContext): Promise<Availability> {
      const basic = basicBrowserAvailability(['onnxruntime-web', 'puppeteer-core']);
      if (!basic.ok) return { available: false, reason: basic.reason };
      try {
        const env = await slot.get();
        const page = await env.openBundlePage('ort', `${ID}: adapter probe`);
        let r: { env: PageEnv; adapter: AdapterInfo | null };
        try {
          r = await page.call('gpuAdapter', { powerPreference: 'high-performance' }, `${ID}: requesting a WebGPU adapter`);
        } finally {
          await page.close();
        }
        if (!r.env.webgpuExposed) return { available: false, reason: `Chromium ${env.browser.info.version} exposes no navigator.gpu (secure context: ${r.env.isSecureContext})` };
        if (!r.adapter) return { available: false, reason: `Chromium ${env.browser.info.version} has no WebGPU adapter (requestAdapter() returned null); on Linux a GPU needs Vulkan drivers, and --enable-unsafe-webgpu is already set` };
        const details: Record<string, unknown> = { ...basic.details, chromiumVersion: env.browser.info.version, adapter: r.adapter, softwareAdapter: r.adapter.softwareAdapter, crossOriginIsolated: r.env.crossOriginIsolated };
        if (r.adapter.softwareAdapter) details.warning = softwareAdapterWarning(r.adapter);
        return { available: true, details };
      } catch (e) {
        return { available: false, reason: (e as Error).message.split('\n')[0] ?? String(e) };
      }
    },
    async measure(w: PreparedWorkload, protocol: ProtocolSettings, settings: TargetSettings, _ctx: RunContext, options: MeasureOptions = {}): Promise<MeasurementResult> {
      const s = resolveSettingsFromSpecs(ID, SETTINGS, settings);
      const basic = basicBrowserAvailability(['onnxruntime-web', 'puppeteer-core']);
      if (!basic.ok) throw new RunnerUnavailableError(ID, basic.reason);
      return measureOrtBrowser({ target: { id: ID, runner: ID, backend: 'webgpu', settings: s }, ep: 'webgpu', ortFile: 'ort.min.mjs' }, slot, w, protocol, options);
    },
    async dispose() {
      await slot.release();
    },
  };
}
