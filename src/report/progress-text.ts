/**
 * The lines of a run's progress on stderr (src/cli/progress.ts draws them, or a bar). Typed by the fields they
 * read, so report needs nothing of the engine (its events fit).
 */

/** One planned measurement: workload, dtype and target. */
export interface JobOutline {
  workloadId: string;
  dtype: string;
  target: { id: string };
}

export const jobText = (j: JobOutline): string => `${j.workloadId} ${j.dtype} on ${j.target.id}`;

/** The run's folder, then what the execution will do (with what a resume keeps). */
export function plannedText(e: {
  runId: string;
  runDir: string;
  device: { id: string; connection: { kind: string } };
  pairs: number;
  sessionsPerPair: number;
  sessionsToRun: number;
  alreadyMeasured: number;
  sessionsDone: number;
}): string {
  const resumeNote =
    e.alreadyMeasured || e.sessionsDone ? ` (resumed: ${e.alreadyMeasured} pairs measured, ${e.sessionsDone} sessions of others kept)` : '';
  return (
    `run ${e.runId} -> ${e.runDir}\n` +
    `device ${e.device.id} (${e.device.connection.kind}): ${e.pairs} pairs x ${e.sessionsPerPair} session${e.sessionsPerPair > 1 ? 's' : ''}, ${e.sessionsToRun} sessions to run${resumeNote}\n`
  );
}

/** A session starting, without a bar: `[n/total] job, session i/k: measuring...`. */
export function startedLine(started: number, total: number, job: JobOutline, session: number, sessions: number): string {
  return `[${started}/${total}] ${jobText(job)}, session ${session + 1}/${sessions}: measuring...`;
}

/** A target skipped on this device, with the reason. */
export function skippedLine(job: Omit<JobOutline, 'workloadId'>, reason: string): string {
  return `skipped: ${job.target.id} ${job.dtype}: ${reason}`;
}

/** The run's end: what was measured, failed, skipped or already there, and where. */
export function finishedLine(r: {
  runId: string;
  runDir: string;
  measured: readonly unknown[];
  failed: readonly unknown[];
  skipped: readonly unknown[];
  alreadyMeasured: number;
}): string {
  return `run ${r.runId}: ${r.measured.length} measured, ${r.failed.length} failed, ${r.skipped.length} skipped, ${r.alreadyMeasured} already measured -> ${r.runDir}`;
}
