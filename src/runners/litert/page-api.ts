/**
 * The LiteRT.js page's messages: what the Node side sends to its page entry (page-entry.ts) and what comes back.
 * Plain JSON shapes only; the shared page messages are in src/runners/browser/page/api.ts.
 */
import type { AdapterInfo, PageEnv, TensorData, TfliteTensorInfo } from '../browser/page/api.js';

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
