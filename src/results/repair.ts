/**
 * Makes a damaged `measurements.jsonl` readable again (`mnv4-bench results repair`): records glued onto one line
 * are split, a torn last line and lines that are not valid records are dropped, and the file ends with a
 * newline (jsonl.ts repairJsonlText). Valid records stay byte for byte; the original is kept beside it as
 * `measurements.jsonl.bak-<time>`; the repaired file replaces it atomically, under the run's lock.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { withFsErrors, withFsErrorsSync } from '../util/fs-errors.js';
import { repairJsonlText } from './jsonl.js';
import { MEASUREMENTS_FILE } from './reader.js';
import { acquireRunLock } from './run-lock.js';
import { parseLineRecord } from './schema.js';

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
