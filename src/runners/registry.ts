/**
 * The runner registry: every target the tool knows, and whether it can run on a device.
 *
 * Registration is an array of factories: the Node runners below, then BROWSER_RUNNERS from
 * ./browser-runners.ts. Adding a target = one runner file + one line in one of these arrays. Target ids must
 * be unique. Tests add their own runners with `registerTestRunner` (never used by the tool itself).
 *
 * Availability is per device: a target whose runner cannot use the device's connection kind is unavailable
 * with that reason (its `detect` is not called). Checks are cached in memory (per process, keyed by device
 * id + connection) and, for the local machine only, on disk in `<cache dir>/targets.json` (default
 * `<package root>/.cache/`, or $MNV4_BENCH_CACHE like the export cache), valid for `ttlMs` (1 hour) and only
 * for the same host + runtime versions (the cache key). A remote device comes and goes, so its checks are
 * never kept on disk. `refresh` re-checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { writeFileAtomic } from '../util/fs.js';
import { installedVersion } from '../util/packages.js';
import { BROWSER_RUNNERS, browserTargetsFingerprint, shutdownBrowserTargets } from './browser-runners.js';
import { createAndroidCpuRunner } from './android/cpu.js';
import { createAndroidGpuRunner } from './android/gpu.js';
import { createAndroidNnapiRunner } from './android/nnapi.js';
import { installChromeBridge } from './android/chrome-bridge.js';
import { createOrtCpuRunner } from './ort/cpu.js';
import { createOrtWasmRunner } from './ort/wasm.js';
import { InputError } from '../errors.js';
import { connectionMismatch, localContext, type Availability, type TargetStatus, type RunContext } from '../core/target.js';
import { type Runner, type RunnerFactory } from './types.js';

/** Runners that run inside this Node process. */
export const NODE_RUNNERS: readonly RunnerFactory[] = [createOrtCpuRunner, createOrtWasmRunner];

// Chrome on an Android phone for the browser runners (adb forward / adb reverse).
installChromeBridge();

/** Runners that drive TFLite's benchmark_model on an Android phone over adb. */
export const ANDROID_RUNNERS: readonly RunnerFactory[] = [createAndroidCpuRunner, createAndroidGpuRunner, createAndroidNnapiRunner];

/** Default lifetime of a cached availability check. */
export const TARGETS_CACHE_TTL_MS = 60 * 60 * 1000;
const CACHE_VERSION = 1;

/** Unknown target id: the message lists the known ones (bad input, exit 2). */
export class UnknownTargetError extends InputError {
  override name = 'UnknownTargetError';
}

let runners: Runner[] | undefined;
const testFactories: RunnerFactory[] = [];

/**
 * Adds a runner for tests (e.g. a fake runner); returns a function that removes it again. The runner list is
 * rebuilt on the next lookup.
 */
export function registerTestRunner(factory: RunnerFactory): () => void {
  testFactories.push(factory);
  runners = undefined;
  return () => {
    const i = testFactories.indexOf(factory);
    if (i >= 0) testFactories.splice(i, 1);
    runners = undefined;
  };
}

/** All runners, instantiated once per process, Node runners first. Throws on duplicate ids. */
export function listRunners(): readonly Runner[] {
  if (!runners) {
    const list = [...NODE_RUNNERS, ...BROWSER_RUNNERS, ...ANDROID_RUNNERS, ...testFactories].map((f) => f());
    const seen = new Set<string>();
    for (const r of list) {
      if (seen.has(r.id)) throw new Error(`two runners register target id '${r.id}'`);
      seen.add(r.id);
    }
    runners = list;
  }
  return runners;
}

/**
 * Releases what every instantiated runner holds (sessions, pages, the shared Chromium). Safe to call more
 * than once; runners start again on their next use.
 */
export async function disposeRunners(): Promise<void> {
  if (runners) await Promise.all(runners.map((r) => r.dispose()));
  await shutdownBrowserTargets();
}

/** The part of an availability cache key that names the device. */
export function deviceCacheKey(ctx: RunContext): string {
  return JSON.stringify({ device: ctx.deviceId, connection: ctx.connection });
}

/** Known target ids. */
export function targetIds(): string[] {
  return listRunners().map((r) => r.id);
}

/** The runner of a target id, or UnknownTargetError listing the known ids. */
export function getRunner(id: string): Runner {
  const r = listRunners().find((x) => x.id === id);
  if (!r) throw new UnknownTargetError(`unknown target '${id}'; known targets: ${targetIds().join(', ')} (see 'mnv4-bench targets')`);
  return r;
}

