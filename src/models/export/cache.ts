/**
 * Content-addressed cache of exported model files, so repeated runs do not rebuild them.
 *
 * Key = sha256 of the canonical JSON (sorted keys) of:
 *   cache schema, format, dtype, weight seed, the exporter's version constant, a fingerprint of the exporter
 *   code (sha256 of every source file under src/models/export/ plus graph, weights and reference), the
 *   calibration method (int8), and the whole lowered graph (id, input shape incl. resolution, every
 *   layer's name, op, inputs and output).
 * So a different workload, resolution, dtype, seed or exporter code gives a different entry; nothing stale
 * is ever served after a code change. (Runs from src/ and from dist/ fingerprint different files and so
 * keep separate entries.)
 *
 * Layout: `<dir>/<key>.<onnx|tflite>` and the sidecar `<dir>/<key>.json` ({schema, key, sha256, bytes,
 * format, dtype, workload, ...}). The directory is `models/` in the cache folder ($MNV4_BENCH_CACHE, else
 * `<package root>/.cache`, git-ignored; see src/paths.ts). Both files are written to a temporary name and renamed (atomic on one filesystem), model
 * first, sidecar last: a sidecar exists only for a complete file. On every read the file's sha256 is
 * recomputed and compared with the sidecar; a missing, truncated or altered file, or an unreadable sidecar,
 * is rebuilt (`rebuiltReason` says why), never silently used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph } from '../graph.js';
import { initWeights } from '../weights.js';
import type { ResolvedWorkload } from '../workload.js';
import { resolveWorkload } from '../workload.js';
import { withFsErrorsSync } from '../../util/fs-errors.js';
import { cacheDir as cacheFolder } from '../../paths.js';
import { DEFAULT_CALIBRATION_SAMPLES, exportOnnx, ONNX_EXPORTER_VERSION } from './onnx.js';
import { exportTflite, TFLITE_EXPORTER_VERSION } from './tflite.js';
import { InputError } from '../../errors.js';

export type ExportFormat = 'onnx' | 'tflite';
export type ExportDtype = 'fp32' | 'fp16' | 'int8';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['onnx', 'tflite'];
/** dtypes each format can be exported in. */
export const FORMAT_DTYPES: Readonly<Record<ExportFormat, readonly ExportDtype[]>> = {
  onnx: ['fp32', 'int8'],
  tflite: ['fp32', 'fp16', 'int8'],
};

export const CACHE_SCHEMA = 'mnv4-bench.export-cache/1';

/** Thrown for requests the exporters cannot satisfy (unknown format, dtype not available for a format). */
export class ExportRequestError extends InputError {
  override name = 'ExportRequestError';
}

export interface ExportRequest {
  format: ExportFormat;
  dtype: ExportDtype;
  /** weight seed (default 0, the seed every runner and test uses). */
  seed?: number;
  /** resolution, only when `workload` is text (a resolved workload or graph already has one). */
  resolution?: number;
  /** ONNX only: opset 17 (default; GELU decomposed, checkable by python3-onnx 1.12) or 20 (native Gelu). */
  onnxOpset?: 17 | 20;
}

export interface ExportResult {
  /** absolute path of the cached file (do not modify it; copy it). */
  path: string;
  /** sha256 of the file's bytes (hex). */
  sha256: string;
  bytes: number;
  /** true when an existing, verified entry was used. */
  cached: boolean;
  /** set when an entry existed but failed verification and was rebuilt. */
  rebuiltReason?: string;
  key: string;
  format: ExportFormat;
  dtype: ExportDtype;
  /** the workload id (graph id). */
  workload: string;
}

interface Sidecar {
  schema: string;
  key: string;
  sha256: string;
  bytes: number;
  format: ExportFormat;
  dtype: ExportDtype;
  workload: string;
  seed: number;
  exporter: string;
  calibration?: string;
  createdAt: string;
}

const CACHE_ENV_VAR = 'MNV4_BENCH_CACHE';

/** The model cache directory: `models/` in the cache folder ($MNV4_BENCH_CACHE, else <package root>/.cache). */
export function cacheDir(): string {
  return cacheFolder('models');
}

