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
import { groupedWarnings } from '../../report/run-summary.js';
import type { Command } from 'commander';
import { splitList } from '../../models/workload-list.js';
import type { ExecuteResult } from '../../engine/events.js';
import { checkPlansShareRun, executePlans } from '../../engine/devices.js';
import { planDevice, summaryLayout, type Plan } from '../../engine/plan.js';
import { defaultResultsDir } from '../../paths.js';
import { loadDevice, type DeviceProfile } from '../../profiles/device.js';
import { deviceColumns, formatSimulation, simulateDevice } from '../../report/simulation.js';
import { planText } from '../../report/plan-text.js';
import { summaryTable } from '../../report/summary.js';
import { readRun } from '../../results/reader.js';
import { benchmarkModelBinary, configureAndroid, linkAndroid } from '../../runners/android/link.js';
import { BROWSER_RUNNERS, configureBrowserTargets } from '../../runners/browser-runners.js';
import { ANDROID_RUNNERS } from '../../runners/registry.js';
import { RunError, UsageError } from '../errors.js';
import { executeForCommand, resultJson, throwUnlessComplete } from '../execute-plan.js';
import { leaseForRun, shardPlan } from '../stf-run.js';
import { withStfLease } from '../../runners/android/stf.js';
import { parseDuration } from '../../runners/android/sustained.js';
import { withInterrupt } from '../io.js';
import { eventRenderer } from '../progress.js';
import { buildRunDashboard } from '../run-dashboard.js';
import type { CliContext } from '../io.js';
import {
  adbServerFlag,
  addOptions,
  ARCH_EXAMPLE,
  examplesHelp,
  outDir,
  resolutionOf,
  runIdOf,
  sessionsOf,
  targetList,
  workloadList,
  type SharedValues,
} from '../options.js';

/** Shown under --help and run by the tests (with --dry-run), so every one of them works. */
export const RUN_EXAMPLES = [
  'mnv4-bench run --device host --preset quick',
  `mnv4-bench run --device host --targets ort-cpu --workloads 'conv-s/b03,arch:${ARCH_EXAMPLE},block:uib(a3,m5,s2,e4,o80,relu)@48x64x64' --dry-run`,
];

interface RunOptions extends SharedValues {
  device: string;
  simulate?: boolean;
}

/** --sustained DURATION in ms (a usage error names the expected form). */
function sustainedOf(o: RunOptions): number | undefined {
  if (o.sustained === undefined) return undefined;
  try {
    const ms = parseDuration(o.sustained);
    if (ms <= 0) throw new Error(`'${o.sustained}' is not a positive duration`);
    return ms;
  } catch (e) {
    throw new UsageError(`--sustained: ${(e as Error).message}`);
  }
}

/** Targets that use the phone itself over adb: the benchmark_model runners and the browser runners (Chrome on it). */
const ANDROID_TARGETS = new Set<string>(ANDROID_RUNNERS.map((f) => f().id));
const PHONE_TARGETS = new Set<string>([...ANDROID_TARGETS, ...BROWSER_RUNNERS.map((f) => f().id)]);

/** `--device a,b`: the profiles named (ids or paths). */
function deviceList(text: string): string[] {
  if (text.trim() === '') throw new UsageError('--device is empty; name a device profile (mnv4-bench devices lists them)');
  return splitList(text, '--device', 'host');
}

/** Applies --adb-server to a profile reached over adb. */
function withAdbServer(device: DeviceProfile, o: RunOptions): DeviceProfile {
  if (o.adbServer === undefined) return device;
  if (device.connection.kind !== 'adb') {
    throw new UsageError(`--adb-server applies to devices reached over adb; device ${device.id} is reached over ${device.connection.kind}`);
  }
  return { ...device, connection: { ...device.connection, adbServer: adbServerFlag(o)! } };
}

/** `run --device D[,E] --simulate`: the labelled roofline table of each device; nothing is measured. */
function simulateDevices(ids: readonly string[], o: RunOptions, io: CliContext['io']): void {
  const sims = ids.map((id) => {
    const device = loadDevice(id);
    if (deviceColumns(device).length === 0) {
      throw new UsageError(
        `device ${device.id} names no Table 6 column (a target's "publishedColumn" or the profile's "publishedColumns"): --simulate fits the roofline to the paper's published latencies of a column`,
      );
    }
    return simulateDevice(device);
  });
  if (o.json) io.out(`${JSON.stringify(sims.length === 1 ? sims[0] : sims, null, 2)}\n`);
  else io.out(`${sims.map(formatSimulation).join('\n\n')}\n`);
}

