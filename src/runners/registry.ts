/**
 * The runner registry: every target the tool knows, and whether it can run here.
 *
 * Registration is an array of factories: the Node runners below, then BROWSER_RUNNERS from
 * ./browser-runners.ts (owned by the browser runners; append there). Target ids must be unique.
 *
 * Availability checks are cached in memory (per process) and on disk in `<cache dir>/targets.json`
 * (default `<package root>/.cache/`, or $MNV4_BENCH_CACHE like the export cache), valid for `ttlMs` (1 hour) and
 * only for the same host + runtime versions (the cache key); `refresh` re-checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { writeFileAtomic, installedVersion } from '../results/writer.js';
import { BROWSER_RUNNERS, browserTargetsFingerprint } from './browser-runners.js';
import { createOrtCpuRunner } from './ort-cpu.js';
import { createOrtWasmRunner } from './ort-wasm.js';
import type { Availability, ModelFormat, Runner, RunnerFactory, SettingSpec } from './types.js';

/** Runners that run inside this Node process. */
export const NODE_RUNNERS: readonly RunnerFactory[] = [createOrtCpuRunner, createOrtWasmRunner];

/** Default lifetime of a cached availability check. */
export const TARGETS_CACHE_TTL_MS = 60 * 60 * 1000;
const CACHE_VERSION = 1;

/** Unknown target id: the message lists the known ones (the CLI maps it to exit 2). */
export class UnknownTargetError extends Error {
  override name = 'UnknownTargetError';
}

let runners: Runner[] | undefined;

/** All runners, instantiated once per process, Node runners first. Throws on duplicate ids. */
export function listRunners(): readonly Runner[] {
  if (!runners) {
    const list = [...NODE_RUNNERS, ...BROWSER_RUNNERS].map((f) => f());
    const seen = new Set<string>();
    for (const r of list) {
      if (seen.has(r.id)) throw new Error(`two runners register target id '${r.id}'`);
      seen.add(r.id);
    }
    runners = list;
  }
  return runners;
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

/** A target's description and availability. */
export interface TargetStatus {
  id: string;
  runtime: string;
  backend: string;
  describe: string;
  formats: readonly ModelFormat[];
  settings: readonly SettingSpec[];
  availability: Availability;
  /** ISO time of the check. */
  checkedAt: string;
  /** whether the availability came from the cache (memory or disk). */
  cached: boolean;
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
  const key = targetsCacheKey();
  const disk = opts.refresh ? {} : readCache(file, key);
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
    if (!cached || !entry) {
      let availability: Availability;
      try {
        availability = await r.detect();
      } catch (e) {
        availability = { available: false, reason: `availability check failed: ${(e as Error).message.split('\n')[0]}` };
      }
      entry = { availability, checkedAt: new Date().toISOString() };
      disk[r.id] = entry;
      wrote = true;
    }
    memory.set(memKey, entry);
    out.push({ id: r.id, runtime: r.runtime, backend: r.backend, describe: r.describe, formats: r.formats, settings: r.settings, availability: entry.availability, checkedAt: entry.checkedAt, cached });
  }
  if (wrote) {
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
