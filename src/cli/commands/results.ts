/**
 * `mnv4-bench results repair <run>`: makes a damaged `measurements.jsonl` readable again.
 *
 * Records glued onto one line (a lost newline) are split onto their own lines, a torn last line (a write
 * cut short by a crash) and lines that are not valid records are dropped, and the file ends with a newline
 * (src/results/jsonl.ts repairJsonlText). Valid records stay byte for byte. The original is kept beside it
 * as `measurements.jsonl.bak-<time>`; the repaired file replaces it atomically, under the run's lock, so a
 * run in use by another process is never rewritten. `--dry-run` only lists what would change.
 *
 * <run> is a run id in the results folder (--out) or the path of a run folder (anything with a '/').
 */
import type { Command } from 'commander';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultResultsDir } from '../../paths.js';
import { repairJsonlText } from '../../results/jsonl.js';
import { MEASUREMENTS_FILE } from '../../results/reader.js';
import { checkRunId, RunDirError } from '../../results/run-dir.js';
import { acquireRunLock } from '../../results/run-lock.js';
import { parseLineRecord } from '../../results/schema.js';
import { writeFileAtomic } from '../../util/fs.js';
import { withFsErrors, withFsErrorsSync } from '../../util/fs-errors.js';
import type { CliContext } from '../io.js';
import { addOptions, outDir, type SharedValues } from '../options.js';

type RepairOptions = SharedValues;

/** The run folder named by `run`: a path when it contains a separator, else a run id in the results folder. */
export function runDirOf(run: string, o: SharedValues): string {
  const dir = /[/\\]/.test(run) ? run : path.join(outDir(o, defaultResultsDir()), checkRunId(run, 'the run id'));
  if (!existsSync(dir))
    throw new RunDirError(`no run folder ${dir}; give a run id (with --out for another results folder) or the path of a run folder`);
  if (!statSync(dir).isDirectory()) throw new RunDirError(`${dir} is not a run folder; give a run id or the path of a run folder`);
  return dir;
}

/** Repairs one run's measurements.jsonl; returns the lines it prints. */
export async function repairRun(runDir: string, o: { dryRun?: boolean; command?: string[] } = {}): Promise<string[]> {
  const file = path.join(runDir, MEASUREMENTS_FILE);
  if (!existsSync(file)) return [`${file}: no measurements yet; nothing to repair`];
  const lock = await acquireRunLock(runDir, { ...(o.command ? { command: o.command } : {}) });
  try {
    const text = withFsErrorsSync(
      file,
      { doing: "read the run's measurements", fix: `${MEASUREMENTS_FILE} must be the run's file of records: move what is there away` },
      () => readFileSync(file, 'utf8'),
    );
    const { text: repaired, actions } = repairJsonlText(text, (v, where) => parseLineRecord(v, `${file}:${where.replace(/^line /, '')}`));
    if (actions.length === 0) return [`${file}: every line is a valid record; nothing to repair`];
    const lines = actions.map((a) => `  ${a}`);
    if (o.dryRun) return [`${file}: would change ${actions.length} line(s) (dry run; nothing written):`, ...lines];
    const backup = `${file}.bak-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    withFsErrorsSync(backup, { doing: 'keep a copy of the original measurements' }, () => copyFileSync(file, backup));
    await withFsErrors(file, { doing: 'write the repaired measurements' }, () => writeFileAtomic(file, repaired));
    return [`${file}: repaired ${actions.length} line(s); the original is kept as ${backup}`, ...lines];
  } finally {
    await lock.release();
  }
}

export function register(program: Command, { io, argv }: CliContext): void {
  const results = program.command('results').description('maintain run folders (results/<run-id>)');
  const repair = results
    .command('repair')
    .argument('<run>', 'run id in the results folder, or the path of a run folder')
    .description("make a run's measurements.jsonl readable again: split glued records, drop a torn or invalid line (the original is kept)");
  addOptions(repair, ['out', ['dryRun', { help: 'list what would change, write nothing' }]]).action(async (run: string, opts: RepairOptions) => {
    const lines = await repairRun(runDirOf(run, opts), { ...(opts.dryRun ? { dryRun: true } : {}), command: [...argv] });
    io.out(`${lines.join('\n')}\n`);
  });
}
