/**
 * `mnv4-bench run --device <id>`: the main job. Runs a device profile (devices/<id>.json): every target it
 * lists, on every workload it lists, under its protocol preset, into one run directory; then prints a
 * workload x target table of medians, next to the paper's published figure where the profile names its
 * column (labelled `published`).
 *
 * Targets that cannot run here are skipped with their reason (the run goes on with the rest); a target the
 * profile names but this version has no runner for is an error before anything runs.
 */
import type { Command } from 'commander';
import { FORMAT_DTYPES } from '../../models/export/cache.js';
import { publishedLatency, DEVICE_COLUMNS, type DeviceColumn } from '../../models/published.js';
import { resolveWorkload } from '../../models/workload.js';
import { defaultResultsDir } from '../../paths.js';
import { loadDevice, type DeviceProfile } from '../../profiles/device.js';
import { getPreset, PRESET_NAMES, type ProtocolSettings } from '../../profiles/protocol.js';
import { fmt, textTable } from '../../report/table.js';
import type { MeasurementRecord } from '../../results/schema.js';
import { readRun } from '../../results/writer.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { detectTargets, getRunner, targetIds, UnknownTargetError } from '../../runners/registry.js';
import { SettingsError, type Target } from '../../runners/types.js';
import { parseChoice, RunError, UsageError } from '../errors.js';
import { executeJobs, resolveRunId, throwIfFailed, type Job } from '../execute.js';
import { formatMeasurement } from './bench.js';

interface RunOptions {
  device: string;
  preset?: string;
  workloads?: string;
  targets?: string;
  out?: string;
  runId?: string;
  resume?: string;
  profile?: boolean;
  json?: boolean;
  dryRun?: boolean;
  chromium?: string;
}

/** One planned target of the device: its profile entry, runner target and workloads. */
interface PlannedTarget {
  label: string;
  target: Target;
  entry: DeviceProfile['targets'][number];
  jobs: Job[];
}

const list = (s: string | undefined): string[] | undefined => s?.split(',').map((x) => x.trim()).filter(Boolean);

/** Validates the profile against this version's runners and builds the jobs (no measurement yet). */
export function planDevice(device: DeviceProfile, o: { workloads?: string[]; targets?: string[] } = {}): PlannedTarget[] {
  const planned: PlannedTarget[] = [];
  const ids = new Map<string, string>();
  const workloadId = (text: string): string => ids.get(text) ?? ids.set(text, resolveWorkload(text).id).get(text)!;
  for (const [i, entry] of device.targets.entries()) {
    if (o.targets && !o.targets.includes(entry.target)) continue;
    let runner;
    try {
      runner = getRunner(entry.target);
    } catch (e) {
      if (e instanceof UnknownTargetError) {
        throw new UsageError(`device ${device.id}: this mnv4-bench has no runner for target '${entry.target}' (targets here: ${targetIds().join(', ')}); use --targets to pick others or edit the device file`);
      }
      throw e;
    }
    let settings;
    try {
      settings = runner.resolveSettings(entry.settings);
    } catch (e) {
      if (e instanceof SettingsError) throw new UsageError(`device ${device.id}, targets[${i}]: ${e.message}`);
      throw e;
    }
    const format = runner.formats[0]!;
    if (!FORMAT_DTYPES[format].includes(entry.dtype)) throw new UsageError(`device ${device.id}, targets[${i}]: ${entry.target} runs ${format} files, which come in ${FORMAT_DTYPES[format].join(', ')}, not ${entry.dtype}`);
    const target: Target = { id: runner.id, runner: runner.id, backend: runner.backend, settings };
    const texts = o.workloads ?? entry.workloads ?? device.workloads;
    const jobs = texts.map((text) => ({ text, workloadId: workloadId(text), runner, target, format, dtype: entry.dtype }));
    planned.push({ label: entry.label ?? `${entry.target} ${entry.dtype}`, target, entry, jobs });
  }
  if (o.targets) {
    const unknown = o.targets.filter((t) => !device.targets.some((e) => e.target === t));
    if (unknown.length) throw new UsageError(`--targets: device ${device.id} has no target ${unknown.join(', ')}; it has ${[...new Set(device.targets.map((e) => e.target))].join(', ')}`);
  }
  if (planned.length === 0) throw new UsageError(`device ${device.id}: nothing to run`);
  return planned;
}

/** True when a record ran on a software GPU adapter (SwiftShader): measured, but not a GPU latency. */
const onSoftwareAdapter = (rec: MeasurementRecord): boolean => rec.executed.adapter?.softwareAdapter === true;

/**
 * The workload x target table of medians (ms), with the published figure where the profile names a column.
 * Columns are numbered; a legend below names each target. `*` = not converged, `sw` = software GPU adapter.
 */
