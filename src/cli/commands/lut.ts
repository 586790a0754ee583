/**
 * `mnv4-bench lut`: latency lookup tables for a NAS (src/lut).
 *
 *   mnv4-bench lut build --device host --target ort-cpu [--space conv-m] [-o FILE]      (measures; resumable)
 *   mnv4-bench lut build --device pixel8 --simulate [--space conv-m]     (device model; provenance: simulated)
 *   mnv4-bench lut compare SIMULATED MEASURED                            (where the simulation was wrong)
 *   mnv4-bench lut show --table FILE
 *   mnv4-bench lut predict --table FILE --arch conv-m:5,4,... [--json]   (also arch:conv-m:..., or --model conv-s)
 *   mnv4-bench lut validate --table FILE --n 50 --seed 1 [--json]        (measures)
 *   mnv4-bench lut export --table FILE --format tunas|ofa|csv [-o FILE]
 *   mnv4-bench lut search --table FILE --budget-ms 30 [--no-measure]     (measures the frontier)
 *
 * Measuring goes through the run engine (src/lut/measure.ts): k sessions per workload, interleaved, one run
 * directory per command, resumable with --resume. Predictions are estimates and are labelled so. A bad
 * table or architecture is one line, exit 2.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { lowerModel } from '../../models/graph.js';
import { getModel } from '../../models/registry.js';
import { exportCsv, exportOfa, exportTunas, EXPORT_FORMATS, type ExportFormat } from '../../lut/export.js';
import { measureAndBuild, measureAndValidate, measureArchs, type LutExecution } from '../../lut/measure.js';
import { compileTable, predictGraph, predictLatency } from '../../lut/predict.js';
import { METHOD_IDS, type LutTable, type MethodId } from '../../lut/schema.js';
import { searchFrontier } from '../../lut/search.js';
import { compareSimulated } from '../../lut/sim-compare.js';
import { assertMeasuredTable, buildSimulatedTable } from '../../lut/simulate.js';
import { readTableFile, writeTableFile } from '../../lut/validate.js';
import { measureAndTransfer } from '../../lut/transfer-measure.js';
import { defaultResultsDir } from '../../paths.js';
import { loadDevice, type DeviceProfile } from '../../profiles/device.js';
import { describeTable, formatPrediction, formatSearch, formatValidation, searchJson } from '../../report/lut-text.js';
import { formatSimCompare } from '../../report/lut-sim-compare.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { InterruptedError, parseChoice, parseIntFlag, RunError, UsageError } from '../errors.js';
import { withInterrupt, type CliContext, type CliIO } from '../io.js';
import {
  addOptions,
  dtypeOf,
  resolutionOf,
  runIdOf,
  seedOf,
  sessionsOf,
  tableOf,
  targetList,
  type OptionRef,
  type SharedValues,
} from '../options.js';
import type { PlannedDevice } from '../../engine/plan.js';
import { configureAndroid } from '../../runners/android/link.js';
import { withStfLease } from '../../runners/android/stf.js';
import { leaseForRun } from '../stf-run.js';
import { eventRenderer } from '../progress.js';

/** Sessions per workload when --sessions is not given: k >= 3 lets a table see its own between-session spread. */
export const LUT_DEFAULT_SESSIONS = 3;

export function parseBudget(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--budget-ms must be a positive number of milliseconds, got '${value ?? ''}'`);
  return n;
}

/** What `lut` commands print on: one line or block at a time, newline-terminated. */
type Print = (text: string) => void;

/** The options of the measuring subcommands (build, validate, search). */
type MeasureValues = SharedValues;

/** The engine side of a measuring command: results folder, run id, Ctrl-C, progress on stderr. */
async function withEngine<T>(o: MeasureValues, cli: CliContext, fn: (x: LutExecution) => Promise<T>): Promise<T> {
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });
  const { runId, resume } = runIdOf(o);
  const render = eventRenderer(cli.io, { json: true });
  try {
    return await withInterrupt(cli.io, (signal) =>
      fn({
        outDir: o.results ?? defaultResultsDir(),
        runId,
        resume,
        signal,
        onEvent: (e) => render.onEvent(e),
        log: (line) => render.log(line),
        command: [...cli.argv],
      }),
    );
  } finally {
    render.stop();
  }
}

/** The options every measuring subcommand takes after its own. */
const MEASURE_OPTIONS: readonly OptionRef[] = [
  'preset',
  'sessions',
  'runId',
  'resume',
  'chromium',
  'json',
  ['results', { help: 'results folder for the measuring run (default: results/ in the package)' }],
];

/** Where a new table is measured (`build`, `transfer`): the device, its one target, dtype, resolution. */
const NEW_TABLE_OPTIONS: readonly OptionRef[] = [['device', { default: 'host' }], 'targets', 'dtype', 'resolution', ...MEASURE_OPTIONS];

/** The command line that resumes this one: the same arguments, the run id as --resume. */
export function resumeCommand(argv: readonly string[], runId: string): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--run-id' || a === '--resume') i++;
    else if (!a.startsWith('--run-id=') && !a.startsWith('--resume=')) kept.push(/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  }
  return ['mnv4-bench', ...kept, '--resume', runId].join(' ');
}

function interrupted(runId: string, argv: readonly string[]): InterruptedError {
  return new InterruptedError(`interrupted; finished sessions are saved: resume with \`${resumeCommand(argv, runId)}\``);
}

