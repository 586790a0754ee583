/**
 * The onnxruntime-web browser targets' steps of the measurement sequence (ort-webgpu, ort-wasm-browser):
 *
 *  2. timed load on a fresh page: create the session with ONE execution provider (`coldStart.sessionCreateMs`,
 *     includes the fetch from the page server), recording what ORT prints to the console meanwhile; check what
 *     was created (WebGPU: an adapter and ORT's GPUDevice exist; WASM: the thread count ORT actually set);
 *  3. the shared protocol IN the page: one call = `session.run()` with every output downloaded to the CPU (no
 *     gpu-buffer early return);
 *  4. outputs checked (element count matches the graph, all finite);
 *  5. proof of what ran, from two sources kept apart in the record (combineOrtBrowserProof):
 *     - the TIMED page, after sampling: ORT's placement warning ("Some nodes were not assigned to the preferred
 *       execution providers", printed at warning level while a session is created when any node is not on the
 *       first provider asked for) present or not; WebGPU: one more run of the timed session with ORT's WebGPU
 *       profiler switched on for that run only (`env.webgpu.profiling`, re-read at every run start), giving the
 *       kernels that dispatched GPU work in the timed session (needs a timestamp-query feature; kernels
 *       without GPU work, e.g. Reshape aliases or Memcpy, never appear there). WASM: the timed session asked for
 *       `['wasm']` only, so the CPU EP is the only provider registered and ORT refuses a node none implements;
 *     - a VERIFICATION session (same model and options, ORT's own profiler on, because ORT-web can start it
 *       only at session creation): one run (or `profileSkip + profileRuns` with `profile`); its trace names the
 *       provider of every node: the node list, the counts and the time share. For WebGPU its GPU profiler runs
 *       too (when the adapter has timestamp queries), naming the kernels with GPU work. It is made once per
 *       model file and options, in the timed page of the first session after that page's own facts are read
 *       and its timed session is released; with `profile`, on a page of its own.
 *     Nothing on the requested EP is a BackendMismatchError. A node on another EP in the verification trace, a
 *     placement warning in the timed session, or fewer kernels with GPU work in the timed session than in the
 *     verification one is a partial fallback (checkBackendShare: a warning with its share and its source, an
 *     error with --strict-backend).
 *  6. with `profile`: WebGPU per-kernel GPU times from ORT's timestamp-query profiler of the verification session;
 *     WASM per-kernel times from ORT's trace. Kernels map to blocks through the exporter's node names
 *     (blockOfNodeName).
 */
import { runtimeProbeModel } from '../../models/export/onnx.js';
import { INPUT_TENSOR } from '../../models/graph.js';
import { seededInput } from '../../models/weights.js';
import { setBounded } from '../../util/bounded-map.js';
import { median } from '../../util/median.js';
import { installedVersion } from '../../util/packages.js';
import { checkWorkloadFile } from '../define.js';
import type { SessionSteps } from '../measurement.js';
import { DEFAULT_PROFILE_RUNS, PROFILE_SKIP } from './common.js';
import { buildOrtProfile, ortBackendShare, parseOrtTrace, providerCounts, type OrtTraceEvent } from './profile.js';
import { BackendMismatchError, checkBackendShare, type BackendShare, type ExecutedBackend, type OpProfile } from '../../core/measurement.js';
import { type RunContext, type Target, type TargetSettings } from '../../core/target.js';
import { type PreparedWorkload } from '../../core/workload-file.js';
import type { EnvironmentSlot } from '../browser/common.js';
import type { BrowserPage } from '../browser/launcher.js';
import type { AdapterInfo, TensorData } from '../browser/page/api.js';
import type { ConsoleLine, GpuKernelRecord, OrtGpuKernelsResponse, OrtLoadRequest, OrtLoadResponse, OrtProfileResponse } from './page-api.js';
import { runtimeFilesUrl } from '../browser/pages.js';
import { timedPageSteps, verifyAfterTiming, type VerificationSite } from '../browser/runner.js';

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
  /** the verification session's own share (its node list, providers and kernel time). */
  share: BackendShare;
}

