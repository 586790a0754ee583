/**
 * The onnxruntime-web browser targets' steps of the measurement sequence (ort-webgpu, ort-wasm-browser):
 *
 *  2. timed load on a fresh page: create the session with ONE execution provider (`coldStart.sessionCreateMs`,
 *     includes the fetch from the page server), check what was created (WebGPU: an adapter and ORT's GPUDevice
 *     exist; WASM: the thread count ORT actually set);
 *  3. the shared protocol IN the page: one call = `session.run()` with every output downloaded to the CPU (no
 *     gpu-buffer early return);
 *  4. outputs checked (element count matches the graph, all finite);
 *  5+6. VERIFICATION page (a fresh page and session, never the timed one): ORT's own profiler on, one run (or
 *     `profileSkip + profileRuns` with `profile`); its trace names the execution provider of every kernel: the
 *     proof of what ran. A WebGPU request whose kernels all ran on the CPU EP is a BackendMismatchError, never
 *     a result. With `profile`: WebGPU per-kernel GPU times from ORT's timestamp-query profiler
 *     (`env.webgpu.profiling`) when the adapter has `timestamp-query`; WASM per-kernel times from ORT's trace.
 *     Kernels map to blocks through the exporter's node names (blockOfNodeName).
 */
import { runtimeProbeModel } from '../../models/export/onnx.js';
import { INPUT_TENSOR } from '../../models/graph.js';
import { seededInput } from '../../models/weights.js';
import { median } from '../../util/median.js';
import { installedVersion } from '../../util/packages.js';
import { checkWorkloadFile } from '../define.js';
import type { SessionSteps } from '../measurement.js';
import { DEFAULT_PROFILE_RUNS, PROFILE_SKIP } from '../ort-common.js';
import { buildOrtProfile, ortBackendShare, parseOrtTrace, providerCounts, type OrtTraceEvent } from '../ort-profile.js';
import {
  BackendMismatchError,
  checkBackendShare,
  type BackendShare,
  type OpProfile,
  type PreparedWorkload,
  type RunContext,
  type Target,
  type TargetSettings,
} from '../types.js';
import type { EnvironmentSlot } from './common.js';
import type { AdapterInfo, GpuKernelRecord, OrtLoadRequest, OrtLoadResponse, OrtProfileResponse, TensorData } from './page/api.js';
import { runtimeFilesUrl } from './pages.js';
import { timedPageSteps } from './runner.js';

/** Provider names in ORT-web traces. */
const JSEP_PROVIDER = 'JsExecutionProvider';
const CPU_PROVIDER = 'CPUExecutionProvider';

/** Which ORT-web build a flavour loads, and what it asks for. */
export interface OrtBrowserFlavour {
  target: Target;
  ep: 'webgpu' | 'wasm';
  /** ORT ESM file under /ort/. */
  ortFile: string;
}

