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

/** Prefix of the page error thrown when WebGPU has no adapter (the runner maps it to "unavailable"). */
export const NO_ADAPTER = 'NO_WEBGPU_ADAPTER:';

/** A model input or output as a TFLite-format runtime (tfjs-tflite, LiteRT.js) describes it. */
export interface TfliteTensorInfo {
  name: string;
  shape: number[];
  dtype: string;
}
