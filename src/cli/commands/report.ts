/**
 * `mnv4-bench report [RUN...] [--format md|csv|json] [--png DIR]`: the tables a paper or a pull request
 * uses, from run directories (default: every run under the results folder), joined with the published
 * figures. `--png DIR` also writes every chart as PNG, drawn by the dashboard's chart code in headless
 * Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { withFsErrorsSync } from '../../util/fs-errors.js';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { defaultResultsDir } from '../../paths.js';
import { analyse } from '../../report/analysis.js';
import { buildDashboard } from '../../report/dashboard.js';
import { loadRunsOrFail, resolveRunDirs } from '../../report/load.js';
import { loadLutValidation } from '../../report/lut-validation.js';
import { renderPngs } from '../../report/png.js';
import { resolveChromium } from '../../runners/browser/launcher.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../report/report-format.js';
import { parseChoice } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, type SharedValues } from '../options.js';
import { loadSimulations, simulateForReport } from '../../report/simulation-input.js';

interface ReportOptions extends SharedValues {
  simulation?: string[];
  simulate?: string[];
}

export async function reportCommand(runs: string[], o: ReportOptions, { io }: Pick<CliContext, 'io'>): Promise<number> {
  const format = parseChoice<ReportFormat>('--format', o.format ?? 'md', REPORT_FORMATS);
  const resultsDir = o.results ?? defaultResultsDir();
  const lut = o.lut ? loadLutValidation(o.lut) : null;
  const simulations = [...loadSimulations(o.simulation ?? []), ...simulateForReport(o.simulate ?? [])];
  const dirs = resolveRunDirs(runs, resultsDir);
  // simulations alone make a report (simulated next to published); otherwise at least one run must load
  const loaded = dirs.length === 0 && simulations.length > 0 ? { runs: [], problems: [] } : await loadRunsOrFail(dirs, resultsDir);
  for (const p of loaded.problems) io.err(`skipped: ${p.dir}: ${p.message}\n`);
  const analysis = analyse(loaded, { simulations });
  const text = renderReport(loaded, format, analysis);
  if (o.out) {
    const file = o.out;
    withFsErrorsSync(file, { doing: 'write the report', flag: '-o' }, () => writeFileSync(file, text));
    io.err(`report: ${path.resolve(o.out)}\n`);
  } else io.out(text);
  if (o.png) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-report-'));
    try {
      const build = buildDashboard(loaded, tmp, { lut, simulations });
      const files = await renderPngs(build.index, o.png, { chromiumPath: resolveChromium(o.chromium).path });
      io.err(`png: ${files.length} charts in ${path.resolve(o.png)}\n`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return 0;
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('report')
    .description('tables of one or more runs (default: all under --results) with published accuracy and latency, as md, csv or json')
    .argument('[runs...]', 'run directories or run ids (default: every run in the results folder)');
  addOptions(cmd, [
    ['format', { help: `output format (${REPORT_FORMATS.join(', ')})`, default: 'md' }],
    ['outFile', { help: 'write the report to a file instead of stdout' }],
    'png',
    'lut',
    'simulation',
    'simulateDevices',
    'results',
    'chromium',
  ]);
  cmd.action(async (runs: string[], opts: ReportOptions) => {
    await reportCommand(runs, opts, cli);
  });
}
