/**
 * The Runner contract: how a Workload is run on a Target under a Protocol, on a device.
 *
 * One interface for every runtime (onnxruntime-node, onnxruntime-web in Node, browser runners in Chromium,
 * Android over adb). Every call gets a RunContext: which device (profile id and connection), an abort signal
 * and a scratch directory. A runner declares the connection kinds it can use (`connections`); the engine never
 * hands it a device it cannot reach (such targets are skipped with the reason). A runner:
 *  - says whether its target can run on the context's device (`detect`, with a reason when it cannot);
 *  - validates and completes its settings (`resolveSettings`, defaults filled in, bad values rejected with a
 *    one-line `SettingsError`);
 *  - measures one prepared workload (`measure`): creates the session (timed: `coldStart.sessionCreateMs`),
 *    calls `runProtocol` from src/profiles/protocol.ts with one inference as `fn` (in the page for browser
 *    targets), optionally runs a SEPARATE profiling pass (never during timed samples), and proves which
 *    backend executed (`executed`). A requested backend that did not run is an error
 *    (`BackendMismatchError`), never a result.
 *
 * Browser runners: bundle src/profiles/protocol.ts into the page (it has no Node imports), call
 * `runProtocol(fn, protocol, performanceClock())` (fn = one inference plus any read-back) THERE and return
 * the ProtocolRun as JSON in one round trip; `timerResolutionMs` then records the page's clock (5 µs when
 * crossOriginIsolated, ~100 µs otherwise) and batching adapts to it. Put the adapter info and
 * crossOriginIsolated into `executed.adapter` / `executed.details`; a SwiftShader/fallback adapter where
 * hardware WebGPU was requested, or a wasm fallback, is a BackendMismatchError.
 *
 * Statistics are NOT computed by runners: one `measure` call is one session; the engine (src/engine) runs k
 * of them per pair, records each, and combines them with src/results/records.ts combineSessions.
 *
 * Conventions: times in milliseconds; the target id is the runner id (`ort-cpu`, `ort-wasm`, `ort-webgpu`...);
 * common setting keys are `threads` (int), `optLevel` ('disabled'|'basic'|'extended'|'all'); runners may add
 * their own keys (listed in `settings`).
 */
import { tmpdir } from 'node:os';
import { InputError } from '../errors.js';
import type { Graph } from '../models/graph.js';
import type { DType } from '../models/cost.js';
import type { ProtocolHooks, ProtocolRun, ProtocolSettings } from '../profiles/protocol.js';

/** Model file formats a runner can load. */
export type ModelFormat = 'onnx' | 'tflite';

/**
 * How to reach the device a run measures (from the device profile's `connection`):
 *  - `local`: this machine;
 *  - `adb`: an Android device through an adb server (the local one, or `adbServer` host:port, e.g. a device
 *    farm), picked by `serial` or by `model` (ro.product.model); `devtools` reaches Chrome on it (an endpoint
 *    already forwarded, or the abstract socket to forward, default chrome_devtools_remote);
 *  - `devtools`: a browser elsewhere reached through its DevTools endpoint (ws:// or http://host:port).
 */
export type DeviceConnection =
  | { kind: 'local' }
  | {
      kind: 'adb';
      serial?: string;
      model?: string;
      adbServer?: { host: string; port: number };
      devtools?: { endpoint?: string; socket?: string };
    }
  | { kind: 'devtools'; endpoint: string };

/** What every detect/measure call gets: the device, an abort signal, a scratch directory. */
export interface RunContext {
  /** device profile id; 'host' for this machine. */
  deviceId: string;
  connection: DeviceConnection;
  /** aborted on Ctrl-C / SIGTERM or by the caller: stop between samples, release what was opened, throw. */
  signal: AbortSignal;
  /** a directory the runner may write scratch files into (profiler output, pushed files' staging). */
  scratchDir: string;
  /** progress lines for the user (optional; runners must not print directly). */
  log?: (line: string) => void;
}

