/** Installed npm packages: where they are and which version (the one lookup every module uses). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../paths.js';

/**
 * Folder of an installed package: the first `node_modules/<name>/package.json` found walking up from `root`
 * (default: mnv4-bench's package root), as Node's resolver does; null when it is not installed. File based,
 * so it works for packages whose `exports` hide their package.json.
 */
export function packageDir(name: string, root = packageRoot()): string | null {
  let dir = root;
  for (;;) {
    const p = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(p)) return dirname(p);
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

const versions = new Map<string, string | null>();

/** Version of an installed package (from its package.json), or null when it is not installed. Cached per process. */
export function installedVersion(name: string): string | null {
  const hit = versions.get(name);
  if (hit !== undefined) return hit;
  const dir = packageDir(name);
  let v: string | null = null;
  if (dir) {
    try {
      v = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version as string | null;
      if (typeof v !== 'string') v = null;
    } catch {
      v = null;
    }
  }
  versions.set(name, v);
  return v;
}
