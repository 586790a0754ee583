/** Locations inside the package, independent of whether code runs from src/ (tsx, vitest) or dist/src/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package root: the nearest folder above this file whose package.json is named mnv4-bench. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mnv4-bench') return (root = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the mnv4-bench package root (package.json)');
    dir = up;
  }
}

/** The `version` of mnv4-bench's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Folder of the device descriptions. */
export const devicesDir = (): string => join(packageRoot(), 'devices');
/** Default output folder for runs (git-ignored). */
export const defaultResultsDir = (): string => join(packageRoot(), 'results');

/** Environment variable that moves the cache folder. */
const CACHE_ENV = 'MNV4_BENCH_CACHE';

/**
 * The cache folder (git-ignored): $MNV4_BENCH_CACHE when set and not blank, else `<package root>/.cache`;
 * `parts` name a sub-folder or file in it (e.g. `cacheDir('targets.json')`).
 */
export function cacheDir(...parts: string[]): string {
  const env = process.env[CACHE_ENV];
  return join(env !== undefined && env.trim() !== '' ? env : join(packageRoot(), '.cache'), ...parts);
}
