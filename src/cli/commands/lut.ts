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
import { compileTable, predictGraph, predictLatency, type Prediction } from '../../lut/predict.js';
import { METHOD_IDS, targetText, type LutTable, type MethodId } from '../../lut/schema.js';
import { searchFrontier, type SearchResult } from '../../lut/search.js';
import { compareSimulated } from '../../lut/sim-compare.js';
import { formatSimCompare } from '../../report/lut-sim-compare.js';
import { assertMeasuredTable, buildSimulatedTable } from '../../lut/simulate.js';
import { readTableFile, writeTableFile, type ValidationReport } from '../../lut/validate.js';
import { defaultResultsDir } from '../../paths.js';
import { loadDevice, type DeviceProfile } from '../../profiles/device.js';
import { fmt, textTable } from '../../report/table.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { InterruptedError, parseChoice, parseIntFlag, RunError, UsageError } from '../errors.js';
import { withInterrupt, type CliContext, type CliIO } from '../io.js';
import { addOptions, collectWhole, dtypeOf, resolutionOf, runIdOf, sessionsOf, targetList, type SharedValues } from '../options.js';
import { eventRenderer } from '../progress.js';

const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(digits)}%`;
const signedPct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
/** Sessions per workload when --sessions is not given: k >= 3 lets a table see its own between-session spread. */
export const LUT_DEFAULT_SESSIONS = 3;

function requireTable(file: string | undefined): string {
  if (!file) throw new UsageError('--table <file> is required (build one with `mnv4-bench lut build`)');
  return file;
}

export function parseBudget(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--budget-ms must be a positive number of milliseconds, got '${value ?? ''}'`);
  return n;
}