/** --device, else the table's device profile by id (a table built from a profile file needs --device again). */
function deviceOf(o: MeasureValues, table?: LutTable): DeviceProfile {
  if (o.device !== undefined || !table) return loadDevice(o.device ?? 'host');
  try {
    return loadDevice(table.device.id);
  } catch (e) {
    throw new UsageError(
      `the table was measured on device '${table.device.id}', which is not in devices/: give --device <path to its profile> (${(e as Error).message})`,
    );
  }
}

/** `lut build --stf URL`: `measure` with the workloads sharded over the farm's phones matching the profile. */
async function withStfShards<T>(device: DeviceProfile, o: MeasureValues, measure: (shards?: PlannedDevice[]) => Promise<T>): Promise<T> {
  // a phone profile's benchmark_model binary, as `run` passes it
  if (device.connection.kind === 'adb') configureAndroid({ benchmarkModelProfile: device.benchmarkModel || undefined });
  if (o.stf === undefined) return measure();
  const stf = await leaseForRun([device], { stf: o.stf, ...(o.stfPhones !== undefined ? { stfPhones: o.stfPhones } : {}) });
  // leaseForRun gives adb profiles only (the farm's phones)
  const shards = stf.devices.flatMap((d) => (d.connection.kind === 'adb' ? [{ id: d.id, name: d.name, connection: d.connection }] : []));
  return withStfLease(stf.lease, () => measure(shards));
}

/** `lut build`: measure every configuration of a space on one target and write the table. */
function registerBuild(lut: Command, cli: CliContext, out: Print): void {
  const build = lut
    .command('build')
    .description(
      'measure every block configuration of a search space (plus identity graphs and a few whole architectures) on one target and write the table',
    );
  addOptions(build, [
    ...NEW_TABLE_OPTIONS,
    ['space', { default: 'conv-m' }],
    ['output', { help: 'table file (default: <space>.<target>.<dtype>.<device>.lut.json)' }],
    'calibration',
    ['seed', { help: 'seed of the calibration architectures', default: '1' }],
    'method',
    ['simulate', { help: "measure nothing: fill the table from the device model fitted to the device's Table 6 column (provenance: simulated)" }],
    ['stf', { help: "shard the measurements over a DeviceFarmer STF farm's phones matching the profile (token in $STF_TOKEN)" }],
    ['stfPhones', { help: 'with --stf: use at most this many phones (default: every free match)' }],
  ]).action((o: MeasureValues & { simulate?: boolean }) => (o.simulate ? buildSimulated(o, out) : buildTable(o, cli, out)));
}

/** `lut build --simulate`: the table from the device model; nothing is measured. */
async function buildSimulated(o: MeasureValues, out: Print): Promise<void> {
  const targets = targetList(o);
  if (targets && targets.length !== 1) throw new UsageError('--target takes one target: a table never mixes targets');
  const resolution = resolutionOf(o);
  const t = buildSimulatedTable({
    device: deviceOf(o),
    space: o.space!,
    ...(targets ? { target: targets[0]! } : {}),
    ...(resolution !== undefined ? { resolution } : {}),
  });
  const file = o.output ?? `${t.space.id}.${t.target.id}.${t.dtype}.${t.device.id}.simulated.lut.json`;
  await writeTableFile(file, t);
  if (o.json) out(JSON.stringify({ file, table: t }, null, 2));
  else out(`${describeTable(t)}\nwrote ${file} (SIMULATED: every entry has provenance 'simulated')`);
}

