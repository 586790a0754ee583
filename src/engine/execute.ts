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
    const runnerIds = [...new Set(plan.jobs.map((j) => j.runner.id))];
    const status = new Map(
      (await detectTargets({ ids: runnerIds, context: ctx, ...(o.refreshAvailability ? { refresh: true } : {}) })).map((s) => [s.id, s.availability]),
    );
    const reasonOf = (j: Job): string | null => {
      const a = status.get(j.runner.id);
      return a === undefined ? 'availability unknown' : a.available ? null : a.reason;
    };
    if (o.onUnavailable === 'fail') {
      const bad = runnerIds.find((id) => status.get(id)?.available !== true);
      if (bad) {
        const a = status.get(bad);
        throw new TargetUnavailableError(`target ${bad} is not available on device ${plan.device.id}: ${a && !a.available ? a.reason : 'unknown'}`);
      }
    }

    // 2. the export cache (a folder that cannot be used is bad input, found before the run exists) and the run
    //    directory (or the one the caller opened for several devices; then the caller closes it)
    if (!o.prepare) ensureCacheDir(o.cacheDir);
    const writer = o.writer ?? (openWriter = await RunWriter.open(o.outDir, await manifestFor([plan], o), { resume: o.resume === true }));

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

    const measured: MeasurementRecord[] = [];
    const failed: ErrorRecord[] = [];
    const skipped: SkippedRecord[] = [];
    for (const j of plan.jobs) {
      const reason = reasonOf(j);
      if (reason === null) continue;
      const rec = skippedRecord(scope, j.workloadId, j.dtype, j.target, reason);
      // a resume that finds the same reason on record does not write it again
      if (writer.skippedReason(j.key) !== reason) await writer.append(rec);
      skipped.push(rec);
      emit({ type: 'skipped', job: j, reason, record: rec });
    }

    // 3. rounds of sessions
    const prepared = new Map<string, Promise<PreparedWorkload>>();
    const prepare = (j: Job): Promise<PreparedWorkload> => {
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
    const failedKeys = new Set<string>();
    let sessionsRun = 0;
    let interrupted = false;
    rounds: for (let round = 0; round < plan.sessions; round++) {
      for (const j of pending) {
        if (signal.aborted) {
          interrupted = true;
          break rounds;
        }
        const index = done.get(j.key)!;
        if (failedKeys.has(j.key) || index > round || index >= plan.sessions) continue;
        emit({ type: 'started', job: j, session: index, round, sessions: plan.sessions });
        let w: PreparedWorkload | undefined;
        try {
          w = await prepare(j);
          const hooks: ProtocolHooks = {
            shouldAbort: () => signal.aborted,
            onPhase: (phase) => emit({ type: 'progress', job: j, session: index, phase }),
            onSample: (n, elapsedMs, relHalfWidth) =>
              emit({ type: 'progress', job: j, session: index, phase: 'sampling', samples: n, elapsedMs, relHalfWidth }),
          };
          const r = await j.runner.measure(w, plan.protocol, j.target.settings, ctx, {
            profile: o.profile === true && index === 0,
            ...(o.strictBackend ? { strictBackend: true } : {}),
            ...(o.profileRuns !== undefined ? { profileRuns: o.profileRuns } : {}),
            hooks,
          });
          if (signal.aborted || r.protocol?.stopReason === 'aborted') {
            interrupted = true;
            break rounds;
          }
          const rec: SessionRecord = sessionRecord(scope, w, r, { index, round });
          await writer.append(rec);
          sessionsRun++;
          done.set(j.key, index + 1);
          emit({ type: 'session', job: j, record: rec });
          if (index + 1 === plan.sessions) {
            const m = measurementRecord(scope, w, writer.sessionsOf(j.key), plan.protocol.name);
            await writer.append(m);
            measured.push(m);
            emit({ type: 'record', job: j, record: m });
          }
        } catch (e) {
          if (signal.aborted) {
            interrupted = true;
            break rounds;
          }
          const rec = errorRecord(scope, j.workloadId, j.dtype, j.target, e, index);
          await writer.append(rec);
          failed.push(rec);
          failedKeys.add(j.key);
          emit({ type: 'failed', job: j, record: rec, error: e });
        }
      }
    }
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
