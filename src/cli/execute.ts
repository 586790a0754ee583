/**
 * Executes a list of measurement jobs into one run directory: the loop that `bench` and `run` share.
 *
 * For each (workload, target, dtype) job, in order: skip it when the run already holds it (resume), export
 * the model file through the cache (once per workload/format/dtype), measure it with the target's runner,
 * and append the record at once (a crash loses at most the job in flight). A failing job becomes an `error`
 * record and the run goes on; Ctrl-C stops the job in flight (not recorded) and says how to resume.
 */
import type { ExportDtype } from '../models/export/cache.js';
import { errorRecord, measurementRecord } from '../results/records.js';
import { measurementKey, SCHEMA_VERSION, type ErrorRecord, type MeasurementRecord } from '../results/schema.js';
import { buildManifest, newRunId, RunWriter } from '../results/writer.js';
import type { ProtocolHooks, ProtocolSettings } from '../profiles/protocol.js';
import { shutdownBrowserTargets } from '../runners/browser-runners.js';
import { prepareWorkload } from '../runners/prepare.js';
import { localContext, type ModelFormat, type PreparedWorkload, type Runner, type Target } from '../runners/types.js';
import { RunError, UsageError } from './errors.js';

/** One (workload, target, dtype) measurement to make. */
export interface Job {
  /** workload text as given (resolved again by prepareWorkload). */
  text: string;
  /** resolved workload id (for resume keys and messages). */
  workloadId: string;
  runner: Runner;
  target: Target;
  format: ModelFormat;
  dtype: ExportDtype;
  resolution?: number;
}

export interface ExecuteOptions {
  protocol: ProtocolSettings;
  outDir: string;
  runId: string;
  /** continue an existing run (its manifest must exist). */
  resume: boolean;
  profile?: boolean;
  profileRuns?: number;
  /** print each record as JSON at the end instead of the readable summaries. */
  json?: boolean;
  /** facts added to the manifest's command (e.g. the device profile id). */
  command?: string[];
  /** formats one finished record for the terminal. */
  format: (rec: MeasurementRecord) => string;
  io?: { out: (s: string) => void; err: (s: string) => void };
}

export interface ExecuteResult {
  runId: string;
  runDir: string;
  records: (MeasurementRecord | ErrorRecord)[];
  failures: number;
  skipped: number;
}

const stdio = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };

/** A one-line live status on a terminal (stderr), at most every 0.5 s; nothing when stderr is not a TTY. */
function progressHooks(io: { err: (s: string) => void }): Pick<ProtocolHooks, 'onPhase' | 'onSample'> {
  if (!process.stderr.isTTY) return {};
  let last = 0;
  return {
    onPhase: (phase) => {
      if (phase === 'done') io.err('\r\x1b[K');
      else io.err(`\r\x1b[K  ${phase}...`);
    },
    onSample: (n, ms, rel) => {
      const now = Date.now();
      if (now - last < 500) return;
      last = now;
      io.err(`\r\x1b[K  sampling: n=${n}, ${(ms / 1000).toFixed(1)} s, CI of the median ${Number.isFinite(rel) ? `±${(rel * 100).toFixed(2)}%` : 'not yet computed'}`);
    },
  };
}

/** The run id of `--run-id` / `--resume` (or a new time-based one); throws UsageError for a bad combination. */
export function resolveRunId(o: { runId?: string; resume?: string }): string {
  if (o.runId !== undefined && o.resume !== undefined) throw new UsageError('use either --run-id (new run) or --resume <run-id>, not both');
  const runId = o.resume ?? o.runId ?? newRunId();
  if (!/^[\w.-]+$/.test(runId)) throw new UsageError(`run id '${runId}' may only contain letters, digits, '.', '_' and '-'`);
  return runId;
}

/** Ends a run that had failed jobs with exit 1 (after the caller printed what it wanted to). */
export function throwIfFailed(result: ExecuteResult, jobCount: number): void {
  if (result.failures > 0) throw new RunError(`${result.failures} of ${jobCount - result.skipped} measurements failed (error records in ${result.runDir}/measurements.jsonl)`);
}

export async function executeJobs(jobs: readonly Job[], o: ExecuteOptions): Promise<ExecuteResult> {
  const io = o.io ?? stdio;
  const targets = [...new Map(jobs.map((j) => [JSON.stringify(j.target), j.target])).values()];
  const manifest = await buildManifest({ runId: o.runId, protocol: o.protocol, targets, command: o.command ?? process.argv.slice(2) });
  let writer: RunWriter;
  try {
    writer = await RunWriter.open(o.outDir, manifest, { resume: o.resume });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  io.err(`run ${o.runId} -> ${writer.runDir}\n`);

  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    io.err('\ninterrupt: stopping the measurement in flight (it will not be recorded)\n');
  };
  process.once('SIGINT', onSigint);
  const written: (MeasurementRecord | ErrorRecord)[] = [];
  const prepared = new Map<string, PreparedWorkload>();
  let failures = 0;
  let skipped = 0;
  try {
    for (const [i, job] of jobs.entries()) {
      if (interrupted) break;
      const key = measurementKey(job.workloadId, job.dtype, job.target);
      const tag = `[${i + 1}/${jobs.length}] ${job.workloadId} ${job.dtype} on ${job.target.id}`;
      if (writer.finishedKeys().has(key)) {
        skipped++;
        io.err(`${tag}: already measured in this run, skipped\n`);
        continue;
      }
      io.err(`${tag}: measuring (${o.protocol.name})...\n`);
      try {
        const pkey = `${job.text}|${job.format}|${job.dtype}|${job.resolution ?? ''}`;
        let w = prepared.get(pkey);
        if (!w) {
          w = await prepareWorkload(job.text, { format: job.format, dtype: job.dtype, ...(job.resolution !== undefined ? { resolution: job.resolution } : {}) });
          prepared.set(pkey, w);
        }
        const r = await job.runner.measure(w, o.protocol, job.target.settings, localContext(), {
          profile: o.profile === true,
          ...(o.profileRuns !== undefined ? { profileRuns: o.profileRuns } : {}),
          hooks: { shouldAbort: () => interrupted, ...progressHooks(io) },
        });
        if (interrupted || r.protocol?.stopReason === 'aborted') break;
        const rec = measurementRecord(o.runId, w, r);
        await writer.append(rec);
        written.push(rec);
        if (!o.json) io.out(`${o.format(rec)}\n\n`);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        failures++;
        const rec = errorRecord(o.runId, job.workloadId, job.dtype, job.target, e);
        await writer.append(rec);
        written.push(rec);
        io.err(`${tag}: FAILED: ${rec.error.name}: ${rec.error.message.split('\n')[0]}\n`);
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    await Promise.all(jobs.map((j) => j.runner).filter((r, i, a) => a.indexOf(r) === i).map((r) => r.dispose()));
    await shutdownBrowserTargets();
  }
  if (o.json) {
    io.out(`${JSON.stringify({ schemaVersion: SCHEMA_VERSION, runId: o.runId, runDir: writer.runDir, measurements: written.filter((r) => r.kind === 'measurement'), errors: written.filter((r) => r.kind === 'error') }, null, 2)}\n`);
  }
  const ms = written.filter((r) => r.kind === 'measurement').length;
  io.err(`run ${o.runId}: ${ms} measured, ${failures} failed, ${skipped} skipped (already done) -> ${writer.runDir}\n`);
  if (interrupted) {
    throw Object.assign(new RunError(`interrupted; finished measurements are saved: resume with --resume ${o.runId}`), { exitCode: 130 });
  }
  return { runId: o.runId, runDir: writer.runDir, records: written, failures, skipped };
}