const CACHE_USE = {
  doing: 'use the export cache folder',
  expect: 'directory' as const,
  fix: `point ${CACHE_ENV_VAR} at a writable folder (or unset it for the default)`,
};

/**
 * Creates the cache folder if needed; a folder that cannot be used (a file in the way, read-only, no
 * permission) is bad input, reported as one line before anything is built or measured.
 */
export function ensureCacheDir(dir = cacheDir()): string {
  withFsErrorsSync(dir, CACHE_USE, () => mkdirSync(dir, { recursive: true }));
  return dir;
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot hash non-finite number ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

let fingerprint: string | undefined;

/** sha256 over the source of the exporters and what they read (see the module comment). */
export function exporterCodeFingerprint(): string {
  if (fingerprint) return fingerprint;
  const here = dirname(fileURLToPath(import.meta.url));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(here);
  for (const base of ['graph', 'weights', 'reference', 'spec']) {
    for (const ext of ['.ts', '.js']) {
      const p = join(here, '..', base + ext);
      if (existsSync(p)) files.push(p);
    }
  }
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.slice(here.length));
    h.update(readFileSync(f));
  }
  return (fingerprint = h.digest('hex'));
}

const exporterVersion = (format: ExportFormat): string => (format === 'onnx' ? ONNX_EXPORTER_VERSION : TFLITE_EXPORTER_VERSION);

const ORT_CALIBRATION = `onnxruntime-node min/max over ${DEFAULT_CALIBRATION_SAMPLES} inputs seededInput(graph, 1000+i)`;

function checkRequest(req: ExportRequest): void {
  if (!EXPORT_FORMATS.includes(req.format))
    throw new ExportRequestError(`format must be one of ${EXPORT_FORMATS.join(', ')}, got '${String(req.format)}'`);
  const ok = FORMAT_DTYPES[req.format];
  if (!ok.includes(req.dtype)) throw new ExportRequestError(`${req.format} exports come in ${ok.join(', ')}, not '${String(req.dtype)}'`);
  if (req.onnxOpset !== undefined && (req.format !== 'onnx' || (req.onnxOpset !== 17 && req.onnxOpset !== 20))) {
    throw new ExportRequestError(`an ONNX opset of 17 or 20 applies to ONNX exports only, got ${String(req.onnxOpset)} for ${req.format}`);
  }
  if (req.seed !== undefined && (!Number.isSafeInteger(req.seed) || req.seed < 0))
    throw new ExportRequestError(`seed must be a non-negative integer, got ${req.seed}`);
}

/** What the key hashes: everything the exported bytes depend on. */
export function exportKeyMaterial(graph: Graph, req: ExportRequest): Record<string, unknown> {
  checkRequest(req);
  return {
    schema: CACHE_SCHEMA,
    format: req.format,
    dtype: req.dtype,
    seed: req.seed ?? 0,
    opset: req.format === 'onnx' ? (req.onnxOpset ?? 17) : undefined,
    exporter: exporterVersion(req.format),
    code: exporterCodeFingerprint(),
    calibration: req.dtype === 'int8' ? ORT_CALIBRATION : undefined,
    graph: {
      id: graph.id,
      inputShape: graph.inputShape,
      output: graph.output,
      layers: graph.layers.map((l) => ({ name: l.name, op: l.op, inputs: l.inputs, output: l.output })),
    },
  };
}

/** The cache key (sha256 hex) of an export. */
export function exportKey(graph: Graph, req: ExportRequest): string {
  return sha256(canonicalJson(exportKeyMaterial(graph, req)));
}

/**
 * Builds the file of an export (no cache). int8 (ONNX and TFLite alike) is calibrated through
 * onnxruntime-node on the same seeded inputs, so both int8 files of a workload share their ranges.
 */
