/**
 * Run directories: `results/<run-id>/manifest.json` + `measurements.jsonl` (schema: ./schema.ts).
 *
 * Durability: the manifest is written atomically (temp file in the same directory, fsync, rename), so it is
 * either the old or the new one. Each finished workload is one JSON line appended and fsync'ed before the
 * next workload starts, so a crash loses at most the workload in flight. A torn last line (crash during the
 * write) is tolerated by the reader and cut off by the writer before it appends again.
 *
 * Resume: `RunWriter.open(..., {resume: true})` reads the existing lines; `finishedKeys()` lists the
 * (workload, dtype, target, settings) keys that have a `measurement` record, which callers skip. `error`
 * records are not results, so errored keys are tried again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, packageVersion } from '../paths.js';
import type { ProtocolSettings } from '../profiles/protocol.js';
import { hostCpuIsa } from './cpu-isa.js';
import type { Target } from '../runners/types.js';
import {
  parseLine,
  parseManifestText,
  SchemaError,
  SCHEMA_VERSION,
  ManifestSchema,
  type LineRecord,
  type ManifestRecord,
} from './schema.js';

export const MANIFEST_FILE = 'manifest.json';
export const MEASUREMENTS_FILE = 'measurements.jsonl';

/** Writes `data` to `file` atomically: temp file beside it, fsync, rename over. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  // make the rename itself durable (directory entry); not supported everywhere, so best effort.
  try {
    const dh = await open(path.dirname(file), 'r');
    await dh.sync().catch(() => undefined);
    await dh.close();
  } catch {
    /* directories cannot be opened on some platforms */
  }
}

