/**
 * `mnv4-bench compare RUN_A RUN_B [--threshold 3%]`: per workload x target, the change of the median from A
 * (baseline) to B, its significance over independent sessions, and the noise floor of both runs
 * (src/report/compare.ts). Exit status 1 when B has a significant regression beyond the threshold, so CI can
 * gate on it; 0 otherwise; 2 on bad input.
 */
import type { Command } from 'commander';
import { defaultResultsDir } from '../../paths.js';
import { compareRuns, parseThreshold, type CompareResult } from '../../report/compare.js';
import { loadRun, resolveRunDirs } from '../../report/load.js';
import { fmt, textTable } from '../../report/table.js';
import { RunError, UsageError } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, type SharedValues } from '../options.js';

interface CompareOptions extends SharedValues {
  threshold?: string;
}

const pct = (x: number | null, signed = true): string => (x === null ? '-' : `${signed && x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);

/** The comparison as a text table plus summary lines. */
export function compareText(c: CompareResult): string {
  const rows = c.rows.map((r) => [
    r.workloadId,
    r.targetLabel,
    fmt(r.medianA ?? undefined, 3),
    fmt(r.medianB ?? undefined, 3),
    `${pct(r.change)}${r.basis === 'ratio' ? ' (ratio)' : ''}`,
    r.basis === 'ratio' ? `${pct(r.absoluteChange ?? null)} / ${pct(r.hostChange ?? null)}` : '-',
    r.changeLo === null ? '-' : `[${pct(r.changeLo)}, ${pct(r.changeHi)}]`,
    r.p === null ? '-' : r.p < 1e-4 ? '<0.0001' : r.p.toFixed(4),
    r.test ? `${r.test} ${r.nA}+${r.nB} ${r.units}` : '-',
    `${pct(r.noiseA, false)} / ${pct(r.noiseB, false)}`,
    r.status === 'regression' ? 'REGRESSION' : r.status,
  ]);
  const table = textTable(
    [
      { header: 'workload' },
      { header: 'target' },
      { header: 'A ms', right: true },
      { header: 'B ms', right: true },
      { header: 'change', right: true },
      { header: 'abs / host', right: true },
      { header: '95% CI', right: true },
      { header: 'p', right: true },
      { header: 'test' },
      { header: 'noise A / B', right: true },
      { header: 'status' },
    ],
    rows,
  );
  const notes = [...new Set(c.rows.flatMap((r) => r.notes))];
  return [
    `A = ${c.runA.runId} (${c.runA.device}, noise floor ${pct(c.runA.noiseFloor, false)}), B = ${c.runB.runId} (${c.runB.device}, noise floor ${pct(c.runB.noiseFloor, false)}); threshold ${pct(c.threshold, false)}, alpha ${c.alpha}`,
    table,
    ...c.notes.map((n) => `note: ${n}`),
    ...notes.map((n) => `note: ${n}`),
    ...(c.rows.some((r) => r.basis === 'ratio')
      ? [
          "change (ratio) = change of the ratio to the reference co-measured in both runs (the host's drift cancels in it); abs / host = change of the absolute median / of the reference's own median (what the host did)",
        ]
      : []),
    `${c.regressions} significant regression${c.regressions === 1 ? '' : 's'} beyond ${pct(c.threshold, false)}, ${c.improvements} significant improvement${c.improvements === 1 ? '' : 's'}`,
  ].join('\n');
}

export async function compareCommand(a: string, b: string, o: CompareOptions, { io }: Pick<CliContext, 'io'>): Promise<CompareResult> {
  let threshold: number | undefined;
  try {
    threshold = o.threshold === undefined ? undefined : parseThreshold(o.threshold);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const resultsDir = o.results ?? defaultResultsDir();
  const [dirA, dirB] = resolveRunDirs([a, b], resultsDir);
  // an unreadable run is a SchemaError (an InputError): exit 2 with its one line
  const c = compareRuns(await loadRun(dirA!), await loadRun(dirB!), { threshold });
  io.out(o.json ? `${JSON.stringify(c, null, 2)}\n` : `${compareText(c)}\n`);
  if (c.regressions > 0)
    throw new RunError(
      ...(c.rows.some((r) => r.basis === 'ratio')
        ? [
            "change (ratio) = change of the ratio to the reference co-measured in both runs (the host's drift cancels in it); abs / host = change of the absolute median / of the reference's own median (what the host did)",
          ]
        : []),
      `${c.regressions} significant regression${c.regressions === 1 ? '' : 's'} beyond ${pct(c.threshold, false)} in ${c.runB.runId} against ${c.runA.runId}`,
    );
  return c;
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('compare')
    .description(
      'compare two runs per workload x target: change of the median, significance over sessions, noise floor; exit 1 on a significant regression',
    )
    .argument('<runA>', 'baseline run (directory or run id)')
    .argument('<runB>', 'run to check against it')
    .option('--threshold <pct>', 'smallest slowdown that counts as a regression (e.g. 3%, 0.5%)', '3%');
  addOptions(cmd, ['results', 'json']);
  cmd.action(async (runA: string, runB: string, opts: CompareOptions) => {
    await compareCommand(runA, runB, opts, cli);
  });
}
