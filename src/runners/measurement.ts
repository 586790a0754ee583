/**
 * The one measurement sequence every protocol-timed runner follows; a runner fills in the steps
 * (`SessionSteps`) and `measureSession` runs them in this order:
 *
 *  1. check the file: beyond format and existence (checked by defineRunner), e.g. the model's structure;
 *  2. timed load: create the session that will be timed (`coldStart.sessionCreateMs`; a one-time runtime
 *     start this measurement paid is `runtimeInitMs`, apart);
 *  3. protocol: the shared sampling loop on that session (in the page for browser targets), with the host
 *     load measured around it;
 *  4. output check: the timed session's outputs must match the workload graph (a wrong model is an error, not
 *     a latency);
 *  5. proof of backend: which backend really executed, with evidence; a requested backend that did not run is
 *     a BackendMismatchError, never a result. The timed session is released before this step unless
 *     `proveOnTimedSession` keeps it open for it;
 *  6. optional profile: the per-op breakdown, in the same step as the proof (a profiling pass proves and
 *     profiles at once);
 *  7. result: one MeasurementResult with the runner's warnings and context facts.
 * Between steps the run context's abort signal is honoured (the sampling loop polls it too).
 *
 * A session timed by an external tool (TFLite `benchmark_model` on a phone: summary statistics only) follows the
 * same sequence with `ExternalSessionSteps`: steps 2 and 3 are one `run` of the tool, which creates its own
 * session, warms up and times; the result carries `external` instead of `protocol`.
 */
import { type ProtocolHooks, type ProtocolRun, type ProtocolSettings } from '../core/protocol-run.js';
import { performanceClock, runProtocol } from '../profiles/protocol.js';
import { startLoadProbe } from '../core/host-load.js';
import type { ColdStart, ExecutedBackend, ExternalTiming, MeasurementResult, OpProfile } from '../core/measurement.js';
import type { RunContext, Target } from '../core/target.js';
import type { PreparedWorkload } from '../core/workload-file.js';
import type { MeasureOptions } from './types.js';

/** What the timed load reports. */
export interface LoadReport {
  /** creating the timed session, ms. */
  sessionCreateMs: number;
  /** one-time runtime start paid by this measurement (not included in sessionCreateMs), ms. */
  runtimeInitMs?: number;
  warnings?: string[];
}

/** What the proof step reports. */
export interface ProofReport {
  executed: ExecutedBackend;
  profile?: OpProfile;
  warnings?: string[];
}

/** The steps a runner provides for one measurement of one workload. */
export interface SessionSteps {
  /** 1. untimed checks of the model file; throws one clear line. */
  checkFile?(): void | Promise<void>;
  /** 2. creates the session to be timed. */
  load(): Promise<LoadReport>;
  /** 3. runs the protocol on that session. */
  sample(protocol: ProtocolSettings, hooks: ProtocolHooks): Promise<ProtocolRun>;
  /** 4. checks the timed session's outputs against the workload. */
  checkOutput(): void | Promise<void>;
  /** 5+6. proves the backend (throws BackendMismatchError) and profiles when asked. */
  prove(request: ProofRequest): Promise<ProofReport>;
  /** keep the timed session open through `prove` (proof taken from the session that was timed). */
  proveOnTimedSession?: boolean;
  /** host-load window around sampling (default: this process against the rest of the machine). */
  loadProbe?(): () => unknown;
  /** context facts for the result (called at the end). */
  context?(): Record<string, unknown>;
  /** last look at the result (e.g. a warning about threads); may add warnings. */
  finish?(result: MeasurementResult): void;
  /** releases what `load` created; called exactly once, whatever happened. */
  release(): Promise<void>;
}

/** The steps of a runner whose sessions an external tool times (see the module comment). */
export interface ExternalSessionSteps {
  timing: 'external';
  /** 1. untimed checks of the model file (and e.g. pushing it to the device); throws one clear line. */
  checkFile?(): void | Promise<void>;
  /** 2+3. runs the tool once: its own session creation, warm-up and timed runs; stop early on `signal`. */
  run(protocol: ProtocolSettings, signal: AbortSignal): Promise<{ external: ExternalTiming; coldStart?: Partial<ColdStart>; warnings?: string[] }>;
  /** 4. checks what the tool says about the outputs, where it says anything. */
  checkOutput?(): void | Promise<void>;
  /** 5+6. as for protocol-timed sessions. */
  prove(request: ProofRequest): Promise<ProofReport>;
  context?(): Record<string, unknown>;
  finish?(result: MeasurementResult): void;
  /** releases what the run left behind (files on the device...); called exactly once. */
  release?(): Promise<void>;
}