export async function buildExport(graph: Graph, req: ExportRequest): Promise<Uint8Array> {
  checkRequest(req);
  const seed = req.seed ?? 0;
  const weights = initWeights(graph, seed);
  let calibration;
  if (req.dtype === 'int8') {
    // loaded lazily: fp32/fp16 exports never load the onnxruntime native binding
    const { calibrateWithOnnxRuntime, calibrationInputs } = await import('./calibrate.js');
    calibration = await calibrateWithOnnxRuntime(graph, weights, calibrationInputs(graph));
  }
  if (req.format === 'onnx') {
    const opset = req.onnxOpset ?? 17;
    if (req.dtype === 'int8') return exportOnnx(graph, { dtype: 'int8', weights, seed, calibration, opset });
    return exportOnnx(graph, { dtype: 'fp32', weights, seed, opset });
  }
  return exportTflite(graph, { dtype: req.dtype, weights, seed, ...(calibration ? { calibrationTable: calibration } : {}) });
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Checks a cache entry; returns the sidecar when the file is intact, else the reason it is not. */
function verifyEntry(file: string, side: string, key: string): { ok: true; meta: Sidecar } | { ok: false; reason: string } | undefined {
  const hasFile = existsSync(file);
  const hasSide = existsSync(side);
  if (!hasFile && !hasSide) return undefined;
  if (!hasSide) return { ok: false, reason: 'sidecar missing' };
  if (!hasFile) return { ok: false, reason: 'model file missing' };
  let meta: Sidecar;
  try {
    meta = JSON.parse(readFileSync(side, 'utf8')) as Sidecar;
  } catch {
    return { ok: false, reason: 'sidecar is not valid JSON' };
  }
  if (meta.schema !== CACHE_SCHEMA || meta.key !== key || typeof meta.sha256 !== 'string' || typeof meta.bytes !== 'number') {
    return { ok: false, reason: 'sidecar does not describe this entry' };
  }
  const size = statSync(file).size;
  if (size !== meta.bytes) return { ok: false, reason: `file has ${size} bytes, sidecar says ${meta.bytes}` };
  const actual = sha256(readFileSync(file));
  if (actual !== meta.sha256) return { ok: false, reason: `file sha256 ${actual.slice(0, 12)} differs from recorded ${meta.sha256.slice(0, 12)}` };
  return { ok: true, meta };
}

function toGraph(workload: string | ResolvedWorkload | Graph, resolution: number | undefined, dtype: ExportDtype): Graph {
  if (typeof workload === 'string') return resolveWorkload(workload, { dtype, ...(resolution !== undefined ? { resolution } : {}) }).graph;
  return 'graph' in workload ? workload.graph : workload;
}

/**
 * The exported file of a workload, from the cache when a verified entry exists, else built and stored.
 * `workload`: workload text (resolved with resolveWorkload, at `req.resolution`), a resolved workload or
 * a graph. Throws ExportRequestError for a format/dtype the exporters do not offer.
 */
export async function getExport(workload: string | ResolvedWorkload | Graph, req: ExportRequest, opts: { dir?: string } = {}): Promise<ExportResult> {
  checkRequest(req);
  const graph = toGraph(workload, req.resolution, req.dtype);
  const key = exportKey(graph, req);
  const dir = opts.dir ?? cacheDir();
  const file = join(dir, `${key}.${req.format}`);
  const side = join(dir, `${key}.json`);
  const base = { key, format: req.format, dtype: req.dtype, workload: graph.id, path: file };
  const check = verifyEntry(file, side, key);
  if (check?.ok) return { ...base, sha256: check.meta.sha256, bytes: check.meta.bytes, cached: true };

  ensureCacheDir(dir);
  const data = await buildExport(graph, req);
  const digest = sha256(data);
  const meta: Sidecar = {
    schema: CACHE_SCHEMA,
    key,
    sha256: digest,
    bytes: data.byteLength,
    format: req.format,
    dtype: req.dtype,
    workload: graph.id,
    seed: req.seed ?? 0,
    exporter: exporterVersion(req.format),
    ...(req.dtype === 'int8' ? { calibration: ORT_CALIBRATION } : {}),
    createdAt: new Date().toISOString(),
  };
  // model first, sidecar last: the sidecar marks a complete entry
  withFsErrorsSync(file, CACHE_USE, () => writeAtomic(file, data));
  withFsErrorsSync(side, CACHE_USE, () => writeAtomic(side, `${JSON.stringify(meta, null, 2)}\n`));
  return { ...base, sha256: digest, bytes: data.byteLength, cached: false, ...(check && !check.ok ? { rebuiltReason: check.reason } : {}) };
}
