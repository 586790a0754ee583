/**
 * Page entry for onnxruntime-web targets (ort-webgpu, ort-wasm-browser). Bundled to dist/page/ort.js.
 *
 * ORT itself is NOT bundled: the page imports the published ESM build served from node_modules
 * (`/ort/ort.min.mjs`: WASM + the JSEP WebGPU backend, whose profiler reports per-kernel GPU times;
 * `/ort/ort.wasm.min.mjs`: WASM only), with `ort.env.wasm.wasmPaths` pointing at the same directory.
 *
 * One session per page. The caller asks for ONE execution provider (never a list: `['webgpu','wasm']`
 * silently falls back to WASM when no adapter exists, runtimes.md).
 *
 * ORT's own profiler prints its Chrome-trace JSON with `console.log` at `endProfiling()`, through a
 * reference Emscripten takes when the module loads; so `console.log` is wrapped here, before ORT is imported,
 * and the wrapper diverts output into a buffer only while `endProfiling()` runs.
 */
import type * as Ort from 'onnxruntime-web';
import {
  NO_ADAPTER,
  type GpuKernelRecord,
  type MeasureRequest,
  type MeasureResponse,
  type OrtLoadRequest,
  type OrtLoadResponse,
  type OrtProfileRequest,
  type OrtProfileResponse,
  type TensorData,
} from './api.js';
import {
  allFinite,
  decodeTensor,
  describeAdapter,
  encodeTensor,
  type GpuDeviceLike,
  measureInPage,
  navigatorGpu,
  nextTask,
  pageEnv,
  registerApi,
} from './common.js';

type OrtModule = typeof Ort;

const originalLog = console.log.bind(console);
let logCapture: string[] | null = null;
console.log = (...args: unknown[]) => {
  if (logCapture) logCapture.push(args.map(String).join(' '));
  else originalLog(...args);
};

interface State {
  ort: OrtModule;
  session: Ort.InferenceSession;
  feeds: Record<string, Ort.Tensor>;
  req: OrtLoadRequest;
  device: GpuDeviceLike | null;
  records: GpuKernelRecord[];
}

let state: State | null = null;

function need(): State {
  if (!state) throw new Error('no ORT session in this page: call ortLoad first');
  return state;
}

function toOrtTensor(ort: OrtModule, t: TensorData): Ort.Tensor {
  const data = decodeTensor(t);
  if (data instanceof Float32Array) return new ort.Tensor('float32', data, t.dims);
  if (data instanceof Int32Array) return new ort.Tensor('int32', data, t.dims);
  if (data instanceof Int8Array) return new ort.Tensor('int8', data, t.dims);
  return new ort.Tensor('uint8', data, t.dims);
}

async function ortLoad(req: OrtLoadRequest): Promise<OrtLoadResponse> {
  if (state) throw new Error('this page already holds a session; open a new page per session');
  const env = pageEnv();
  const r0 = performance.now();
  const ort = (await import(/* webpackIgnore: true */ req.ortModule)) as OrtModule;
  ort.env.wasm.wasmPaths = req.wasmPaths;
  ort.env.wasm.numThreads = req.threads;
  ort.env.wasm.proxy = false;

  let adapter: OrtLoadResponse['adapter'] = null;
  const records: GpuKernelRecord[] = [];
  if (req.ep === 'webgpu') {
    const gpu = navigatorGpu();
    // the NO_WEBGPU_ADAPTER prefix lets the runner report "target unavailable" rather than a page failure.
    if (!gpu)
      throw new Error(
        `${NO_ADAPTER} WebGPU is not exposed in this page (navigator.gpu is undefined; secure context: ${env.isSecureContext}); Chromium needs --enable-unsafe-webgpu on Linux`,
      );
    const a = await gpu.requestAdapter({ powerPreference: req.powerPreference });
    if (!a) throw new Error(`${NO_ADAPTER} navigator.gpu.requestAdapter() returned null: this browser has no WebGPU adapter`);
    adapter = describeAdapter(a);
    // hand ORT the adapter we recorded, so the info we store is the adapter that runs.
    (ort.env.webgpu as unknown as { adapter: unknown }).adapter = a;
    ort.env.webgpu.profiling = req.gpuProfiling
      ? {
          mode: 'default',
          ondata: (d) => {
            records.push({
              kernelName: d.kernelName,
              kernelType: d.kernelType,
              programName: d.programName,
              startNs: Number(d.startTime),
              endNs: Number(d.endTime),
            });
          },
        }
      : { mode: 'off' };
  }

  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: [req.ep],
    graphOptimizationLevel: req.optLevel,
    enableProfiling: req.ortProfiler,
  };
  // runtime start: a session of the minimal probe model on the same EP (WASM instantiated, EP created)
  const probeBytes = Uint8Array.from(atob(req.runtimeProbe), (c) => c.charCodeAt(0));
  const probe = await ort.InferenceSession.create(probeBytes, { executionProviders: [req.ep], graphOptimizationLevel: req.optLevel });
  await probe.release();
  const runtimeInitMs = performance.now() - r0;
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(req.modelUrl, options);
  const sessionCreateMs = performance.now() - t0;

  const feeds: Record<string, Ort.Tensor> = {};
  for (const t of req.inputs) {
    if (!session.inputNames.includes(t.name)) throw new Error(`model has no input '${t.name}' (inputs: ${session.inputNames.join(', ')})`);
    feeds[t.name] = toOrtTensor(ort, t);
  }
  for (const n of session.inputNames) if (!feeds[n]) throw new Error(`no data for model input '${n}'`);

  let device: GpuDeviceLike | null = null;
  let deviceFeatures: string[] = [];
  let deviceAdapter: OrtLoadResponse['deviceAdapter'] = null;
  if (req.ep === 'webgpu') {
    // after a WebGPU session exists this resolves to ORT's own device (no new device is created).
    device = ((await ort.env.webgpu.device) as unknown as GpuDeviceLike | undefined) ?? null;
    if (device) {
      deviceFeatures = [...device.features].sort();
      const ai = device.adapterInfo;
      if (ai)
        deviceAdapter = { vendor: ai.vendor ?? '', architecture: ai.architecture ?? '', device: ai.device ?? '', description: ai.description ?? '' };
    }
  }
  state = { ort, session, feeds, req, device, records };
  return {
    env,
    ortVersion: ort.env.versions.web ?? ort.env.versions.common ?? 'unknown',
    runtimeInitMs,
    sessionCreateMs,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    wasmThreads: Number(ort.env.wasm.numThreads ?? 0),
    adapter,
    webgpuDevice: device !== null,
    deviceFeatures,
    deviceAdapter,
  };
}

