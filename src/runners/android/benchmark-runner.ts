/**
 * The Android benchmark_model runners (android-cpu, android-gpu, android-nnapi) share this code, built on the
 * shared template (defineRunner with ExternalSessionSteps: checkFile = pushes, run = one tool process, prove =
 * delegation and the optional profile). One `measure` call = one session = one benchmark_model process on the
 * phone, as the paper measured (App. B: int8 on the CPU with XNNPACK pinned to the fastest core, fp16 on the GPU
 * delegate, int8 through NNAPI to the EdgeTPU).
 *
 * One session:
 *  1. find the phone (link.ts; cached), cool down until the hottest SoC zone is below `coolDownC` (or
 *     `coolDownMaxS` passes, then a warning), record the zones before;
 *  2. push the .tflite file under its sha256 and the benchmark_model binary under its hash (each pushed once);
 *  3. run `[taskset <mask>] <benchmark_model> --graph=... --num_threads=... <delegate flags> --warmup_runs=...`
 *     with counts and times from our protocol preset (warm-up iterations/time, minimum runs/time, time cap);
 *     benchmark_model has no convergence rule, so the preset's minimums are what it runs;
 *  4. parse its output (benchmark-model-output.ts) into an ExternalTiming record; read what the delegate took:
 *     a delegate that took nothing is a silent CPU fallback, an error (BackendMismatchError); one that took
 *     part of the graph is recorded with its node share (and, with profiling, its time share) as a warning;
 *  5. optionally a SEPARATE profiling run (--enable_op_profiling=true) parsed by the shared TFLite op-profile
 *     parser into the per-block breakdown;
 *  6. record the zones after, the device facts, the exact argument vector.
 */
import { readFileSync } from 'node:fs';
import { readTflite } from '../../models/export/tflite.js';
import type { ProtocolSettings } from '../../core/protocol-run.js';
import { defineRunner } from '../define.js';
import type { ExternalSessionSteps } from '../measurement.js';
import { buildTfliteProfile, delegateShare, parseTfliteOpProfile } from '../tflite/op-profile.js';
import { BackendMismatchError, type ExecutedBackend, type ExternalTiming, type OpProfile } from '../../core/measurement.js';
import { type Availability, type RunContext, type SettingSpec, type Target, type TargetSettings } from '../../core/target.js';
import { type PreparedWorkload } from '../../core/workload-file.js';
import { RunnerUnavailableError, type Runner } from '../types.js';
import type { AndroidDeviceFacts, ThermalReading } from './adb.js';
import {
  delegationEvidence,
  parseBenchmarkModelOutput,
  requireCompleteRun,
  toExternalTiming,
  type BenchmarkModelOutput,
  type DelegationEvidence,
} from './benchmark-model-output.js';
import { BenchmarkCrossCheckError, crossCheckBenchmarkOutput } from './cross-check.js';
import { poolRuns, sustainedPoint, sustainedWarning, type SustainedPoint } from './sustained.js';
import {
  androidDeps,
  AndroidDeviceUnavailableError,
  benchmarkModelBinary,
  linkAndroid,
  type AdbConnection,
  type AndroidDeps,
  type AndroidLink,
} from './link.js';
import { coolDown, hottestZone, type CoolDownResult } from './thermal.js';

export const TOOL = 'tflite-benchmark_model';
/** Characters of benchmark_model's output kept with each session (its end, when longer). */
export const MAX_KEPT_OUTPUT = 16_000;

