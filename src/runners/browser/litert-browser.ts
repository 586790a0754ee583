/**
 * The measurement sequence of the LiteRT.js targets (@litertjs/core in the shared Chromium):
 *
 *  1. validate the .tflite with the project's reader; its input must match the workload (NHWC) and be
 *     float32/int32/uint8 (LiteRT.js cannot feed int8 tensors: int8-I/O files belong on tflite-wasm);
 *  2. TIMED page: `loadLiteRt` + `loadAndCompile(url, {accelerator})` (`coldStart.sessionCreateMs` is the
 *     compile; the runtime's wasm load is outside it), then the shared protocol in the page; one call =
 *     input copy to the accelerator + `run()` + every output read back;
 *  3. proof of what ran, from the same session (nothing here perturbs the samples): the compiled model's
 *     `isFullyAccelerated` and the accelerator the outputs lived on. A WebGPU request that is not fully
 *     accelerated (LiteRT.js then runs the model, or part of it, on WASM) is a BackendMismatchError.
 * LiteRT.js has no per-op profiler: `profile` yields a warning, not a table.
 */
import type { ProtocolSettings } from '../../profiles/protocol.js';
import { BackendMismatchError, RunnerUnavailableError, type MeasureOptions, type MeasurementResult, type PreparedWorkload, type Target } from '../types.js';
import { browserContext, browserLoadProbe, type EnvironmentSlot, measureOnPage, pageEnvWarnings, requireFormat } from './common.js';
import { fromWireF32, softwareAdapterWarning } from './ort-browser.js';
import { NO_ADAPTER, type LitertLoadRequest, type LitertLoadResponse, type TensorData } from './page/api.js';
import { installedVersion } from '../../util/packages.js';
import { checkTfliteFile, workloadInput } from './tflite-browser.js';

/** Runs the sequence in the module comment. `accelerator` is what the target requests. */
export async function measureLitertBrowser(target: Target, accelerator: 'wasm' | 'webgpu', slot: EnvironmentSlot, w: PreparedWorkload, protocol: ProtocolSettings, options: MeasureOptions = {}): Promise<MeasurementResult> {
  const id = target.id;
  requireFormat(id, w, 'tflite');
  const checked = checkTfliteFile(id, w.file.path);
  const int8 = checked.inputs.filter((t) => t.type === 'INT8');
  if (int8.length > 0) throw new Error(`${id}: ${w.file.path} has int8 inputs (${int8.map((t) => t.name).join(', ')}), which LiteRT.js cannot feed (float32, int32, uint8 only); measure int8 files on tflite-wasm`);
  const inputs = workloadInput(id, w, checked);
  const threads = Number(target.settings.threads ?? 1);
  const precision = String(target.settings.precision ?? 'fp32') as LitertLoadRequest['precision'];
  const env = await slot.get();
  const modelUrl = env.server.server.addModel(w.file.path, w.file.sha256);
  const req: LitertLoadRequest = { wasmDir: `${env.server.server.origin}/litert-wasm/`, modelUrl, accelerator, threads, precision, jspi: false, inputs };
  const warnings: string[] = [];
  const warmBrowser = slot.sessionsOnBrowser;

  const page = await env.openBundlePage('litert', `${id}: ${w.id}`);
  let load: LitertLoadResponse;
  let measured;
  let loadWindow;
  try {
    try {
      load = await page.call<LitertLoadResponse>('litertLoad', req, `${id}: compiling ${w.id}`);
    } catch (e) {
      const m = (e as Error).message;
      if (m.includes(NO_ADAPTER)) throw new RunnerUnavailableError(id, m.slice(m.indexOf(NO_ADAPTER) + NO_ADAPTER.length).trim());
      throw e;
    }
    slot.sessionsOnBrowser++;
    if (accelerator === 'webgpu' && !load.fullyAccelerated) {
      throw new BackendMismatchError(id, 'webgpu', 'wasm (LiteRT.js fell back for ops WebGPU does not take)', 'CompiledModel.isFullyAccelerated is false');
    }
    const probe = browserLoadProbe(env.browser.info.pid);
    measured = await measureOnPage(page, 'litertMeasure', protocol, options.hooks, true, `${id}: measuring ${w.id}`);
    loadWindow = probe();
  } finally {
    await page.close();
  }
  const locations = measured.outputLocations ?? [];
  if (accelerator === 'webgpu' && locations.some((l) => l !== 'webgpu')) {
    throw new BackendMismatchError(id, 'webgpu', locations.join(', '), `outputs of the timed run lived on [${locations.join(', ')}]`);
  }
  const first = measured.outputs?.[0];
  if (!first) throw new Error(`${id}: ${w.id} produced no output`);
  const want = w.graph.outputShape.reduce((a, b) => a * b, 1);
  const got = first.dims.reduce((a, b) => a * b, 1);
  if (got !== want) throw new Error(`${id}: ${w.id} output has ${got} elements [${first.dims.join('x')}], the graph describes ${want}: model file and workload disagree`);
  if (!measured.outputsFinite) throw new Error(`${id}: ${w.id} produced NaN/Inf outputs: the run is broken, refusing to record its time`);

  if (options.profile) warnings.push(`${id}: LiteRT.js exposes no per-op profiler, so no profile was taken`);
  const adapter = load.adapter;
  if (adapter?.softwareAdapter) warnings.push(softwareAdapterWarning(adapter));
  warnings.push(...pageEnvWarnings(load.env));
  const version = installedVersion('@litertjs/core') ?? 'unknown';
  return {
    workloadId: w.id,
    target,
    protocol: measured.protocol,
    coldStart: { sessionCreateMs: load.sessionCreateMs, firstInferenceMs: measured.protocol.coldMs },
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
        modelInput: checked.inputs.map((t) => `${t.name} ${t.type} [${t.shape.join(',')}]`),
        ...(adapter ? { softwareAdapter: adapter.softwareAdapter, timestampQuery: adapter.features.includes('timestamp-query'), shaderF16: adapter.features.includes('shader-f16') } : {}),
      },
    },
    warnings,
    context: browserContext(env, load.env, { load: loadWindow, modelUrl, browserSessionsBefore: warmBrowser }),
  };
}

/** Runs one inference of a workload's .tflite in a fresh page (cross-runtime checks); float outputs. */
export async function runLitertBrowserOnce(targetId: string, accelerator: 'wasm' | 'webgpu', slot: EnvironmentSlot, w: PreparedWorkload): Promise<{ outputs: { name: string; dims: number[]; data: Float32Array }[]; load: LitertLoadResponse; outputLocations: string[] }> {
  requireFormat(targetId, w, 'tflite');
  const checked = checkTfliteFile(targetId, w.file.path);
  const env = await slot.get();
  const page = await env.openBundlePage('litert', `${targetId}: ${w.id}`);
  try {
    const req: LitertLoadRequest = {
      wasmDir: `${env.server.server.origin}/litert-wasm/`,
      modelUrl: env.server.server.addModel(w.file.path, w.file.sha256),
      accelerator,
      threads: 1,
      precision: 'fp32',
      jspi: false,
      inputs: workloadInput(targetId, w, checked),
    };
    const load = await page.call<LitertLoadResponse>('litertLoad', req, `${targetId}: compiling ${w.id}`);
    const r = await page.call<{ outputs: TensorData[]; finite: boolean; outputLocations: string[] }>('litertRun', null, `${targetId}: running ${w.id}`);
    return { outputs: r.outputs.map((t) => ({ name: t.name, dims: t.dims, data: fromWireF32(t) })), load, outputLocations: r.outputLocations };
  } finally {
    await page.close();
  }
}
