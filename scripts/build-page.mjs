#!/usr/bin/env node
/**
 * Bundles the browser-page code of the browser targets into dist/page/ with esbuild. What to bundle comes from
 * the runtime folders: each src/runners/<runtime>/page.json (the page server reads the same files for its
 * mounts) makes that folder's page-entry.ts into dist/page/<name>.js, built only when its `package` is installed. Runtimes
 * themselves (ORT's .mjs/.wasm, TFLite's and LiteRT's .wasm) are served at run time, not bundled, except what
 * an entry imports (tfjs-core + cpu + tfjs-tflite for the tflite page).
 *
 * The shared protocol (src/profiles/protocol.ts) is bundled into each entry, so the page runs the same
 * sampling loop as Node. `alias` maps a module to a file inside the entry's package (tfjs-tflite's "module"
 * entry is not loadable by esbuild as is: it is aliased to its flat ESM build dist/tf-tflite.fesm.js).
 *
 * Writes dist/page/build-info.json (inputs, entries, build time) so the server can rebuild a stale bundle.
 * Usage: node scripts/build-page.mjs   (part of `npm run build`)
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'page');
const runnersSrc = join(root, 'src', 'runners');

const pageFiles = readdirSync(runnersSrc)
  .map((d) => join('src', 'runners', d, 'page.json'))
  .filter((f) => existsSync(join(root, f)));
const table = pageFiles.map((f) => ({ ...JSON.parse(readFileSync(join(root, f), 'utf8')), entry: join(dirname(join(root, f)), 'page-entry.ts') }));
const installed = (pkg) => existsSync(join(root, 'node_modules', ...pkg.split('/'), 'package.json'));
const bundles = table.filter((b) => installed(b.package) && existsSync(b.entry));
const entries = bundles.map((b) => ({ in: b.entry, out: b.name }));
const alias = {};
for (const b of bundles) {
  for (const [mod, file] of Object.entries(b.alias ?? {})) alias[mod] = join(root, 'node_modules', ...b.package.split('/'), file);
}

mkdirSync(outDir, { recursive: true });
const started = Date.now();
const result = await build({
  entryPoints: entries,
  outdir: outDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome113'],
  sourcemap: 'linked',
  minify: false,
  metafile: true,
  logLevel: 'warning',
  alias,
  // tfjs and tfjs-tflite probe for Node built-ins behind runtime checks; the page never takes those paths.
  external: ['fs', 'path', 'crypto', 'worker_threads', 'perf_hooks', 'os', 'util'],
});

// project sources only: node_modules changes on install, which rebuilds anyway.
const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => !p.includes(':') && !p.includes('node_modules'))
  .map((p) => relative(root, join(process.cwd(), p)).split('\\').join('/'));
writeFileSync(
  join(outDir, 'build-info.json'),
  JSON.stringify({ builtAt: started, entries: entries.map((e) => `${e.out}.js`), inputs: [...new Set([...inputs, ...pageFiles])].sort() }, null, 1) +
    '\n',
);
console.log(`page bundle: ${entries.map((e) => `dist/page/${e.out}.js`).join(', ')} (${Date.now() - started} ms)`);