/** Why a runner cannot use the context's connection, or null when it can (one wording for every check). */
export function connectionMismatch(
  r: { id: string; connections: readonly DeviceConnection['kind'][] },
  ctx: Pick<RunContext, 'deviceId' | 'connection'>,
): string | null {
  if (r.connections.includes(ctx.connection.kind)) return null;
  return `${r.id} runs over ${r.connections.join('/')} connections, and device '${ctx.deviceId}' is reached over ${ctx.connection.kind}`;
}

/** The context of this machine, for tests, scripts and `targets` (no device profile involved). */
export function localContext(opts: { signal?: AbortSignal; scratchDir?: string; log?: (line: string) => void } = {}): RunContext {
  return {
    deviceId: 'host',
    connection: { kind: 'local' },
    signal: opts.signal ?? new AbortController().signal,
    scratchDir: opts.scratchDir ?? tmpdir(),
    ...(opts.log ? { log: opts.log } : {}),
  };
}

/** A setting value; kept scalar so settings serialise and compare trivially. */
export type SettingValue = string | number | boolean;

/** Target settings, e.g. `{threads: 1, optLevel: 'all', allowSpinning: false}`. */
export type TargetSettings = Record<string, SettingValue>;

/** Where a workload runs: a runtime + backend + fully resolved settings. */
export interface Target {
  /** target id, e.g. 'ort-cpu' (equals the runner id). */
  id: string;
  /** runner id that measures it. */
  runner: string;
  /** backend / execution provider requested, e.g. 'cpu', 'wasm', 'webgpu'. */
  backend: string;
  /** resolved settings (every default filled in), all recorded with the measurement. */
  settings: TargetSettings;
}

/** Result of `Runner.detect()`. */
export type Availability = { available: true; details: Record<string, unknown> } | { available: false; reason: string };

/** Declares one setting a runner understands (drives CLI validation and `targets` output). */
export interface SettingSpec {
  key: string;
  type: 'int' | 'enum' | 'bool' | 'string';
  /** allowed values for 'enum'. */
  values?: readonly string[];
  /** for 'string': the whole value must match this regular expression (e.g. /^c?[0-9a-f]+$/ for a CPU mask). */
  pattern?: RegExp;
  /** for 'string': what `pattern` means, shown in errors (e.g. 'a hex CPU mask such as f0'). */
  patternText?: string;
  /** inclusive bounds for 'int'. */
  min?: number;
  max?: number;
  default: SettingValue;
  describe: string;
}

/** The exported model file of a workload (from the export cache, src/models/export/cache.ts). */
export interface WorkloadFile {
  path: string;
  /** sha256 of the file content, hex. */
  sha256: string;
  bytes: number;
  format: ModelFormat;
  dtype: DType;
  /** input height of the exported graph: the model resolution for models and architectures, the block's
   * input height for blocks (the model resolution is in the workload id, e.g. `@224`). */
  resolution: number;
}

/** A workload ready to run: what it is (graph) and the file that encodes it. */
export interface PreparedWorkload {
  /** stable workload id, e.g. 'model:conv-s@224', 'block:conv-m/b05@256'. */
  id: string;
  kind: 'model' | 'block' | 'arch';
  description: string;
  graph: Graph;
  /** for whole models: which model, at which resolution, and its native one. */
  model?: { id: string; resolution: number; nativeResolution: number };
  file: WorkloadFile;
}

/** What actually executed, and how we know (never just what was requested). */
export interface ExecutedBackend {
  /** runtime package, e.g. 'onnxruntime-node'. */
  runtime: string;
  runtimeVersion: string;
  /** backend that ran, e.g. 'cpu', 'wasm', 'webgpu'. */
  backend: string;
  /** execution provider that ran the nodes (ORT), e.g. 'CPUExecutionProvider'. */
  provider?: string;
  /** GPU adapter facts for GPU backends (vendor, architecture, isFallbackAdapter...). */
  adapter?: Record<string, unknown>;
  /** human-readable proof naming the session each part comes from, e.g. 'timed session: ... ; profiling session ...: 57/57 nodes ...'. */
  evidence: string;
  /** further facts: threads actually used, SIMD, crossOriginIsolated, user agent... */
  details?: Record<string, unknown>;
  /** how much of the model ran on the requested backend (checkBackendShare); absent where not measurable. */
  share?: BackendShare;
}

