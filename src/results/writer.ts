/**
 * Writing run directories: `results/<run-id>/manifest.json` + `measurements.jsonl` (schema: ./schema.ts).
 *
 * Durability: the manifest is written atomically (temp file in the same directory, fsync, rename), so it is
 * either the old or the new one. Each finished session is one JSON line appended and fsync'ed before the
 * next session starts, so a crash loses at most the session in flight. Every append first makes sure the
 * file ends in a newline (src/results/jsonl.ts): a complete last record gets its newline, a torn one (crash
 * during the write) is cut off, so a record is never glued onto another.
 *
 * Ownership: a run is written by one process at a time. Creating a run is atomic and leaves it locked;
 * resuming locks it first (src/results/run-dir.ts, run-lock.ts), so two processes never write one run and
 * a second `--resume` says who holds it. `close()` releases the lock.
 *
 * Resume: `RunWriter.open(..., {resume: true})` reads the existing lines; `finishedKeys()` lists the pairs
 * that have a `measurement` record (callers skip them) and `sessionsOf(key)` the sessions already recorded
 * for an unfinished pair (callers run only the missing ones). `error` and `skipped` records are not results,
 * so those pairs are tried again.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { packageVersion } from '../paths.js';
import type { ProtocolSettings } from '../core/protocol-run.js';
import type { DeviceConnection, Target } from '../core/target.js';
import { writeFileAtomic } from '../util/fs.js';
import { withFsErrors } from '../util/fs-errors.js';
import { appendJsonlLines } from './jsonl.js';
import { createRun, openRunForResume } from './run-dir.js';
import type { RunLock } from './run-lock.js';
import { gitInfo, hostFacts, nodeVersions } from './hostFacts.js';
import { MANIFEST_FILE, MEASUREMENTS_FILE, readRun } from './reader.js';
import { ManifestSchema, parseLine, SchemaError, SCHEMA_VERSION, type LineRecord, type ManifestRecord, type SessionRecord } from './schema.js';

/** A sortable, unique-enough run id: `YYYYMMDD-HHMMSS-<4 hex>` (UTC). */
export function newRunId(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
  const rnd = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${rnd}`;
}

/** What a new run's manifest needs from the caller. */
export interface ManifestInput {
  runId: string;
  protocol: ProtocolSettings;
  targets: Target[];
  /** the exact argument vector (without node and script paths). */
  command: string[];
  device: { id: string; name: string; connection: DeviceConnection };
  /** independent sessions per measurement (k). */
  sessionsPerMeasurement: number;
  /** runtime package -> version, as the runners declare them. */
  runtimes?: Record<string, string | null>;
}

/** Builds a complete manifest for a new run. */
export async function buildManifest(o: ManifestInput): Promise<ManifestRecord> {
  const git = gitInfo();
  return ManifestSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    kind: 'manifest',
    runId: o.runId,
    createdAt: new Date().toISOString(),
    command: o.command,
    resumed: [],
    tool: { name: 'mnv4-bench', version: packageVersion(), gitCommit: git.commit, gitDirty: git.dirty },
    devices: [o.device],
    host: await hostFacts(),
    runtimes: { ...nodeVersions(), ...(o.runtimes ?? {}) },
    protocol: o.protocol,
    sessionsPerMeasurement: o.sessionsPerMeasurement,
    targets: o.targets,
  });
}

/** Stable JSON of a plain value (object keys sorted), for comparisons. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Appends lines newline-safely (src/results/jsonl.ts), with filesystem errors as one line. */
function appendLines(file: string, lines: string[]): Promise<unknown> {
  return withFsErrors(file, { doing: "append to the run's measurements", fix: `${MEASUREMENTS_FILE} must be a writable file in a writable run folder: move what is there away or fix its permissions` }, () => appendJsonlLines(file, lines));
}

/** Appends records to a run directory durably; see the module comment. */
export class RunWriter {
  private finished = new Set<string>();
  private sessions = new Map<string, SessionRecord[]>();
  /** reason of the latest `skipped` record per key. */
  private skips = new Map<string, string>();
  private closed = false;
  private constructor(
    readonly runDir: string,
    private manifest: ManifestRecord,
    readonly records: LineRecord[],
    private readonly lock: RunLock,
  ) {
    for (const r of records) this.track(r);
  }

  private track(r: LineRecord): void {
    if (r.kind === 'measurement') this.finished.add(r.key);
    if (r.kind === 'skipped') this.skips.set(r.key, r.reason);
    if (r.kind === 'session') {
      const list = this.sessions.get(r.key) ?? [];
      // one session per index (a duplicate from a second writer is ignored)
      if (!list.some((s) => s.session.index === r.session.index)) list.push(r);
      this.sessions.set(r.key, list);
    }
  }

  /**
   * Creates `<resultsRoot>/<manifest.runId>/` with its manifest, atomically and locked (src/results/run-dir.ts),
   * or, with `resume`, locks the existing run and opens it: checks it is the same protocol and sessions per
   * measurement, merges targets, devices and runtimes, records the resume (time and command) and makes the
   * measurements file line-terminated again (a complete last record gets its newline, a torn one is cut).
   * The run stays locked until `close()` (or this process exits).
   */
  static async open(resultsRoot: string, manifest: ManifestRecord, opts: { resume?: boolean } = {}): Promise<RunWriter> {
    if (!opts.resume) {
      ManifestSchema.parse(manifest);
      const created = await createRun(resultsRoot, manifest.runId, {
        command: manifest.command,
        writeManifest: (file) => writeFileAtomic(file, JSON.stringify(manifest, null, 2) + '\n'),
      });
      return new RunWriter(created.runDir, manifest, [], created.lock);
    }
    const { runDir, lock } = await openRunForResume(resultsRoot, manifest.runId, { command: manifest.command });
    try {
      const mPath = path.join(runDir, MANIFEST_FILE);
      const old = await readRun(runDir);
      // sessions first: k is part of the protocol too, and this message says exactly what to pass
      if (old.manifest.sessionsPerMeasurement !== manifest.sessionsPerMeasurement) {
        throw new SchemaError(`run '${manifest.runId}' takes ${old.manifest.sessionsPerMeasurement} sessions per measurement; resume it with --sessions ${old.manifest.sessionsPerMeasurement} (got ${manifest.sessionsPerMeasurement})`);
      }
      if (stableJson(old.manifest.protocol) !== stableJson(manifest.protocol)) {
        throw new SchemaError(`run '${manifest.runId}' was measured with protocol '${old.manifest.protocol.name}'; resume it with the same preset/settings (got '${manifest.protocol.name}')`);
      }
      if (old.tail !== 'clean') await appendLines(path.join(runDir, MEASUREMENTS_FILE), []);
      const mergeBy = <T>(a: readonly T[], b: readonly T[], id: (x: T) => string): T[] => [...a, ...b.filter((x) => !a.some((y) => id(y) === id(x)))];
      const merged: ManifestRecord = {
        ...old.manifest,
        targets: mergeBy(old.manifest.targets, manifest.targets, stableJson),
        devices: mergeBy(old.manifest.devices, manifest.devices, stableJson),
        runtimes: { ...old.manifest.runtimes, ...Object.fromEntries(Object.entries(manifest.runtimes).filter(([k]) => !(k in old.manifest.runtimes))) },
        resumed: [...old.manifest.resumed, { at: new Date().toISOString(), command: manifest.command }],
      };
      await withFsErrors(mPath, { doing: "update the run's manifest" }, () => writeFileAtomic(mPath, JSON.stringify(merged, null, 2) + '\n'));
      return new RunWriter(runDir, merged, old.records, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** Releases the run's lock; appending afterwards is an error. */
  async close(): Promise<void> {
    await this.tail; // appends already asked for are written before the run is released
    this.closed = true;
    await this.lock.release();
  }

  /** The manifest as written. */
  getManifest(): ManifestRecord {
    return this.manifest;
  }

  /**
   * Records this execution's noise floor (src/engine/noise-floor.ts) in the manifest, rewritten atomically:
   * the entry of the current execution is replaced (start first, then start and end), earlier executions'
   * entries (a resumed run) are kept.
   */
  async recordNoiseFloor(entry: NonNullable<ManifestRecord['noiseFloor']>[number], execution: number): Promise<void> {
    const list = [...(this.manifest.noiseFloor ?? [])];
    list[execution] = entry;
    const next = ManifestSchema.parse({ ...this.manifest, noiseFloor: list });
    await writeFileAtomic(path.join(this.runDir, MANIFEST_FILE), JSON.stringify(next, null, 2) + '\n');
    this.manifest = next;
  }

  /** Index of this execution among the run's executions (0 for a new run, 1 after one resume, ...). */
  executionIndex(): number {
    return this.manifest.resumed.length;
  }

  /** Keys with a finished measurement (to skip on resume). */
  finishedKeys(): ReadonlySet<string> {
    return this.finished;
  }

  /** The reason of the latest `skipped` record of a pair, if any (a resume does not repeat the same one). */
  skippedReason(key: string): string | undefined {
    return this.skips.get(key);
  }

  /** Session records already written for a pair, in index order. */
  sessionsOf(key: string): readonly SessionRecord[] {
    return [...(this.sessions.get(key) ?? [])].sort((a, b) => a.session.index - b.session.index);
  }

  /** the append in flight: appends from concurrent callers (several devices in one run) go one after another. */
  private tail: Promise<void> = Promise.resolve();

  /** Validates and appends one record as a line, fsync'ed before returning. */
  append(record: LineRecord): Promise<void> {
    const p = this.tail.then(() => this.appendNow(record));
    this.tail = p.catch(() => undefined);
    return p;
  }

  private async appendNow(record: LineRecord): Promise<void> {
    // validate through the reader path, so whatever we write we can read back.
    if (this.closed) throw new Error(`run ${this.runDir} is closed; open it again to append`);
    const line = JSON.stringify(record);
    parseLine(line, `record ${record.key}`);
    await appendLines(path.join(this.runDir, MEASUREMENTS_FILE), [line]);
    this.records.push(record);
    this.track(record);
  }

  /** Size of measurements.jsonl in bytes (0 when absent). */
  async measurementsBytes(): Promise<number> {
    try {
      return (await stat(path.join(this.runDir, MEASUREMENTS_FILE))).size;
    } catch {
      return 0;
    }
  }
}
