/**
 * What ort-cpu (onnxruntime-node) and ort-wasm (onnxruntime-web in Node) share: their steps of the measurement
 * sequence (src/runners/measurement.ts).
 *
 *  1. check file: read the model bytes (untimed);
 *  2. timed load: create the session from the bytes (`coldStart.sessionCreateMs`, graph optimisation included;
 *     the runtime start this session paid is timed apart as `runtimeInitMs`, see startRuntimeOnce);
 *  3. protocol: one `session.run(feeds)` per call; its cold call is `coldStart.firstInferenceMs`;
 *  4. output check: the output's element count against the graph;
 *  5. proof of what ran, in two parts kept apart in the record:
 *     - from the TIMED session: it was created with exactly one execution provider ('cpu' / 'wasm', both the
 *       CPU EP; ORT appends no other and keeps the CPU EP it always has), and ORT refuses to create a session
 *       holding a node that no registered provider implements ("Could not find an implementation for ..."), so
 *       every node of the timed session ran on the CPU EP; a partial fallback cannot exist there;
 *     - from a SEPARATE profiling session (same bytes and options plus profiling, created after the timed one
 *       is released, because ORT can only switch its profiler on at session creation and it slows every run):
 *       the node count N and the providers its kernel events name (checked again by checkBackendShare);
 *  6. with `profile`, that profiling session also gives the per-op / per-block breakdown.
 * The timed samples never run with the profiler on.
 */
import { readFile } from 'node:fs/promises';
import { setBounded } from '../../util/bounded-map.js';
import { runtimeProbeModel } from '../../models/export/onnx.js';
import { INPUT_TENSOR } from '../../models/graph.js';
import { seededInput } from '../../models/weights.js';
import type { ProtocolSettings } from '../../core/protocol-run.js';
import { measureSession, sampleWith, type SessionSteps } from '../measurement.js';
import { buildOrtProfile, ortBackendShare, providerCounts, usedSubThreads, type OrtTraceEvent } from './profile.js';
import { checkBackendShare, type MeasurementResult, type OpProfile } from '../../core/measurement.js';
import { type RunContext, type Target } from '../../core/target.js';
import { type PreparedWorkload } from '../../core/workload-file.js';
import { type MeasureOptions } from '../types.js';

/** The slice of the onnxruntime-common API we use (both packages implement it). */
export interface OrtTensorLike {
  dims: readonly number[];
  type: string;
}
export interface OrtSessionLike {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensorLike>>;
  endProfiling(): void;
  release(): Promise<void>;
}
export interface OrtModuleLike {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  env: { versions: Record<string, string | undefined> };
}

/** How one ORT flavour differs. */
export interface OrtFlavour {
  target: Target;
  ort: OrtModuleLike;
  runtime: string;
  runtimeVersion: string;
  /** session options for the timed session (no profiling). */
  sessionOptions: Record<string, unknown>;
  /** provider every kernel must report: the one the timed session's sole execution provider is. */
  expectedProvider: string;
  /** creates the profiling session and, after `runs` runs, returns the trace events. */
  profileEvents(bytes: Uint8Array, runs: number, runOnce: (s: OrtSessionLike) => Promise<void>): Promise<OrtTraceEvent[]>;
  /** facts for `executed.details` besides settings. */
  details(events: OrtTraceEvent[]): Record<string, unknown>;
  /** what the timed session is, e.g. 'onnxruntime-node'; the evidence adds its execution provider list. */
  evidencePrefix: string;
  profileSource: string;
  /** the runtime start this session paid (startRuntimeOnce), recorded as `coldStart.runtimeInitMs`, ms. */
  initRuntime?(bytes: Uint8Array): Promise<number>;
  /** last look at the result (warnings about threads...). */
  finish?(result: MeasurementResult): void;
}

const runtimesStarted = new WeakSet<object>();