/** Settings every benchmark_model target has. */
export const COMMON_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'cpuMask',
    type: 'string',
    pattern: /[0-9a-f]{0,16}/,
    patternText: "a hex CPU mask such as 80 (cpu7), or '' for no pinning",
    default: '',
    describe: 'taskset mask for the benchmark process (empty: not pinned)',
  },
  {
    key: 'coolDownC',
    type: 'int',
    min: 20,
    max: 90,
    default: 42,
    describe: 'start a session only when the hottest SoC thermal zone is at or below this (°C)',
  },
  {
    key: 'coolDownMaxS',
    type: 'int',
    min: 0,
    max: 3600,
    default: 180,
    describe: 'longest wait for the phone to cool down before a session (s); then measure with a warning',
  },
  {
    key: 'pauseS',
    type: 'int',
    min: 0,
    max: 3600,
    default: 0,
    describe: 'a fixed pause before every session (s), before the temperature check (MLPerf Mobile pauses 5 min before a benchmark)',
  },
];

/** What a concrete target adds to the command and how it proves its delegate ran. */
export interface BenchmarkTargetSpec {
  id: string;
  backend: string;
  describe: string;
  settings: readonly SettingSpec[];
  /** delegate flags for the resolved settings (after --graph and --num_threads). */
  delegateArgs(settings: TargetSettings, remote: { externalDelegate?: string }): string[];
  /** the provider name benchmark_model prints for the delegate this target asks for. */
  delegate(settings: TargetSettings): string;
  /** true: a delegate that took nothing is an error (the target promises an accelerator). */
  requiresDelegate: boolean;
  /** local files to push besides the model (e.g. an external delegate library), from settings. */
  extraFiles?(settings: TargetSettings): { key: string; path: string }[];
}

/** benchmark_model flags for a protocol preset (its counts and times; seconds with millisecond precision). */
export function protocolArgs(p: ProtocolSettings): string[] {
  const secs = (ms: number): string => String(Math.round(ms) / 1000);
  return [
    `--warmup_runs=${p.warmupMinIterations}`,
    `--warmup_min_secs=${secs(p.warmupMinMs)}`,
    `--num_runs=${p.minSamples}`,
    `--min_secs=${secs(p.minTimeMs)}`,
    `--max_secs=${secs(p.maxTimeMs)}`,
  ];
}

