/**
 * The page table (page/pages.json): one entry per browser runtime, naming its page bundle (built by
 * scripts/build-page.mjs from the same file) and the runtime files the page server mounts for it. Adding a
 * browser runtime = its page entry, one line here in pages.json, its runner file, one registry line.
 */
import { join } from 'node:path';
import { packageDir } from '../../util/packages.js';
import table from './page/pages.json' with { type: 'json' };

/** One browser runtime's page bundle and served files. */
export interface PageBundleSpec {
  /** bundle name: dist/page/<name>.js, and what runners open (`openBundlePage(name)`). */
  name: string;
  /** entry file under src/runners/browser/page/. */
  entry: string;
  /** the npm package the bundle needs; without it the bundle is not built and its files not served. */
  package: string;
  /** runtime files (.wasm, .mjs) served under `prefix` from `<package>/<dir>`. */
  files: { prefix: string; dir: string };
  /** build-time module aliases: module name -> file inside `package`. */
  alias?: Record<string, string>;
}

/** Every page bundle, in table order. */
export const PAGE_BUNDLES: readonly PageBundleSpec[] = table.bundles;

/** Names of the page bundles. */
export type PageBundle = string;

/** The spec of a bundle; throws for a name not in the table (a programming error). */
export function pageBundle(name: PageBundle): PageBundleSpec {
  const b = PAGE_BUNDLES.find((x) => x.name === name);
  if (!b) throw new Error(`no page bundle '${name}' in src/runners/browser/page/pages.json (known: ${PAGE_BUNDLES.map((x) => x.name).join(', ')})`);
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
