#!/usr/bin/env node
/**
 * Bundles the browser-page code of the browser targets into dist/page/ with esbuild.
 *
 *   src/runners/browser/page/ort-entry.ts     -> dist/page/ort.js     (ORT itself is loaded at runtime
 *                                                                      from /ort/*.mjs, not bundled)
 *   src/runners/browser/page/tflite-entry.ts  -> dist/page/tflite.js  (tfjs-core + cpu + tfjs-tflite)
 *   src/runners/browser/page/litert-entry.ts  -> dist/page/litert.js  (only when @litertjs/core is installed)
 *
 * The shared protocol (src/profiles/protocol.ts) is bundled into each entry, so the page runs the same
 * sampling loop as Node. tfjs-tflite's package "module" entry is not loadable by esbuild as is: it is aliased
 * to its flat ESM build dist/tf-tflite.fesm.js (runtimes.md).
 *
 * Writes dist/page/build-info.json (inputs, entries, build time) so the server can rebuild a stale bundle.
 * Usage: node scripts/build-page.mjs   (part of `npm run build`)
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'page');
const pageSrc = join(root, 'src', 'runners', 'browser', 'page');

const entries = [
  { in: join(pageSrc, 'ort-entry.ts'), out: 'ort' },
  { in: join(pageSrc, 'tflite-entry.ts'), out: 'tflite' },
];
if (existsSync(join(root, 'node_modules', '@litertjs', 'core', 'package.json')) && existsSync(join(pageSrc, 'litert-entry.ts'))) {
  entries.push({ in: join(pageSrc, 'litert-entry.ts'), out: 'litert' });
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
  alias: {
    '@tensorflow/tfjs-tflite': join(root, 'node_modules', '@tensorflow', 'tfjs-tflite', 'dist', 'tf-tflite.fesm.js'),
  },
  // tfjs and tfjs-tflite probe for Node built-ins behind runtime checks; the page never takes those paths.
  external: ['fs', 'path', 'crypto', 'worker_threads', 'perf_hooks', 'os', 'util'],
});

// project sources only: node_modules changes on install, which rebuilds anyway.
const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => !p.includes(':') && !p.includes('node_modules'))
  .map((p) => relative(root, join(process.cwd(), p)).split('\\').join('/'));
writeFileSync(
  join(outDir, 'build-info.json'),
  JSON.stringify({ builtAt: started, entries: entries.map((e) => `${e.out}.js`), inputs: [...new Set(inputs)].sort() }, null, 1) + '\n',
);
console.log(`page bundle: ${entries.map((e) => `dist/page/${e.out}.js`).join(', ')} (${Date.now() - started} ms)`);