/** `lut compare SIMULATED MEASURED`: where a simulated table was wrong, once the device has measured the space. */
function registerCompare(lut: Command, out: Print): void {
  const compare = lut
    .command('compare')
    .description('where a simulated table (lut build --simulate) was wrong, against a table measured on the device')
    .argument('<simulated>', 'simulated table file')
    .argument('<measured>', 'measured table file');
  addOptions(compare, [
    ['seed', { help: 'seed of the first architecture predicted from both tables', default: '1' }],
    ['json', { help: 'machine-readable output' }],
  ]).action(async (simFile: string, measFile: string, o: SharedValues) => {
    const r = compareSimulated(await readTableFile(simFile), await readTableFile(measFile), { archs: 50, seed: seedOf(o) });
    out(o.json ? JSON.stringify(r, null, 2) : formatSimCompare(r));
  });
}

async function buildTable(o: MeasureValues, cli: CliContext, out: Print): Promise<void> {
  const targets = targetList(o);
  if (!targets || targets.length !== 1) throw new UsageError('--target <id> is required, exactly one: a table never mixes targets');
  const device = deviceOf(o);
  const dtype = dtypeOf(o);
  const resolution = resolutionOf(o);
  const method = o.method === undefined ? undefined : parseChoice<MethodId>('--method', o.method, METHOD_IDS);
  const calibration = parseIntFlag('--calibration', o.calibration!, 0, 200);
  const seed = seedOf(o);
  const sessions = sessionsOf(o) ?? LUT_DEFAULT_SESSIONS;
  const outcome = await withStfShards(device, o, (shards) =>
    withEngine(o, cli, (x) =>
      measureAndBuild(
        {
          device,
          target: targets[0]!,
          space: o.space!,
          sessions,
          calibration,
          seed,
          ...(dtype ? { dtype } : {}),
          ...(resolution !== undefined ? { resolution } : {}),
          ...(o.preset !== undefined ? { preset: o.preset } : {}),
          ...(method ? { method } : {}),
        },
        shards ? { ...x, shards } : x,
      ),
    ),
  );
  if (!outcome.table) throw interrupted(outcome.result.runId, cli.argv);
  const t = outcome.table;
  const file = o.output ?? `${t.space.id}.${t.target.id}.${t.dtype}.${t.device.id}.lut.json`;
  await writeTableFile(file, t);
  if (o.json) out(JSON.stringify({ file, table: t }, null, 2));
  else out(`${describeTable(t)}\nwrote ${file}`);
  if (outcome.missing.length > 0) {
    throw new RunError(
      `${outcome.missing.length} workload(s) have no measurement (${outcome.missing.slice(0, 3).join(', ')}${outcome.missing.length > 3 ? ', ...' : ''}); the table was written without them (missing configurations are predicted by regression); retry them with --resume ${outcome.result.runId}`,
    );
  }
}

/** `lut show` and `lut predict`: read a table, describe it or predict with it (nothing is measured). */
function registerReaders(lut: Command, out: Print, warn: Print): void {
  const show = lut.command('show').description('describe a table: what it holds and how its correction methods scored');
  addOptions(show, ['table', ['json', { help: 'print the table itself' }]]).action(async (o: SharedValues) => {
    const t = await readTableFile(tableOf(o));
    compileTable(t); // checks it against its space
    out(o.json ? JSON.stringify(t, null, 2) : describeTable(t));
  });

  const predict = lut
    .command('predict')
    .description('predict the latency of architectures (or of a whole model, by regression where its blocks are not in the table)');
  addOptions(predict, [
    'table',
    'archEach',
    ['modelEach', { help: 'a whole model at the table resolution (repeatable)' }],
    ['json', { help: 'machine-readable output' }],
  ]).action(async (o: SharedValues & { arch: string[]; model: string[] }) => {
    const t = await readTableFile(tableOf(o));
    if (o.arch.length === 0 && o.model.length === 0) throw new UsageError('give --arch <space>:<i>,<i>,... (or --model <id>) to predict');
    const c = compileTable(t);
    const preds = [...o.arch.map((a) => predictLatency(a, c)), ...o.model.map((m) => predictGraph(lowerModel(getModel(m), t.space.resolution), c))];
    if (t.provenance === 'simulated')
      warn(`${tableOf(o)}: SIMULATED table (device model): these predictions rest on simulated entries, not measurements`);
    out(o.json ? JSON.stringify(preds.length === 1 ? preds[0] : preds, null, 2) : preds.map(formatPrediction).join('\n'));
  });
}

