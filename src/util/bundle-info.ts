/**
 * Freshness of an esbuild bundle under dist/: the build scripts (scripts/build-page.mjs for the browser
 * pages, scripts/build-dashboard.mjs for the dashboard) write `build-info.json` beside their output with the
 * build time, the entry files and the project sources that went in. A source checkout used without
 * `npm run build` rebuilds when the bundle is missing or older than a source.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUILD_INFO = 'build-info.json';

export interface BuildInfo {
  builtAt: number;
  inputs: string[];
  entries: string[];
}

/** Why the bundle in `<root>/<dir>` (e.g. `dist/page`) must be (re)built, or null when it is current. */
export function bundleStaleReason(root: string, dir: string, what: string): string | null {
  const infoPath = join(root, dir, BUILD_INFO);
  if (!existsSync(infoPath)) return `the ${what} (${dir}) has not been built`;
  let info: BuildInfo;
  try {
    info = JSON.parse(readFileSync(infoPath, 'utf8')) as BuildInfo;
  } catch {
    return `${dir}/${BUILD_INFO} is unreadable`;
  }
  for (const e of info.entries) if (!existsSync(join(root, dir, e))) return `${dir}/${e} is missing`;
  for (const rel of info.inputs) {
    const p = join(root, rel);
    // inputs under node_modules change only on install; sources are what we track.
    if (rel.startsWith('node_modules')) continue;
    // an installed package ships the bundle without its sources: nothing to compare against.
    if (!existsSync(p)) continue;
    if (statSync(p).mtimeMs > info.builtAt) return `${what} source ${rel} changed since the last build`;
  }
  return null;
}