/**
 * How much of a model ran on the requested backend, from the runtime's own node list: ORT's profiler kernel
 * events (per provider), TFLite's op profile (ops left to builtin kernels vs the model's ops).
 */
export interface BackendShare {
  /** the provider / delegate that was requested, e.g. 'CPUExecutionProvider', 'XNNPACK'. */
  requested: string;
  /** nodes (kernels, ops) that ran on it, and in all. */
  onRequested: number;
  total: number;
  /** onRequested / total. */
  nodeShare: number;
  /** share of profiled time on it (null when the profile has no times for every node). */
  timeShare: number | null;
  /** nodes per other provider / kind. */
  others: Record<string, number>;
  /** where the node list (and the placement) came from, e.g. 'node list: ORT profiler of the verification session ...; timed session: ...'. */
  source: string;
}

/**
 * The verdict on a backend share: nothing on the requested backend is a BackendMismatchError; part of the
 * model elsewhere (a partial fallback) is a warning naming the share, or, with `strict`
 * (--strict-backend), a BackendMismatchError too. Returns the warning (null for a full share).
 */
export function checkBackendShare(targetId: string, requestedBackend: string, share: BackendShare, strict: boolean): string | null {
  const others = Object.entries(share.others)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${n} on ${p}`)
    .join(', ');
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.995 ? 1 : 2)}%`;
  const what = `${share.onRequested} of ${share.total} nodes (${pct(share.nodeShare)}${share.timeShare !== null ? `, ${pct(share.timeShare)} of profiled time` : ''}) on ${share.requested}`;
  if (share.total === 0)
    throw new BackendMismatchError(targetId, requestedBackend, 'unknown', `${share.source} lists no nodes, so what ran cannot be proven`);
  if (share.onRequested === 0) throw new BackendMismatchError(targetId, requestedBackend, others || 'unknown', `${share.source}: ${what}`);
  if (share.onRequested === share.total) return null;
  if (strict)
    throw new BackendMismatchError(
      targetId,
      requestedBackend,
      `partly ${others}`,
      `${share.source}: ${what}; --strict-backend refuses a partial fallback`,
    );
  return `partial fallback: ${what}; the rest ran elsewhere (${others}); figures mix backends (--strict-backend makes this an error)`;
}

/** Time of one node (kernel) in the profiling pass: median over the profiled runs. */
export interface NodeTiming {
  name: string;
  op: string;
  provider?: string;
  /** block id via blockOfNodeName(); null when the name cannot be attributed (fused/renamed nodes). */
  block: string | null;
  medianMs: number;
}

/** Summed node medians of one block (or of the 'unattributed' bucket). */
export interface BlockTiming {
  block: string;
  ms: number;
  nodes: number;
  /** ms by op type within the block. */
  ops: Record<string, number>;
}

/** Per-op / per-block breakdown from a separate profiling pass. Its times are profiler times, not samples. */
export interface OpProfile {
  /** e.g. 'onnxruntime-profiler', 'tflite-profiling-summary', 'webgpu-timestamp-query'. */
  source: string;
  /** profiled runs (after the runtime's own warm-up). */
  runs: number;
  /** median of whole-run time as reported by the profiler (e.g. ORT model_run), ms; null if not reported. */
  runMedianMs: number | null;
  nodes: NodeTiming[];
  /** blocks in graph order, then the 'unattributed' bucket when it is not empty. */
  blocks: BlockTiming[];
  /** ms of node time that could not be mapped to a block (honest remainder). */
  unattributedMs: number;
  /** sum of node medians / runMedianMs (how much of a run the nodes explain); null if runMedianMs null. */
  coverage: number | null;
  notes: string[];
}

/**
 * Timing of a session by an external tool that prints summary statistics only (TFLite `benchmark_model`:
 * its `count/first/curr/min/max/avg/std` line and `Inference timings in us` line). Times in ms.
 */
