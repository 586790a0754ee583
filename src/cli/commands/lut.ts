/**
 * `mnv4-bench lut`: latency lookup tables for a NAS (src/lut).
 *
 *   mnv4-bench lut show --table conv-m.ort-cpu.lut.json
 *   mnv4-bench lut predict --table FILE --arch conv-m:5,4,... [--json]    (also arch:conv-m:..., or --model conv-s)
 *   mnv4-bench lut export --table FILE --format tunas|ofa|csv [-o FILE]
 *   mnv4-bench lut search --table FILE --budget-ms 30 [--seed 0]
 *
 * Every prediction is an estimate (labelled so); a bad table or architecture is one line, exit 2.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { lowerModel } from '../../models/graph.js';
import { getModel } from '../../models/registry.js';
import { exportCsv, exportOfa, exportTunas, EXPORT_FORMATS, type ExportFormat } from '../../lut/export.js';
import { compileTable, predictGraph, predictLatency, type Prediction } from '../../lut/predict.js';
import { targetText, type LutTable } from '../../lut/schema.js';
import { searchFrontier, type SearchResult } from '../../lut/search.js';
import { readTableFile } from '../../lut/validate.js';
import { fmt, textTable } from '../../report/table.js';
import { parseChoice, parseIntFlag, UsageError } from '../errors.js';

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const collect = (value: string, prev: string[]): string[] => [...prev, value];
const pct = (x: number | null, digits = 1): string => (x === null || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(digits)}%`);

function requireTable(file: string | undefined): string {
  if (!file) throw new UsageError('--table <file> is required (build one with `mnv4-bench lut build`)');
  return file;
}

export function parseBudget(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n <= 0) throw new UsageError(`--budget-ms must be a positive number of milliseconds, got '${value ?? ''}'`);
  return n;
}

/** One-paragraph description of a table. */
export function describeTable(t: LutTable): string {
  const lines = [
    `${t.space.id} at ${t.space.resolution}x${t.space.resolution} on ${targetText(t.target)}, ${t.format} ${t.dtype}, device ${t.device.id} (${t.device.hostname}, ${t.device.cpu})`,
    `  ${t.entries.length} block configurations, ${t.overhead.length} identity graphs, ${t.archs.length} whole architectures; ${t.sessions} sessions each, preset ${t.protocol}; runs ${t.runs.map((r) => r.runId).join(', ')}`,
    `  correction: ${t.method.id} (${t.method.chosenBy === 'leave-one-out' ? 'lowest leave-one-out error' : 'requested'}), model uncertainty ${pct(t.method.looRelRmse)} (relative RMS)`,
  ];
  if (t.build) lines.push(`  build cost: ${t.build.measurements} sessions measured, ${fmt(t.build.wallSeconds / 60, 1)} min`);
  lines.push(
    textTable(
      [{ header: 'method' }, { header: 'LOO MAPE', right: true }, { header: 'max |err|', right: true }, { header: '±5%', right: true }, { header: '±10%', right: true }, { header: 'note' }],
      t.method.comparison.map((s) => [s.method + (s.method === t.method.id ? ' *' : ''), pct(s.looMape, 2), pct(s.looMaxAbsErr), pct(s.within5, 0), pct(s.within10, 0), s.note]),
    ).split('\n').map((l) => `  ${l}`).join('\n'),
  );
  return lines.join('\n');
}

export function formatPrediction(p: Prediction): string {
  const reg = p.regressionConfigs.length > 0 ? `; ${p.regressionConfigs.length} configuration(s) not in the table, by regression: ${p.regressionConfigs.join(' ')}` : '';
  return `${p.arch}: ${fmt(p.medianMs, 3)} ms ± ${fmt(p.uncertaintyMs, 3)} (1 sd), estimated by the ${p.method} correction from ${p.source}${reg}`;
}

export function formatFrontier(r: SearchResult, measured?: Map<string, { medianMs: number; spreadMs: number }>): string {
  const rows = r.frontier.map((p) => {
    const m = measured?.get(p.arch);
    return [p.arch, fmt(p.macs / 1e6, 1), fmt(p.predictedMs, 3), m ? fmt(m.medianMs, 3) : '-', m ? pct((p.predictedMs - m.medianMs) / m.medianMs) : '-'];
  });
  return textTable([{ header: 'architecture' }, { header: 'MMACs', right: true }, { header: 'predicted ms (est.)', right: true }, { header: 'measured ms', right: true }, { header: 'error', right: true }], rows);
}

