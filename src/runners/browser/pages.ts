/**
 * The page table: every browser runtime folder `src/runners/<runtime>/` that holds a `page.json` has a page,
 * bundled from its `page-entry.ts` into dist/page/<name>.js by scripts/build-page.mjs (which scans the same
 * files), with the runtime files the page server mounts for it. Adding a browser runtime is one folder (its
 * page.json, page-entry.ts, page-api.ts, browser steps and runner file) and one line in
 * src/runners/browser-runners.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../paths.js';
import { packageDir } from '../../util/packages.js';

/** One browser runtime's page bundle and served files. */
export interface PageBundleSpec {
  /** bundle name: dist/page/<name>.js, and what runners open (`openBundlePage(name)`). */
  name: string;
  /** entry file, relative to the package root: src/runners/<runtime>/page-entry.ts. */
  entry: string;
  /** the npm package the bundle needs; without it the bundle is not built and its files not served. */
  package: string;
  /** runtime files (.wasm, .mjs) served under `prefix` from `<package>/<dir>`. */
  files: { prefix: string; dir: string };
  /** build-time module aliases: module name -> file inside `package`. */
  alias?: Record<string, string>;
}

/** The runtime folders' page.json files (read from the sources, which ship with the package). */
function readPageTable(): PageBundleSpec[] {
  const runners = join(packageRoot(), 'src', 'runners');
  const out: PageBundleSpec[] = [];
  for (const d of readdirSync(runners, { withFileTypes: true })) {
    const file = join(runners, d.name, 'page.json');
    if (!d.isDirectory() || !existsSync(file)) continue;
    const spec = JSON.parse(readFileSync(file, 'utf8')) as Omit<PageBundleSpec, 'entry'>;
    out.push({ name: spec.name, package: spec.package, files: spec.files, alias: spec.alias, entry: `src/runners/${d.name}/page-entry.ts` });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every page bundle, by name. */
export const PAGE_BUNDLES: readonly PageBundleSpec[] = readPageTable();

/** Names of the page bundles. */
export type PageBundle = string;

/** The spec of a bundle; throws for a name not in the table (a programming error). */
export function pageBundle(name: PageBundle): PageBundleSpec {
  const b = PAGE_BUNDLES.find((x) => x.name === name);
  if (!b) throw new Error(`no page bundle '${name}' in any src/runners/<runtime>/page.json (known: ${PAGE_BUNDLES.map((x) => x.name).join(', ')})`);
  return b;
}

/** URL of a bundle's runtime files folder on the page server, e.g. `http://127.0.0.1:4321/ort/`. */
export function runtimeFilesUrl(origin: string, name: PageBundle): string {
  return `${origin}${pageBundle(name).files.prefix}`;
}

/** Server mounts [prefix, folder] of the runtime files whose package is installed. */
export function runtimeMounts(root?: string): [prefix: string, dir: string][] {
  const out: [string, string][] = [];
  for (const b of PAGE_BUNDLES) {
    const dir = packageDir(b.package, root);
    if (dir) out.push([b.files.prefix, join(dir, b.files.dir)]);
  }
  return out;
}
