/**
 * Page entry for onnxruntime-web targets (ort-webgpu, ort-wasm-browser). Bundled to dist/page/ort.js.
 *
 * ORT itself is NOT bundled: the page imports the published ESM build served from node_modules
 * (`/ort/ort.min.mjs`: WASM + the JSEP WebGPU backend, whose profiler reports per-kernel GPU times;
 * `/ort/ort.wasm.min.mjs`: WASM only), with `ort.env.wasm.wasmPaths` pointing at the same directory.
 *
 * One session at a time per page: a second `ortLoad` needs `ortRelease` first (the runner's verification
 * session follows the released timed session this way). The caller asks for ONE execution provider (never a
 * list: with `['webgpu', 'wasm']` ORT silently runs WASM when no adapter exists).
 *
 * Console: ORT's Emscripten module binds `console.log` (its stdout) and `console.error` (its stderr, where
 * ORT's C++ log goes) when it loads, so every console method is wrapped here, before ORT is imported:
 *  - while a session is created, every line is recorded (and still printed): `creationConsole` of the load
 *    response, where ORT's placement warning ("Some nodes were not assigned to the preferred execution
 *    providers", warning level) shows that the session put nodes on a provider it was not asked for first;
 *  - while `endProfiling()` runs, `console.log` is diverted into a buffer: ORT's profiler prints its
 *    Chrome-trace JSON there.
 *
 * After the timed samples, `ortGpuKernels` runs the timed session once more with ORT's WebGPU profiler on for
 * that run only, and lists the kernels that dispatched GPU work in it (the proof taken from the timed session).
 */
import type * as Ort from 'onnxruntime-web';
import { NO_ADAPTER, type MeasureRequest, type MeasureResponse, type TensorData } from '../browser/page/api.js';
import {
  ORT_CONSOLE_LINE_CAP,
  type ConsoleLine,
  type GpuKernelRecord,
  type GpuKernelSeen,
  type OrtGpuKernelsResponse,
  type OrtLoadRequest,
  type OrtLoadResponse,
  type OrtProfileRequest,
  type OrtProfileResponse,
} from './page-api.js';
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
} from '../browser/page/common.js';

type OrtModule = typeof Ort;

const CONSOLE_LEVELS: readonly ConsoleLine['level'][] = ['log', 'info', 'warn', 'error', 'debug'];
/** console.log lines diverted into this buffer (not printed) while endProfiling() runs. */
let profilerCapture: string[] | null = null;
/** console lines of every level recorded here (and still printed) while a session is created. */
let creationCapture: ConsoleLine[] | null = null;
for (const level of CONSOLE_LEVELS) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (creationCapture && creationCapture.length < ORT_CONSOLE_LINE_CAP) creationCapture.push({ level, text });
    if (level === 'log' && profilerCapture) profilerCapture.push(text);
    else original(...args);
  };
}

/** Runs `fn` while recording the console (every level); returns its result and the lines. */
async function withConsoleRecorded<T>(fn: () => Promise<T>): Promise<{ value: T; lines: ConsoleLine[] }> {
  const lines: ConsoleLine[] = [];
  creationCapture = lines;
  try {
    return { value: await fn(), lines };
  } finally {
    creationCapture = null;
  }
}

interface State {
  ort: OrtModule;
  session: Ort.InferenceSession;
  feeds: Record<string, Ort.Tensor>;
  req: OrtLoadRequest;
  device: GpuDeviceLike | null;
  records: GpuKernelRecord[];
}

let state: State | null = null;
/** The adapter handed to ORT by this page's first WebGPU session (ORT keeps it for the page's lifetime). */
let webgpuAdapter: OrtLoadResponse['adapter'] = null;

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

/** ORT's WebGPU profiler setting that appends every kernel record ORT delivers to `records`. */
function gpuProfilerInto(records: GpuKernelRecord[]): NonNullable<OrtModule['env']['webgpu']['profiling']> {
  return {
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
  };
}

async function ortLoad(req: OrtLoadRequest): Promise<OrtLoadResponse> {
  if (state) throw new Error('this page already holds a session: release it (ortRelease) or open a new page');
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
    if (webgpuAdapter) {
      // a later session in this page: ORT's WebGPU backend is set up once per page and keeps its adapter
      // (env.webgpu.adapter is read-only from then on), so the adapter that runs is the one recorded then.
      adapter = webgpuAdapter;
    } else {
      const a = await gpu.requestAdapter({ powerPreference: req.powerPreference });
      if (!a) throw new Error(`${NO_ADAPTER} navigator.gpu.requestAdapter() returned null: this browser has no WebGPU adapter`);
      adapter = describeAdapter(a);
      // hand ORT the adapter we recorded, so the info we store is the adapter that runs.
      (ort.env.webgpu as unknown as { adapter: unknown }).adapter = a;
      webgpuAdapter = adapter;
    }
    ort.env.webgpu.profiling = req.gpuProfiling ? gpuProfilerInto(records) : { mode: 'off' };
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
  // ORT's C++ log (its placement warning among it) reaches the page through Emscripten's console bindings
  const { value: session, lines: creationConsole } = await withConsoleRecorded(() => ort.InferenceSession.create(req.modelUrl, options));
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
    creationConsole,
  };
}

