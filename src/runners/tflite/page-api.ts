/**
 * The tfjs-tflite page's messages: what the Node side sends to its page entry (page-entry.ts) and what comes back.
 * Plain JSON shapes only; the shared page messages are in src/runners/browser/page/api.ts.
 */
import type { PageEnv, TensorData, TfliteTensorInfo } from '../browser/page/api.js';

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