export function summaryTable(planned: readonly PlannedTarget[], records: readonly MeasurementRecord[]): string {
  const workloads = [...new Set(planned.flatMap((p) => p.jobs.map((j) => j.workloadId)))];
  const cols: { header: string; right?: boolean }[] = [{ header: 'workload' }];
  const rows = workloads.map((w) => [w]);
  const legend: string[] = [];
  for (const [k, p] of planned.entries()) {
    cols.push({ header: `[${k + 1}] ms measured`, right: true });
    legend.push(`[${k + 1}] ${p.label}: ${p.target.id} ${p.entry.dtype} ${Object.entries(p.target.settings).map(([key, v]) => `${key}=${String(v)}`).join(' ')}`);
    workloads.forEach((w, i) => {
      const rec = records.find((r) => r.workload.id === w && r.workload.file.dtype === p.entry.dtype && JSON.stringify(r.target) === JSON.stringify(p.target));
      const st = rec?.latency.stats;
      let cell = '';
      if (p.jobs.some((j) => j.workloadId === w)) {
        cell = !rec || !st ? 'failed' : `${fmt(st.median, 3)}${rec.protocol.converged ? '' : '*'}${onSoftwareAdapter(rec) ? ' sw' : ''}`;
      }
      rows[i]!.push(cell);
    });
    const column = p.entry.publishedColumn;
    if (column && (DEVICE_COLUMNS as readonly string[]).includes(column)) {
      cols.push({ header: `${column} ms published`, right: true });
      workloads.forEach((w, i) => {
        const model = /^model:([^@]+)@/.exec(w)?.[1];
        const cell = model ? publishedLatency(model, column as DeviceColumn) : undefined;
        rows[i]!.push(cell?.state === 'value' ? fmt(cell.value, 1) : cell?.state === 'failed' ? 'failed' : '-');
      });
    }
  }
  return [
    textTable(cols, rows),
    ...legend,
    '* = did not converge within the preset\'s caps (see the record\'s warnings); sw = software GPU adapter (SwiftShader): measured, but not a GPU latency',
  ].join('\n');
}

export async function runDevice(o: RunOptions): Promise<number> {
  const device = loadDevice(o.device); // a DeviceProfileError exits 2
  const presetName = parseChoice('--preset', o.preset ?? device.preset, PRESET_NAMES);
  const protocol: ProtocolSettings = getPreset(presetName);
  const planned = planDevice(device, { workloads: list(o.workloads), targets: list(o.targets) });
  const runId = resolveRunId(o);
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });

  const status = new Map((await detectTargets({ ids: [...new Set(planned.map((p) => p.target.id))] })).map((s) => [s.id, s.availability]));
  const runnable = planned.filter((p) => {
    const a = status.get(p.target.id);
    if (a && !a.available) process.stderr.write(`skipped: ${p.label}: ${a.reason}\n`);
    return a?.available === true;
  });
  const jobs = runnable.flatMap((p) => p.jobs);
  if (o.dryRun) {
    process.stdout.write(`${device.name}: ${jobs.length} measurements, preset ${protocol.name}\n`);
    for (const j of jobs) process.stdout.write(`  ${j.workloadId} ${j.dtype} on ${j.target.id} ${JSON.stringify(j.target.settings)}\n`);
    return 0;
  }
  if (jobs.length === 0) throw new RunError(`no target of device ${device.id} can run here (see the reasons above; 'mnv4-bench targets' lists them)`);
  process.stderr.write(`${device.name}: ${jobs.length} measurements on ${runnable.length} targets, preset ${protocol.name}\n`);
  const result = await executeJobs(jobs, {
    protocol,
    outDir: o.out ?? defaultResultsDir(),
    runId,
    resume: o.resume !== undefined,
    profile: o.profile === true,
    json: o.json === true,
    command: ['run', '--device', device.id, ...process.argv.slice(2).filter((a) => a !== 'run')],
    format: formatMeasurement,
  });
  if (!o.json) {
    // the whole run, so a resumed run's table includes what earlier sessions measured
    const recs = (await readRun(result.runDir)).records.filter((r): r is MeasurementRecord => r.kind === 'measurement');
    process.stdout.write(`${summaryTable(runnable, recs)}\n`);
  }
  throwIfFailed(result, jobs.length);
  return 0;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a device profile (devices/<id>.json): every target and workload it lists, into one run directory')
    .requiredOption('--device <id>', 'device profile id (e.g. host, pixel6) or a path to a profile .json')
    .option('--preset <name>', `protocol preset (${PRESET_NAMES.join(', ')}); default: the profile's`)
    .option('--workloads <list>', 'comma-separated workloads instead of the profile\'s (e.g. conv-s,conv-m/b05)')
    .option('--targets <list>', 'only these target ids of the profile (e.g. ort-cpu,tflite-wasm)')
    .option('--out <dir>', 'results directory (default: results/ in the package)')
    .option('--run-id <id>', 'name of a new run (default: time-based)')
    .option('--resume <run-id>', 'continue a run: skip what it already measured')
    .option('--profile', 'also run a separate per-op profiling pass for each measurement')
    .option('--json', 'print the records as JSON on stdout')
    .option('--dry-run', 'print the planned measurements and exit')
    .option('--chromium <path>', 'Chromium binary for browser targets (default: $MNV4_BENCH_CHROMIUM or PATH)')
    .action(async (opts: RunOptions) => {
      await runDevice(opts);
    });
}