/** Base64 of a typed array's bytes. */
export function toB64(a: Float32Array | Int8Array | Uint8Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Decodes a float32 wire tensor. */
export function fromWireF32(t: TensorData): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`output '${t.name}' is ${t.dtype}, expected float32`);
  const b = Buffer.from(t.b64, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The graph's seeded input as an NCHW float32 wire tensor named `input`. */
export function nchwInput(w: PreparedWorkload): TensorData {
  const [c, h, wd] = w.graph.inputShape;
  return { name: INPUT_TENSOR, dtype: 'float32', dims: [1, c, h, wd], b64: toB64(seededInput(w.graph)) };
}

/** Words for a software adapter (recorded as a warning on every such measurement). */
export function softwareAdapterWarning(a: AdapterInfo): string {
  const name = [a.vendor, a.architecture, a.description].filter((s) => s).join(' ') || 'unnamed adapter';
  return `WebGPU ran on a software adapter (${name}${a.isFallbackAdapter ? ', isFallbackAdapter' : ''}): the GPU is emulated on the CPU (SwiftShader is 70-140x slower than WASM), so this is NOT a GPU latency; use it to test the pipeline only`;
}

/**
 * Per-kernel GPU profile from ORT's timestamp-query records: each run becomes a window spanning its first
 * kernel start to its last kernel end on the GPU timeline, each kernel (all programs of one node summed) an
 * event inside it; then the same aggregation as ORT's CPU trace (median per node, blocks by node name).
 */
function buildGpuProfile(
  kernelsPerRun: readonly GpuKernelRecord[][],
  skipRuns: number,
  w: PreparedWorkload,
  runWallMs: readonly number[],
): OpProfile {
  const events: OrtTraceEvent[] = [];
  kernelsPerRun.forEach((recs) => {
    if (recs.length === 0) return;
    const t0 = Math.min(...recs.map((k) => k.startNs));
    const t1 = Math.max(...recs.map((k) => k.endNs));
    events.push({ cat: 'Session', name: 'model_run', ts: t0 / 1000, dur: (t1 - t0) / 1000 });
    for (const k of recs)
      events.push({
        cat: 'Node',
        name: `${k.kernelName}_kernel_time`,
        ts: k.startNs / 1000,
        dur: Math.max(0, k.endNs - k.startNs) / 1000,
        args: { op_name: k.kernelType, provider: JSEP_PROVIDER },
      });
  });
  const emptyRuns = kernelsPerRun.slice(skipRuns).filter((r) => r.length === 0).length;
  const p = buildOrtProfile(events, w.graph, { source: 'webgpu-timestamp-query', skipRuns });
  p.notes.unshift(
    'node times are GPU execution times from timestamp queries (ORT env.webgpu.profiling); runMedianMs is the GPU timeline span of a run (first kernel start to last kernel end), so coverage = GPU busy share of that span',
  );
  const wall = runWallMs.slice(skipRuns);
  if (wall.length > 0)
    p.notes.push(`wall time of a profiled run (median, read-back included, dispatch batching off while profiling): ${median(wall).toFixed(3)} ms`);
  if (emptyRuns > 0) p.notes.push(`${emptyRuns} profiled runs delivered no GPU kernel records`);
  const durs = kernelsPerRun
    .flat()
    .map((k) => k.endNs - k.startNs)
    .filter((d) => d > 0);
  if (durs.length >= 8 && durs.every((d) => d % 100_000 === 0))
    p.notes.push('GPU timestamps look quantised to 100 µs (Chrome timing-attack mitigation): kernels shorter than that read as 0 or 100 µs');
  return p;
}

/** What the verification trace proves about execution providers. */
export interface ProviderVerdict {
  expected: string;
  counts: Record<string, number>;
  onExpected: number;
  total: number;
  /** op types of kernels that ran on another EP (the CPU EP inside a WebGPU session). */
  cpuOps: Record<string, number>;
  warnings: string[];
  share: BackendShare;
}

/**
 * Checks ORT's trace against the requested EP (checkBackendShare): nothing on it is a BackendMismatchError
 * (a WebGPU request that landed on WASM); part of the graph on another EP is a partial fallback, a warning
 * with its share (for WebGPU, ORT keeps shape ops on the CPU on purpose; compute ops there are a real
 * fallback; the warning names the op types), or an error with `strict` (--strict-backend).
 */
export function verifyOrtProviders(targetId: string, ep: 'webgpu' | 'wasm', events: readonly OrtTraceEvent[], strict = false): ProviderVerdict {
  const counts = providerCounts(events);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const expected = ep === 'webgpu' ? JSEP_PROVIDER : CPU_PROVIDER;
  const share = ortBackendShare(events, expected, 'ORT profiler of the verification session');
  const onExpected = counts[expected] ?? 0;
  if (total > 0 && onExpected === 0) {
    // the whole run landed elsewhere: for WebGPU that is ORT's silent WASM fallback; say so
    const othersText = Object.entries(counts)
      .map(([p, n]) => `${n} on ${p}`)
      .join(', ');
    throw new BackendMismatchError(
      targetId,
      ep,
      ep === 'webgpu' ? `wasm (${othersText})` : othersText,
      `verification profiler: 0/${total} kernel events on ${expected}`,
    );
  }
  const fallback = checkBackendShare(targetId, ep, share, strict);
  const cpuOps: Record<string, number> = {};
  const warnings: string[] = [];
  if (fallback) {
    for (const e of events) {
      if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.provider !== expected) {
        const op = e.args?.op_name ?? '?';
        cpuOps[op] = (cpuOps[op] ?? 0) + 1;
      }
    }
    warnings.push(
      `${fallback}; kernels elsewhere: ${Object.entries(cpuOps)
        .map(([o, n]) => `${o} x${n}`)
        .join(', ')}${ep === 'webgpu' ? ' (ORT keeps shape ops on the CPU on purpose)' : ''}`,
    );
  }
  return { expected, counts, onExpected, total, cpuOps, warnings, share };
}