/**
 * Starts an ORT runtime once per process and returns what that cost this session, ms: the first session
 * of the runtime module creates a session of the minimal probe model (export/onnx.ts runtimeProbeModel) with
 * the same options, which loads and instantiates the runtime (WASM compile, execution provider, thread
 * pools) without the real model's work; every later session pays 0. So `runtimeInitMs` means the same on
 * every target: the runtime start this session paid, never part of sessionCreateMs.
 */
export async function startRuntimeOnce(ort: OrtModuleLike, sessionOptions: Record<string, unknown>): Promise<number> {
  if (runtimesStarted.has(ort)) return 0;
  const t0 = performance.now();
  const probe = await ort.InferenceSession.create(runtimeProbeModel(), sessionOptions);
  const ms = performance.now() - t0;
  await probe.release();
  runtimesStarted.add(ort);
  return ms;
}

/**
 * The one execution provider a session's options ask for; throws when they list none or several, since the
 * proof from the timed session (module comment) holds only for a single provider.
 */
export function soleExecutionProvider(sessionOptions: Record<string, unknown>): string {
  const eps = sessionOptions.executionProviders;
  if (!Array.isArray(eps) || eps.length !== 1 || typeof eps[0] !== 'string')
    throw new Error(`the timed ORT session must ask for exactly one execution provider by name, got ${JSON.stringify(eps)}`);
  return eps[0];
}

/**
 * The timed session's part of the evidence: its sole provider, and why that puts every node on it. `nodes` is
 * the node count the profiling session found (labelled as such by the caller).
 */
export function soleProviderEvidence(what: string, epOption: string, provider: string): string {
  return `timed session: ${what} created with executionProviders ['${epOption}'] only, so ${provider} is the only execution provider registered in it; ORT refuses to create a session with a node no registered provider implements, so every node of the timed session ran on ${provider}`;
}

/** The source of a share whose node list comes from a twin session and whose placement from the timed one. */
export function soleProviderShareSource(twin: string, provider: string): string {
  return `node list: ORT profiler of ${twin} (same model and options); placement: ${provider} was the only provider registered in the timed session`;
}

/** Profiler events of earlier profiling sessions, by target, runtime, model file (sha256) and options (bounded). */
const nodeLists = new Map<string, { events: OrtTraceEvent[]; runs: number }>();
const MAX_NODE_LISTS = 256;

/** Profiled runs when `profile` is asked for (after PROFILE_SKIP cold runs). */
export const DEFAULT_PROFILE_RUNS = 10;
export const PROFILE_SKIP = 2;

function inputFeeds(ort: OrtModuleLike, session: OrtSessionLike, w: PreparedWorkload): Record<string, unknown> {
  const [c, h, wd] = w.graph.inputShape;
  const name = session.inputNames.includes(INPUT_TENSOR) ? INPUT_TENSOR : session.inputNames[0];
  if (name === undefined || session.inputNames.length !== 1) {
    throw new Error(`${w.file.path}: expected one graph input named '${INPUT_TENSOR}', found [${session.inputNames.join(', ')}]`);
  }
  return { [name]: new ort.Tensor('float32', seededInput(w.graph), [1, c, h, wd]) };
}

function checkOutput(out: Record<string, OrtTensorLike>, w: PreparedWorkload): void {
  const first = Object.values(out)[0];
  if (!first) throw new Error(`${w.id}: the session returned no output`);
  const want = w.graph.outputShape.reduce((a, b) => a * b, 1);
  const got = first.dims.reduce((a, b) => a * b, 1);
  if (got !== want)
    throw new Error(
      `${w.id}: output has ${got} elements [${first.dims.join('x')}], the graph describes ${want} [${w.graph.outputShape.join('x')}]: model file and workload disagree`,
    );
}

