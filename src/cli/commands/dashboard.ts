/**
 * `mnv4-bench dashboard [RUN...] [--results DIR] [-o DIR] [--open]`: builds the static dashboard folder
 * (src/report/dashboard.ts) from runs (default: every run under the results folder) and prints where it is.
 * Unreadable runs are listed as skipped in the dashboard and on stderr; with no runs at all the dashboard
 * still shows the published figures, with a note saying so.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { defaultResultsDir } from '../../paths.js';
import { buildDashboard, type DashboardBuild } from '../../report/dashboard.js';
import { describeBuild } from '../../report/dashboard-text.js';
import { loadRuns, resolveRunDirs } from '../../report/load.js';
import { loadLutValidation } from '../../report/lut-validation.js';
import { renderPngs } from '../../report/png.js';
import { resolveChromium } from '../../runners/browser/launcher.js';
import { UsageError } from '../errors.js';
import type { CliContext, CliIO } from '../io.js';
import { addOptions, thresholdOf, type SharedValues } from '../options.js';
import { loadSimulations, simulateForReport } from '../../report/simulation-input.js';

interface DashboardOptions extends SharedValues {
  simulation?: string[];
  simulate?: string[];
}

/** Default output folder: `<results>/dashboard`. */
export const defaultDashboardDir = (resultsDir: string): string => path.join(resultsDir, 'dashboard');

/** Opens a file in the desktop's browser; prints the path instead when that is not possible. */
export function openInBrowser(file: string, io: CliIO): void {
  const url = pathToFileURL(file).href;
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => io.err(`could not start '${cmd}' to open the dashboard; open ${url} in a browser\n`));
  child.unref();
}

export async function dashboardCommand(runs: string[], o: DashboardOptions, { io }: Pick<CliContext, 'io'>): Promise<DashboardBuild> {
  const resultsDir = o.results ?? defaultResultsDir();
  if (o.out !== undefined && o.out.trim() === '') throw new UsageError('--out is empty; give a folder for the dashboard');
  const compare = o.compare?.split(',').map((s) => s.trim());
  if (compare && (compare.length !== 2 || compare.some((s) => !s)))
    throw new UsageError(`--compare takes two run ids separated by a comma, got '${o.compare}'`);
  const threshold = thresholdOf(o);
  const lut = o.lut ? loadLutValidation(o.lut) : null;
  const simulations = [...loadSimulations(o.simulation ?? []), ...simulateForReport(o.simulate ?? [])];
  const loaded = await loadRuns(resolveRunDirs(runs, resultsDir));
  for (const p of loaded.problems) io.err(`skipped: ${p.dir}: ${p.message}\n`);
  if (loaded.runs.length === 0)
    io.err(
      `no readable runs${runs.length ? '' : ` in ${resultsDir}`}: the dashboard shows ${simulations.length ? 'simulated and ' : ''}published figures only\n`,
    );
  const build = buildDashboard(loaded, o.out ?? defaultDashboardDir(resultsDir), {
    lut,
    simulations,
    compare: compare as [string, string] | undefined,
    threshold,
  });
  io.out(`${describeBuild(build, loaded.runs.length)}\n`);
  if (o.png) {
    const files = await renderPngs(build.index, o.png, { chromiumPath: resolveChromium(o.chromium).path });
    io.out(`png: ${files.length} charts in ${path.resolve(o.png)}\n`);
  }
  if (o.open) openInBrowser(build.index, io);
  return build;
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('dashboard')
    .description('build the static HTML dashboard (Pareto charts, models across targets, blocks, ops, LUT, run comparison) from runs')
    .argument('[runs...]', 'run directories or run ids (default: every run in the results folder)');
  addOptions(cmd, [
    ['out', { help: 'output folder of the dashboard (default: <results>/dashboard)' }],
    'open',
    'lut',
    'simulation',
    'simulateDevices',
    'compare',
    ['threshold', { help: 'regression threshold of the comparison (e.g. 3%)' }],
    'png',
    'results',
    'chromium',
  ]);
  cmd.action(async (runs: string[], opts: DashboardOptions) => {
    await dashboardCommand(runs, opts, cli);
  });
}
