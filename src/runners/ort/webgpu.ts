/**
 * `ort-webgpu`: onnxruntime-web's WebGPU execution provider (JSEP build `ort.min.mjs`) in the shared Chromium.
 *
 * Asks for `executionProviders: ['webgpu']` only: with a list ORT silently falls back to WASM when no adapter
 * exists. ORT still registers its CPU EP next to WebGPU, so part of a graph can run there (a partial fallback).
 * Proof of what ran (src/runners/browser/ort-browser.ts), kept apart by source in the record:
 *  - from the timed session, after sampling: whether ORT printed its placement warning while creating it, and
 *    the kernels that dispatched GPU work in one more run with ORT's WebGPU profiler switched on for that run
 *    only (needs a timestamp-query feature; otherwise the record says the list is unavailable and why);
 *  - from a separate verification session (ORT's own profiler can start only at session creation): the node
 *    list with the provider of every node, its kernels with GPU work, and the time share.
 * Zero kernels on the WebGPU EP is a BackendMismatchError; nodes on the CPU EP, a placement warning in the timed
 * session, or fewer timed-session kernels with GPU work than in the verification session is a partial fallback.
 *
 * Timing: one call = `session.run()` with outputs downloaded to the CPU (default preferredOutputLocation;
 * a gpu-buffer output would return before the GPU is done). With `profile` and a timestamp-query adapter, the
 * per-kernel GPU times come from the verification session (never from timed samples); kernels map to blocks
 * through the exporter's node names.
 *
 * Adapter: recorded with every result (vendor, architecture, device, description, isFallbackAdapter,
 * features). Without a GPU, Chromium's `--enable-unsafe-webgpu` gives the SwiftShader fallback adapter: it is
 * measured, but flagged (`softwareAdapter: true` and a warning) because it is CPU emulation.
 *
 * Settings: threads (WASM threads for nodes ORT places on the CPU, default 1), optLevel (default all),
 * powerPreference (adapter request, default high-performance).
 */
import type { AdapterInfo, PageEnv } from '../browser/page/api.js';
import { ortBrowserSteps, softwareAdapterWarning } from './browser-steps.js';
import { defineBrowserRunner } from '../browser/runner.js';
import { OPT_LEVELS } from './cpu.js';
import type { SettingSpec } from '../../core/target.js';
import type { Runner } from '../types.js';

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
