/**
 * `mnv4-bench compare RUN_A RUN_B [--threshold 3%]`: per workload x target, the change of the median from A
 * (baseline) to B, its significance over independent sessions, and the noise floor of both runs
 * (src/report/compare.ts). Exit status 1 when B has a significant regression beyond the threshold, so CI can
 * gate on it; 0 otherwise; 2 on bad input.
 */
import type { Command } from 'commander';
import { defaultResultsDir } from '../../paths.js';
import { compareRuns, type CompareResult } from '../../report/compare.js';
import { compareText, regressionLine } from '../../report/compare-text.js';
import { loadRun, resolveRunDirs } from '../../report/load.js';
import { RunError } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, thresholdOf, type SharedValues } from '../options.js';

type CompareOptions = SharedValues;

export async function compareCommand(a: string, b: string, o: CompareOptions, { io }: Pick<CliContext, 'io'>): Promise<CompareResult> {
  const threshold = thresholdOf(o);
  const resultsDir = o.results ?? defaultResultsDir();
  const [dirA, dirB] = resolveRunDirs([a, b], resultsDir);
  // an unreadable run is a SchemaError (an InputError): exit 2 with its one line
  const c = compareRuns(await loadRun(dirA!), await loadRun(dirB!), { threshold });
  io.out(o.json ? `${JSON.stringify(c, null, 2)}\n` : `${compareText(c)}\n`);
  if (c.regressions > 0) throw new RunError(regressionLine(c));
  return c;
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('compare')
    .description(
      'compare two runs per workload x target: change of the median, significance over sessions, noise floor; exit 1 on a significant regression',
    )
    .argument('<runA>', 'baseline run (directory or run id)')
    .argument('<runB>', 'run to check against it');
  addOptions(cmd, ['threshold', 'results', 'json']);
  cmd.action(async (runA: string, runB: string, opts: CompareOptions) => {
    await compareCommand(runA, runB, opts, cli);
  });
}
