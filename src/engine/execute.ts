/**
 * Executing a plan into one run directory: the loop `run`, `bench` and any other caller (a LUT builder, a
 * test) share. It prints nothing; it emits typed events (./events.ts) that callers render.
 *
 * Order of work:
 *  1. availability of every target on the plan's device (src/runners/registry.ts detectTargets with the
 *     run context; cached per device). A target that cannot run there is skipped with its reason (a
 *     `skipped` record; never measured on another device) or, with `onUnavailable: 'fail'`, stops the run
 *     before it starts;
 *  2. the run directory is created atomically (or opened, with `resume`) and locked for this process until
 *     the end (src/results/run-dir.ts); pairs that already have a measurement are done, and the sessions
 *     already recorded for the others count;
 *  3. sessions run in ROUNDS, interleaved round-robin across all pairs: round r runs session r of every pair
 *     that needs it, so drift of the host hits every pair alike instead of one pair per time slice. Each
 *     session is one `runner.measure` call (its own session creation, warm-up and samples); its `session`
 *     record is appended as it ends (an interrupt loses at most the session in flight); the pair's
 *     `measurement` record (src/results/records.ts measurementRecord) is appended when its k-th session is
 *     done. Workloads are exported through the cache once per (workload, format, dtype, resolution);
 *  4. a session that fails becomes an `error` record and its pair gets no more sessions in this execution
 *     (a resume tries it again, keeping the sessions it had); the run goes on with the other pairs;
 *  5. `signal` aborted (Ctrl-C): the session in flight stops between samples and is not recorded; the
 *     result says `interrupted`;
 *  6. every runner is disposed through the registry at the end, whatever happened (by the caller instead when
 *     it runs several devices' plans into one run at once: src/engine/devices.ts);
 *  7. the noise floor (./noise-floor.ts): a fixed reference workload is timed before the first session and
 *     after the last one; both timings, their drift and the host load over the execution go to the
 *     manifest's `noiseFloor` (one entry per execution; the start is written at once). Not when the caller
 *     opened the run for several devices at once (their plans would time the host over each other).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ProtocolHooks } from '../core/protocol-run.js';
import { errorRecord, measurementRecord, sessionRecord, skippedRecord, type RecordScope } from '../results/records.js';
import type { ErrorRecord, ManifestRecord, MeasurementRecord, SessionRecord, SkippedRecord } from '../results/schema.js';
import { buildManifest, RunWriter } from '../results/writer.js';
import { ensureCacheDir } from '../models/export/cache.js';
import { prepareWorkload } from '../runners/prepare.js';
import { detectTargets, disposeRunners } from '../runners/registry.js';
import type { RunContext, Target } from '../core/target.js';
import type { PreparedWorkload } from '../core/workload-file.js';
import type { EngineEvent, ExecuteResult } from './events.js';
import { type NoiseFloor } from '../core/noise-floor.js';
import { REFERENCE_WORKLOAD, startNoiseFloor, timeReference, type ReferenceRunner } from './noise-floor.js';
import type { Job, Plan } from './plan.js';

/** A target of the plan cannot run on its device and the caller asked to fail rather than skip. */
export class TargetUnavailableError extends Error {
  override name = 'TargetUnavailableError';
}