/** Source words of the verification page's node list. */
const VERIFICATION_SOURCE = 'ORT profiler of the verification session (same model and options, created after the timed samples)';

/**
 * Reads ORT's verification trace against the requested EP: nothing on it is a BackendMismatchError (a WebGPU
 * request that landed on WASM); otherwise the counts, the op types elsewhere and the verification share, which
 * combineOrtBrowserProof checks together with what the timed page says.
 */
export function verifyOrtProviders(targetId: string, ep: 'webgpu' | 'wasm', events: readonly OrtTraceEvent[]): ProviderVerdict {
  const counts = providerCounts(events);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const expected = ep === 'webgpu' ? JSEP_PROVIDER : CPU_PROVIDER;
  const share = ortBackendShare(events, expected, VERIFICATION_SOURCE);
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
  const cpuOps: Record<string, number> = {};
  for (const e of events) {
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.provider !== expected) {
      const op = e.args?.op_name ?? '?';
      cpuOps[op] = (cpuOps[op] ?? 0) + 1;
    }
  }
  return { expected, counts, onExpected, total, cpuOps, share };
}

/**
 * ORT's warning when a session put nodes on a provider other than the first one asked for
 * (session_state.cc VerifyEachNodeIsAssignedToAnEp, warning level, printed while the session is created).
 */
export const PLACEMENT_WARNING = 'Some nodes were not assigned to the preferred execution providers';

/** ORT's placement warning among console lines, colour codes removed; empty when ORT printed none. */
export function placementWarnings(lines: readonly ConsoleLine[]): string[] {
  return (
    lines
      // eslint-disable-next-line no-control-regex -- ORT colours its log lines with ANSI escapes
      .map((l) => l.text.replace(/\u001b\[[0-9;]*m/g, '').trim())
      .filter((t) => t.includes(PLACEMENT_WARNING))
  );
}

/** What the timed page says about placement, gathered after sampling. */
export interface TimedPlacement {
  /** ORT's placement warning lines printed while the timed session was created (empty: none). */
  placementWarning: string[];
  /** WebGPU: the kernels with GPU work in one profiled run of the timed session, or why unavailable; WASM: null. */
  gpuKernels: OrtGpuKernelsResponse | null;
}

/** The proof of a browser ORT record: the verification verdict combined with the timed page. */
export interface OrtBrowserProof {
  verdict: ProviderVerdict;
  /** the record's share: the verification node list, corrected by what the timed session showed. */
  share: BackendShare;
  warnings: string[];
  /** evidence words: the timed page's part, then the verification page's part. */
  timedEvidence: string;
  verificationEvidence: string;
  /** facts for `executed.details.timedSession` and `executed.details.verificationSession`. */
  timedDetails: Record<string, unknown>;
  verificationDetails: Record<string, unknown>;
}

const VERIFICATION_SITE_WORDS: Record<VerificationSite, string> = {
  'own-page': 'separate page',
  'timed-page': 'timed page after its samples, timed session released',
};

/** Share key: kernels with GPU work in the verification session and none in the timed one. */
export const TIMED_OFF_WEBGPU = 'not on WebGPU in the timed session';
/** Share key: the timed session's placement warning with no node off the EP in the verification session. */
export const TIMED_WARNING_ONLY = 'off the requested EP in the timed session (ORT placement warning; count unknown, at least 1)';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Combines the verification page's trace (node list, providers, kernel time; WebGPU: the kernels with GPU work
 * in its profiled runs, null without timestamp queries) with the timed page's placement facts into the
 * record's share, and checks it (checkBackendShare: partial fallback = warning, or error with `strict`).
 * The timed session counts as partly off the requested EP when ORT printed its placement warning while creating
 * it, or when kernels that dispatched GPU work in the verification session dispatched none in the timed one.
 */
