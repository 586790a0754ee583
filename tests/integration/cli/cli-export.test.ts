import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../helpers/main-io.js';

const root = mkdtempSync(join(tmpdir(), 'mnv4-cli-export-'));
const saved = process.env.MNV4_BENCH_CACHE;
beforeAll(() => {
  process.env.MNV4_BENCH_CACHE = join(root, 'cache');
});
afterAll(() => {
  if (saved === undefined) delete process.env.MNV4_BENCH_CACHE;
  else process.env.MNV4_BENCH_CACHE = saved;
  rmSync(root, { recursive: true, force: true });
});

/** Runs `mnv4-bench export ...` through main(); returns stdout, or throws the one-line error with its exit code. */
async function exportCmd(args: string[]): Promise<string> {
  const r = await runMain(['export', ...args]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

const BLOCK = 'block:uib(a0,m3,s1,e2,o8,relu)@8x6x6';
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('mnv4-bench export', () => {
  it('writes -o FILE and reports it as JSON; the second run comes from the cache', async () => {
    const file = join(root, 'out', 'b.onnx');
    const info = JSON.parse(await exportCmd([BLOCK, '-o', file, '--json'])) as Record<string, unknown>;
    expect(info).toMatchObject({ path: file, format: 'onnx', dtype: 'fp32', workload: BLOCK, cached: false });
    expect(info.sha256).toBe(sha(file));
    expect(info.bytes).toBe(readFileSync(file).length);
    const again = JSON.parse(await exportCmd([BLOCK, '--format', 'onnx', '-o', file, '--json'])) as Record<string, unknown>;
    expect(again).toMatchObject({ cached: true, sha256: info.sha256 });
  });
  it('takes the format from the -o extension and prints a human line', async () => {
    const file = join(root, 'b.tflite');
    const text = await exportCmd([BLOCK, '-o', file, '--dtype', 'fp16']);
    expect(text).toContain(file);
    expect(text).toMatch(/tflite fp16/);
    expect(readFileSync(file).subarray(4, 8).toString('latin1')).toBe('TFL3');
  });
  it('exports a model at another resolution and int8', async () => {
    const info = JSON.parse(await exportCmd(['conv-s', '--resolution', '64', '--dtype', 'int8', '--json'])) as { workload: string; path: string };
    expect(info.workload).toBe('model:conv-s@64');
    expect(info.path.startsWith(join(root, 'cache'))).toBe(true);
  });
  it('rejects bad values: exit 2 with one line', async () => {
    await expect(exportCmd([BLOCK, '--dtype', 'fp16'])).rejects.toThrow(/^exit 2: mnv4-bench: --dtype fp16 is not available for onnx/); // fp16 is TFLite only
    await expect(exportCmd([BLOCK, '--format', 'pb'])).rejects.toThrow(/^exit 2: mnv4-bench: --format must be one of onnx, tflite/);
    await expect(exportCmd([BLOCK, '--dtype', 'int4'])).rejects.toThrow(/^exit 2: mnv4-bench: --dtype must be one of/);
    await expect(exportCmd([BLOCK, '--format', 'tflite', '-o', join(root, 'x.onnx')])).rejects.toThrow(/^exit 2: .*extension/);
    await expect(exportCmd(['conv-s', '--resolution', '7'])).rejects.toThrow(/^exit 2: .*--resolution must be an integer/);
    await expect(exportCmd([BLOCK, '--format', 'tflite', '--onnx-opset', '20'])).rejects.toThrow(
      /^exit 2: .*--onnx-opset applies to --format onnx only/,
    );
    await expect(exportCmd(['conv-q'])).rejects.toThrow(/^exit 2: mnv4-bench: unknown model 'conv-q'/);
  });
});
