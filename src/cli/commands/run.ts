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
import { loadDevice, type DeviceProfile } from '../../profiles/device.js';
import { formatSimulation, simulateDevice, deviceColumns } from '../../report/simulation.js';
import { parseAdbServer } from '../../runners/android/adb.js';
import { configureAndroid, linkAndroid } from '../../runners/android/link.js';
import { BROWSER_TARGET_IDS } from '../../runners/browser-runners.js';
import { ANDROID_RUNNERS } from '../../runners/registry.js';
import { summaryTable } from '../../report/summary.js';
import { readRun } from '../../results/reader.js';
import { SCHEMA_VERSION } from '../../results/schema.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { InterruptedError, RunError, UsageError } from '../errors.js';
import { withInterrupt, type CliContext } from '../io.js';
import { addOptions, outDir, resolutionOf, runIdOf, sessionsOf, targetList, workloadList, type SharedValues } from '../options.js';
import { eventRenderer } from '../progress.js';

interface RunOptions extends SharedValues {
  device: string;
  dryRun?: boolean;
  simulate?: boolean;
  adbServer?: string;
  benchmarkModel?: string;
}

/** Targets that use the phone itself over adb: the benchmark_model runners and the browser runners (Chrome on it). */
const PHONE_TARGETS = new Set<string>([...ANDROID_RUNNERS.map((f) => f().id), ...BROWSER_TARGET_IDS]);

/** `--device a,b`: the profiles named (ids or paths). */
function deviceList(text: string): string[] {
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new UsageError('--device is empty; name a device profile (mnv4-bench devices lists them)');
  return ids;
}

/** Applies --adb-server to a profile reached over adb. */
function withAdbServer(device: DeviceProfile, flag: string | undefined): DeviceProfile {
  if (flag === undefined) return device;
  if (device.connection.kind !== 'adb') throw new UsageError(`--adb-server applies to devices reached over adb; device ${device.id} is reached over ${device.connection.kind}`);
  let server;
  try {
    server = parseAdbServer(flag);
  } catch (e) {
    throw new UsageError(`--adb-server: ${(e as Error).message}`);
  }
  return { ...device, connection: { ...device.connection, adbServer: server } };
}

/** `run --device D[,E] --simulate`: the labelled roofline table of each device; nothing is measured. */
function simulateDevices(ids: readonly string[], o: RunOptions, io: CliContext['io']): void {
  const sims = ids.map((id) => {
    const device = loadDevice(id);
    if (deviceColumns(device).length === 0) {
      throw new UsageError(`device ${device.id} names no Table 6 column (a target's "publishedColumn" or the profile's "publishedColumns"): --simulate fits the roofline to the paper's published latencies of a column`);
    }
    return simulateDevice(device);
  });
  if (o.json) io.out(`${JSON.stringify(sims.length === 1 ? sims[0] : sims, null, 2)}\n`);
  else io.out(`${sims.map(formatSimulation).join('\n\n')}\n`);
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
  const ids = deviceList(o.device);
  if (o.simulate) {
    simulateDevices(ids, o, io);
    return undefined;
  }
  if (ids.length > 1) throw new UsageError(`--device ${o.device}: measuring several devices in one run is not supported yet; run them one after another (several devices work with --simulate)`);
  const device = withAdbServer(loadDevice(ids[0]!), o.adbServer); // a DeviceProfileError (an InputError) exits 2
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
  if (device.connection.kind === 'adb') {
    configureAndroid({ ...(o.benchmarkModel ? { benchmarkModelFlag: o.benchmarkModel } : {}), ...(device.benchmarkModel ? { benchmarkModelProfile: device.benchmarkModel } : {}) });
    // targets that reach the phone through adb (benchmark_model, Chrome): find it first, so that without it
    // the run stops at once with one line naming what was looked for and the ways on
    if (plan.columns.some((c) => PHONE_TARGETS.has(c.target.id))) await linkAndroid(device.id, device.connection);
  }

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
    .requiredOption('--device <id>', 'device profile id (e.g. host, pixel6) or a path to a profile .json; with --simulate a comma-separated list');
  addOptions(cmd, ['preset', 'sessions', 'workloads', 'targets', 'resolution', 'out', 'runId', 'resume', 'profile', 'json', 'chromium']);
  cmd
    .option('--simulate', "print the roofline estimate for the device's Table 6 columns (fitted to the paper's published latencies; nothing is measured)")
    .option('--adb-server <host:port>', 'the adb server that reaches the phone (default: the local one, started when not running), e.g. a device farm node')
    .option('--benchmark-model <path>', "TFLite's benchmark_model for Android (arm64), pushed to the phone; default: the profile's benchmarkModel or $MNV4_BENCHMARK_MODEL");
  cmd.option('--dry-run', 'print the planned measurements and exit').action(async (opts: RunOptions) => {
    await runDevice(opts, cli);
  });
}
