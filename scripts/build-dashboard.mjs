#!/usr/bin/env node
/**
 * Bundles the dashboard's TypeScript (dashboard/src, type-checked by `tsc -p dashboard/tsconfig.json`) with
 * esbuild into dist/dashboard/: app.js (entry dashboard/src/main.ts) and plugins.js (dashboard/src/plugins.ts,
 * the Chart.js plugins). Both are classic scripts (IIFE): the dashboard opens from file://, where ES modules
 * cannot load. Chart.js is not bundled here: its UMD build is copied next to them when a dashboard is written
 * (src/report/dashboard.ts), and the sources only import its types.
 *
 * Writes dist/dashboard/build-info.json (inputs, entries, build time) so `writeDashboard` can rebuild a stale
 * bundle in a source checkout used without `npm run build`.
 * Usage: node scripts/build-dashboard.mjs   (part of `npm run build`)
 */
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'dashboard');
const entries = [
  { in: join(root, 'dashboard', 'src', 'main.ts'), out: 'app' },
  { in: join(root, 'dashboard', 'src', 'plugins.ts'), out: 'plugins' },
];

mkdirSync(outDir, { recursive: true });
const started = Date.now();
const result = await build({
  entryPoints: entries,
  outdir: outDir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  // whitespace and syntax only: names stay readable in the browser's error messages
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => !p.includes(':') && !p.includes('node_modules'))
  .map((p) => relative(root, join(process.cwd(), p)).split('\\').join('/'));
writeFileSync(
  join(outDir, 'build-info.json'),
  JSON.stringify({ builtAt: started, entries: entries.map((e) => `${e.out}.js`), inputs: [...new Set(inputs)].sort() }, null, 1) + '\n',
);
console.log(`dashboard bundle: ${entries.map((e) => `dist/dashboard/${e.out}.js`).join(', ')} (${Date.now() - started} ms)`);
