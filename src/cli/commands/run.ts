/**
 * `mnv4-bench run --device <id>`: the main job. Runs a device profile (devices/<id>.json): every target it
 * lists, on every workload it lists, under its protocol preset, on the device its connection reaches, into
 * one run directory; then prints the workload x target table of medians, next to the paper's published
 * figure where the profile names its column (labelled `published`).
 *
 * Targets that cannot run on the device are skipped with their reason (a `skipped` record; the run goes on
 * with the rest); a target the profile names but this version has no runner for is bad input before
 * anything runs. Planning: src/engine/plan.ts; execution: src/engine/execute.ts; rendering: src/report.
 */
import type { Command } from 'commander';
import type { ExecuteResult } from '../../engine/events.js';
import { executePlan } from '../../engine/execute.js';
import { planDevice, summaryLayout } from '../../engine/plan.js';
import { defaultResultsDir } from '../../paths.js';
import { loadDevice } from '../../profiles/device.js';
import { summaryTable } from '../../report/summary.js';
import { readRun } from '../../results/reader.js';
import { SCHEMA_VERSION } from '../../results/schema.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { InterruptedError, RunError } from '../errors.js';
import { withInterrupt, type CliContext } from '../io.js';
import { addOptions, outDir, resolutionOf, runIdOf, sessionsOf, targetList, workloadList, type SharedValues } from '../options.js';
import { eventRenderer } from '../progress.js';

interface RunOptions extends SharedValues {
  device: string;
  dryRun?: boolean;
}

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

export async function runDevice(o: RunOptions, { io, argv }: CliContext): Promise<ExecuteResult | undefined> {
  const device = loadDevice(o.device); // a DeviceProfileError (an InputError) exits 2
  const resolution = resolutionOf(o);
  const sessions = sessionsOf(o);
  const workloads = workloadList(o);
  const targets = targetList(o);
  const plan = planDevice(device, {
    ...(o.preset !== undefined ? { preset: o.preset } : {}),
    ...(sessions !== undefined ? { sessions } : {}),
    ...(resolution !== undefined ? { resolution } : {}),
    ...(workloads ? { workloads } : {}),
    ...(targets ? { targets } : {}),
  });
  const { runId, resume } = runIdOf(o);
  if (o.dryRun) {
    io.out(
      `${device.name} (${device.id}, ${device.connection.kind}): ${plan.jobs.length} measurements x ${plan.sessions} session(s), preset ${plan.protocol.name}\n`,
    );
    for (const j of plan.jobs) io.out(`  ${j.workloadId} ${j.dtype} on ${j.target.id} ${JSON.stringify(j.target.settings)}\n`);
    return undefined;
  }
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });

  const render = eventRenderer(io, { json: o.json === true });
  let result: ExecuteResult;
  try {
    result = await withInterrupt(io, (signal) =>
      executePlan(plan, {
        outDir: outDir(o, defaultResultsDir()),
        runId,
        resume,
        signal,
        profile: o.profile === true,
        ...(o.noiseFloor === false ? { reference: false as const } : {}),
        command: [...argv],
        onUnavailable: 'skip',
        onEvent: (e) => render.onEvent(e),
      }),
    );
  } finally {
    render.stop();
  }
  if (o.json) io.out(`${JSON.stringify(resultJson(result), null, 2)}\n`);
  else {
    // the whole run, so a resumed run's table includes what earlier executions measured
    const run = await readRun(result.runDir);
    io.out(`${summaryTable(summaryLayout(plan), run.records)}\n`);
  }
  if (result.interrupted) throw new InterruptedError(`interrupted; finished sessions are saved: resume with --resume ${runId}`);
  const runnable = plan.jobs.length - result.skipped.length;
  if (runnable === 0) throw new RunError(`no target of device ${device.id} can run (reasons above; 'mnv4-bench targets' lists them)`);
  if (result.failed.length > 0)
    throw new RunError(
      `${result.failed.length} of ${runnable - result.alreadyMeasured} measurements failed (error records in ${result.runDir}/measurements.jsonl)`,
    );
  return result;
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('run')
    .description('run a device profile (devices/<id>.json): every target and workload it lists, on the device it describes, into one run directory')
    .requiredOption('--device <id>', 'device profile id (e.g. host, pixel6) or a path to a profile .json');
  addOptions(cmd, ['preset', 'sessions', 'workloads', 'targets', 'resolution', 'out', 'runId', 'resume', 'profile', 'json', 'chromium', 'noiseFloor', 'strictBackend']);
  cmd.option('--dry-run', 'print the planned measurements and exit').action(async (opts: RunOptions) => {
    await runDevice(opts, cli);
  });
}
