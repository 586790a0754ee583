/**
 * Page-side helpers shared by the page entries (bundled by esbuild; runs in Chromium, no Node APIs).
 *
 * `measureInPage` runs the SAME `runProtocol` as the Node runners, with the page's `performance.now()`,
 * so no sample crosses a puppeteer round trip. Progress goes out through a one-way CDP binding, throttled to
 * a few messages per second and sent between samples (never inside a timed interval).
 */
import { type ProtocolRun, type ProtocolSettings } from '../../../core/protocol-run.js';
import { performanceClock, runProtocol } from '../../../profiles/protocol.js';
import type { AdapterInfo, Beat, PageEnv, TensorData, WireDType } from './api.js';

/** Minimal WebGPU shapes we touch (TypeScript's DOM lib has no WebGPU types). */
export interface GpuAdapterLike {
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
export interface GpuDeviceLike {
  readonly features: ReadonlySet<string>;
  readonly adapterInfo?: { vendor?: string; architecture?: string; device?: string; description?: string };
  readonly queue: { onSubmittedWorkDone(): Promise<void> };
}
interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

/** `navigator.gpu`, or undefined when WebGPU is not exposed (flag missing, insecure context). */
export function navigatorGpu(): GpuLike | undefined {
  return (navigator as unknown as { gpu?: GpuLike }).gpu;
}

/** Adapter names of software rasterisers that implement WebGPU on the CPU. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|warp|software|microsoft basic render/i;

/** Adapter info as recorded with results. */
export function describeAdapter(a: GpuAdapterLike): AdapterInfo {
  const i = a.info ?? {};
  const isFallbackAdapter = Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter ?? false);
  const vendor = i.vendor ?? '';
  const architecture = i.architecture ?? '';
  const device = i.device ?? '';
  const description = i.description ?? '';
  const limits: Record<string, number> = {};
  for (const k of ['maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBufferBindingSize', 'maxBufferSize']) {
    const v = a.limits[k];
    if (typeof v === 'number') limits[k] = v;
  }
  return {
    vendor,
    architecture,
    device,
    description,
    isFallbackAdapter,
    features: [...a.features].sort(),
    limits,
    softwareAdapter: isFallbackAdapter || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${device} ${description}`),
  };
}

/** Smallest nonzero step of performance.now() over a short probe. */
function timerStep(): number {
  let best = Infinity;
  let prev = performance.now();
  for (let i = 0, seen = 0; i < 100_000 && seen < 20; i++) {
    const t = performance.now();
    if (t > prev) {
      best = Math.min(best, t - prev);
      seen++;
    }
    prev = t;
  }
  return best;
}

export function pageEnv(): PageEnv {
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    isSecureContext: globalThis.isSecureContext === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    timerResolutionMs: timerStep(),
    webgpuExposed: navigatorGpu() !== undefined,
  };
}

// ------------------------------------------------------------------ tensors on the wire

function b64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function bytesToB64(bytes: Uint8Array): string {
  let s = '';
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) s += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(s);
}

export type TypedArray = Float32Array | Int8Array | Uint8Array | Int32Array;

/** Decodes a wire tensor into a typed array (copy, aligned). */
export function decodeTensor(t: TensorData): TypedArray {
  const bytes = b64ToBytes(t.b64);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const arr =
    t.dtype === 'float32'
      ? new Float32Array(buf)
      : t.dtype === 'int32'
        ? new Int32Array(buf)
        : t.dtype === 'int8'
          ? new Int8Array(buf)
          : new Uint8Array(buf);
  if (arr.length !== n) throw new Error(`input '${t.name}': ${arr.length} ${t.dtype} values for dims [${t.dims.join(',')}] (${n} expected)`);
  return arr;
}

/** Encodes a typed array for the trip back to Node. */
export function encodeTensor(
  name: string,
  data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
  dims: readonly number[],
  dtype: WireDType,
): TensorData {
  return { name, dtype, dims: [...dims], b64: bytesToB64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
}

/** true when every element is finite (NaN/Inf in an output means a broken run). */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return false;
  return true;
}

// ------------------------------------------------------------------ protocol in the page

/** Sends one heartbeat through the CDP binding `name` (no reply, no await). */
function makeBeat(name: string | null): (b: Beat) => void {
  if (!name) return () => {};
  const fn = (globalThis as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function') return () => {};
  return (b: Beat) => (fn as (s: string) => void)(JSON.stringify(b));
}

/** Set by Node (`globalThis.__mnv4Abort = true`) to stop the sampling loop early ('aborted'). */
function abortRequested(): boolean {
  return (globalThis as unknown as { __mnv4Abort?: boolean }).__mnv4Abort === true;
}

/**
 * Runs the shared protocol on `fn` with the page clock. Heartbeats: every phase change, and at most one
 * sample report per 250 ms (sent after the sample was recorded, outside the timed interval).
 */
export async function measureInPage(fn: () => unknown, settings: ProtocolSettings, beatName: string | null): Promise<ProtocolRun> {
  const beat = makeBeat(beatName);
  (globalThis as unknown as { __mnv4Abort?: boolean }).__mnv4Abort = false;
  let lastBeat = 0;
  return runProtocol(fn, settings, performanceClock(), {
    onPhase: (phase) => beat({ phase }),
    onSample: (n, elapsedMs, relHalfWidth) => {
      const now = performance.now();
      if (now - lastBeat < 250) return;
      lastBeat = now;
      beat({ n, elapsedMs, relHalfWidth: Number.isFinite(relHalfWidth) ? relHalfWidth : -1 });
    },
    shouldAbort: abortRequested,
  });
}

/** Lets queued tasks (GPU callbacks, profiler data) run: one macrotask turn. */
export function nextTask(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** Registers the page API (`globalThis.__mnv4`) that Node calls through `BrowserPage.call`. */
export function registerApi(api: Record<string, (arg: never) => unknown>): void {
  const g = globalThis as unknown as { __mnv4?: Record<string, unknown> };
  g.__mnv4 = { ...(g.__mnv4 ?? {}), ...api };
}
