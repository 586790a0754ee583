/**
 * The LiteRT.js targets' steps of the measurement sequence (@litertjs/core in Chromium):
 *
 *  1. validate the .tflite with the project's reader; its input must match the workload (NHWC) and be
 *     float32/int32/uint8 (LiteRT.js cannot feed int8 tensors: int8-I/O files belong on tflite-wasm);
 *  2. timed load on a fresh page: `loadLiteRt` + `loadAndCompile(url, {accelerator})`
 *     (`coldStart.sessionCreateMs` is the compile; the runtime's wasm load is outside it);
 *  3. the shared protocol in the page; one call = input copy to the accelerator + `run()` + every output
 *     read back;
 *  4. outputs checked (element count, finite);
 *  5. proof of what ran, from the timed session itself (nothing here perturbs the samples): the compiled
 *     model's `isFullyAccelerated` and the accelerator the outputs lived on. A WebGPU request that is not
 *     fully accelerated (LiteRT.js then runs the model, or part of it, on WASM) is a BackendMismatchError.
 *  6. LiteRT.js has no per-op profiler: `profile` yields a warning, not a table.
 */
import { installedVersion } from '../../util/packages.js';
import { checkWorkloadFile } from '../define.js';
import type { SessionSteps } from '../measurement.js';
import { BackendMismatchError } from '../../core/measurement.js';
import { type RunContext, type Target } from '../../core/target.js';
import { type PreparedWorkload } from '../../core/workload-file.js';
import type { EnvironmentSlot } from '../browser/common.js';
import { fromWireF32, softwareAdapterWarning } from '../ort/browser-steps.js';
import type { TensorData } from '../browser/page/api.js';
import type { LitertLoadRequest, LitertLoadResponse } from './page-api.js';
import { runtimeFilesUrl } from '../browser/pages.js';
import { timedPageSteps } from '../browser/runner.js';
import { checkTfliteFile, type CheckedTflite, workloadInput } from '../tflite/browser-steps.js';

/** The steps of one measurement (module comment); `accelerator` is what the target requests. */
export function litertBrowserSteps(
  accelerator: 'wasm' | 'webgpu',
  slot: EnvironmentSlot,
  w: PreparedWorkload,
  target: Target,
  ctx: RunContext,
): SessionSteps {
  const id = target.id;
  let checked: CheckedTflite | undefined;
  let inputs: TensorData[] = [];
  const threads = Number(target.settings.threads ?? 1);
  const precision = String(target.settings.precision ?? 'fp32') as LitertLoadRequest['precision'];
  const timed = timedPageSteps<LitertLoadResponse>({
    slot,
    ctx,
    target,
    w,
    bundle: 'litert',
    loadFn: 'litertLoad',
    measureFn: 'litertMeasure',
    loadWhat: 'compiling',
    request: (env, modelUrl): LitertLoadRequest => ({
      wasmDir: runtimeFilesUrl(env.server.server.origin, 'litert'),
      modelUrl,
      accelerator,
      threads,
      precision,
      jspi: false,
      inputs,
    }),
    afterLoad(load) {
      if (accelerator === 'webgpu' && !load.fullyAccelerated) {
        throw new BackendMismatchError(
          id,
          'webgpu',
          'wasm (LiteRT.js fell back for ops WebGPU does not take)',
          'CompiledModel.isFullyAccelerated is false',
        );
      }
    },
  });
  return {
    ...timed.steps,
    checkFile() {
      checked = checkTfliteFile(id, w.file.path);
      const int8 = checked.inputs.filter((t) => t.type === 'INT8');
      if (int8.length > 0)
        throw new Error(
          `${id}: ${w.file.path} has int8 inputs (${int8.map((t) => t.name).join(', ')}), which LiteRT.js cannot feed (float32, int32, uint8 only); measure int8 files on tflite-wasm`,
        );
      inputs = workloadInput(id, w, checked);
    },
    async prove({ profile }) {
      const { env, load, measured } = timed.state();
      const model = checked as CheckedTflite;
      const warnings: string[] = [];
      const locations = measured.outputLocations ?? [];
      if (accelerator === 'webgpu' && locations.some((l) => l !== 'webgpu')) {
        throw new BackendMismatchError(id, 'webgpu', locations.join(', '), `outputs of the timed run lived on [${locations.join(', ')}]`);
      }
      if (profile) warnings.push(`${id}: LiteRT.js exposes no per-op profiler, so no profile was taken`);
      const adapter = load.adapter;
      if (adapter?.softwareAdapter) warnings.push(softwareAdapterWarning(adapter));
      const version = installedVersion('@litertjs/core') ?? 'unknown';
      return {
        executed: {
          runtime: '@litertjs/core',
          runtimeVersion: version,
          backend: accelerator,
          provider: accelerator === 'webgpu' ? 'LiteRT WebGPU' : 'LiteRT CPU (XNNPACK)',
          ...(adapter ? { adapter: { ...adapter, deviceFeatures: load.deviceFeatures, deviceAdapter: load.deviceAdapter } } : {}),
          evidence: `LiteRT.js ${version} loadAndCompile(accelerator: '${accelerator}'); isFullyAccelerated: ${load.fullyAccelerated}; outputs lived on [${locations.join(', ')}]${adapter ? `; adapter ${[adapter.vendor, adapter.architecture].filter((x) => x).join('/')}` : ''}`,
          details: {
            ...target.settings,
            fullyAccelerated: load.fullyAccelerated,
            crossOriginIsolated: load.env.crossOriginIsolated,
            chromiumVersion: env.browser.info.version,
            modelInput: model.inputs.map((t) => `${t.name} ${t.type} [${t.shape.join(',')}]`),
            ...(adapter
              ? {
                  softwareAdapter: adapter.softwareAdapter,
                  timestampQuery: adapter.features.includes('timestamp-query'),
                  shaderF16: adapter.features.includes('shader-f16'),
                }
              : {}),
          },
        },
        warnings,
      };
    },
  };
}

/** Runs one inference of a workload's .tflite in a fresh page (cross-runtime checks); float outputs. */
export async function runLitertBrowserOnce(
  targetId: string,
  accelerator: 'wasm' | 'webgpu',
  slot: EnvironmentSlot,
  w: PreparedWorkload,
): Promise<{ outputs: { name: string; dims: number[]; data: Float32Array }[]; load: LitertLoadResponse; outputLocations: string[] }> {
  checkWorkloadFile(targetId, ['tflite'], w);
  const checked = checkTfliteFile(targetId, w.file.path);
  const env = await slot.get();
  const page = await env.openBundlePage('litert', `${targetId}: ${w.id}`);
  try {
    const req: LitertLoadRequest = {
      wasmDir: runtimeFilesUrl(env.server.server.origin, 'litert'),
      modelUrl: env.server.server.addModel(w.file.path, w.file.sha256),
      accelerator,
      threads: 1,
      precision: 'fp32',
      jspi: false,
      inputs: workloadInput(targetId, w, checked),
    };
    const load = await page.call<LitertLoadResponse>('litertLoad', req, `${targetId}: compiling ${w.id}`);
    const r = await page.call<{ outputs: TensorData[]; finite: boolean; outputLocations: string[] }>(
      'litertRun',
      null,
      `${targetId}: running ${w.id}`,
    );
    return { outputs: r.outputs.map((t) => ({ name: t.name, dims: t.dims, data: fromWireF32(t) })), load, outputLocations: r.outputLocations };
  } finally {
    await page.close();
  }
}
