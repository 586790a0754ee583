/**
 * What `bench` and `run` share after planning: run the plan with progress on stderr and Ctrl-C/SIGTERM as
 * the abort signal, print --json, and turn the outcome into the command's end (interrupted: exit 130;
 * failures: exit 1, after everything else was measured and saved).
 */
import { executePlan, type ExecuteOptions } from '../engine/execute.js';
import type { ExecuteResult } from '../engine/events.js';
import type { Plan } from '../engine/plan.js';
import { defaultResultsDir } from '../paths.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { configureBrowserTargets } from '../runners/browser-runners.js';
import { InterruptedError, RunError } from './errors.js';
import { withInterrupt, type CliContext } from './io.js';
import { outDir, runIdOf, type SharedValues } from './options.js';
import { eventRenderer } from './progress.js';

/** The JSON a run prints with --json: what this execution wrote. */
export function resultJson(r: ExecuteResult): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: r.runId,
    runDir: r.runDir,
    interrupted: r.interrupted,
    measurements: r.measured,
    errors: r.failed,
    skipped: r.skipped,
  };
}

/** Executes `plan` for a command; `extra` carries the command's own engine options. */
export async function executeForCommand(
  plan: Plan,
  o: SharedValues,
  { io, argv }: CliContext,
  extra: Pick<ExecuteOptions, 'onUnavailable' | 'profileRuns'>,
): Promise<ExecuteResult> {
  const { runId, resume } = runIdOf(o);
  const out = outDir(o, defaultResultsDir());
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });
  const render = eventRenderer(io, { json: o.json === true, verbose: o.verbose === true });
  try {
    const result = await withInterrupt(io, (signal) =>
      executePlan(plan, {
        outDir: out,
        runId,
        resume,
        signal,
        profile: o.profile === true,
        ...(o.noiseFloor === false ? { reference: false as const } : {}),
        ...(o.strictBackend === true ? { strictBackend: true } : {}),
        command: [...argv],
        onEvent: (e) => render.onEvent(e),
        log: (line) => render.log(line),
        ...extra,
      }),
    );
    if (o.json) io.out(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    return result;
  } finally {
    render.stop();
  }
}

/** Ends the command: interrupted, or some pairs failed (`measurable` = pairs that could run). */
export function throwUnlessComplete(result: ExecuteResult, measurable: number): void {
  if (result.interrupted) throw new InterruptedError(`interrupted; finished sessions are saved: resume with --resume ${result.runId}`);
  if (result.failed.length > 0) {
    throw new RunError(
      `${result.failed.length} of ${measurable - result.alreadyMeasured} measurements failed (error records in ${result.runDir}/measurements.jsonl)`,
    );
  }
}
