/**
 * What ort-cpu (onnxruntime-node) and ort-wasm (onnxruntime-web in Node) share: their steps of the measurement
 * sequence (src/runners/measurement.ts).
 *
 *  1. check file: read the model bytes (untimed);
 *  2. timed load: create the session from the bytes (`coldStart.sessionCreateMs`, graph optimisation included;
 *     the runtime start this session paid is timed apart as `runtimeInitMs`, see startRuntimeOnce);
 *  3. protocol: one `session.run(feeds)` per call; its cold call is `coldStart.firstInferenceMs`;
 *  4. output check: the output's element count against the graph;
 *  5+6. after release, a SEPARATE profiling session with the same options plus profiling: its kernel events
 *     prove the execution provider of every node (always, one run at least) and, with `profile`, give the
 *     per-op / per-block breakdown. The timed samples never run with the profiler on.
 */
import { readFile } from 'node:fs/promises';
import { runtimeProbeModel } from '../models/export/onnx.js';
import { INPUT_TENSOR } from '../models/graph.js';
import { seededInput } from '../models/weights.js';
import type { ProtocolSettings } from '../profiles/protocol.js';
import { measureSession, sampleWith, type SessionSteps } from './measurement.js';
import { buildOrtProfile, ortBackendShare, providerCounts, usedSubThreads, type OrtTraceEvent } from './ort-profile.js';
import {
  checkBackendShare,
  type MeasureOptions,
  type MeasurementResult,
  type OpProfile,
  type PreparedWorkload,
  type RunContext,
  type Target,
} from './types.js';

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
  /** provider every kernel must report. */
  expectedProvider: string;
  /** creates the profiling session and, after `runs` runs, returns the trace events. */
  profileEvents(bytes: Uint8Array, runs: number, runOnce: (s: OrtSessionLike) => Promise<void>): Promise<OrtTraceEvent[]>;
  /** facts for `executed.details` besides settings. */
  details(events: OrtTraceEvent[]): Record<string, unknown>;
  /** evidence prefix, e.g. 'onnxruntime-node, executionProviders [cpu]'. */
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
      session = await f.ort.InferenceSession.create(model, f.sessionOptions);
      const sessionCreateMs = performance.now() - c0;
      feeds = inputFeeds(f.ort, session, w);
      return { sessionCreateMs, ...(runtimeInitMs !== undefined ? { runtimeInitMs } : {}) };
    },
    sample: sampleWith(() => (session as OrtSessionLike).run(feeds as Record<string, unknown>)),
    async checkOutput() {
      checkOutput(await (session as OrtSessionLike).run(feeds as Record<string, unknown>), w);
    },
    async prove({ profile, profileRuns, strict }) {
      // separate profiling session: provider proof always, breakdown when asked.
      const runs = profile ? Math.max(1, profileRuns ?? DEFAULT_PROFILE_RUNS) : 1;
      const skip = profile ? PROFILE_SKIP : 0;
      const events = await f.profileEvents(bytes as Uint8Array, runs + skip, async (s) => {
        await s.run(inputFeeds(f.ort, s, w));
      });
      const share = ortBackendShare(events, f.expectedProvider, 'ORT profiler of the verification session');
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
          evidence: `${f.evidencePrefix}; profiler pass: ${ok}/${total} kernel events on ${f.expectedProvider}`,
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
