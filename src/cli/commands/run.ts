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
import { planDevice, summaryLayout } from '../../engine/plan.js';
import { loadDevice } from '../../profiles/device.js';
import { summaryTable } from '../../report/summary.js';
import { readRun } from '../../results/reader.js';
import { RunError } from '../errors.js';
import { executeForCommand, throwUnlessComplete } from '../execute-plan.js';
import type { CliContext } from '../io.js';
import { addOptions, resolutionOf, runIdOf, sessionsOf, targetList, workloadList, type SharedValues } from '../options.js';

interface RunOptions extends SharedValues {
  device: string;
  dryRun?: boolean;
}

export async function runDevice(o: RunOptions, cli: CliContext): Promise<ExecuteResult | undefined> {
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
  runIdOf(o); // a bad run id is a usage error before anything runs
  if (o.dryRun) {
    cli.io.out(
      `${device.name} (${device.id}, ${device.connection.kind}): ${plan.jobs.length} measurements x ${plan.sessions} session(s), preset ${plan.protocol.name}\n`,
    );
    for (const j of plan.jobs) cli.io.out(`  ${j.workloadId} ${j.dtype} on ${j.target.id} ${JSON.stringify(j.target.settings)}\n`);
    return undefined;
  }
  const result = await executeForCommand(plan, o, cli, { onUnavailable: 'skip' });
  if (!o.json) {
    // the whole run, so a resumed run's table includes what earlier executions measured
    const run = await readRun(result.runDir);
    cli.io.out(`${summaryTable(summaryLayout(plan), run.records)}\n`);
  }
  const measurable = plan.jobs.length - result.skipped.length;
  if (measurable === 0 && !result.interrupted)
    throw new RunError(`no target of device ${device.id} can run (reasons above; 'mnv4-bench targets' lists them)`);
  throwUnlessComplete(result, measurable);
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