/** The plan of one device from the shared options. */
function planOf(device: DeviceProfile, o: RunOptions): Plan {
  const resolution = resolutionOf(o);
  const sessions = sessionsOf(o);
  const workloads = workloadList(o);
  const targets = targetList(o);
  return planDevice(device, {
    ...(o.preset !== undefined ? { preset: o.preset } : {}),
    ...(sessions !== undefined ? { sessions } : {}),
    ...(resolution !== undefined ? { resolution } : {}),
    ...(workloads ? { workloads } : {}),
    ...(targets ? { targets } : {}),
  });
}

/**
 * Before anything runs on a phone: find it (targets that reach it through adb: benchmark_model, Chrome), so
 * that without it the run stops at once with one line naming what was looked for and the ways on; and check the
 * benchmark_model binary its Android targets push (a missing one is bad input: one line, exit 2).
 */
async function checkPhone(device: DeviceProfile, plan: Plan, o: RunOptions): Promise<void> {
  if (device.connection.kind !== 'adb') return;
  const sustainedMs = sustainedOf(o);
  // every per-run key is set, to its value or to undefined, so one in-process command's flags never leak
  // into the next
  configureAndroid({
    sustainedMs: sustainedMs ?? 0,
    benchmarkModelFlag: o.benchmarkModel || undefined,
    benchmarkModelProfile: device.benchmarkModel || undefined,
  });
  if (plan.columns.some((c) => PHONE_TARGETS.has(c.target.id))) await linkAndroid(device.id, device.connection);
  if (plan.columns.some((c) => ANDROID_TARGETS.has(c.target.id))) benchmarkModelBinary();
}

function printDryRun(plan: Plan, io: CliContext['io']): void {
  io.out(planText(plan));
}

export async function runDevice(o: RunOptions, cli: CliContext): Promise<ExecuteResult | undefined> {
  const ids = deviceList(o.device);
  if (o.simulate) {
    simulateDevices(ids, o, cli.io);
    return undefined;
  }
  if (ids.length > 1 || o.stf !== undefined) {
    await runDevices(ids, o, cli);
    return undefined;
  }
  const device = withAdbServer(loadDevice(ids[0]!), o); // a DeviceProfileError (an InputError) exits 2
  const plan = planOf(device, o);
  runIdOf(o); // a bad run id is a usage error before anything runs
  if (o.dryRun) {
    printDryRun(plan, cli.io);
    return undefined;
  }
  await checkPhone(device, plan, o);
  const result = await executeForCommand(plan, o, cli, { onUnavailable: 'skip' });
  if (!o.json) {
    // the whole run, so a resumed run's table includes what earlier executions measured
    const run = await readRun(result.runDir);
    cli.io.out(`${summaryTable(summaryLayout(plan), run.records)}\n`);
    // then the few warnings that matter, grouped and counted (every detail: the records, the report, -v)
    const warnings = groupedWarnings(result.measured, result.skipped, result.failed);
    if (warnings.length) cli.io.out(`\n${warnings.join('\n')}\n`);
  }
  await buildRunDashboard(result.runDir, cli.io, { json: o.json === true });
  const measurable = plan.jobs.length - result.skipped.length;
  if (measurable === 0 && !result.interrupted)
    throw new RunError(`no target of device ${device.id} can run (reasons above; 'mnv4-bench targets' lists them)`);
  throwUnlessComplete(result, measurable);
  return result;
}

/** The CLI streams with every stderr line prefixed by the device id, never a redrawn bar (devices interleave). */
function deviceIO(io: CliContext['io'], id: string): CliContext['io'] {
  return {
    out: io.out,
    err: (text) => io.err(text.replace(/^(?=.)/gm, `[${id}] `)),
    errIsTTY: false,
    outIsTTY: io.outIsTTY,
  };
}

/**
 * `run --device a,b`: the devices measured at the same time (one workload at a time on each) into one run
 * (src/engine/devices.ts); then one table per device.
 */