export interface ExecuteOptions {
  /** results folder; the run lives in `<outDir>/<runId>/`. */
  outDir: string;
  runId: string;
  /** continue an existing run (its manifest must exist). */
  resume?: boolean;
  /** aborting it stops the run between samples (Ctrl-C). */
  signal?: AbortSignal;
  /** also take a per-op profile (in the first session of each pair). */
  profile?: boolean;
  profileRuns?: number;
  /** the exact argument vector recorded in the manifest (default: this process's arguments). */
  command?: string[];
  /** what to do with a target that cannot run on the device: skip it (default) or fail before starting. */
  onUnavailable?: 'skip' | 'fail';
  /** re-check availability instead of using the cache. */
  refreshAvailability?: boolean;
  /** scratch directory for runners (default: a fresh temporary one, removed at the end). */
  scratchDir?: string;
  /** export cache directory (default: the cache's own default). */
  cacheDir?: string;
  /**
   * turns a job into a workload with its file (default: resolve and export through the cache,
   * src/runners/prepare.ts); tests pass one that does not export.
   */
  prepare?: (job: Job) => Promise<PreparedWorkload>;
  /** receives every event; must not throw. */
  onEvent?: (e: EngineEvent) => void;
  /** progress lines from runners (RunContext.log). */
  log?: (line: string) => void;
  /** a run directory already opened by the caller (several devices in one run: src/engine/devices.ts). */
  writer?: RunWriter;
  /** leave the runners to the caller to dispose (it runs other plans at the same time). */
  keepRunners?: boolean;
  /**
   * the noise floor's reference timing (./noise-floor.ts), run at the start and at the end of this execution
   * (default: the real one, about 1-2 s each; never with a caller's `writer`); `false` turns it off.
   */
  reference?: ReferenceRunner | false;
  /** a partial fallback is an error, not a marked result (--strict-backend). */
  strictBackend?: boolean;
}

/** Distinct targets of the plans, in plan order (by id + settings, not by object identity). */
function distinctTargets(plans: readonly Plan[]): Target[] {
  const columns = plans.flatMap((p) => p.columns);
  return [...new Map(columns.map((c) => [`${c.target.id}|${JSON.stringify(Object.entries(c.target.settings).sort())}`, c.target])).values()];
}

/** The manifest of a run of `plans` (one per device; they share the protocol and sessions per measurement). */
export async function manifestFor(plans: readonly Plan[], o: Pick<ExecuteOptions, 'runId' | 'command'>): Promise<ManifestRecord> {
  const first = plans[0];
  if (!first) throw new Error('manifestFor: no plan');
  const runtimes: Record<string, string | null> = {};
  for (const p of plans) for (const j of p.jobs) runtimes[j.runner.runtime] ??= j.runner.runtimeVersion();
  const manifest = await buildManifest({
    runId: o.runId,
    protocol: first.protocol,
    targets: distinctTargets(plans),
    command: o.command ?? process.argv.slice(2),
    device: first.device,
    sessionsPerMeasurement: first.sessions,
    runtimes,
  });
  return { ...manifest, devices: plans.map((p) => p.device) };
}

/** What every step of one execution reads: the plan, its options, the device context, the run and the event sink. */
interface Execution {
  plan: Plan;
  o: ExecuteOptions;
  ctx: RunContext;
  scope: RecordScope;
  signal: AbortSignal;
  writer: RunWriter;
  emit: (e: EngineEvent) => void;
}

/** What the rounds of sessions leave. */
interface RoundsOutcome {
  measured: MeasurementRecord[];
  failed: ErrorRecord[];
  sessionsRun: number;
  interrupted: boolean;
}

/** 1. Availability on this device: the reason each job cannot run (null when it can); `onUnavailable: 'fail'` throws here. */
async function availabilityOf(plan: Plan, o: ExecuteOptions, ctx: RunContext): Promise<(j: Job) => string | null> {
  const runnerIds = [...new Set(plan.jobs.map((j) => j.runner.id))];
  const status = new Map(
    (await detectTargets({ ids: runnerIds, context: ctx, ...(o.refreshAvailability ? { refresh: true } : {}) })).map((s) => [s.id, s.availability]),
  );
  if (o.onUnavailable === 'fail') {
    const bad = runnerIds.find((id) => status.get(id)?.available !== true);
    if (bad) {
      const a = status.get(bad);
      throw new TargetUnavailableError(`target ${bad} is not available on device ${plan.device.id}: ${a && !a.available ? a.reason : 'unknown'}`);
    }
  }
  return (j) => {
    const a = status.get(j.runner.id);
    return a === undefined ? 'availability unknown' : a.available ? null : a.reason;
  };
}