export interface ExternalTiming {
  /** e.g. 'tflite-benchmark_model'. */
  tool: string;
  toolVersion?: string;
  /** the exact argument vector that ran (no shell string). */
  command?: string[];
  summary: {
    count: number;
    firstMs?: number;
    minMs: number;
    maxMs: number;
    meanMs: number;
    stdMs: number;
    medianMs?: number;
    p5Ms?: number;
    p95Ms?: number;
  };
  warmup?: { count: number; meanMs: number };
  /** the tool's own initialisation time (model load + delegate), ms. */
  initMs?: number;
  /** memory figures the tool printed, e.g. {initFootprintMb: 12.3, overallFootprintMb: 20.1}. */
  memory?: Record<string, number>;
  /** --sustained: each back-to-back run's latency and the thermal zones after it, against time. */
  sustained?: { tMs: number; meanMs: number; medianMs?: number; count: number; hottestC: number | null; zones: Record<string, number> }[];
}

/** The cold-start figures of one session. */
export interface ColdStart {
  /** creating the session from model bytes already in memory (graph optimisation, kernel/shader
   * preparation included), ms. */
  sessionCreateMs: number;
  /** the first inference after creation, ms (= protocol.coldMs). */
  firstInferenceMs: number;
  /**
   * one-time runtime initialisation in this process (WASM compile, browser/page start...), ms; present only
   * when this measurement paid it, and then NOT included in sessionCreateMs.
   */
  runtimeInitMs?: number;
}

/** Fields shared by both kinds of MeasurementResult. */
interface MeasurementResultBase {
  workloadId: string;
  target: Target;
  executed: ExecutedBackend;
  profile?: OpProfile;
  /** runner-level warnings (stats warnings are added by stats.ts). */
  warnings: string[];
  /** runner-specific context facts worth keeping (e.g. os load before/after, page URL). */
  context?: Record<string, unknown>;
}

/**
 * Everything a runner measured in ONE session (its own session creation, warm-up and samples) of one
 * workload on one target. Raw: stats come later. Exactly one of `protocol` (timed by our protocol, raw
 * samples) or `external` (timed by an external tool, summary statistics only).
 */
export type MeasurementResult = MeasurementResultBase &
  (
    | {
        /** the sampling loop's output: raw samples, warm-up, batch size, timer resolution, stop reason. */
        protocol: ProtocolRun;
        external?: undefined;
        coldStart: ColdStart;
      }
    | {
        protocol?: undefined;
        external: ExternalTiming;
        /** what the tool reports of the cold start, when it does. */
        coldStart?: Partial<ColdStart>;
      }
  );

/** The protocol run of a result timed by our protocol; throws for an externally timed one. */
export function protocolRunOf(r: MeasurementResult): ProtocolRun {
  if (!r.protocol) throw new Error(`${r.target.id}: ${r.workloadId} was timed by ${r.external.tool}, not by the protocol (no per-call samples)`);
  return r.protocol;
}

/** Options of one `measure` call. */
export interface MeasureOptions {
  /** run a separate profiling pass after the timed samples and return `profile`. */
  profile?: boolean;
  /** profiled runs in that pass (default chosen by the runner, e.g. 10). */
  profileRuns?: number;
  /** progress hooks passed through to runProtocol (the engine adds `shouldAbort` from the context's signal). */
  hooks?: ProtocolHooks;
  /** a partial fallback (part of the model off the requested backend) is an error (--strict-backend). */
  strictBackend?: boolean;
}