/** One inference with every output on the CPU (read back): what one timed call must include. */
async function inferOnce(s: State): Promise<Ort.InferenceSession.OnnxValueMapType> {
  const out = await s.session.run(s.feeds);
  for (const name of s.session.outputNames) {
    const t = out[name] as Ort.Tensor | undefined;
    if (!t) throw new Error(`output '${name}' missing from the run result`);
    // default preferredOutputLocation is 'cpu': ORT already downloaded it. A 'gpu-buffer' output would mean
    // run() returned before the GPU finished (runtimes.md trap): download it here, inside the timed call.
    if (t.location !== 'cpu') await t.getData(true);
  }
  return out;
}

function encodeOutputs(s: State, out: Ort.InferenceSession.OnnxValueMapType): { outputs: TensorData[]; finite: boolean } {
  const outputs: TensorData[] = [];
  let finite = true;
  for (const name of s.session.outputNames) {
    const t = out[name] as Ort.Tensor;
    const data = t.data as Float32Array | Int8Array | Uint8Array | Int32Array;
    if (data instanceof Float32Array) finite = finite && allFinite(data);
    const dtype = t.type === 'float32' ? 'float32' : t.type === 'int8' ? 'int8' : t.type === 'uint8' ? 'uint8' : t.type === 'int32' ? 'int32' : null;
    if (!dtype) throw new Error(`output '${name}' has unsupported type ${t.type}`);
    outputs.push(encodeTensor(name, data, t.dims, dtype));
  }
  return { outputs, finite };
}

async function ortMeasure(req: MeasureRequest): Promise<MeasureResponse> {
  const s = need();
  const last: { v: Ort.InferenceSession.OnnxValueMapType | null } = { v: null };
  const protocol = await measureInPage(
    async () => {
      last.v = await inferOnce(s);
    },
    req.settings,
    req.beat,
  );
  if (!last.v) throw new Error('the protocol made no call');
  const enc = encodeOutputs(s, last.v);
  return { protocol, outputs: req.keepOutputs ? enc.outputs : null, outputsFinite: enc.finite };
}

/** One inference; returns the outputs (equivalence checks). */
async function ortRun(): Promise<{ outputs: TensorData[]; finite: boolean }> {
  const s = need();
  return encodeOutputs(s, await inferOnce(s));
}

/**
 * Profiling pass (session loaded with ortProfiler and/or gpuProfiling): `runs` runs; ORT delivers GPU kernel
 * timestamps asynchronously, so after each run we wait until the GPU queue is idle and no more records arrive
 * before assigning them to that run. Then `endProfiling()` and its trace text.
 */
async function ortProfile(req: OrtProfileRequest): Promise<OrtProfileResponse> {
  const s = need();
  const settle = async () => {
    if (!s.req.gpuProfiling) return;
    if (s.device) await s.device.queue.onSubmittedWorkDone();
    let n = -1;
    for (let i = 0; i < 50 && n !== s.records.length; i++) {
      n = s.records.length;
      await nextTask();
      await nextTask();
    }
  };
  const runWallMs: number[] = [];
  const kernelsPerRun: GpuKernelRecord[][] = [];
  for (let i = 0; i < req.runs; i++) {
    const t0 = performance.now();
    await inferOnce(s);
    runWallMs.push(performance.now() - t0);
    await settle();
    kernelsPerRun.push(s.records.splice(0));
  }
  let trace: string | null = null;
  if (s.req.ortProfiler) {
    const lines: string[] = [];
    logCapture = lines;
    try {
      s.session.endProfiling();
    } finally {
      logCapture = null;
    }
    const start = lines.findIndex((l) => l.trimStart().startsWith('['));
    let end = -1;
    for (let i = lines.length - 1; i >= 0 && end < 0; i--) if ((lines[i] as string).trimEnd().endsWith(']')) end = i;
    trace = start >= 0 && end >= start ? lines.slice(start, end + 1).join('\n') : null;
    if (trace === null) throw new Error(`ORT printed no profiler trace at endProfiling() (${lines.length} lines)`);
  }
  return { runWallMs, kernelsPerRun, trace };
}

async function ortRelease(): Promise<void> {
  if (!state) return;
  const s = state;
  state = null;
  await s.session.release();
}

/** The WebGPU adapter this page would get (detection), or null. */
async function gpuAdapter(req: {
  powerPreference: 'high-performance' | 'low-power';
}): Promise<{ env: ReturnType<typeof pageEnv>; adapter: OrtLoadResponse['adapter'] }> {
  const env = pageEnv();
  const gpu = navigatorGpu();
  const a = gpu ? await gpu.requestAdapter({ powerPreference: req.powerPreference }) : null;
  return { env, adapter: a ? describeAdapter(a) : null };
}

registerApi({ ortLoad, ortMeasure, ortRun, ortProfile, ortRelease, gpuAdapter, env: pageEnv });