/** `lut validate`: measure seeded random architectures and compare them with the table's predictions. */
function registerValidate(lut: Command, cli: CliContext, out: Print): void {
  const validate = lut
    .command('validate')
    .description("measure seeded random architectures of the table's space end to end on its target and compare them with the predictions");
  addOptions(validate, [
    'table',
    'n',
    ['seed', { help: 'seed of the first architecture (then seed+1, ...)', default: '1' }],
    ['device', { help: "device profile (default: the table's)" }],
    'drift',
    'driftArchs',
    'models',
    'report',
    ...MEASURE_OPTIONS,
  ]).action((o: MeasureValues & { models: boolean }) => validateTable(o, cli, out));
}

async function validateTable(o: MeasureValues & { models: boolean }, cli: CliContext, out: Print): Promise<void> {
  const file = tableOf(o);
  const t = await readTableFile(file);
  assertMeasuredTable(t, file, 'lut validate');
  compileTable(t);
  const n = parseIntFlag('--n', o.n!, 1, 10_000);
  const seed = seedOf(o);
  const driftCount = parseIntFlag('--drift', o.drift!, 0, 100);
  const driftArchCount = parseIntFlag('--drift-archs', o.driftArchs!, 0, 100);
  const sessions = sessionsOf(o) ?? LUT_DEFAULT_SESSIONS;
  const device = deviceOf(o, t);
  const { report, result } = await withEngine(o, cli, (x) =>
    measureAndValidate(
      {
        table: t,
        tableFile: file,
        device,
        sessions,
        n,
        seed,
        driftCount,
        driftArchCount,
        models: o.models,
        ...(o.preset !== undefined ? { preset: o.preset } : {}),
      },
      x,
    ),
  );
  if (!report) throw interrupted(result.runId, cli.argv);
  if (o.report) await writeFile(o.report, `${JSON.stringify(report, null, 2)}\n`);
  out(o.json ? JSON.stringify(report, null, 2) : formatValidation(report));
  if (result.failed.length > 0)
    throw new RunError(
      `${result.failed.length} measurement(s) failed (error records in ${result.runDir}/measurements.jsonl); the figures above leave them out`,
    );
}

/** `lut export`: the table as a TuNAS-style cost model, an OFA-style keyed table, or CSV. */
function registerExport(lut: Command, io: CliIO): void {
  const cmd = lut.command('export').description('export a table for a NAS: TuNAS-style linear cost model, OFA-style keyed table, or CSV');
  addOptions(cmd, [
    'table',
    ['format', { help: `${EXPORT_FORMATS.join(' | ')}` }],
    'output',
    ['seed', { help: 'seed of the architectures the TuNAS model is fitted on', default: '1' }],
    'fitArchs',
  ]).action(async (o: SharedValues) => {
    if (o.format === undefined) throw new UsageError(`--format is required: ${EXPORT_FORMATS.join(', ')}`);
    const format = parseChoice<ExportFormat>('--format', o.format, EXPORT_FORMATS);
    const seed = seedOf(o);
    const fitArchs = parseIntFlag('--fit-archs', o.fitArchs!, 100, 1_000_000);
    const t = await readTableFile(tableOf(o));
    const text =
      format === 'csv'
        ? exportCsv(t)
        : `${JSON.stringify(format === 'tunas' ? exportTunas(t, { seed, trainArchs: fitArchs }) : exportOfa(t), null, 1)}\n`;
    if (o.output) {
      await writeFile(o.output, text);
      io.err(`wrote ${o.output}\n`);
    } else io.out(text);
  });
}

/** `lut search`: evolutionary search under a latency budget on the table, then the frontier measured. */
function registerSearch(lut: Command, cli: CliContext, out: Print): void {
  const search = lut
    .command('search')
    .description('latency-constrained evolutionary search on a table: the MACs-vs-predicted-latency frontier, then measured');
  addOptions(search, [
    'table',
    'budgetMs',
    ['seed', { help: 'search seed', default: '0' }],
    'evaluations',
    'maxResults',
    ['device', { help: "device profile for measuring (default: the table's)" }],
    'measure',
    ...MEASURE_OPTIONS,
  ]).action((o: MeasureValues & { measure: boolean }) => searchTable(o, cli, out));
}