export function combineOrtBrowserProof(
  targetId: string,
  ep: 'webgpu' | 'wasm',
  events: readonly OrtTraceEvent[],
  verificationGpuKernels: readonly GpuKernelRecord[][] | null,
  timed: TimedPlacement,
  strict: boolean,
  /** where the verification session ran, and whether it was made for an earlier session (see ortBrowserSteps). */
  verification: { site: VerificationSite; reused: boolean } = { site: 'own-page', reused: false },
): OrtBrowserProof {
  const verdict = verifyOrtProviders(targetId, ep, events);
  const v = verdict.share;
  const warnings: string[] = [];
  const warned = timed.placementWarning.length > 0;
  const verifGpu = verificationGpuKernels ? new Map(verificationGpuKernels.flat().map((k) => [k.kernelName, k.kernelType])) : null;
  let timedGpu: Map<string, string> | null = null;
  /** why the timed session's kernel list is missing (webgpu only). */
  let unavailable: string | null = null;
  if (ep === 'webgpu') {
    const g = timed.gpuKernels;
    if (!g) unavailable = 'the timed page was not asked for it';
    else if (!g.available) unavailable = g.reason;
    else if (g.records === 0) unavailable = 'ORT delivered no GPU timestamp records for the profiled run of the timed session';
    else timedGpu = new Map(g.kernels.map((k) => [k.kernelName, k.kernelType]));
  }
  const pair = timedGpu && verifGpu ? { timed: timedGpu, verif: verifGpu } : null;
  const missing = pair ? [...pair.verif.keys()].filter((n) => !pair.timed.has(n)) : [];
  const extra = pair ? [...pair.timed.keys()].filter((n) => !pair.verif.has(n)) : [];
  const offInVerification = Object.values(v.others).reduce((a, b) => a + b, 0);
  const warningOnly = warned && offInVerification === 0 && missing.length === 0;

  const others: Record<string, number> = { ...v.others };
  if (missing.length > 0) others[TIMED_OFF_WEBGPU] = missing.length;
  if (warningOnly) others[TIMED_WARNING_ONLY] = 1;
  const timedDiffers = missing.length > 0 || warningOnly;
  const onRequested = Math.max(0, v.onRequested - missing.length - (warningOnly ? 1 : 0));
  const placementWords = `ORT placement warning at its creation: ${warned ? 'present' : 'none'}`;
  const timedKernelWords = timedGpu
    ? `${plural(timedGpu.size, 'kernel')} dispatched GPU work on WebGPU (ORT WebGPU profiler, one run after sampling)`
    : `WebGPU kernel list unavailable (${unavailable})`;
  const comparedWords = pair
    ? `against ${plural(pair.verif.size, 'kernel')} with GPU work in the verification session`
    : timedGpu
      ? 'not compared: the verification session gave no GPU kernel list'
      : '';
  const timedSource =
    ep === 'webgpu'
      ? `timed session: ${[timedKernelWords, comparedWords].filter((x) => x).join(' ')}, ${placementWords}`
      : `timed session: executionProviders ['wasm'] only (the CPU EP is the only provider registered), ${placementWords}`;
  const share: BackendShare = {
    requested: v.requested,
    onRequested,
    total: v.total,
    nodeShare: v.total > 0 ? onRequested / v.total : 0,
    timeShare: timedDiffers ? null : v.timeShare,
    others,
    source: `node list: ${VERIFICATION_SOURCE}; ${timedSource}`,
  };
  const fallback = checkBackendShare(targetId, ep, share, strict);
  if (fallback) {
    const elsewhere = Object.entries(verdict.cpuOps).map(([o, n]) => `${o} x${n}`);
    warnings.push(
      `${fallback}; ${elsewhere.length > 0 ? `kernels elsewhere in the verification session: ${elsewhere.join(', ')}${ep === 'webgpu' ? ' (ORT keeps shape ops on the CPU on purpose)' : ''}; ` : ''}source: ${share.source}`,
    );
  }
  const name = (n: string, types: Map<string, string> | null) => `${n} (${types?.get(n) ?? '?'})`;
  if (missing.length > 0)
    warnings.push(
      `timed session: ${plural(missing.length, 'kernel')} that dispatched GPU work in the verification session dispatched none in the timed session (ORT WebGPU profiler, one run after sampling): ${missing.map((n) => name(n, verifGpu)).join(', ')}`,
    );
  if (warningOnly)
    warnings.push(
      `timed session: ORT warned at its creation that some nodes were not assigned to the preferred execution provider, yet the verification session ran every node on ${v.requested}: at least one node of the timed session ran elsewhere (count unknown): ${timed.placementWarning[0]}`,
    );
  if (!warned && offInVerification > 0)
    warnings.push(
      `the verification session ran ${plural(offInVerification, 'node')} off ${v.requested}, but ORT printed no placement warning while creating the timed session: the two sessions were placed differently`,
    );
  if (extra.length > 0)
    warnings.push(
      `timed session: ${plural(extra.length, 'kernel')} dispatched GPU work that did not in the verification session, whose node list therefore undercounts WebGPU: ${extra.map((n) => name(n, timedGpu)).join(', ')}`,
    );
  if (ep === 'webgpu' && !pair)
    warnings.push(
      `timed-session WebGPU kernels not compared with the verification session: ${unavailable ?? 'the verification session gave no GPU kernel list'}; the node list comes from the verification session alone`,
    );

  const timedEvidence =
    ep === 'webgpu'
      ? `timed session: ${timedKernelWords}; ${placementWords}`
      : `timed session: created with executionProviders ['wasm'] only, so ${CPU_PROVIDER} is the only execution provider registered in it; ORT refuses to create a session with a node no registered provider implements, so every node of the timed session ran on ${CPU_PROVIDER}; ${placementWords}`;
  const verificationEvidence = `verification session (${VERIFICATION_SITE_WORDS[verification.site]}, same model and options${verification.reused ? ', made once for an earlier session of this model file and these options' : ''}; node list): ${v.onRequested}/${v.total} nodes and ${verdict.onExpected}/${verdict.total} kernel events on ${verdict.expected}${verifGpu ? `, ${plural(verifGpu.size, 'kernel')} with GPU work` : ''}`;
  const timedDetails: Record<string, unknown> = {
    placementWarning: warned,
    ...(warned ? { placementWarningLines: timed.placementWarning } : {}),
    ...(ep === 'webgpu'
      ? timedGpu
        ? { webgpuKernels: [...timedGpu].map(([kernel, op]) => ({ kernel, op })) }
        : { webgpuKernelsUnavailable: unavailable }
      : {}),
  };
  const verificationDetails: Record<string, unknown> = {
    kernelEvents: verdict.counts,
    ...(Object.keys(verdict.cpuOps).length > 0 ? { cpuKernelOps: verdict.cpuOps } : {}),
    ...(verifGpu ? { webgpuKernels: [...verifGpu].map(([kernel, op]) => ({ kernel, op })) } : {}),
  };
  return { verdict, share, warnings, timedEvidence, verificationEvidence, timedDetails, verificationDetails };
}