interface TableOpt {
  table?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const lut = program.command('lut').description('latency lookup tables for a NAS: build, predict, validate, export, search');

  lut
    .command('show')
    .description('describe a table: what it holds and how its correction methods scored')
    .option('--table <file>', 'table file')
    .option('--json', 'print the table itself')
    .action(async (o: TableOpt) => {
      const t = await readTableFile(requireTable(o.table));
      compileTable(t); // checks it against its space
      out(o.json ? JSON.stringify(t, null, 2) : describeTable(t));
    });

  lut
    .command('predict')
    .description('predict the latency of architectures (or of a whole model, by regression where its blocks are not in the table)')
    .option('--table <file>', 'table file')
    .option('--arch <enc>', 'architecture, e.g. conv-m:5,4,... or arch:conv-m:5,4,... (repeatable)', collect, [])
    .option('--model <id>', 'a whole model at the table resolution (repeatable)', collect, [])
    .option('--json', 'machine-readable output')
    .action(async (o: TableOpt & { arch: string[]; model: string[] }) => {
      const t = await readTableFile(requireTable(o.table));
      if (o.arch.length === 0 && o.model.length === 0) throw new UsageError('give --arch <space:i,i,...> (or --model <id>) to predict');
      const c = compileTable(t);
      const preds = [...o.arch.map((a) => predictLatency(a, c)), ...o.model.map((m) => predictGraph(lowerModel(getModel(m), t.space.resolution), c))];
      out(o.json ? JSON.stringify(preds.length === 1 ? preds[0] : preds, null, 2) : preds.map(formatPrediction).join('\n'));
    });

  lut
    .command('export')
    .description('export a table for a NAS: TuNAS-style linear cost model, OFA-style keyed table, or CSV')
    .option('--table <file>', 'table file')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')}`)
    .option('-o, --output <file>', 'write there instead of stdout')
    .option('--seed <n>', 'seed of the architectures the TuNAS model is fitted on', '1')
    .option('--fit-archs <n>', 'architectures the TuNAS model is fitted on', '4000')
    .action(async (o: TableOpt & { format?: string; output?: string; seed: string; fitArchs: string }) => {
      if (o.format === undefined) throw new UsageError(`--format is required: ${EXPORT_FORMATS.join(', ')}`);
      const format = parseChoice<ExportFormat>('--format', o.format, EXPORT_FORMATS);
      const seed = parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1);
      const fitArchs = parseIntFlag('--fit-archs', o.fitArchs, 100, 1_000_000);
      const t = await readTableFile(requireTable(o.table));
      const text = format === 'csv' ? exportCsv(t) : `${JSON.stringify(format === 'tunas' ? exportTunas(t, { seed, trainArchs: fitArchs }) : exportOfa(t), null, 1)}\n`;
      if (o.output) {
        await writeFile(o.output, text);
        process.stderr.write(`wrote ${o.output}\n`);
      } else process.stdout.write(text);
    });

  lut
    .command('search')
    .description('latency-constrained evolutionary search on a table: the MACs-vs-predicted-latency frontier')
    .option('--table <file>', 'table file')
    .option('--budget-ms <ms>', 'predicted latency budget')
    .option('--seed <n>', 'search seed', '0')
    .option('--evaluations <n>', 'architectures to evaluate', '5000')
    .option('--max-results <n>', 'frontier points to return', '8')
    .option('--json', 'machine-readable output')
    .action(async (o: TableOpt & { budgetMs?: string; seed: string; evaluations: string; maxResults: string }) => {
      const budgetMs = parseBudget(o.budgetMs);
      const t = await readTableFile(requireTable(o.table));
      const r = searchFrontier(t, {
        budgetMs, seed: parseIntFlag('--seed', o.seed, 0, 2 ** 31 - 1), evaluations: parseIntFlag('--evaluations', o.evaluations, 10, 10_000_000),
        maxResults: parseIntFlag('--max-results', o.maxResults, 1, 1000),
      });
      if (o.json) return out(JSON.stringify({ ...r, provenance: 'estimated' }, null, 2));
      out(`${r.evaluated} distinct architectures evaluated, ${r.feasible} within ${budgetMs} ms (predicted, estimated)`);
      if (r.frontier.length === 0) return out(`none meets the budget; the fastest seen: ${r.fastest!.arch} at ${fmt(r.fastest!.predictedMs, 3)} ms (estimated)`);
      out(formatFrontier(r));
    });
}
