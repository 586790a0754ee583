/**
 * Child process for the run-lock concurrency tests. argv: <results root> <run id> <create|resume> <start at
 * epoch ms> <hold ms>. Waits until the start time (so two children race), then creates or resumes the run;
 * prints `won` and holds the run for <hold ms>, appending one line to measurements.jsonl, or prints
 * `lost <exit code> <message>`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeFor } from '../../src/cli/errors.js';
import { appendJsonlLines } from '../../src/results/jsonl.js';
import { createRun, openRunForResume, type OwnedRun } from '../../src/results/run-dir.js';

const [root, runId, mode, startAt, holdMs] = process.argv.slice(2) as [string, string, string, string, string];
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
let owned: OwnedRun;
try {
  owned =
    mode === 'create'
      ? await createRun(root, runId, { writeManifest: (p) => writeFile(p, JSON.stringify({ runId }) + '\n') })
      : await openRunForResume(root, runId);
} catch (e) {
  const code = exitCodeFor(e);
  process.stdout.write(`lost ${code} ${(e as Error).message}\n`);
  process.exit(0);
}
await appendJsonlLines(path.join(owned.runDir, 'measurements.jsonl'), [JSON.stringify({ key: 'k1', pid: process.pid })]);
process.stdout.write('won\n');
await new Promise((r) => setTimeout(r, Number(holdMs)));
await owned.lock.release();
