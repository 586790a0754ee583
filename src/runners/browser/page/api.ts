/**
 * The messages between the Node runners and the page bundle (types, plus one constant: both sides import
 * this file, the page through esbuild, Node through tsc). Everything here travels as JSON through one `page.evaluate` per
 * step (load, measure, profile, run), never per sample.
 *
 * Tensors travel as base64 of their little-endian bytes (`TensorData`).
 */
import type { ProtocolRun, ProtocolSettings } from '../../../core/protocol-run.js';

/** Element types a tensor may carry across the boundary. */
export type WireDType = 'float32' | 'int8' | 'uint8' | 'int32';

/** A tensor in transit: little-endian bytes as base64, dims in the runtime's own layout. */
export interface TensorData {
  name: string;
  dtype: WireDType;
  dims: number[];
  b64: string;
}

/** Facts about the page's JavaScript environment, recorded with every browser measurement. */
export interface PageEnv {
  crossOriginIsolated: boolean;
  isSecureContext: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  /** smallest nonzero step of performance.now() seen in the page, ms (5 µs when isolated). */
  timerResolutionMs: number;
  /** whether `navigator.gpu` exists at all. */
  webgpuExposed: boolean;
}

/** What we record about a WebGPU adapter (GPUAdapterInfo plus features and a verdict). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** sorted adapter features (timestamp-query, shader-f16, subgroups...). */
  features: string[];
  /** a few limits that bound kernel shapes. */
  limits: Record<string, number>;
  /** true for SwiftShader / llvmpipe / lavapipe / fallback adapters: a CPU pretending to be a GPU. */
  softwareAdapter: boolean;
}

/** Heartbeat the page sends while it works (one-way CDP binding; throttled). */
export interface Beat {
  phase?: 'cold' | 'resolution' | 'warmup' | 'sampling' | 'done';
  n?: number;
  elapsedMs?: number;
  relHalfWidth?: number;
}

/** Measure request (any runtime): run the shared protocol in the page on the loaded session. */
export interface MeasureRequest {
  settings: ProtocolSettings;
  /** name of the CDP binding for heartbeats (null: none). */
  beat: string | null;
  /** return the outputs of the last call (for validation / equivalence). */
  keepOutputs: boolean;
}

export interface MeasureResponse {
  protocol: ProtocolRun;
  outputs: TensorData[] | null;
  /** whether every output element of the last call was finite. */
  outputsFinite: boolean;
  /** where each output lived before read-back (runtimes that report it, e.g. LiteRT.js 'webgpu' | 'wasm'). */
  outputLocations?: string[];
}

// ---------------------------------------------------------------- onnxruntime-web

/** Prefix of the page error thrown when WebGPU has no adapter (the runner maps it to "unavailable"). */
export const NO_ADAPTER = 'NO_WEBGPU_ADAPTER:';

/** Load an ONNX model into a fresh InferenceSession in the page. */
export interface OrtLoadRequest {
  /** URL of the ORT ESM build, e.g. `/ort/ort.min.mjs` (JSEP WebGPU) or `/ort/ort.wasm.min.mjs`. */
  ortModule: string;
  /** where ORT finds its .wasm/.mjs files (`ort.env.wasm.wasmPaths`). */
  wasmPaths: string;
  modelUrl: string;
  /** the ONE execution provider asked for. Never a list: with a list ORT silently falls back to the next one. */
  ep: 'webgpu' | 'wasm';
  threads: number;
  optLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** adapter request option for webgpu. */
  powerPreference: 'high-performance' | 'low-power';
  /** inputs in the model's own layout (NCHW for our exports). */
  inputs: TensorData[];
  /** turn on ORT's per-kernel WebGPU profiling (`env.webgpu.profiling`) before creating the session. */
  gpuProfiling: boolean;
  /**
   * turn on ORT's own (CPU-side) profiler: its trace names the execution provider of every kernel (the proof
   * of what ran) and times WASM kernels. Off for the timed session.
   */
  ortProfiler: boolean;
  /** the minimal probe model (base64 ONNX): a session of it starts the runtime, timed as runtimeInitMs. */
  runtimeProbe: string;
}

export interface OrtLoadResponse {
  env: PageEnv;
  ortVersion: string;
  /** the runtime start in this page (module import, WASM instantiation, EP creation via the probe model), ms. */
  runtimeInitMs: number;
  sessionCreateMs: number;
  inputNames: string[];
  outputNames: string[];
  /** `ort.env.wasm.numThreads` after initialisation (ORT forces 1 when the page is not isolated). */
  wasmThreads: number;
  /** the adapter we asked for and handed to ORT (webgpu only). */
  adapter: AdapterInfo | null;
  /** the GPUDevice ORT created exists (webgpu only). */
  webgpuDevice: boolean;
  /** features of that device (timestamp-query only when ORT requested it). */
  deviceFeatures: string[];
  /** `device.adapterInfo` of ORT's device when the browser exposes it (proves which adapter ORT used). */
  deviceAdapter: Pick<AdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'> | null;
  /**
   * What ORT printed to the console (every level) while THIS page's session was created, e.g. its warning that
   * some nodes were not assigned to the preferred execution provider (src/runners/browser/ort-browser.ts
   * placementWarnings). Capped at ORT_CONSOLE_LINE_CAP lines.
   */
  creationConsole: ConsoleLine[];
}

