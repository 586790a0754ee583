/**
 * Child process for the crash test: opens (resumes) the run given in argv and appends a record every
 * 50 ms forever, printing "appended <n>" after each fsync'ed append; the test SIGKILLs it.
 */
import { readRun } from '../../src/results/reader.js';
import { RunWriter } from '../../src/results/writer.js';
import { fakeRecord } from './results-fixture.js';

const [root, runId] = process.argv.slice(2) as [string, string];
const { manifest } = await readRun(`${root}/${runId}`);
const w = await RunWriter.open(root, manifest, { resume: true });
for (let i = 0; ; i++) {
  await w.append(fakeRecord(runId, 'conv-s/b03', 100 + i));
  process.stdout.write(`appended ${i + 1}\n`);
  await new Promise((r) => setTimeout(r, 50));
}