/** A runner: one per target id. Factories must be cheap; heavy runtime imports happen in detect/measure. */
export interface Runner {
  /** target id, e.g. 'ort-cpu'. */
  readonly id: string;
  /** runtime package, e.g. 'onnxruntime-node'. */
  readonly runtime: string;
  /** backend it requests, e.g. 'cpu'. */
  readonly backend: string;
  /** one line for `targets`. */
  readonly describe: string;
  readonly formats: readonly ModelFormat[];
  /** settings it understands (with defaults). */
  readonly settings: readonly SettingSpec[];
  /** the connection kinds it can use; a device profile with another kind skips this target (with the reason). */
  readonly connections: readonly DeviceConnection['kind'][];
  /** version of the runtime it runs (the installed package, or the tool's version), null when unknown. */
  runtimeVersion(): string | null;
  /** validates `input` against `settings`, fills defaults; throws SettingsError naming the key and the fix. */
  resolveSettings(input: Partial<TargetSettings>): TargetSettings;
  /** can this target run on the context's device? Never throws; returns a reason when not. */
  detect(ctx: RunContext): Promise<Availability>;
  /**
   * Measures `w` in ONE session (own session creation, warm-up and samples) under `protocol` with resolved
   * `settings` on the context's device. The engine calls it k times for k independent sessions.
   * @throws BackendMismatchError when the backend that ran is not the one requested.
   * @throws RunnerUnavailableError when the target cannot run here.
   */
  measure(
    w: PreparedWorkload,
    protocol: ProtocolSettings,
    settings: TargetSettings,
    ctx: RunContext,
    options?: MeasureOptions,
  ): Promise<MeasurementResult>;
  /** releases sessions, browsers, servers. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Builds a runner; registered in src/runners/registry.ts (or browser-runners.ts). */
export type RunnerFactory = () => Runner;

/** A requested backend did not execute (fallback, wrong provider, software adapter where hardware asked). */
export class BackendMismatchError extends Error {
  override name = 'BackendMismatchError';
  constructor(
    readonly targetId: string,
    readonly requested: string,
    readonly executed: string,
    readonly evidence: string,
  ) {
    super(`${targetId}: requested backend '${requested}' but '${executed}' executed (${evidence}); refusing to record a result`);
  }
}

/** The target cannot run on this host (package missing, no adapter...). */
export class RunnerUnavailableError extends Error {
  override name = 'RunnerUnavailableError';
  constructor(
    readonly targetId: string,
    readonly reason: string,
  ) {
    super(`target '${targetId}' is not available here: ${reason}`);
  }
}

/** A bad target setting (unknown key, out of range): bad input (exit 2). */
export class SettingsError extends InputError {
  override name = 'SettingsError';
}

/**
 * Generic settings validation from a SettingSpec list; runners use it in `resolveSettings`.
 * Accepts numbers/booleans as strings too ('4', 'true'), as they come from the CLI.
 */
export function resolveSettingsFromSpecs(targetId: string, specs: readonly SettingSpec[], input: Partial<TargetSettings>): TargetSettings {
  const out: TargetSettings = {};
  const known = new Set(specs.map((s) => s.key));
  for (const k of Object.keys(input)) {
    if (input[k] !== undefined && !known.has(k)) {
      throw new SettingsError(`${targetId} has no setting '${k}'; its settings are: ${specs.map((s) => s.key).join(', ') || '(none)'}`);
    }
  }
  for (const s of specs) {
    const raw = input[s.key];
    if (raw === undefined) {
      out[s.key] = s.default;
      continue;
    }
    if (s.type === 'int') {
      const v = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(v) || (s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) {
        const range = `${s.min ?? '-inf'}..${s.max ?? 'inf'}`;
        throw new SettingsError(`${targetId}: ${s.key} must be an integer in ${range}, got '${String(raw)}'`);
      }
      out[s.key] = v;
    } else if (s.type === 'bool') {
      const v = typeof raw === 'boolean' ? raw : raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined;
      if (v === undefined) throw new SettingsError(`${targetId}: ${s.key} must be true or false, got '${String(raw)}'`);
      out[s.key] = v;
    } else if (s.type === 'string') {
      const v = String(raw);
      if (s.pattern && !new RegExp(`^(?:${s.pattern.source})$`, s.pattern.flags).test(v)) {
        throw new SettingsError(`${targetId}: ${s.key} must be ${s.patternText ?? `text matching /${s.pattern.source}/`}, got '${v}'`);
      }
      out[s.key] = v;
    } else {
      const v = String(raw);
      if (!s.values?.includes(v)) throw new SettingsError(`${targetId}: ${s.key} must be one of ${s.values?.join('|') ?? ''}, got '${v}'`);
      out[s.key] = v;
    }
  }
  return out;
}