/** Options of detectTargets. */
export interface DetectOptions {
  /** ignore both caches and check again. */
  refresh?: boolean;
  /** cache directory (default $MNV4_BENCH_CACHE or ./.cache). */
  cacheDir?: string;
  ttlMs?: number;
  /** only these target ids. */
  ids?: readonly string[];
  /** the device to check them on (default: this machine). */
  context?: RunContext;
}

interface CacheFile {
  cacheVersion: number;
  key: string;
  entries: Record<string, { availability: Availability; checkedAt: string }>;
}

/** Host + versions: a cached check is valid only for the same key. */
export function targetsCacheKey(): string {
  return JSON.stringify({
    host: os.hostname(),
    platform: process.platform,
    arch: process.arch,
    cpus: os.cpus().length,
    node: process.versions.node,
    ortNode: installedVersion('onnxruntime-node'),
    ortWeb: installedVersion('onnxruntime-web'),
    puppeteer: installedVersion('puppeteer-core'),
    tflite: installedVersion('@tensorflow/tfjs-tflite'),
    runners: targetIds(),
    // which Chromium and which flags browser targets would use
    browser: browserTargetsFingerprint(),
  });
}

function defaultCacheDir(): string {
  const env = process.env.MNV4_BENCH_CACHE;
  return env && env.trim() !== '' ? env : path.join(packageRoot(), '.cache');
}

const memory = new Map<string, { availability: Availability; checkedAt: string }>();

function readCache(file: string, key: string): CacheFile['entries'] {
  if (!existsSync(file)) return {};
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (j.cacheVersion !== CACHE_VERSION || j.key !== key || typeof j.entries !== 'object') return {};
    return j.entries;
  } catch {
    return {}; // a broken cache is just a miss
  }
}

/** Checks (or reads cached) availability of the targets; never throws for an unavailable target. */
export async function detectTargets(opts: DetectOptions = {}): Promise<TargetStatus[]> {
  const ttl = opts.ttlMs ?? TARGETS_CACHE_TTL_MS;
  const dir = opts.cacheDir ?? defaultCacheDir();
  const file = path.join(dir, 'targets.json');
  const ctx = opts.context ?? localContext();
  const local = ctx.connection.kind === 'local';
  const key = `${targetsCacheKey()}|${deviceCacheKey(ctx)}`;
  const disk = opts.refresh || !local ? {} : readCache(file, key);
  const list = opts.ids ? opts.ids.map((id) => getRunner(id)) : listRunners();
  const now = Date.now();
  const fresh = (e: { checkedAt: string } | undefined) => e !== undefined && now - Date.parse(e.checkedAt) < ttl;
  const out: TargetStatus[] = [];
  let wrote = false;
  for (const r of list) {
    const memKey = `${key}|${r.id}`;
    let entry = opts.refresh ? undefined : memory.get(memKey);
    let cached = fresh(entry);
    if (!cached) {
      entry = disk[r.id];
      cached = fresh(entry);
    }
    const mismatch = connectionMismatch(r, ctx);
    if (mismatch !== null) {
      entry = { availability: { available: false, reason: mismatch }, checkedAt: new Date().toISOString() };
      cached = false;
    } else if (!cached || !entry) {
      let availability: Availability;
      try {
        availability = await r.detect(ctx);
      } catch (e) {
        availability = { available: false, reason: `availability check failed: ${(e as Error).message.split('\n')[0]}` };
      }
      entry = { availability, checkedAt: new Date().toISOString() };
      disk[r.id] = entry;
      wrote = true;
    }
    memory.set(memKey, entry);
    out.push({
      id: r.id,
      runtime: r.runtime,
      backend: r.backend,
      describe: r.describe,
      formats: r.formats,
      settings: r.settings,
      availability: entry.availability,
      checkedAt: entry.checkedAt,
      cached,
    });
  }
  if (wrote && local) {
    try {
      await mkdir(dir, { recursive: true });
      const body: CacheFile = { cacheVersion: CACHE_VERSION, key, entries: disk };
      await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
    } catch {
      // the cache is an optimisation: an unwritable directory must not fail the command.
    }
  }
  return out;
}

/** Clears the in-memory cache (tests). */
export function clearTargetsMemoryCache(): void {
  memory.clear();
}
