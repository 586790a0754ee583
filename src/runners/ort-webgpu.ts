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
import type { AdapterInfo, PageEnv } from './browser/page/api.js';
import { ortBrowserSteps, softwareAdapterWarning } from './browser/ort-browser.js';
import { defineBrowserRunner } from './browser/runner.js';
import { OPT_LEVELS } from './ort-cpu.js';
import type { Runner, SettingSpec } from './types.js';

const ID = 'ort-webgpu';

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'WASM threads for nodes ORT keeps on the CPU (ort.env.wasm.numThreads)' },
  { key: 'optLevel', type: 'enum', values: OPT_LEVELS, default: 'all', describe: 'graph optimization level' },
  {
    key: 'powerPreference',
    type: 'enum',
    values: ['high-performance', 'low-power'],
    default: 'high-performance',
    describe: 'navigator.gpu.requestAdapter powerPreference',
  },
];

/** Creates the ort-webgpu runner (cheap: the browser starts on detect/measure). */
export function createOrtWebgpuRunner(): Runner {
  return defineBrowserRunner({
    id: ID,
    runtime: 'onnxruntime-web',
    backend: 'webgpu',
    describe: 'ONNX Runtime Web, WebGPU execution provider (JSEP) in Chromium',
    formats: ['onnx'],
    settings: SETTINGS,
    packages: ['onnxruntime-web'],
    bundle: 'ort',
    // available only with a WebGPU adapter in that browser.
    async probe(env, page) {
      const r = await page.call<{ env: PageEnv; adapter: AdapterInfo | null }>(
        'gpuAdapter',
        { powerPreference: 'high-performance' },
        `${ID}: requesting a WebGPU adapter`,
      );
      const version = env.browser.info.version;
      if (!r.env.webgpuExposed) return { available: false, reason: `${version} exposes no navigator.gpu (secure context: ${r.env.isSecureContext})` };
      if (!r.adapter)
        return {
          available: false,
          reason: `${version} has no WebGPU adapter (requestAdapter() returned null); on Linux a GPU needs Vulkan drivers, and --enable-unsafe-webgpu is already set`,
        };
      const details: Record<string, unknown> = {
        chromiumVersion: version,
        adapter: r.adapter,
        softwareAdapter: r.adapter.softwareAdapter,
        crossOriginIsolated: r.env.crossOriginIsolated,
      };
      if (r.adapter.softwareAdapter) details.warning = softwareAdapterWarning(r.adapter);
      return { available: true, details };
    },
    session: (slot, w, target, ctx) => ortBrowserSteps({ ep: 'webgpu', ortFile: 'ort.min.mjs' }, slot, w, target, ctx),
  });
}
