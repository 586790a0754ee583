/**
 * A temporary folder for one test file, with the model cache (MNV4_BENCH_CACHE) inside it while the file's
 * tests run; the variable is restored and the folder removed after them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export function cacheSandbox(prefix: string): string {
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  const saved = process.env.MNV4_BENCH_CACHE;
  beforeAll(() => {
    process.env.MNV4_BENCH_CACHE = path.join(tmp, 'cache');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.MNV4_BENCH_CACHE;
    else process.env.MNV4_BENCH_CACHE = saved;
    rmSync(tmp, { recursive: true, force: true });
  });
  return tmp;
}