/** A sortable, unique-enough run id: `YYYYMMDD-HHMMSS-<4 hex>` (UTC). */
export function newRunId(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
  const rnd = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${rnd}`;
}

/**
 * Version of an installed package, or null. Reads `<pkg>/package.json` found by walking up from the
 * resolved entry point (some packages do not export their package.json).
 */
export function installedVersion(pkg: string): string | null {
  const req = createRequire(path.join(packageRoot(), 'package.json'));
  try {
    return (req(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    /* not exported: walk up from the entry point */
  }
  try {
    let dir = path.dirname(req.resolve(pkg));
    for (let i = 0; i < 6; i++) {
      const pj = path.join(dir, 'package.json');
      if (existsSync(pj)) {
        const j = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version?: string };
        if (j.name === pkg && j.version) return j.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    /* not installed */
  }
  return null;
}

/** The git commit of the package checkout and whether the tree is dirty; nulls without git. */
export function gitInfo(cwd = packageRoot()): { commit: string | null; dirty: boolean | null } {
  const run = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  try {
    const commit = run(['rev-parse', 'HEAD']);
    let dirty: boolean | null = null;
    try {
      dirty = run(['status', '--porcelain', '--untracked-files=no']).length > 0;
    } catch {
      dirty = null;
    }
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Host facts for the manifest (systeminformation cpu/mem/osInfo: fast; no currentLoad, which takes 0.5 s). */
export async function hostFacts(): Promise<ManifestRecord['host']> {
  const si = await import('systeminformation');
  const [cpu, mem, osi] = await Promise.all([si.cpu(), si.mem(), si.osInfo()]);
  return {
    hostname: os.hostname(),
    platform: process.platform,
    arch: process.arch,
    cpu: {
      manufacturer: cpu.manufacturer ?? '',
      brand: cpu.brand ?? '',
      cores: cpu.cores ?? os.cpus().length,
      physicalCores: cpu.physicalCores ?? 0,
      speedGHz: Number.isFinite(cpu.speed) ? cpu.speed : 0,
      flags: cpu.flags ?? '',
      isa: hostCpuIsa(cpu.flags),
    },
    memBytes: mem.total,
    os: { distro: osi.distro ?? '', release: osi.release ?? '', kernel: osi.kernel ?? '' },
  };
}

/** Runtime versions recorded in every manifest. */
export function runtimeVersions(): Record<string, string | null> {
  return {
    node: process.versions.node,
    v8: process.versions.v8,
    'onnxruntime-node': installedVersion('onnxruntime-node'),
    'onnxruntime-web': installedVersion('onnxruntime-web'),
    'puppeteer-core': installedVersion('puppeteer-core'),
    '@tensorflow/tfjs-tflite': installedVersion('@tensorflow/tfjs-tflite'),
  };
}

/** Builds a complete manifest for a new run. */
export async function buildManifest(opts: { runId: string; protocol: ProtocolSettings; targets: Target[]; command?: string[] }): Promise<ManifestRecord> {
  const git = gitInfo();
  const version = packageVersion();
  return ManifestSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    kind: 'manifest',
    runId: opts.runId,
    createdAt: new Date().toISOString(),
    resumedAt: [],
    tool: { name: 'mnv4-bench', version, gitCommit: git.commit, gitDirty: git.dirty },
    command: opts.command ?? process.argv.slice(2),
    host: await hostFacts(),
    runtimes: runtimeVersions(),
    protocol: opts.protocol,
    targets: opts.targets,
  });
}

/** Everything read back from a run directory. */
export interface RunContents {
  manifest: ManifestRecord;
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
  return { manifest, ...parseMeasurementsText(lText, lPath) };
}

/** Appends records to a run directory durably; see the module comment. */
export class RunWriter {
  private finished = new Set<string>();
  private constructor(
    readonly runDir: string,
    private manifest: ManifestRecord,
    readonly records: LineRecord[],
  ) {
    for (const r of records) if (r.kind === 'measurement') this.finished.add(r.key);
  }

  /**
   * Creates `<resultsRoot>/<manifest.runId>/` with its manifest, or, with `resume`, opens the existing one:
   * checks it is the same protocol, merges the targets, records the resume time and cuts a torn tail.
   */
  static async open(resultsRoot: string, manifest: ManifestRecord, opts: { resume?: boolean } = {}): Promise<RunWriter> {
    const runDir = path.join(resultsRoot, manifest.runId);
    const mPath = path.join(runDir, MANIFEST_FILE);
    const lPath = path.join(runDir, MEASUREMENTS_FILE);
    if (existsSync(mPath)) {
      if (!opts.resume) throw new SchemaError(`run '${manifest.runId}' already exists in ${resultsRoot}; pass --resume to continue it or choose another run id`);
      const old = await readRun(runDir);
      const sameProtocol = (a: object, b: object) => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
      if (!sameProtocol(old.manifest.protocol, manifest.protocol)) {
        throw new SchemaError(`run '${manifest.runId}' was measured with protocol '${old.manifest.protocol.name}'; resume it with the same preset/settings (got '${manifest.protocol.name}')`);
      }
      if (old.tornTail) {
        // cut the torn last line so the next append starts on a fresh line.
        const text = await readFile(lPath, 'utf8');
        await truncate(lPath, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      }
      const targets = [...old.manifest.targets];
      for (const t of manifest.targets) if (!targets.some((x) => JSON.stringify(x) === JSON.stringify(t))) targets.push(t);
      const merged: ManifestRecord = { ...old.manifest, targets, resumedAt: [...old.manifest.resumedAt, new Date().toISOString()] };
      await writeFileAtomic(mPath, JSON.stringify(merged, null, 2) + '\n');
      return new RunWriter(runDir, merged, old.records);
    }
    if (opts.resume) throw new SchemaError(`nothing to resume: ${runDir} has no manifest; drop --resume to start a new run`);
    await mkdir(runDir, { recursive: true });
    ManifestSchema.parse(manifest);
    await writeFileAtomic(mPath, JSON.stringify(manifest, null, 2) + '\n');
    return new RunWriter(runDir, manifest, []);
  }

  /** The manifest as written. */
  getManifest(): ManifestRecord {
    return this.manifest;
  }

  /** Keys with a finished measurement (to skip on resume). */
  finishedKeys(): ReadonlySet<string> {
    return this.finished;
  }

  /** Validates and appends one record as a line, fsync'ed before returning. */
  async append(record: LineRecord): Promise<void> {
    // validate through the reader path, so whatever we write we can read back.
    const line = JSON.stringify(record);
    parseLine(line, `record ${record.key}`);
    const fh = await open(path.join(this.runDir, MEASUREMENTS_FILE), 'a');
    try {
      await fh.write(line + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.records.push(record);
    if (record.kind === 'measurement') this.finished.add(record.key);
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