async function searchTable(o: MeasureValues & { measure: boolean }, cli: CliContext, out: Print): Promise<void> {
  const budgetMs = parseBudget(o.budgetMs);
  const t = await readTableFile(tableOf(o));
  const r = searchFrontier(t, {
    budgetMs,
    seed: seedOf(o),
    evaluations: parseIntFlag('--evaluations', o.evaluations!, 10, 10_000_000),
    maxResults: parseIntFlag('--max-results', o.maxResults!, 1, 1000),
  });
  let measured: Map<string, { medianMs: number; spreadMs: number }> | undefined;
  // a simulated table's target is a phone that is not attached: its frontier is predicted only
  if (t.provenance === 'simulated') cli.io.err(`${tableOf(o)}: SIMULATED table (device model): the frontier is not measured\n`);
  if (o.measure && r.frontier.length > 0 && t.provenance !== 'simulated') {
    const device = deviceOf(o, t);
    const sessions = sessionsOf(o) ?? LUT_DEFAULT_SESSIONS;
    const m = await withEngine(o, cli, (x) =>
      measureArchs(
        t,
        r.frontier.map((p) => p.arch),
        { device, sessions, ...(o.preset !== undefined ? { preset: o.preset } : {}) },
        x,
      ),
    );
    if (m.result.interrupted) throw interrupted(m.result.runId, cli.argv);
    measured = m.measured;
  }
  out(o.json ? JSON.stringify(searchJson(r, measured), null, 2) : formatSearch(r, budgetMs, measured));
}

export function register(program: Command, cli: CliContext): void {
  const out: Print = (text) => cli.io.out(`${text}\n`);
  const lut = program.command('lut').description('latency lookup tables for a NAS: build, predict, validate, export, search');
  registerBuild(lut, cli, out);
  registerReaders(lut, out, (text) => cli.io.err(`${text}\n`));
  registerCompare(lut, out);
  registerValidate(lut, cli, out);
  registerExport(lut, cli.io);
  registerSearch(lut, cli, out);
  registerTransfer(lut, cli, out);
}

/** `lut transfer`: a table for a new target from another target's table and at most --budget measurements. */
function registerTransfer(lut: Command, cli: CliContext, out: Print): void {
  const transfer = lut
    .command('transfer')
    .description("a table for a new target from another target's table and at most --budget measurements chosen for what they teach");
  addOptions(transfer, [
    'from',
    'budget',
    ...NEW_TABLE_OPTIONS,
    ['space', { help: "must be the source table's space (a transfer never changes it)" }],
    ['output', { help: 'table file (default: <space>.<target>.<dtype>.<device>.transfer.lut.json)' }],
  ]).action(async (o: MeasureValues & { from?: string; budget: string }) => {
    if (!o.from) throw new UsageError('--from <table file> is required (build one with `mnv4-bench lut build`)');
    const targets = targetList(o);
    if (!targets || targets.length !== 1) throw new UsageError('--target <id> is required, exactly one: the new target');
    const source = await readTableFile(o.from);
    compileTable(source);
    const budget = parseIntFlag('--budget', o.budget, 1, 10_000);
    const dtype = dtypeOf(o);
    const resolution = resolutionOf(o);
    const r = await withEngine(o, cli, (x) =>
      measureAndTransfer(
        {
          source,
          sourceFile: o.from!,
          budget,
          device: deviceOf(o),
          target: targets[0]!,
          sessions: sessionsOf(o) ?? LUT_DEFAULT_SESSIONS,
          ...(dtype ? { dtype } : {}),
          ...(o.space !== undefined ? { space: o.space } : {}),
          ...(resolution !== undefined ? { resolution } : {}),
          ...(o.preset !== undefined ? { preset: o.preset } : {}),
        },
        x,
      ),
    );
    if (!r.table) throw interrupted(r.runId, cli.argv);
    const t = r.table;
    const file = o.output ?? `${t.space.id}.${t.target.id}.${t.dtype}.${t.device.id}.transfer.lut.json`;
    await writeTableFile(file, t);
    out(o.json ? JSON.stringify({ file, table: t }, null, 2) : `${describeTable(t)}\nwrote ${file}`);
  });
}