/** A paragraph describing a table and how its correction methods scored. */
export function describeTable(t: LutTable): string {
  const lines = [
    `${t.space.id} at ${t.space.resolution}x${t.space.resolution} on ${targetText(t.target)}, ${t.format} ${t.dtype}, device ${t.device.id} (${t.device.hostname}, ${t.device.cpu})`,
    `  ${t.entries.length} block configurations, ${t.overhead.length} identity graphs, ${t.archs.length} whole architectures; ${t.sessions} session${t.sessions === 1 ? '' : 's'} each, preset ${t.protocol}; ${t.provenance === 'simulated' ? 'SIMULATED by the device model: nothing was measured' : `run ${t.runs.map((r) => r.runId).join(', ')}`}`,
    `  correction: ${t.method.id} (${t.method.chosenBy === 'leave-one-out' ? `simplest within the calibration noise (${pct(t.method.noiseFloor ?? null)}) of the lowest leave-one-out error` : 'requested'}), model uncertainty ${pct(t.method.looRelRmse)} (relative RMS)`,
  ];
  if (t.build) lines.push(`  build cost: ${t.build.measurements} sessions measured, ${fmt(t.build.wallSeconds / 60, 1)} min wall`);
  lines.push(
    textTable(
      [
        { header: 'method' },
        { header: 'LOO MAPE', right: true },
        { header: 'max |err|', right: true },
        { header: '±5%', right: true },
        { header: '±10%', right: true },
        { header: 'note' },
      ],
      t.method.comparison.map((s) => [
        s.method + (s.method === t.method.id ? ' *' : ''),
        pct(s.looMape, 2),
        pct(s.looMaxAbsErr),
        pct(s.within5, 0),
        pct(s.within10, 0),
        s.note,
      ]),
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  return lines.join('\n');
}

export function formatPrediction(p: Prediction): string {
  const reg =
    p.regressionConfigs.length > 0
      ? `; ${p.regressionConfigs.length} configuration(s) not in the table, by regression: ${p.regressionConfigs.join(' ')}`
      : '';
  return `${p.arch}: ${fmt(p.medianMs, 3)} ms ± ${fmt(p.uncertaintyMs, 3)} (1 sd), estimated by the ${p.method} correction from ${p.source}${reg}`;
}

export function formatFrontier(r: SearchResult, measured?: ReadonlyMap<string, { medianMs: number }>): string {
  const rows = r.frontier.map((p) => {
    const m = measured?.get(p.arch);
    return [
      p.arch,
      fmt(p.macs / 1e6, 1),
      fmt(p.predictedMs, 3),
      m ? fmt(m.medianMs, 3) : '-',
      m ? signedPct((p.predictedMs - m.medianMs) / m.medianMs) : '-',
    ];
  });
  return textTable(
    [
      { header: 'architecture' },
      { header: 'MMACs', right: true },
      { header: 'predicted ms (estimated)', right: true },
      { header: 'measured ms', right: true },
      { header: 'error', right: true },
    ],
    rows,
  );
}

export function formatValidation(r: ValidationReport): string {
  const s = r.summary;
  const row = (p: { arch: string; predictedMs: number; measuredMs: number; spreadMs: number; error: number }): string[] => [
    p.arch,
    fmt(p.predictedMs, 3),
    fmt(p.measuredMs, 3),
    signedPct(p.error),
    pct(p.spreadMs / p.measuredMs, 2),
  ];
  const cols = [
    { header: 'architecture' },
    { header: 'predicted ms (est.)', right: true },
    { header: 'measured ms', right: true },
    { header: 'error', right: true },
    { header: 'session spread', right: true },
  ];
  const lines = [
    `table ${r.table.file}: ${r.table.space}@${r.table.resolution} on ${r.table.target}, device ${r.table.device}, method ${r.table.method}; run ${r.runId}`,
    textTable(cols, r.archs.map(row)),
    '',
    `${s.n} architectures (seed ${r.seed}): MAPE ${pct(s.mape, 2)} (mean error ${signedPct(s.bias)}), RMSE ${fmt(s.rmseMs, 3)} ms, within ±5% ${pct(s.within5, 0)}, within ±10% ${pct(s.within10, 0)}, max |error| ${pct(s.maxAbsError)}; noise floor (median between-session spread of the architectures) ${pct(s.noiseFloor, 2)}`,
  ];
  if (r.models.length > 0) {
    lines.push('', 'MNv4 models (blocks outside the space predicted by regression):');
    lines.push(
      textTable(
        [...cols, { header: 'source' }],
        r.models.map((m) => [...row(m), m.source]),
      ),
    );
  }
  if (r.drift.length > 0) {
    lines.push('', 'table entries and calibration architectures re-measured in the same run (drift of the host since the build):');
    lines.push(
      textTable(
        [
          { header: 'entry' },
          { header: 'kind' },
          { header: 'table ms', right: true },
          { header: 'now ms', right: true },
          { header: 'change', right: true },
        ],
        r.drift.map((d) => [d.key, d.kind === 'arch' ? 'whole arch' : 'block', fmt(d.tableMs, 4), fmt(d.nowMs, 4), signedPct(d.change)]),
      ),
    );
  }
  const ratio = r.hostState?.ratio;
  if (ratio !== null && ratio !== undefined)
    lines.push(`whole networks now vs the build: x${fmt(ratio, 3)} (median over ${r.hostState.archs} re-measured calibration architectures)`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

interface MeasureValues extends SharedValues {
  device?: string;
  results?: string;
}

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

function addMeasureOptions(cmd: Command): Command {
  addOptions(cmd, ['preset', 'sessions', 'runId', 'resume', 'chromium', 'json']);
  return cmd.option('--results <dir>', 'results folder for the measuring run (default: results/ in the package)');
}

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

export function register(program: Command, cli: CliContext): void {
  const io: CliIO = cli.io;
  const out = (text: string): void => io.out(`${text}\n`);
  const lut = program.command('lut').description('latency lookup tables for a NAS: build, predict, validate, export, search');

  const build = lut
    .command('build')
    .description(
      'measure every block configuration of a search space (plus identity graphs and a few whole architectures) on one target and write the table',
    )
    .option('--device <id>', 'device profile id or path (devices/<id>.json)', 'host');
  addOptions(build, ['targets', 'dtype', 'resolution']);
  addMeasureOptions(build)
    .option('--space <id>', 'search space', 'conv-m')
    .option('-o, --output <file>', 'table file (default: <space>.<target>.<dtype>.<device>.lut.json)')
    .option('--calibration <n>', 'whole architectures measured to fit and choose the correction', '10')
    .option('--seed <n>', 'seed of the calibration architectures', '1')
    .option('--method <id>', `use this correction instead of the best by leave-one-out (${METHOD_IDS.join(', ')})`)
    .option('--simulate', "measure nothing: fill the table from the device model fitted to the device's Table 6 column (provenance: simulated)")
    .action(async (o: MeasureValues & { space: string; output?: string; calibration: string; seed: string; method?: string; simulate?: boolean }) => {
      if (o.simulate) return buildSimulated(o);
      const targets = targetList(o);
      if (!targets || targets.length !== 1) throw new UsageError('--target <id> is required, exactly one: a table never mixes targets');
      const device = deviceOf(o);
      const dtype = dtypeOf(o);
      const resolution = resolutionOf(o);
      const method = o.method === undefined ? undefined : parseChoice<MethodId>('--method', o.method, METHOD_IDS);
      const calibration = parseIntFlag('--calibration', o.calibration, 0, 200);
      const seed = parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1);
      const sessions = sessionsOf(o) ?? LUT_DEFAULT_SESSIONS;
      const outcome = await withEngine(o, cli, (x) =>
        measureAndBuild(
          {
            device,
            target: targets[0]!,
            space: o.space,
            sessions,
            calibration,
            seed,
            ...(dtype ? { dtype } : {}),
            ...(resolution !== undefined ? { resolution } : {}),
            ...(o.preset !== undefined ? { preset: o.preset } : {}),
            ...(method ? { method } : {}),
          },
          x,
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
    });

  async function buildSimulated(o: MeasureValues & { space: string; output?: string }): Promise<void> {
    const targets = targetList(o);
    if (targets && targets.length !== 1) throw new UsageError('--target takes one target: a table never mixes targets');
    const resolution = resolutionOf(o);
    const t = buildSimulatedTable({
      device: deviceOf(o),
      space: o.space,
      ...(targets ? { target: targets[0]! } : {}),
      ...(resolution !== undefined ? { resolution } : {}),
    });
    const file = o.output ?? `${t.space.id}.${t.target.id}.${t.dtype}.${t.device.id}.simulated.lut.json`;
    await writeTableFile(file, t);
    if (o.json) out(JSON.stringify({ file, table: t }, null, 2));
    else out(`${describeTable(t)}\nwrote ${file} (SIMULATED: every entry has provenance 'simulated')`);
  }

  lut
    .command('compare')
    .description('where a simulated table (lut build --simulate) was wrong, against a table measured on the device')
    .argument('<simulated>', 'simulated table file')
    .argument('<measured>', 'measured table file')
    .option('--archs <n>', 'seeded architectures predicted from both tables', '50')
    .option('--seed <n>', 'seed of the first architecture', '1')
    .option('--json', 'machine-readable output')
    .action(async (simFile: string, measFile: string, o: { archs: string; seed: string; json?: boolean }) => {
      const r = compareSimulated(await readTableFile(simFile), await readTableFile(measFile), {
        archs: parseIntFlag('--archs', o.archs, 3, 100_000),
        seed: parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1),
      });
      out(o.json ? JSON.stringify(r, null, 2) : formatSimCompare(r));
    });

  lut
    .command('show')
    .description('describe a table: what it holds and how its correction methods scored')
    .option('--table <file>', 'table file')
    .option('--json', 'print the table itself')
    .action(async (o: { table?: string; json?: boolean }) => {
      const t = await readTableFile(requireTable(o.table));
      compileTable(t); // checks it against its space
      out(o.json ? JSON.stringify(t, null, 2) : describeTable(t));
    });

  lut
    .command('predict')
    .description('predict the latency of architectures (or of a whole model, by regression where its blocks are not in the table)')
    .option('--table <file>', 'table file')
    .option('--arch <enc>', 'architecture, e.g. conv-m:5,4,... or arch:conv-m:5,4,... (repeatable)', collectWhole, [])
    .option('--model <id>', 'a whole model at the table resolution (repeatable)', collectWhole, [])
    .option('--json', 'machine-readable output')
    .action(async (o: { table?: string; json?: boolean; arch: string[]; model: string[] }) => {
      const t = await readTableFile(requireTable(o.table));
      if (o.arch.length === 0 && o.model.length === 0) throw new UsageError('give --arch <space>:<i>,<i>,... (or --model <id>) to predict');
      const c = compileTable(t);
      const preds = [...o.arch.map((a) => predictLatency(a, c)), ...o.model.map((m) => predictGraph(lowerModel(getModel(m), t.space.resolution), c))];
      if (t.provenance === 'simulated')
        io.err(`${o.table}: SIMULATED table (device model): these predictions rest on simulated entries, not measurements\n`);
      out(o.json ? JSON.stringify(preds.length === 1 ? preds[0] : preds, null, 2) : preds.map(formatPrediction).join('\n'));
    });

  const validate = lut
    .command('validate')
    .description("measure seeded random architectures of the table's space end to end on its target and compare them with the predictions")
    .option('--table <file>', 'table file')
    .option('--n <n>', 'random architectures', '50')
    .option('--seed <n>', 'seed of the first architecture (then seed+1, ...)', '1')
    .option('--device <id>', "device profile (default: the table's)")
    .option('--drift <n>', 'table entries re-measured in the same run to show drift', '4')
    .option('--drift-archs <n>', "the table's calibration architectures re-measured in the same run (drift of whole networks)", '2')
    .option('--no-models', 'leave out the five MNv4 models')
    .option('--report <file>', 'also write the report as JSON there');
  addMeasureOptions(validate).action(
    async (o: MeasureValues & { table?: string; n: string; seed: string; drift: string; driftArchs: string; models: boolean; report?: string }) => {
      const file = requireTable(o.table);
      const t = await readTableFile(file);
      assertMeasuredTable(t, file, 'lut validate');
      compileTable(t);
      const n = parseIntFlag('--n', o.n, 1, 10_000);
      const seed = parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1);
      const driftCount = parseIntFlag('--drift', o.drift, 0, 100);
      const driftArchCount = parseIntFlag('--drift-archs', o.driftArchs, 0, 100);
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
    },
  );

  lut
    .command('export')
    .description('export a table for a NAS: TuNAS-style linear cost model, OFA-style keyed table, or CSV')
    .option('--table <file>', 'table file')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')}`)
    .option('-o, --output <file>', 'write there instead of stdout')
    .option('--seed <n>', 'seed of the architectures the TuNAS model is fitted on', '1')
    .option('--fit-archs <n>', 'architectures the TuNAS model is fitted on', '4000')
    .action(async (o: { table?: string; format?: string; output?: string; seed: string; fitArchs: string }) => {
      if (o.format === undefined) throw new UsageError(`--format is required: ${EXPORT_FORMATS.join(', ')}`);
      const format = parseChoice<ExportFormat>('--format', o.format, EXPORT_FORMATS);
      const seed = parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1);
      const fitArchs = parseIntFlag('--fit-archs', o.fitArchs, 100, 1_000_000);
      const t = await readTableFile(requireTable(o.table));
      const text =
        format === 'csv'
          ? exportCsv(t)
          : `${JSON.stringify(format === 'tunas' ? exportTunas(t, { seed, trainArchs: fitArchs }) : exportOfa(t), null, 1)}\n`;
      if (o.output) {
        await writeFile(o.output, text);
        io.err(`wrote ${o.output}\n`);
      } else io.out(text);
    });

  const search = lut
    .command('search')
    .description('latency-constrained evolutionary search on a table: the MACs-vs-predicted-latency frontier, then measured')
    .option('--table <file>', 'table file')
    .option('--budget-ms <ms>', 'predicted latency budget')
    .option('--seed <n>', 'search seed', '0')
    .option('--evaluations <n>', 'architectures to evaluate', '5000')
    .option('--max-results <n>', 'frontier points to return', '8')
    .option('--device <id>', "device profile for measuring (default: the table's)")
    .option('--no-measure', 'only predict: do not measure the returned architectures');
  addMeasureOptions(search).action(
    async (o: MeasureValues & { table?: string; budgetMs?: string; seed: string; evaluations: string; maxResults: string; measure: boolean }) => {
      const budgetMs = parseBudget(o.budgetMs);
      const t = await readTableFile(requireTable(o.table));
      const r = searchFrontier(t, {
        budgetMs,
        seed: parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1),
        evaluations: parseIntFlag('--evaluations', o.evaluations, 10, 10_000_000),
        maxResults: parseIntFlag('--max-results', o.maxResults, 1, 1000),
      });
      let measured: Map<string, { medianMs: number; spreadMs: number }> | undefined;
      // a simulated table's target is a phone that is not attached: its frontier is predicted only
      if (t.provenance === 'simulated') io.err(`${o.table}: SIMULATED table (device model): the frontier is not measured\n`);
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
      if (o.json) {
        const frontier = r.frontier.map((p) => ({
          ...p,
          predicted: 'estimated',
          measuredMs: measured?.get(p.arch)?.medianMs ?? null,
          spreadMs: measured?.get(p.arch)?.spreadMs ?? null,
        }));
        return out(JSON.stringify({ ...r, frontier, provenance: { predicted: 'estimated', measured: 'measured' } }, null, 2));
      }
      out(`${r.evaluated} distinct architectures evaluated, ${r.feasible} within ${budgetMs} ms (predicted, estimated)`);
      if (r.frontier.length === 0)
        return out(`none meets the budget; the fastest seen: ${r.fastest!.arch} at ${fmt(r.fastest!.predictedMs, 3)} ms (estimated)`);
      out(formatFrontier(r, measured));
    },
  );
}