/** The probe model of the runtime start (base64), made once. */
let ortProbe: string | undefined;
const ORT_RUNTIME_PROBE_B64 = (): string => (ortProbe ??= Buffer.from(runtimeProbeModel()).toString('base64'));

/** The load request of a flavour for a workload (timed and verification pages differ only in profiling). */
function loadRequest(
  f: Omit<OrtBrowserFlavour, 'target'>,
  s: TargetSettings,
  origin: string,
  modelUrl: string,
  w: PreparedWorkload,
  profiling: { ortProfiler: boolean; gpuProfiling: boolean },
): OrtLoadRequest {
  return {
    ortModule: `${runtimeFilesUrl(origin, 'ort')}${f.ortFile}`,
    wasmPaths: runtimeFilesUrl(origin, 'ort'),
    modelUrl,
    ep: f.ep,
    threads: Number(s.threads),
    optLevel: String(s.optLevel) as OrtLoadRequest['optLevel'],
    powerPreference: String(s.powerPreference ?? 'high-performance') as OrtLoadRequest['powerPreference'],
    inputs: [nchwInput(w)],
    runtimeProbe: ORT_RUNTIME_PROBE_B64(),
    ...profiling,
  };
}

/** The steps of one measurement (module comment). */
export function ortBrowserSteps(
  f: Omit<OrtBrowserFlavour, 'target'>,
  slot: EnvironmentSlot,
  w: PreparedWorkload,
  target: Target,
  ctx: RunContext,
): SessionSteps {
  const id = target.id;
  const s = target.settings;
  const threads = Number(s.threads);
  const timed = timedPageSteps<OrtLoadResponse>({
    slot,
    ctx,
    target,
    w,
    bundle: 'ort',
    loadFn: 'ortLoad',
    measureFn: 'ortMeasure',
    loadWhat: 'creating the ORT session for',
    request: (env, modelUrl) => loadRequest(f, s, env.server.server.origin, modelUrl, w, { ortProfiler: false, gpuProfiling: false }),
    afterLoad(load) {
      if (f.ep === 'webgpu' && (!load.adapter || !load.webgpuDevice)) {
        throw new BackendMismatchError(id, 'webgpu', 'wasm', load.adapter ? 'ORT created no WebGPU device for the session' : 'no WebGPU adapter');
      }
      if (load.wasmThreads !== threads) {
        throw new BackendMismatchError(
          id,
          `${f.ep} with ${threads} WASM threads`,
          `${f.ep} with ${load.wasmThreads} WASM threads`,
          `ort.env.wasm.numThreads is ${load.wasmThreads} after initialisation (crossOriginIsolated: ${load.env.crossOriginIsolated})`,
        );
      }
    },
  });
  return {
    ...timed.steps,
    async prove({ profile, profileRuns, strict }) {
      const { env, load, modelUrl } = timed.state();
      const warnings: string[] = [];
      const wantGpuProfile = profile && f.ep === 'webgpu' && (load.adapter?.features.includes('timestamp-query') ?? false);
      const skip = profile ? PROFILE_SKIP : 0;
      const runs = profile ? skip + Math.max(1, profileRuns ?? DEFAULT_PROFILE_RUNS) : 1;
      const vpage = await env.openBundlePage('ort', `${id}: verifying ${w.id}`);
      let vload: OrtLoadResponse;
      let prof: OrtProfileResponse;
      try {
        vload = await vpage.call<OrtLoadResponse>(
          'ortLoad',
          loadRequest(f, s, env.server.server.origin, modelUrl, w, { ortProfiler: true, gpuProfiling: wantGpuProfile }),
          `${id}: creating the verification session for ${w.id}`,
        );
        prof = await vpage.call<OrtProfileResponse>('ortProfile', { runs }, `${id}: verification/profiling runs of ${w.id}`);
      } finally {
        await vpage.close();
      }
      if (prof.trace === null) throw new Error(`${id}: ORT returned no profiler trace, so the execution provider cannot be proven`);
      const events = parseOrtTrace(prof.trace);
      const verdict = verifyOrtProviders(id, f.ep, events, strict);
      warnings.push(...verdict.warnings);
      const { counts, onExpected, total, cpuOps, expected } = verdict;

      let opProfile: OpProfile | undefined;
      if (profile) {
        if (f.ep === 'webgpu') {
          if (!wantGpuProfile) warnings.push('per-kernel WebGPU profile unavailable: the adapter has no timestamp-query feature');
          else if (prof.kernelsPerRun.slice(skip).every((r) => r.length === 0))
            warnings.push(
              `per-kernel WebGPU profile unavailable: ORT delivered no GPU timestamps (device features: ${vload.deviceFeatures.join(', ') || 'none'})`,
            );
          else opProfile = buildGpuProfile(prof.kernelsPerRun, skip, w, prof.runWallMs);
        } else {
          opProfile = buildOrtProfile(events, w.graph, { source: 'onnxruntime-web-profiler (browser)', skipRuns: skip });
        }
      }

      const adapter = load.adapter;
      if (adapter?.softwareAdapter) warnings.push(softwareAdapterWarning(adapter));
      if (vload.env.crossOriginIsolated !== load.env.crossOriginIsolated)
        warnings.push('timed and verification pages differed in cross-origin isolation');
      if (f.ep === 'webgpu' && JSON.stringify(vload.adapter) !== JSON.stringify(load.adapter))
        warnings.push(
          `the verification session got another WebGPU adapter (${vload.adapter?.architecture ?? 'none'}) than the timed one (${load.adapter?.architecture ?? 'none'})`,
        );

      const evidence =
        f.ep === 'webgpu'
          ? `onnxruntime-web ${load.ortVersion} (${f.ortFile}, JSEP), executionProviders ['webgpu'] only; GPUDevice created on adapter ${[adapter?.vendor, adapter?.architecture].filter((x) => x).join('/') || '?'}; verification session profiler: ${onExpected}/${total} kernel events on ${expected}`
          : `onnxruntime-web ${load.ortVersion} (${f.ortFile}, WASM-only build), executionProviders ['wasm']; ${load.wasmThreads} WASM thread(s); verification session profiler: ${onExpected}/${total} kernel events on ${expected}`;
      return {
        executed: {
          runtime: 'onnxruntime-web',
          runtimeVersion: load.ortVersion || installedVersion('onnxruntime-web') || 'unknown',
          backend: f.ep,
          provider: expected,
          ...(adapter ? { adapter: { ...adapter, deviceFeatures: load.deviceFeatures, deviceAdapter: load.deviceAdapter } } : {}),
          evidence,
          details: {
            ...s,
            ortBuild: f.ortFile,
            wasmThreads: load.wasmThreads,
            crossOriginIsolated: load.env.crossOriginIsolated,
            chromiumVersion: env.browser.info.version,
            ...(adapter
              ? {
                  softwareAdapter: adapter.softwareAdapter,
                  timestampQuery: adapter.features.includes('timestamp-query'),
                  shaderF16: adapter.features.includes('shader-f16'),
                }
              : {}),
            kernelEvents: counts,
            ...(Object.keys(cpuOps).length > 0 ? { cpuKernelOps: cpuOps } : {}),
          },
          share: verdict.share,
        },
        ...(opProfile ? { profile: opProfile } : {}),
        warnings,
      };
    },
  };
}

/** Runs one inference of `w` in a fresh page and returns the float32 outputs (cross-runtime checks). */
export async function runOrtBrowserOnce(
  f: OrtBrowserFlavour,
  slot: EnvironmentSlot,
  w: PreparedWorkload,
): Promise<{ outputs: { name: string; dims: number[]; data: Float32Array }[]; load: OrtLoadResponse }> {
  checkWorkloadFile(f.target.id, ['onnx'], w);
  const env = await slot.get();
  const origin = env.server.server.origin;
  const s = f.target.settings;
  const page = await env.openBundlePage('ort', `${f.target.id}: ${w.id}`);
  try {
    const req = loadRequest(f, s, origin, env.server.server.addModel(w.file.path, w.file.sha256), w, { ortProfiler: false, gpuProfiling: false });
    const load = await page.call<OrtLoadResponse>('ortLoad', req, `${f.target.id}: creating the ORT session for ${w.id}`);
    const r = await page.call<{ outputs: TensorData[]; finite: boolean }>('ortRun', null, `${f.target.id}: running ${w.id}`);
    return { outputs: r.outputs.map((t) => ({ name: t.name, dims: t.dims, data: fromWireF32(t) })), load };
  } finally {
    await page.close();
  }
}
