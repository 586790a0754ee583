import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A benchmark_model fixture without its `#@ ` reader header (the lines the tool never prints). */
export function benchmarkModelFixture(name: string): string {
  return readFileSync(join(FIXTURES_DIR, 'benchmark_model', name), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#@ '))
    .join('\n');
}