/** One inference with every output on the CPU (read back): what one timed call must include. */
async function inferOnce(s: State): Promise<Ort.InferenceSession.OnnxValueMapType> {
  const out = await s.session.run(s.feeds);
  for (const name of s.session.outputNames) {
    const t = out[name] as Ort.Tensor | undefined;
    if (!t) throw new Error(`output '${name}' missing from the run result`);
    // default preferredOutputLocation is 'cpu': ORT already downloaded it. A 'gpu-buffer' output would mean
    // run() returned before the GPU finished: download it here, inside the timed call.
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
 * Waits until the GPU queue is idle and `records` stops growing: ORT delivers timestamp records
 * asynchronously (a mapAsync of the query buffer after each flush).
 */
async function settleGpuRecords(device: GpuDeviceLike | null, records: readonly GpuKernelRecord[]): Promise<void> {
  if (device) await device.queue.onSubmittedWorkDone();
  let n = -1;
  for (let i = 0; i < 50 && n !== records.length; i++) {
    n = records.length;
    await nextTask();
    await nextTask();
  }
}

/** Device features with which ORT's JSEP backend writes GPU timestamps (backend-webgpu.ts setQueryType). */
const TIMESTAMP_FEATURES = ['chromium-experimental-timestamp-query-inside-passes', 'timestamp-query'];

/**
 * After sampling, on the TIMED session: one more run with ORT's WebGPU profiler on, then off again. ORT
 * re-reads `env.webgpu.profiling` at the start of every run (JSEP onRunStart -> setQueryType), so the timed
 * samples ran without timestamp queries and only this run writes them. Returns the distinct kernels that
 * dispatched GPU work in it; kernels without GPU work (Reshape aliases, nodes on the CPU EP) do not appear.
 */
async function ortGpuKernels(): Promise<OrtGpuKernelsResponse> {
  const s = need();
  const deviceFeatures = s.device ? [...s.device.features].sort() : [];
  if (s.req.ep !== 'webgpu' || !s.device) return { available: false, reason: 'this page holds no WebGPU session', deviceFeatures };
  if (!TIMESTAMP_FEATURES.some((f) => s.device?.features.has(f)))
    return {
      available: false,
      reason: `ORT's GPUDevice has no timestamp query feature (${TIMESTAMP_FEATURES.join(' / ')}), so ORT's WebGPU profiler records nothing`,
      deviceFeatures,
    };
  const records: GpuKernelRecord[] = [];
  const before = s.ort.env.webgpu.profiling;
  s.ort.env.webgpu.profiling = gpuProfilerInto(records);
  try {
    await inferOnce(s);
    await settleGpuRecords(s.device, records);
    // records come back through a buffer map after the queue is idle: give a slow one up to a second
    for (let i = 0; i < 50 && records.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    s.ort.env.webgpu.profiling = before ?? { mode: 'off' };
  }
  const seen = new Map<string, GpuKernelSeen>();
  for (const r of records) {
    const k = seen.get(r.kernelName) ?? { kernelName: r.kernelName, kernelType: r.kernelType, programs: 0 };
    k.programs++;
    seen.set(r.kernelName, k);
  }
  return { available: true, kernels: [...seen.values()], records: records.length, deviceFeatures };
}

/**
 * Profiling pass (session loaded with ortProfiler and/or gpuProfiling): `runs` runs; ORT delivers GPU kernel
 * timestamps asynchronously, so after each run we wait until the GPU queue is idle and no more records arrive
 * before assigning them to that run. Then `endProfiling()` and its trace text.
 */
async function ortProfile(req: OrtProfileRequest): Promise<OrtProfileResponse> {
  const s = need();
  const settle = async () => {
    if (s.req.gpuProfiling) await settleGpuRecords(s.device, s.records);
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
    profilerCapture = lines;
    try {
      s.session.endProfiling();
    } finally {
      profilerCapture = null;
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

registerApi({ ortLoad, ortMeasure, ortRun, ortProfile, ortGpuKernels, ortRelease, gpuAdapter, env: pageEnv });