/** Whether ORT's WebGPU profiler can write GPU timestamps on this adapter (ORT asks for either feature). */
function hasTimestampQuery(a: AdapterInfo | null): boolean {
  return a !== null && (a.features.includes('timestamp-query') || a.features.includes('chromium-experimental-timestamp-query-inside-passes'));
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

/** What a verification page found (the node list of a model file under given options). */
interface Verification {
  events: OrtTraceEvent[];
  gpu: GpuKernelRecord[][] | null;
  load: OrtLoadResponse;
  site: VerificationSite;
}

/**
 * Verifications already made in this process, by target, ORT build, model file (sha256), settings and browser:
 * the node list of a model under given options does not change between sessions, so the independent sessions
 * of a pair verify once (the first) and reuse it; what each timed session itself shows (placement warning,
 * WebGPU kernels) is still read every session. The first verification runs in the timed page once its own
 * proof is read (no second page, runtime start and, on WebGPU, pipeline compilation); a profiling request
 * always opens its own page, so profiled runs never follow a timed session in the same page. Bounded.
 */
const verifications = new Map<string, Verification>();
const MAX_VERIFICATIONS = 256;

/** Step 2: the timed page: load with one execution provider and check what was created (module comment). */
function timedOrtPage(f: Omit<OrtBrowserFlavour, 'target'>, slot: EnvironmentSlot, w: PreparedWorkload, target: Target, ctx: RunContext) {
  const id = target.id;
  const s = target.settings;
  const threads = Number(s.threads);
  return timedPageSteps<OrtLoadResponse>({
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
}

type TimedOrtPage = ReturnType<typeof timedOrtPage>;

/** The verification of a proof: the trace's node list and GPU kernels, with the page it came from and the profiling runs. */
interface OrtVerified extends Verification {
  /** the profiling response; null when the verification was reused from an earlier session. */
  prof: OrtProfileResponse | null;
  reused: boolean;
}

/**
 * Step 5, timed page then verification: the timed session's own facts (its placement warning; WebGPU: its
 * kernels), then the verification session in the same page, or the one made for an earlier session.
 */
async function verifyOrt(
  f: Omit<OrtBrowserFlavour, 'target'>,
  timed: TimedOrtPage,
  w: PreparedWorkload,
  target: Target,
  o: { profile: boolean | undefined; runs: number; timestamps: boolean },
): Promise<{ verified: OrtVerified; placement: TimedPlacement }> {
  const id = target.id;
  const { env, load, modelUrl } = timed.state();
  const cacheKey = JSON.stringify([id, f.ortFile, f.ep, w.file.sha256, target.settings, env.browser.info.version, o.timestamps]);
  const known = o.profile ? undefined : verifications.get(cacheKey);
  const verificationRequest = loadRequest(f, target.settings, env.server.server.origin, modelUrl, w, {
    ortProfiler: true,
    gpuProfiling: o.timestamps,
  });
  const verify = async (page: BrowserPage): Promise<{ vload: OrtLoadResponse; prof: OrtProfileResponse }> => {
    const vload = await page.call<OrtLoadResponse>('ortLoad', verificationRequest, `${id}: creating the verification session for ${w.id}`);
    const prof = await page.call<OrtProfileResponse>('ortProfile', { runs: o.runs }, `${id}: verification/profiling runs of ${w.id}`);
    return { vload, prof };
  };
  let gpuKernels: OrtGpuKernelsResponse | null = null;
  // the timed session's own facts first, then verify in the same page (module comment)
  const verified = await verifyAfterTiming(timed, {
    bundle: 'ort',
    what: `${id}: verifying ${w.id}`,
    needed: !known,
    ownPage: o.profile === true,
    async timedFacts(page) {
      if (f.ep !== 'webgpu') return;
      gpuKernels = await page
        .call<OrtGpuKernelsResponse>('ortGpuKernels', null, `${id}: WebGPU kernels of the timed session of ${w.id}`)
        // the samples are taken: a failure here leaves the list unavailable (said in the record), not the measurement lost
        .catch((e: unknown) => ({
          available: false as const,
          reason: `listing them on the timed page failed: ${(e as Error).message}`,
          deviceFeatures: load.deviceFeatures,
        }));
    },
    release: (page) => page.call('ortRelease', null, `${id}: releasing the timed session of ${w.id}`),
    verify,
  });
  const placement: TimedPlacement = { placementWarning: placementWarnings(load.creationConsole), gpuKernels };
  if (known) return { verified: { ...known, prof: null, reused: true }, placement };
  const {
    result: { vload, prof },
    site,
  } = verified!;
  if (prof.trace === null) throw new Error(`${id}: ORT returned no profiler trace, so the execution provider cannot be proven`);
  const events = parseOrtTrace(prof.trace);
  // with `profile` the first `skip` runs are cold; the node list is the same in every run
  const gpu = o.timestamps && prof.kernelsPerRun.some((r) => r.length > 0) ? prof.kernelsPerRun : null;
  setBounded(verifications, cacheKey, { events, gpu, load: vload, site }, MAX_VERIFICATIONS);
  return { verified: { events, gpu, load: vload, site, prof, reused: false }, placement };
}

/** Step 6: the per-op profile of the verification runs (WebGPU: GPU timestamps; WASM: ORT's trace), or why there is none. */
function ortOpProfile(
  f: Omit<OrtBrowserFlavour, 'target'>,
  v: OrtVerified,
  w: PreparedWorkload,
  o: { skip: number; timestamps: boolean },
  warnings: string[],
): OpProfile | undefined {
  const prof = v.prof;
  if (!prof) return undefined;
  if (f.ep !== 'webgpu') return buildOrtProfile(v.events, w.graph, { source: 'onnxruntime-web-profiler (browser)', skipRuns: o.skip });
  if (!o.timestamps) warnings.push('per-kernel WebGPU profile unavailable: the adapter has no timestamp-query feature');
  else if (prof.kernelsPerRun.slice(o.skip).every((r) => r.length === 0))
    warnings.push(
      `per-kernel WebGPU profile unavailable: ORT delivered no GPU timestamps (device features: ${v.load.deviceFeatures.join(', ') || 'none'})`,
    );
  else return buildGpuProfile(prof.kernelsPerRun, o.skip, w, prof.runWallMs);
  return undefined;
}

/** Warnings about the adapter and about the timed and verification pages differing. */
function pageWarnings(f: Omit<OrtBrowserFlavour, 'target'>, load: OrtLoadResponse, vload: OrtLoadResponse): string[] {
  const warnings: string[] = [];
  const adapter = load.adapter;
  if (adapter?.softwareAdapter) warnings.push(softwareAdapterWarning(adapter));
  if (vload.env.crossOriginIsolated !== load.env.crossOriginIsolated)
    warnings.push('timed and verification pages differed in cross-origin isolation');
  if (f.ep === 'webgpu' && JSON.stringify(vload.adapter) !== JSON.stringify(load.adapter))
    warnings.push(
      `the verification session got another WebGPU adapter (${vload.adapter?.architecture ?? 'none'}) than the timed one (${load.adapter?.architecture ?? 'none'})`,
    );
  return warnings;
}

/** What executed, in the record's words: runtime, backend, provider, adapter, evidence and the details of both sessions. */
function ortExecuted(f: Omit<OrtBrowserFlavour, 'target'>, timed: TimedOrtPage, s: TargetSettings, proof: OrtBrowserProof): ExecutedBackend {
  const { env, load } = timed.state();
  const adapter = load.adapter;
  const runtimeWords =
    f.ep === 'webgpu'
      ? `onnxruntime-web ${load.ortVersion} (${f.ortFile}, JSEP), executionProviders ['webgpu'] only; GPUDevice created on adapter ${[adapter?.vendor, adapter?.architecture].filter((x) => x).join('/') || '?'}`
      : `onnxruntime-web ${load.ortVersion} (${f.ortFile}, WASM-only build); ${load.wasmThreads} WASM thread(s)`;
  return {
    runtime: 'onnxruntime-web',
    runtimeVersion: load.ortVersion || installedVersion('onnxruntime-web') || 'unknown',
    backend: f.ep,
    provider: proof.verdict.expected,
    ...(adapter ? { adapter: { ...adapter, deviceFeatures: load.deviceFeatures, deviceAdapter: load.deviceAdapter } } : {}),
    evidence: `${runtimeWords}; ${proof.timedEvidence}; ${proof.verificationEvidence}`,
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
      timedSession: proof.timedDetails,
      verificationSession: proof.verificationDetails,
    },
    share: proof.share,
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
  const timed = timedOrtPage(f, slot, w, target, ctx);
  return {
    ...timed.steps,
    // the proof reads the timed page after sampling (its placement facts), then closes it itself
    proveOnTimedSession: true,
    async prove({ profile, profileRuns, strict }) {
      const { load } = timed.state();
      const timestamps = f.ep === 'webgpu' && hasTimestampQuery(load.adapter);
      const skip = profile ? PROFILE_SKIP : 0;
      const runs = profile ? skip + Math.max(1, profileRuns ?? DEFAULT_PROFILE_RUNS) : 1;
      const { verified, placement } = await verifyOrt(f, timed, w, target, { profile, runs, timestamps });
      const proof = combineOrtBrowserProof(target.id, f.ep, verified.events, verified.gpu, placement, strict, {
        site: verified.site,
        reused: verified.reused,
      });
      const warnings = [...proof.warnings];
      const opProfile = profile ? ortOpProfile(f, verified, w, { skip, timestamps }, warnings) : undefined;
      warnings.push(...pageWarnings(f, load, verified.load));
      return {
        executed: ortExecuted(f, timed, target.settings, proof),
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
