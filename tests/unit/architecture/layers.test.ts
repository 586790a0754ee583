/**
 * The layering of src/, checked on the import statements themselves (static and dynamic): each top-level
 * folder may import only folders below it in LAYERS, so the shared contract (src/core) stays at the bottom,
 * results, profiles and reports never depend on runners, reports never on the engine, and only the engine
 * and the CLI's wiring reach src/runners.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');

/** Bottom to top. A folder imports only folders at its own index or lower. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'paths.ts'],
  ['util'],
  ['models'],
  ['core'],
  ['profiles'],
  ['results'],
  ['runners'],
  ['engine'],
  ['lut'],
  ['report'],
  ['cli'],
];

function layerOf(top: string): number {
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS in ${relative(process.cwd(), fileURLToPath(import.meta.url))}`);
  return i;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** [importing file, imported top-level folder] for every relative import of src. */
function edges(): { from: string; fromTop: string; toTop: string }[] {
  const out: { from: string; fromTop: string; toTop: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const fromTop = relative(SRC, file).split('/')[0]!;
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1]!));
      if (target.startsWith('..')) continue;
      const toTop = target.split('/')[0]!.replace(/\.js$/, '.ts');
      if (toTop !== fromTop) out.push({ from: relative(SRC, file), fromTop, toTop });
    }
  }
  return out;
}

describe('the layering of src/', () => {
  const all = edges();

  it('finds the imports it checks (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((e) => e.fromTop === 'runners' && e.toTop === 'core')).toBe(true);
  });

  it('no folder imports a folder above it', () => {
    const upward = all.filter((e) => layerOf(e.toTop) > layerOf(e.fromTop)).map((e) => `${e.from} -> src/${e.toTop}`);
    expect(upward).toEqual([]);
  });

  it('only the engine and the CLI import src/runners', () => {
    const users = all.filter((e) => e.toTop === 'runners' && !['engine', 'cli'].includes(e.fromTop)).map((e) => e.from);
    expect(users).toEqual([]);
  });

  it('the report imports nothing of the runners or the engine', () => {
    const bad = all.filter((e) => e.fromTop === 'report' && ['runners', 'engine'].includes(e.toTop)).map((e) => `${e.from} -> ${e.toTop}`);
    expect(bad).toEqual([]);
  });
});