/** Either kind of steps. */
export type RunnerSteps = SessionSteps | ExternalSessionSteps;

function isExternal(steps: RunnerSteps): steps is ExternalSessionSteps {
  return 'timing' in steps && steps.timing === 'external';
}

/** What the proof step is asked for: a profile, and whether a partial fallback is an error (--strict-backend). */
export interface ProofRequest {
  profile: boolean;
  profileRuns?: number;
  strict: boolean;
}

function proofRequest(options: MeasureOptions): ProofRequest {
  return {
    profile: Boolean(options.profile),
    ...(options.profileRuns !== undefined ? { profileRuns: options.profileRuns } : {}),
    strict: options.strictBackend === true,
  };
}

function throwIfAborted(ctx: RunContext, what: string): void {
  if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error(`aborted ${what}`);
}

/** Runs the sequence in the module comment. */
export async function measureSession(
  target: Target,
  w: PreparedWorkload,
  protocol: ProtocolSettings,
  ctx: RunContext,
  options: MeasureOptions,
  steps: RunnerSteps,
): Promise<MeasurementResult> {
  if (isExternal(steps)) return measureExternal(target, w, protocol, ctx, options, steps);
  const warnings: string[] = [];
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await steps.release();
  };
  const outer = options.hooks;
  const hooks: ProtocolHooks = { ...outer, shouldAbort: () => ctx.signal.aborted || (outer?.shouldAbort?.() ?? false) };
  try {
    await steps.checkFile?.();
    throwIfAborted(ctx, `before loading ${w.id}`);
    const load = await steps.load();
    warnings.push(...(load.warnings ?? []));
    throwIfAborted(ctx, `after loading ${w.id}`);
    const probe = steps.loadProbe ? steps.loadProbe() : startLoadProbe();
    const run = await steps.sample(protocol, hooks);
    const hostLoad = probe();
    throwIfAborted(ctx, `while measuring ${w.id}`);
    await steps.checkOutput();
    if (!steps.proveOnTimedSession) await release();
    const proof = await steps.prove(proofRequest(options));
    warnings.push(...(proof.warnings ?? []));
    const result: MeasurementResult = {
      workloadId: w.id,
      target,
      protocol: run,
      coldStart: {
        sessionCreateMs: load.sessionCreateMs,
        firstInferenceMs: run.coldMs,
        ...(load.runtimeInitMs !== undefined ? { runtimeInitMs: load.runtimeInitMs } : {}),
      },
      executed: proof.executed,
      ...(proof.profile ? { profile: proof.profile } : {}),
      warnings,
      // host load goes to context.load; stats.ts turns a high `otherLoad` into a 'high-load' warning.
      context: { ...steps.context?.(), load: hostLoad },
    };
    steps.finish?.(result);
    return result;
  } finally {
    await release();
  }
}

async function measureExternal(
  target: Target,
  w: PreparedWorkload,
  protocol: ProtocolSettings,
  ctx: RunContext,
  options: MeasureOptions,
  steps: ExternalSessionSteps,
): Promise<MeasurementResult> {
  const warnings: string[] = [];
  try {
    await steps.checkFile?.();
    throwIfAborted(ctx, `before running ${w.id}`);
    const timed = await steps.run(protocol, ctx.signal);
    warnings.push(...(timed.warnings ?? []));
    throwIfAborted(ctx, `while measuring ${w.id}`);
    await steps.checkOutput?.();
    const proof = await steps.prove(proofRequest(options));
    warnings.push(...(proof.warnings ?? []));
    const result: MeasurementResult = {
      workloadId: w.id,
      target,
      external: timed.external,
      ...(timed.coldStart ? { coldStart: timed.coldStart } : {}),
      executed: proof.executed,
      ...(proof.profile ? { profile: proof.profile } : {}),
      warnings,
      ...(steps.context ? { context: steps.context() } : {}),
    };
    steps.finish?.(result);
    return result;
  } finally {
    await steps.release?.();
  }
}

/** The common sample step: `runProtocol` with one call of `fn` per inference, on the process clock. */
export function sampleWith(fn: () => Promise<unknown>): SessionSteps['sample'] {
  return (protocol, hooks) => runProtocol(fn, protocol, performanceClock(), hooks);
}