/** CPUs in a hex taskset mask. */
export function cpusOfMask(mask: string): number[] {
  const v = BigInt(`0x${mask}`);
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((v >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/** A warning when the mask pins cores that are not the phone's fastest (by cpuinfo_max_freq), or no core. */
export function maskWarning(mask: string, cpus: AndroidDeviceFacts['cpus']): string | null {
  if (mask === '') return null;
  const chosen = cpusOfMask(mask);
  const known = new Map(cpus.map((c) => [Number(c.cpu.replace('cpu', '')), c.maxKHz]));
  const missing = chosen.filter((c) => !known.has(c));
  if (chosen.length === 0 || missing.length === chosen.length)
    return `cpuMask ${mask} selects no CPU this phone reports (it has ${cpus.map((c) => c.cpu).join(', ') || 'none listed'})`;
  const fastest = Math.max(...cpus.map((c) => c.maxKHz ?? 0));
  const slow = chosen.filter((c) => (known.get(c) ?? 0) < fastest);
  if (fastest > 0 && slow.length > 0)
    return `cpuMask ${mask} includes cpu${slow.join(', cpu')} below the fastest cores' ${fastest / 1000} MHz (the paper pinned the fastest core)`;
  return null;
}

function adbConnection(ctx: RunContext, targetId: string): AdbConnection {
  if (ctx.connection.kind !== 'adb')
    throw new RunnerUnavailableError(targetId, `it runs over adb, and device '${ctx.deviceId}' is reached over ${ctx.connection.kind}`);
  return ctx.connection;
}

/** Step 0: whether the phone is reachable and can run the arm64 benchmark_model binary. */
async function detectBenchmarkModel(spec: BenchmarkTargetSpec, ctx: RunContext): Promise<Availability> {
  const link = await linkAndroid(ctx.deviceId, adbConnection(ctx, spec.id));
  const bin = benchmarkModelBinary();
  if (!/arm64|aarch64/.test(link.facts.abi)) {
    return { available: false, reason: `${link.facts.model} reports ABI '${link.facts.abi}'; the benchmark_model binary is for arm64-v8a` };
  }
  return {
    available: true,
    details: {
      serial: link.device.serial,
      model: link.facts.model,
      soc: link.facts.soc,
      android: link.facts.androidRelease,
      adbServer: link.server,
      benchmarkModel: bin.path,
    },
  };
}

/** One session's state: fixed at its start, then filled in by the steps, in order. */
interface BenchmarkSession {
  spec: BenchmarkTargetSpec;
  w: PreparedWorkload;
  ctx: RunContext;
  settings: TargetSettings;
  link: AndroidLink;
  deps: Readonly<AndroidDeps>;
  bin: ReturnType<typeof benchmarkModelBinary>;
  mask: string;
  /** `taskset <mask>` when a mask is set. */
  pin: string[];
  threads: string[];
  requested: string;
  /** the runner's last seen tool version (runtimeVersion). */
  tool: { version: string | null };
  remoteBin: string;
  remoteModel: string;
  base: string[];
  argv: string[];
  timeoutMs: number;
  cool?: CoolDownResult;
  out?: BenchmarkModelOutput;
  after: ThermalReading[];
  toolOutput: string;
}

/**
 * requireCompleteRun, except that output cut off without an exit status from a phone the adb server no longer
 * lists is reported as the phone disconnecting mid-run (not as a truncated benchmark).
 */
async function requireRunOrGone(
  st: BenchmarkSession,
  out: BenchmarkModelOutput,
  run: { text: string; exitCode: number | null },
  targetId: string,
): Promise<ReturnType<typeof requireCompleteRun>> {
  try {
    return requireCompleteRun(out, run.text, run.exitCode);
  } catch (e) {
    if (run.exitCode !== null) throw e;
    const { serial, transport } = st.link.device;
    const listed = await transport.listDevices().catch(() => []);
    if (listed.some((d) => d.serial === serial && d.state === 'device')) throw e;
    throw new AndroidDeviceUnavailableError(
      `${targetId}: the phone ${serial} disconnected while benchmark_model ran (the adb server at ${transport.server} no longer lists it); this session's partial output is not recorded, sessions finished before it are kept: reconnect the phone and run the same command again`,
    );
  }
}

/** A complete benchmark_model run whose echoed settings are the command's (else the session is refused). */
async function checkedRun(st: BenchmarkSession, args: string[], targetId: string) {
  const run = await runTool(st, args);
  const parsed = parseBenchmarkModelOutput(run.text);
  const complete = await requireRunOrGone(st, parsed, run, targetId);
  // every setting the tool echoes must be the command's: otherwise these are not the figures asked for
  const problems = crossCheckBenchmarkOutput(parsed, args);
  if (problems.length > 0) throw new BenchmarkCrossCheckError(targetId, problems);
  return { run, parsed, complete };
}

/** --sustained: back-to-back runs for `ms`, each with the zones after it (at least two); the session pools them. */
async function sustainedRun(st: BenchmarkSession, ms: number, warnings: string[], signal: AbortSignal) {
  const start = Date.now();
  const runs: ExternalTiming[] = [];
  const series: SustainedPoint[] = [];
  let first: Awaited<ReturnType<typeof checkedRun>> | undefined;
  do {
    const r = await checkedRun(st, st.argv, st.spec.id);
    first ??= r;
    st.toolOutput = r.run.text.length > MAX_KEPT_OUTPUT ? `...${r.run.text.slice(-MAX_KEPT_OUTPUT)}` : r.run.text;
    st.out = r.parsed;
    const t = toExternalTiming(r.complete, st.argv);
    st.after = await st.link.device.thermal();
    runs.push(t);
    series.push(sustainedPoint(Date.now() - start, t, st.after));
  } while ((Date.now() - start < ms || runs.length < 2) && !signal.aborted);
  warnings.push(sustainedWarning(series, ms));
  st.tool.version = st.out?.tensorflowVersion ?? st.tool.version;
  const s = first!.complete.summary;
  return {
    external: poolRuns(runs, series),
    coldStart: { sessionCreateMs: s.initUs / 1000, ...(s.firstInferenceUs !== null ? { firstInferenceMs: s.firstInferenceUs / 1000 } : {}) },
    warnings,
  };
}

/** One benchmark_model process on the phone, under the session's time limit. */
async function runTool(st: BenchmarkSession, args: string[]): Promise<{ text: string; exitCode: number | null }> {
  const r = await st.link.device.shell(args, { timeoutMs: st.timeoutMs, signal: st.ctx.signal });
  return { text: r.output, exitCode: r.exitCode };
}

/** Step 1: the files on the phone: the binary and the model under their hashes (each pushed once). */
async function pushFiles(st: BenchmarkSession): Promise<void> {
  const { link, settings, spec } = st;
  st.remoteBin = await link.device.pushBinary(st.bin.path);
  st.remoteModel = await link.device.pushModel(st.w.file.path, st.w.file.sha256);
  const remoteExtra: Record<string, string> = {};
  for (const f of spec.extraFiles?.(settings) ?? []) remoteExtra[f.key] = await link.device.pushBinary(f.path, f.key);
  st.base = [
    st.remoteBin,
    `--graph=${st.remoteModel}`,
    ...st.threads,
    ...spec.delegateArgs(settings, { externalDelegate: remoteExtra.external_delegate }),
  ];
}

/** Steps 2+3: cool down, then one benchmark_model process: its own session, warm-up and timed runs. */
async function coolAndRun(st: BenchmarkSession, protocol: ProtocolSettings, signal: AbortSignal) {
  const { link, settings, spec, w, ctx } = st;
  const warnings: string[] = [];
  const cool = await coolDown(
    link.device,
    {
      maxStartC: Number(settings.coolDownC),
      maxWaitMs: Number(settings.coolDownMaxS) * 1000,
      pollMs: 5000,
      pauseMs: Number(settings.pauseS) * 1000,
    },
    st.deps.sleep,
    signal,
  );
  st.cool = cool;
  if (!cool.cool) {
    warnings.push(
      cool.hottestAfter
        ? `the phone did not cool to ${String(settings.coolDownC)} °C within ${String(settings.coolDownMaxS)} s (hottest zone ${cool.hottestAfter.type} at ${cool.hottestAfter.celsius} °C): measured warm`
        : 'the phone exposes no readable SoC thermal zone: no cool-down possible',
    );
  }
  const mw = maskWarning(st.mask, link.facts.cpus);
  if (mw) warnings.push(mw);
  st.argv = [...st.pin, ...st.base, ...protocolArgs(protocol), '--enable_op_profiling=false'];
  // the tool stops each phase at --max_secs: both phases, initialisation and a margin
  st.timeoutMs = 2 * protocol.maxTimeMs + protocol.warmupMinMs + 120_000;
  ctx.log?.(`${spec.id}: ${w.id} on ${link.facts.model} (${link.device.serial})`);
  if ((st.deps.sustainedMs ?? 0) > 0) return sustainedRun(st, st.deps.sustainedMs ?? 0, warnings, signal);
  const { run, parsed: out, complete } = await checkedRun(st, st.argv, spec.id);
  // kept with the session: what the tool printed is the ground truth the parsed figures come from
  st.toolOutput = run.text.length > MAX_KEPT_OUTPUT ? `...${run.text.slice(-MAX_KEPT_OUTPUT)}` : run.text;
  st.out = out;
  if (run.exitCode !== 0 && run.exitCode !== null) warnings.push(`benchmark_model exited with status ${run.exitCode} after printing a complete run`);
  for (const e of out.errors) warnings.push(`benchmark_model: ${e}`);
  st.tool.version = out.tensorflowVersion ?? st.tool.version;
  st.after = await link.device.thermal();
  return {
    external: toExternalTiming(complete, st.argv),
    coldStart: {
      sessionCreateMs: complete.summary.initUs / 1000,
      ...(complete.summary.firstInferenceUs !== null ? { firstInferenceMs: complete.summary.firstInferenceUs / 1000 } : {}),
    },
    warnings,
  };
}

/** Step 4: what the delegate took, from its own lines: the backend that executed, or a BackendMismatchError. */
function executedBackendOf(st: BenchmarkSession, delegation: DelegationEvidence, warnings: string[]): string {
  const { spec, requested } = st;
  if (delegation.state === 'none') {
    if (spec.requiresDelegate) {
      throw new BackendMismatchError(
        spec.id,
        spec.backend,
        'cpu',
        `benchmark_model: ${delegation.evidence.join('; ') || `the ${requested} delegate took no node`}`,
      );
    }
    warnings.push(`the ${requested} delegate took no node: TFLite's built-in CPU kernels ran the graph`);
    return 'cpu (no delegate)';
  }
  if (delegation.state === 'partial') {
    const share = delegation.nodeShare !== null ? `${(delegation.nodeShare * 100).toFixed(1)}% of nodes` : 'part of the graph';
    warnings.push(`partial delegation: the ${requested} delegate ran ${share}; the rest fell back to the CPU (${delegation.evidence.join('; ')})`);
    return `${spec.backend}+cpu`;
  }
  if (delegation.state === 'unknown') warnings.push(`benchmark_model printed nothing about the ${requested} delegate; what executed is not proven`);
  return spec.backend;
}

/** Step 5: a separate op-profiling run, parsed into the per-block breakdown, and the delegate's time share. */
async function profileRun(
  st: BenchmarkSession,
  runs: number,
  delegation: DelegationEvidence,
  warnings: string[],
): Promise<{ profile?: OpProfile; timeShare: number | null }> {
  const pargv = [...st.pin, ...st.base, '--warmup_runs=1', '--warmup_min_secs=0', `--num_runs=${runs}`, '--min_secs=0', '--enable_op_profiling=true'];
  const { run: prun, complete: pout } = await checkedRun(st, pargv, `${st.spec.id} (profiling run)`);
  const tables = parseTfliteOpProfile(prun.text);
  if (tables.nodes.length === 0) {
    warnings.push('the profiling run printed no op-profiling table (a benchmark_model built without the profiler?)');
    return { timeShare: null };
  }
  const share = delegateShare(tables);
  if (delegation.state === 'partial' && share.builtinOps.length > 0) warnings.push(`CPU-fallback ops: ${share.builtinOps.join(', ')}`);
  const summary = readTflite(new Uint8Array(readFileSync(st.w.file.path)));
  const runMs = (pout.inference.medianUs ?? pout.inference.avgUs ?? 0) / 1000;
  const profile = buildTfliteProfile(tables, summary, st.w.graph, runs, runMs, 'tflite-benchmark_model-op-profiling');
  if (pout.inference.medianUs === undefined) profile.notes.push("runMedianMs is the profiled runs' mean: this benchmark_model prints no median");
  return { profile, timeShare: share.delegatedTimeShare };
}

/** Steps 4+5: what the delegate took; a separate op-profiling run when asked. */
async function proveDelegation(st: BenchmarkSession, request: { profile?: boolean; profileRuns?: number }) {
  const { spec, out, requested } = st;
  if (!out) throw new Error(`${spec.id}: prove before run`);
  const warnings: string[] = [];
  const delegation: DelegationEvidence = delegationEvidence(out, requested);
  const executedBackend = executedBackendOf(st, delegation, warnings);
  const { profile, timeShare } = request.profile ? await profileRun(st, request.profileRuns ?? 10, delegation, warnings) : { timeShare: null };
  const executed: ExecutedBackend = {
    runtime: TOOL,
    runtimeVersion: out.tensorflowVersion ?? 'unknown (the binary does not print its version)',
    backend: executedBackend,
    provider: requested,
    evidence: `benchmark_model: ${delegation.evidence.join('; ') || 'no delegate lines'}`,
    details: {
      delegation: {
        state: delegation.state,
        nodeShare: delegation.nodeShare,
        delegatedNodes: delegation.delegatedNodes,
        totalNodes: delegation.totalNodes,
        timeShare,
      },
      ...(out.nnapiAccelerators ? { nnapiAccelerators: out.nnapiAccelerators } : {}),
      delegatesCreated: out.delegatesCreated,
    },
  };
  return { executed, ...(profile ? { profile } : {}), warnings };
}

/** Step 6: the zones before and after, the device facts, the files and what the tool printed. */
function sessionContext(st: BenchmarkSession): Record<string, unknown> {
  const { link, cool, after } = st;
  return {
    device: {
      serial: link.device.serial,
      model: link.facts.model,
      manufacturer: link.facts.manufacturer,
      soc: link.facts.soc,
      android: link.facts.androidRelease,
      sdk: link.facts.sdk,
      abi: link.facts.abi,
      governors: [...new Set(link.facts.cpus.map((c) => c.governor))],
      adbServer: link.server,
    },
    thermal: {
      before: cool?.first ?? [],
      atStart: cool?.last ?? [],
      after,
      coolDownWaitedMs: cool?.waitedMs ?? 0,
      hottestAtStart: cool?.hottestAfter ?? null,
      hottestAfter: hottestZone(after),
    },
    benchmarkModel: { local: st.bin.path, from: st.bin.from, remote: st.remoteBin },
    remoteModel: st.remoteModel,
    toolOutput: st.toolOutput,
    protocolMapping:
      'benchmark_model runs the preset minimums (warm-up iterations/time, runs/time) and stops each phase at the time cap; it has no convergence rule',
  };
}

/** One session's steps (module comment). */
async function benchmarkSession(
  spec: BenchmarkTargetSpec,
  tool: { version: string | null },
  w: PreparedWorkload,
  target: Target,
  ctx: RunContext,
): Promise<ExternalSessionSteps> {
  const settings = target.settings;
  const mask = String(settings.cpuMask);
  const st: BenchmarkSession = {
    spec,
    w,
    ctx,
    settings,
    link: await linkAndroid(ctx.deviceId, adbConnection(ctx, spec.id)),
    deps: androidDeps(),
    bin: benchmarkModelBinary(),
    mask,
    pin: mask !== '' ? ['taskset', mask] : [],
    threads: settings.threads !== undefined ? [`--num_threads=${String(settings.threads)}`] : [],
    requested: spec.delegate(settings),
    tool,
    remoteBin: '',
    remoteModel: '',
    base: [],
    argv: [],
    timeoutMs: 0,
    after: [],
    toolOutput: '',
  };
  return {
    timing: 'external',
    checkFile: () => pushFiles(st),
    run: (protocol, signal) => coolAndRun(st, protocol, signal),
    prove: (request) => proveDelegation(st, request),
    context: () => sessionContext(st),
  };
}

/** Builds a benchmark_model runner from a target spec, on the shared runner template (external timing). */
export function createBenchmarkModelRunner(spec: BenchmarkTargetSpec): Runner {
  const specs = [...spec.settings, ...COMMON_SETTINGS];
  const tool = { version: null as string | null };
  return defineRunner({
    id: spec.id,
    runtime: TOOL,
    backend: spec.backend,
    describe: spec.describe,
    formats: ['tflite'],
    settings: specs,
    connections: ['adb'],
    runtimeVersion: () => tool.version,
    detect: (ctx) => detectBenchmarkModel(spec, ctx),
    session: (w, target, ctx) => benchmarkSession(spec, tool, w, target, ctx),
  });
}