/** One console message of the page: its level (console method) and text. */
export interface ConsoleLine {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  text: string;
}

/** Most console lines kept from one session creation (ORT prints a handful at its default level). */
export const ORT_CONSOLE_LINE_CAP = 200;

/** One WebGPU kernel dispatch reported by ORT's profiler (times in ns on the GPU timeline). */
export interface GpuKernelRecord {
  kernelName: string;
  kernelType: string;
  programName: string;
  startNs: number;
  endNs: number;
}

export interface OrtProfileRequest {
  /** runs in total (the caller skips the cold ones when aggregating). */
  runs: number;
}

export interface OrtProfileResponse {
  /** wall time of each profiled run (output read back), ms; the first `skipRuns` are cold. */
  runWallMs: number[];
  /** GPU kernel records of each run (empty lists without gpuProfiling). */
  kernelsPerRun: GpuKernelRecord[][];
  /** ORT's Chrome-trace JSON text from `endProfiling()` (null without ortProfiler). */
  trace: string | null;
}

/** A WebGPU kernel (one node) that dispatched GPU work in a profiled run, with how many programs it ran. */
export interface GpuKernelSeen {
  kernelName: string;
  kernelType: string;
  programs: number;
}

/**
 * `ortGpuKernels`: one more run of the page's session (the timed one) with ORT's WebGPU profiler switched on
 * for that run only; the kernels that dispatched GPU work in it, or why the list is unavailable.
 */
export type OrtGpuKernelsResponse =
  | { available: true; kernels: GpuKernelSeen[]; records: number; deviceFeatures: string[] }
  | { available: false; reason: string; deviceFeatures: string[] };

// ---------------------------------------------------------------- TFLite (tfjs-tflite)

export interface TfliteLoadRequest {
  /** directory URL of tfjs-tflite's wasm files (`setWasmPath`). */
  wasmPath: string;
  /** a minimal TFLite model (base64): loading it first starts the runtime, timed as runtimeInitMs. */
  runtimeProbe: string;
  modelUrl: string;
  threads: number;
  enableProfiling: boolean;
  /** inputs in model order (NHWC), dtype as the model declares. */
  inputs: TensorData[];
}

export interface TfliteTensorInfo {
  name: string;
  shape: number[];
  dtype: string;
}

export interface TfliteLoadResponse {
  env: PageEnv;
  /** the runtime start in this page (tfjs backend, WASM instantiation via the probe model), ms. */
  runtimeInitMs: number;
  sessionCreateMs: number;
  inputs: TfliteTensorInfo[];
  outputs: TfliteTensorInfo[];
  /** tfjs-tflite's wasm feature probe. */
  wasmFeatures: { simd: boolean; multiThreading: boolean };
  tfjsCoreVersion: string;
}

export interface TfliteProfileRequest {
  runs: number;
}

export interface TfliteProfileResponse {
  /** wall time of each profiled run, ms (profiling on). */
  runWallMs: number[];
  /** `getProfilingSummary()` text (TFLite's benchmark-style tables incl. "Delegate internal"). */
  summary: string;
  /** `getProfilingResults()`: top-level nodes (delegate kernels and non-delegated builtin ops). */
  results: { nodeType: string; nodeName: string; nodeExecMs: number }[];
}

// ---------------------------------------------------------------- LiteRT.js (@litertjs/core)

export interface LitertLoadRequest {
  /** directory URL of @litertjs/core's wasm files (`loadLiteRt`). */
  wasmDir: string;
  modelUrl: string;
  accelerator: 'wasm' | 'webgpu';
  /** CPU threads (wasm accelerator; > 1 loads the threaded build). */
  threads: number;
  /** WebGPU delegate precision. */
  precision: 'fp32' | 'fp16';
  /** load the JSPI build (needed for per-op WebGPU/WASM partitioning; exclusive with threads). */
  jspi: boolean;
  inputs: TensorData[];
}

export interface LitertLoadResponse {
  env: PageEnv;
  /** loading LiteRT.js's WASM runtime in this page (0 when the page had it already), ms. */
  runtimeInitMs: number;
  sessionCreateMs: number;
  /** `CompiledModel.isFullyAccelerated`: every op runs on the requested accelerator. */
  fullyAccelerated: boolean;
  inputs: TfliteTensorInfo[];
  outputs: TfliteTensorInfo[];
  /** the adapter we requested for the record (webgpu only). */
  adapter: AdapterInfo | null;
  /** `adapterInfo` of the GPUDevice LiteRT.js runs on (webgpu only, when exposed). */
  deviceAdapter: Pick<AdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'> | null;
  deviceFeatures: string[];
}
