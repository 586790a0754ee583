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
 */
import { performanceClock, runProtocol, type ProtocolHooks, type ProtocolRun, type ProtocolSettings } from '../profiles/protocol.js';
import { startLoadProbe } from './host-load.js';
import type { ExecutedBackend, MeasureOptions, MeasurementResult, OpProfile, PreparedWorkload, RunContext, Target } from './types.js';

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
  prove(request: { profile: boolean; profileRuns?: number }): Promise<ProofReport>;
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
  steps: SessionSteps,
): Promise<MeasurementResult> {
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
    const proof = await steps.prove({
      profile: Boolean(options.profile),
      ...(options.profileRuns !== undefined ? { profileRuns: options.profileRuns } : {}),
    });
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

/** The common sample step: `runProtocol` with one call of `fn` per inference, on the process clock. */
export function sampleWith(fn: () => Promise<unknown>): SessionSteps['sample'] {
  return (protocol, hooks) => runProtocol(fn, protocol, performanceClock(), hooks);
}
