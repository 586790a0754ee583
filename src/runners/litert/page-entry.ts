/**
 * Page entry for the LiteRT.js targets (litert-wasm, litert-webgpu): @litertjs/core bundled, its wasm files
 * served from node_modules. Bundled to dist/page/litert.js (only when @litertjs/core is installed).
 *
 * One compiled model per page. A timed call = copy the input to the accelerator (webgpu: upload), `run()`,
 * and read every output back to the CPU (`data()`): what a LiteRT.js user pays per inference, and the
 * read-back is what proves the GPU finished.
 */
import { getWebGpuDevice, loadAndCompile, loadLiteRt, Tensor, type CompiledModel } from '@litertjs/core';
import { NO_ADAPTER, type MeasureRequest, type MeasureResponse, type TensorData, type WireDType } from '../browser/page/api.js';
import { type LitertLoadRequest, type LitertLoadResponse } from './page-api.js';
import { type TfliteTensorInfo } from '../browser/page/api.js';
import {
  allFinite,
  decodeTensor,
  describeAdapter,
  encodeTensor,
  type GpuDeviceLike,
  measureInPage,
  navigatorGpu,
  pageEnv,
  registerApi,
  type TypedArray,
} from '../browser/page/common.js';

interface State {
  model: CompiledModel;
  inputs: Tensor[];
  req: LitertLoadRequest;
}

let state: State | null = null;
let loadedRuntime: string | null = null;

function need(): State {
  if (!state) throw new Error('no LiteRT.js model in this page: call litertLoad first');
  return state;
}

function info(ds: readonly { name: string; dtype: string; shape: Int32Array }[]): TfliteTensorInfo[] {
  return ds.map((d) => ({ name: d.name, dtype: d.dtype, shape: Array.from(d.shape) }));
}

async function litertLoad(req: LitertLoadRequest): Promise<LitertLoadResponse> {
  if (state) throw new Error('this page already holds a model; open a new page per model');
  const env = pageEnv();
  const runtimeKey = JSON.stringify([req.wasmDir, req.threads > 1, req.jspi]);
  if (loadedRuntime !== null && loadedRuntime !== runtimeKey) throw new Error('LiteRT.js is already loaded with other options in this page');
  const r0 = performance.now();
  if (loadedRuntime === null) {
    await loadLiteRt(req.wasmDir, { threads: req.threads > 1, jspi: req.jspi });
    loadedRuntime = runtimeKey;
  }
  const runtimeInitMs = performance.now() - r0;
  let adapter: LitertLoadResponse['adapter'] = null;
  if (req.accelerator === 'webgpu') {
    const gpu = navigatorGpu();
    const a = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
    if (!a)
      throw new Error(
        `${NO_ADAPTER} ${gpu ? 'navigator.gpu.requestAdapter() returned null: this browser has no WebGPU adapter' : 'WebGPU is not exposed in this page (navigator.gpu is undefined)'}`,
      );
    adapter = describeAdapter(a);
  }
  const t0 = performance.now();
  const model = await loadAndCompile(req.modelUrl, {
    accelerator: req.accelerator,
    cpuOptions: { numThreads: req.threads },
    gpuOptions: { precision: req.precision },
  });
  const sessionCreateMs = performance.now() - t0;
  const inDetails = model.getInputDetails();
  if (inDetails.length !== req.inputs.length) throw new Error(`model has ${inDetails.length} inputs, ${req.inputs.length} given`);
  const inputs = req.inputs.map((t, i) => {
    const d = inDetails[i];
    if (!d) throw new Error(`no model input #${i}`);
    if (Array.from(d.shape).join(',') !== t.dims.join(','))
      throw new Error(`input '${d.name}' has shape [${Array.from(d.shape).join(',')}], data has [${t.dims.join(',')}]`);
    const data = decodeTensor(t);
    // LiteRT.js tensors are float32, int32 or uint8 (no int8): int8-I/O models cannot be fed.
    if (data instanceof Int8Array) throw new Error(`input '${d.name}' is int8, which LiteRT.js cannot feed; use a float-I/O model`);
    return new Tensor(data as Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>, t.dims);
  });
  let deviceAdapter: LitertLoadResponse['deviceAdapter'] = null;
  let deviceFeatures: string[] = [];
  if (req.accelerator === 'webgpu') {
    const dev = getWebGpuDevice() as unknown as GpuDeviceLike | null;
    if (dev) {
      deviceFeatures = [...dev.features].sort();
      const ai = dev.adapterInfo;
      if (ai)
        deviceAdapter = { vendor: ai.vendor ?? '', architecture: ai.architecture ?? '', device: ai.device ?? '', description: ai.description ?? '' };
    }
  }
  // no inference here: the protocol's first call must be the model's first inference (cold start).
  state = { model, inputs, req };
  return {
    env,
    runtimeInitMs,
    sessionCreateMs,
    fullyAccelerated: model.isFullyAccelerated,
    inputs: info(inDetails),
    outputs: info(model.getOutputDetails()),
    adapter,
    deviceAdapter,
    deviceFeatures,
  };
}

/** One inference: upload (webgpu), run, read every output back. */
async function runRaw(s: State): Promise<{ data: TypedArray[]; accelerators: string[] }> {
  const moved = s.req.accelerator === 'webgpu' ? await Promise.all(s.inputs.map((t) => t.copyTo('webgpu'))) : s.inputs;
  try {
    const outs = await s.model.run(moved);
    const data: TypedArray[] = [];
    const accelerators: string[] = [];
    for (const o of outs) {
      accelerators.push(o.accelerator);
      data.push((await o.data()) as TypedArray);
      o.delete();
    }
    return { data, accelerators };
  } finally {
    if (moved !== s.inputs) for (const t of moved) t.delete();
  }
}

function wire(dtype: string): WireDType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'int8' || dtype === 'uint8') return dtype;
  throw new Error(`unsupported output dtype ${dtype}`);
}

function encode(s: State, data: TypedArray[]): { outputs: TensorData[]; finite: boolean } {
  const details = s.model.getOutputDetails();
  let finite = true;
  const outputs = data.map((d, i) => {
    const det = details[i];
    if (d instanceof Float32Array) finite = finite && allFinite(d);
    return encodeTensor(det?.name ?? `output${i}`, d as Float32Array, det ? Array.from(det.shape) : [d.length], wire(det?.dtype ?? 'float32'));
  });
  return { outputs, finite };
}

async function litertMeasure(req: MeasureRequest): Promise<MeasureResponse> {
  const s = need();
  const last: { v: { data: TypedArray[]; accelerators: string[] } | null } = { v: null };
  const protocol = await measureInPage(
    async () => {
      last.v = await runRaw(s);
    },
    req.settings,
    req.beat,
  );
  if (!last.v) throw new Error('the protocol made no call');
  const enc = encode(s, last.v.data);
  // where the outputs lived before read-back: a model that fell back to WASM returns WASM tensors.
  return { protocol, outputs: req.keepOutputs ? enc.outputs : null, outputsFinite: enc.finite, outputLocations: last.v.accelerators };
}

async function litertRun(): Promise<{ outputs: TensorData[]; finite: boolean; outputLocations: string[] }> {
  const s = need();
  const r = await runRaw(s);
  return { ...encode(s, r.data), outputLocations: r.accelerators };
}

async function litertRelease(): Promise<void> {
  if (!state) return;
  for (const t of state.inputs) t.delete();
  state.model.delete();
  state = null;
}

registerApi({ litertLoad, litertMeasure, litertRun, litertRelease, env: pageEnv });
