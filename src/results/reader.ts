/**
 * Reading runs back: one run directory (`readRun`), every run under a results folder (`listRuns`), and the
 * measurements of a run picked by workload, target or device (`selectMeasurements`). Reports, comparisons
 * and dashboards read results only through here.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  parseLine,
  parseManifestText,
  SchemaError,
  type ErrorRecord,
  type LineRecord,
  type ManifestRecord,
  type MeasurementRecord,
  type SessionRecord,
  type SkippedRecord,
} from './schema.js';

export const MANIFEST_FILE = 'manifest.json';
export const MEASUREMENTS_FILE = 'measurements.jsonl';

/** Everything read back from a run directory. */
export interface RunContents {
  runDir: string;
  manifest: ManifestRecord;
  /** every line, in file order. */
  records: LineRecord[];
  /** true when the last line was torn (no newline, unparsable) and skipped. */
  tornTail: boolean;
}

/**
 * Reads measurements.jsonl text. A malformed line in the middle is an error (with its line number); a
 * malformed LAST line without a trailing newline is a torn write from a crash and is skipped.
 */
export function parseMeasurementsText(text: string, where = MEASUREMENTS_FILE): { records: LineRecord[]; tornTail: boolean } {
  const records: LineRecord[] = [];
  const lines = text.split('\n');
  const endsClean = text.length === 0 || text.endsWith('\n');
  let tornTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const isLast = i === lines.length - 1;
    try {
      records.push(parseLine(line, `${where}:${i + 1}`));
    } catch (e) {
      if (isLast && !endsClean && e instanceof SchemaError && /malformed JSON/.test(e.message)) {
        tornTail = true;
        continue;
      }
      throw e;
    }
  }
  return { records, tornTail };
}

/** Reads a run directory; throws SchemaError naming the file when something is not readable. */
export async function readRun(runDir: string): Promise<RunContents> {
  const mPath = path.join(runDir, MANIFEST_FILE);
  let mText: string;
  try {
    mText = await readFile(mPath, 'utf8');
  } catch {
    throw new SchemaError(`${mPath}: no manifest; is '${runDir}' a run directory (results/<run-id>)?`);
  }
  const manifest = parseManifestText(mText, mPath);
  const lPath = path.join(runDir, MEASUREMENTS_FILE);
  const lText = existsSync(lPath) ? await readFile(lPath, 'utf8') : '';
  return { runDir, manifest, ...parseMeasurementsText(lText, lPath) };
}

/** One entry of listRuns: a readable run, or a folder that could not be read (with why). */
export type RunListing = { runId: string; runDir: string; manifest: ManifestRecord; error?: undefined } | { runId: string; runDir: string; manifest?: undefined; error: string };

/**
 * The runs under a results folder (each sub-folder with a manifest.json), oldest first by creation time;
 * folders without a manifest are not runs and are left out. Only manifests are read.
 */
export async function listRuns(outDir: string): Promise<RunListing[]> {
  let names: string[];
  try {
    names = (await readdir(outDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const out: RunListing[] = [];
  for (const runId of names.sort()) {
    const runDir = path.join(outDir, runId);
    const mPath = path.join(runDir, MANIFEST_FILE);
    if (!existsSync(mPath)) continue;
    try {
      out.push({ runId, runDir, manifest: parseManifestText(await readFile(mPath, 'utf8'), mPath) });
    } catch (e) {
      out.push({ runId, runDir, error: (e as Error).message });
    }
  }
  const created = (r: RunListing): string => r.manifest?.createdAt ?? '';
  return out.sort((a, b) => created(a).localeCompare(created(b)) || a.runId.localeCompare(b.runId));
}

/** Which records to pick: every given field must match (workload id, target id, device id, dtype). */
export interface RecordFilter {
  workload?: string;
  target?: string;
  device?: string;
  dtype?: string;
}

function matches(r: { workload: { id: string }; target: { id: string }; device: { id: string } }, dtype: string, f: RecordFilter): boolean {
  return (
    (f.workload === undefined || r.workload.id === f.workload) &&
    (f.target === undefined || r.target.id === f.target) &&
    (f.device === undefined || r.device.id === f.device) &&
    (f.dtype === undefined || dtype === f.dtype)
  );
}

/** Keeps the last record per key (a key measured twice, e.g. by two processes, counts once). */
function lastPerKey<T extends { key: string }>(records: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const r of records) {
    byKey.delete(r.key);
    byKey.set(r.key, r);
  }
  return [...byKey.values()];
}

/** The run's measurement records that match `filter`, one per pair (the last written), in file order. */
export function selectMeasurements(run: Pick<RunContents, 'records'>, filter: RecordFilter = {}): MeasurementRecord[] {
  const ms = run.records.filter((r): r is MeasurementRecord => r.kind === 'measurement' && matches(r, r.workload.file.dtype, filter));
  return lastPerKey(ms);
}

/** Pairs of the run that have no measurement and whose last word is a skip or an error (with the reason). */
export function selectUnmeasured(run: Pick<RunContents, 'records'>, filter: RecordFilter = {}): (SkippedRecord | ErrorRecord)[] {
  const measured = new Set(run.records.filter((r) => r.kind === 'measurement').map((r) => r.key));
  const rest = run.records.filter((r): r is SkippedRecord | ErrorRecord => (r.kind === 'skipped' || r.kind === 'error') && !measured.has(r.key) && matches(r, r.dtype, filter));
  return lastPerKey(rest);
}

/** Session records of the run that match `filter`, in file order. */
export function selectSessions(run: Pick<RunContents, 'records'>, filter: RecordFilter = {}): SessionRecord[] {
  return run.records.filter((r): r is SessionRecord => r.kind === 'session' && matches(r, r.workload.file.dtype, filter));
}
