/**
 * The onnxruntime-web page's messages: what the Node side sends to its page entry (page-entry.ts) and what comes back.
 * Plain JSON shapes only; the shared page messages are in src/runners/browser/page/api.ts.
 */
import type { TensorData, PageEnv, AdapterInfo } from '../browser/page/api.js';

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