/** A `skipped` record for every job that cannot run. */
async function recordSkipped(x: Execution, reasonOf: (j: Job) => string | null): Promise<SkippedRecord[]> {
  const skipped: SkippedRecord[] = [];
  for (const j of x.plan.jobs) {
    const reason = reasonOf(j);
    if (reason === null) continue;
    const rec = skippedRecord(x.scope, j.workloadId, j.dtype, j.target, reason);
    // a resume that finds the same reason on record does not write it again
    if (x.writer.skippedReason(j.key) !== reason) await x.writer.append(rec);
    skipped.push(rec);
    x.emit({ type: 'skipped', job: j, reason, record: rec });
  }
  return skipped;
}

/** Prepares each workload once per text x format x dtype x resolution (the export cache, or the caller's `prepare`). */
function preparer(o: ExecuteOptions): (j: Job) => Promise<PreparedWorkload> {
  const prepared = new Map<string, Promise<PreparedWorkload>>();
  return (j) => {
    const k = `${j.text}|${j.format}|${j.dtype}|${j.resolution ?? ''}`;
    let p = prepared.get(k);
    if (!p) {
      p = o.prepare
        ? o.prepare(j)
        : prepareWorkload(j.text, {
            format: j.format,
            dtype: j.dtype,
            ...(j.resolution !== undefined ? { resolution: j.resolution } : {}),
            ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
          });
      prepared.set(k, p);
    }
    return p;
  };
}

/**
 * Session `index` of job `j` in round `round`: measured and recorded (with the pair's measurement after its
 * last session), or an `error` record. 'interrupted' when the signal stopped it: nothing is recorded then.
 */
async function runSession(
  x: Execution,
  j: Job,
  index: number,
  round: number,
  prepare: (j: Job) => Promise<PreparedWorkload>,
  out: RoundsOutcome,
  done: Map<string, number>,
): Promise<'measured' | 'failed' | 'interrupted'> {
  const { plan, o, signal, writer, emit } = x;
  let w: PreparedWorkload | undefined;
  try {
    w = await prepare(j);
    const hooks: ProtocolHooks = {
      shouldAbort: () => signal.aborted,
      onPhase: (phase) => emit({ type: 'progress', job: j, session: index, phase }),
      onSample: (n, elapsedMs, relHalfWidth) =>
        emit({ type: 'progress', job: j, session: index, phase: 'sampling', samples: n, elapsedMs, relHalfWidth }),
    };
    const r = await j.runner.measure(w, plan.protocol, j.target.settings, x.ctx, {
      profile: o.profile === true && index === 0,
      ...(o.strictBackend ? { strictBackend: true } : {}),
      ...(o.profileRuns !== undefined ? { profileRuns: o.profileRuns } : {}),
      hooks,
    });
    if (signal.aborted || r.protocol?.stopReason === 'aborted') return 'interrupted';
    const rec: SessionRecord = sessionRecord(x.scope, w, r, { index, round });
    await writer.append(rec);
    out.sessionsRun++;
    done.set(j.key, index + 1);
    emit({ type: 'session', job: j, record: rec });
    if (index + 1 === plan.sessions) {
      const m = measurementRecord(x.scope, w, writer.sessionsOf(j.key), plan.protocol.name);
      await writer.append(m);
      out.measured.push(m);
      emit({ type: 'record', job: j, record: m });
    }
    return 'measured';
  } catch (e) {
    if (signal.aborted) return 'interrupted';
    const rec = errorRecord(x.scope, j.workloadId, j.dtype, j.target, e, index);
    await writer.append(rec);
    out.failed.push(rec);
    emit({ type: 'failed', job: j, record: rec, error: e });
    return 'failed';
  }
}

/** 3. Rounds of sessions: round r runs the next session of every pending pair that is not ahead of it, interleaved. */
async function runRounds(x: Execution, pending: readonly Job[], done: Map<string, number>): Promise<RoundsOutcome> {
  const out: RoundsOutcome = { measured: [], failed: [], sessionsRun: 0, interrupted: false };
  const prepare = preparer(x.o);
  const failedKeys = new Set<string>();
  for (let round = 0; round < x.plan.sessions; round++) {
    for (const j of pending) {
      if (x.signal.aborted) {
        out.interrupted = true;
        return out;
      }
      const index = done.get(j.key)!;
      if (failedKeys.has(j.key) || index > round || index >= x.plan.sessions) continue;
      x.emit({ type: 'started', job: j, session: index, round, sessions: x.plan.sessions });
      const outcome = await runSession(x, j, index, round, prepare, out, done);
      if (outcome === 'interrupted') {
        out.interrupted = true;
        return out;
      }
      if (outcome === 'failed') failedKeys.add(j.key);
    }
  }
  return out;
}