/** The steps of one measurement (module comment). */
export function ortSteps(f: OrtFlavour, w: PreparedWorkload): SessionSteps {
  let bytes: Uint8Array | undefined;
  let session: OrtSessionLike | undefined;
  let feeds: Record<string, unknown> | undefined;
  return {
    async checkFile() {
      bytes = new Uint8Array(await readFile(w.file.path));
    },
    async load() {
      const model = bytes as Uint8Array;
      const runtimeInitMs = f.initRuntime ? await f.initRuntime(model) : undefined;
      const c0 = performance.now();
      try {
        session = await f.ort.InferenceSession.create(model, f.sessionOptions);
      } catch (e) {
        // e.g. a node no registered provider implements: ORT refuses the session rather than run it elsewhere
        const eps = JSON.stringify(f.sessionOptions.executionProviders);
        throw new Error(`${f.target.id}: ${f.runtime} refused to create the session of ${w.id} (executionProviders ${eps}): ${(e as Error).message}`);
      }
      const sessionCreateMs = performance.now() - c0;
      feeds = inputFeeds(f.ort, session, w);
      return { sessionCreateMs, ...(runtimeInitMs !== undefined ? { runtimeInitMs } : {}) };
    },
    sample: sampleWith(() => (session as OrtSessionLike).run(feeds as Record<string, unknown>)),
    async checkOutput() {
      checkOutput(await (session as OrtSessionLike).run(feeds as Record<string, unknown>), w);
    },
    async prove({ profile, profileRuns, strict }) {
      // the timed session's part: its sole provider (module comment).
      const epOption = soleExecutionProvider(f.sessionOptions);
      // the profiling session's part: node count and the providers its kernels name; breakdown when asked.
      const runs = profile ? Math.max(1, profileRuns ?? DEFAULT_PROFILE_RUNS) : 1;
      const skip = profile ? PROFILE_SKIP : 0;
      // the node list of a model file under given options does not change between sessions: the independent
      // sessions of a pair profile once (the first) and reuse it; a `profile` request always profiles anew.
      const cacheKey = JSON.stringify([f.target.id, f.runtime, f.runtimeVersion, w.file.sha256, f.sessionOptions]);
      const known = profile ? undefined : nodeLists.get(cacheKey);
      const profiled = known ?? {
        runs: runs + skip,
        events: await f.profileEvents(bytes as Uint8Array, runs + skip, async (s) => {
          await s.run(inputFeeds(f.ort, s, w));
        }),
      };
      const events = profiled.events;
      if (!known) setBounded(nodeLists, cacheKey, profiled, MAX_NODE_LISTS);
      const share = ortBackendShare(events, f.expectedProvider, soleProviderShareSource('a separate profiling session', f.expectedProvider));
      const fallback = checkBackendShare(f.target.id, f.target.backend, share, strict);
      const counts = providerCounts(events);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const ok = counts[f.expectedProvider] ?? 0;
      const opProfile: OpProfile | undefined = profile ? buildOrtProfile(events, w.graph, { source: f.profileSource, skipRuns: skip }) : undefined;
      return {
        executed: {
          runtime: f.runtime,
          runtimeVersion: f.runtimeVersion,
          backend: f.target.backend,
          provider: f.expectedProvider,
          evidence: `${soleProviderEvidence(f.evidencePrefix, epOption, f.expectedProvider)}; profiling session (separate, same model and options, ${known ? 'made once after an earlier timed session of this model file and these options' : 'after the timed one'}): ${share.onRequested}/${share.total} nodes and ${ok}/${total} kernel events (${profiled.runs} run${profiled.runs > 1 ? 's' : ''}) on ${f.expectedProvider}`,
          details: { ...f.target.settings, subThreadsUsed: usedSubThreads(events), ...f.details(events) },
          share,
        },
        ...(opProfile ? { profile: opProfile } : {}),
        ...(fallback ? { warnings: [fallback] } : {}),
      };
    },
    ...(f.finish ? { finish: f.finish } : {}),
    async release() {
      await session?.release();
      session = undefined;
    },
  };
}

/** One measurement of `w` with a flavour (the runners go through defineRunner; tests use this directly). */
export function measureOrt(
  f: OrtFlavour,
  w: PreparedWorkload,
  protocol: ProtocolSettings,
  ctx: RunContext,
  options: MeasureOptions = {},
): Promise<MeasurementResult> {
  return measureSession(f.target, w, protocol, ctx, options, ortSteps(f, w));
}