async function runDevices(ids: readonly string[], o: RunOptions, cli: CliContext): Promise<void> {
  const loaded = ids.map((id) => loadDevice(id));
  if (o.adbServer !== undefined && !loaded.some((d) => d.connection.kind === 'adb')) withAdbServer(loaded[0]!, o); // says why it does not apply
  const profiles = loaded.map((d) => (d.connection.kind === 'adb' ? withAdbServer(d, o) : d));
  if (o.stf === undefined || o.dryRun) return runLoaded(ids, profiles, o, cli);
  const stf = await leaseForRun(profiles, { stf: o.stf, ...(o.stfPhones !== undefined ? { stfPhones: o.stfPhones } : {}) });
  for (const p of stf.lease.devices) cli.io.err(`STF: reserved ${p.model} ${p.serial}, adb ${p.adbSerial}\n`);
  await withStfLease(stf.lease, () => runLoaded(ids, stf.devices, o, cli, stf.shardOf));
}

/** Runs loaded profiles in parallel into one run; `shards` restricts a profile's plan to its share of workloads. */
async function runLoaded(
  ids: readonly string[],
  devices: readonly DeviceProfile[],
  o: RunOptions,
  cli: CliContext,
  shards?: Map<string, { index: number; count: number }>,
): Promise<void> {
  const plans = devices.map((d) => shardPlan(planOf(d, o), shards?.get(d.id)));
  checkPlansShareRun(plans);
  const { runId, resume } = runIdOf(o);
  if (o.dryRun) {
    plans.forEach((p) => printDryRun(p, cli.io));
    return;
  }
  await Promise.all(devices.map((d, i) => checkPhone(d, plans[i]!, o)));
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });
  const renderers = new Map(plans.map((p) => [p, eventRenderer(deviceIO(cli.io, p.device.id), { json: o.json === true })]));
  let results: ExecuteResult[];
  try {
    results = await withInterrupt(cli.io, (signal) =>
      executePlans(plans, {
        outDir: outDir(o, defaultResultsDir()),
        runId,
        resume,
        signal,
        profile: o.profile === true,
        ...(o.strictBackend === true ? { strictBackend: true } : {}),
        command: [...cli.argv],
        onUnavailable: 'skip',
        onEventFor: (p) => (e) => renderers.get(p)?.onEvent(e),
      }),
    );
  } finally {
    for (const r of renderers.values()) r.stop();
  }
  if (o.json) cli.io.out(`${JSON.stringify(results.map(resultJson), null, 2)}\n`);
  else {
    const run = await readRun(results[0]!.runDir);
    cli.io.out(`${plans.map((p) => `${p.device.name} (${p.device.id}):\n${summaryTable(summaryLayout(p), run.records)}`).join('\n\n')}\n`);
  }
  await buildRunDashboard(results[0]!.runDir, cli.io, { json: o.json === true });
  const measurable = plans.reduce((n, p, i) => n + p.jobs.length - results[i]!.skipped.length, 0);
  if (measurable === 0 && !results.some((r) => r.interrupted)) throw new RunError(`no target of devices ${ids.join(', ')} can run (reasons above)`);
  for (const [i, r] of results.entries()) throwUnlessComplete(r, plans[i]!.jobs.length - r.skipped.length);
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('run')
    .description('run a device profile (devices/<id>.json): every target and workload it lists, on the device it describes, into one run directory');
  addOptions(cmd, [
    'verbose',
    [
      'device',
      {
        help: 'device profile id (e.g. host, pixel6) or a path to a profile .json; several, comma-separated, run in parallel into one run',
        required: true,
      },
    ],
    'preset',
    'sessions',
    'workloads',
    'targets',
    'resolution',
    'out',
    'runId',
    'resume',
    'profile',
    'json',
    'chromium',
    'noiseFloor',
    'strictBackend',
    'simulate',
    ['adbServer', { help: 'the adb server that reaches the phone (default: the local one, started when not running), e.g. a device farm node' }],
    'benchmarkModel',
    'dryRun',
    'stf',
    'stfPhones',
    'sustained',
  ])
    .addHelpText('after', examplesHelp(RUN_EXAMPLES))
    .action(async (opts: RunOptions) => {
      await runDevice(opts, cli);
    });
}