/** Runs `plan` into `<outDir>/<runId>/`; see the module comment. Throws only for bad input or an unusable run directory. */
export async function executePlan(plan: Plan, o: ExecuteOptions): Promise<ExecuteResult> {
  const emit = (e: EngineEvent): void => o.onEvent?.(e);
  const signal = o.signal ?? new AbortController().signal;
  const ownScratch = o.scratchDir === undefined;
  const scratchDir = o.scratchDir ?? (await mkdtemp(path.join(os.tmpdir(), 'mnv4-run-')));
  const ctx: RunContext = { deviceId: plan.device.id, connection: plan.device.connection, signal, scratchDir, ...(o.log ? { log: o.log } : {}) };
  const scope: RecordScope = { runId: o.runId, deviceId: plan.device.id };
  let openWriter: RunWriter | undefined;
  try {
    // 1. availability on this device
    const reasonOf = await availabilityOf(plan, o, ctx);

    // 2. the export cache (a folder that cannot be used is bad input, found before the run exists) and the run
    //    directory (or the one the caller opened for several devices; then the caller closes it)
    if (!o.prepare) ensureCacheDir(o.cacheDir);
    const writer = o.writer ?? (openWriter = await RunWriter.open(o.outDir, await manifestFor([plan], o), { resume: o.resume === true }));
    const x: Execution = { plan, o, ctx, scope, signal, writer, emit };

    // the noise floor's first reference timing, before any session (recorded at once: a crash keeps it)
    const execution = writer.executionIndex();
    const reference = o.writer ? false : o.reference === undefined ? timeReference : o.reference;
    const floor = reference ? await startNoiseFloor(reference, signal) : null;
    if (floor) await writer.recordNoiseFloor({ workload: REFERENCE_WORKLOAD, start: floor.start }, execution);

    const runnable = plan.jobs.filter((j) => reasonOf(j) === null);
    const pending = runnable.filter((j) => !writer.finishedKeys().has(j.key));
    const done = new Map(pending.map((j) => [j.key, Math.min(plan.sessions, writer.sessionsOf(j.key).length)]));
    const sessionsToRun = pending.reduce((n, j) => n + plan.sessions - done.get(j.key)!, 0);
    emit({
      type: 'planned',
      runId: o.runId,
      runDir: writer.runDir,
      device: plan.device,
      pairs: plan.jobs.length,
      sessionsPerPair: plan.sessions,
      alreadyMeasured: runnable.length - pending.length,
      sessionsDone: [...done.values()].reduce((a, b) => a + b, 0),
      sessionsToRun,
      unavailable: plan.jobs.length - runnable.length,
    });
    const skipped = await recordSkipped(x, reasonOf);

    // 3. rounds of sessions
    const { measured, failed, sessionsRun, interrupted } = await runRounds(x, pending, done);

    // the noise floor's second timing (not after an interrupt: the user wants out)
    let noiseFloor: NoiseFloor | undefined;
    if (floor && !interrupted && !signal.aborted) {
      noiseFloor = await floor.finish();
      await writer.recordNoiseFloor(noiseFloor, execution);
    }
    const result: ExecuteResult = {
      runId: o.runId,
      runDir: writer.runDir,
      measured,
      failed,
      skipped,
      alreadyMeasured: runnable.length - pending.length,
      sessionsRun,
      interrupted,
      ...(noiseFloor ? { noiseFloor } : {}),
    };
    emit({ type: 'finished', result });
    return result;
  } finally {
    await openWriter?.close();
    if (!o.keepRunners) await disposeRunners();
    if (ownScratch) await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
