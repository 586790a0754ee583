/**
 * `mnv4-bench export <workload> --format onnx|tflite --dtype fp32|fp16|int8 [--resolution N] [-o FILE]`:
 * writes a model, block or search-space architecture as an ONNX or TFLite file. Files come from the
 * content-addressed export cache (src/models/export/cache.ts): a repeated export is a verified copy, not a
 * rebuild. Without -o the file stays in the cache and its path is printed.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { resolveWorkload } from '../../models/workload.js';
import { EXPORT_FORMATS, ExportRequestError, FORMAT_DTYPES, getExport, type ExportDtype, type ExportFormat } from '../../models/export/cache.js';
import { parseChoice, parseIntFlag, RunError, UsageError, parseResolutionFlag } from '../errors.js';
import type { CliContext } from '../io.js';

interface ExportOptions {
  format?: string;
  dtype: string;
  resolution?: string;
  output?: string;
  seed: string;
  onnxOpset?: string;
  json?: boolean;
}

const EXT_FORMAT: Record<string, ExportFormat> = { '.onnx': 'onnx', '.tflite': 'tflite' };

/** Copies a file so that `dest` is either absent/old or complete (temporary name + rename). */
function copyAtomic(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    copyFileSync(src, tmp);
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new RunError(`cannot write ${dest}: ${(err as Error).message}`);
  }
}

function human(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function register(program: Command, { io }: CliContext): void {
  program
    .command('export')
    .argument('<workload>', 'model (conv-m), block (conv-m/b05, block:uib(...)@CxHxW) or architecture (arch:conv-m:...)')
    .description('export a model, block or architecture as ONNX or TFLite (fp32, int8; fp16 for TFLite), through the export cache')
    .option('--format <format>', `file format (${EXPORT_FORMATS.join(', ')}); default: from the -o extension, else onnx`)
    .option('--dtype <dtype>', 'fp32 | int8 (ONNX QDQ / TFLite full-integer) | fp16 (TFLite only)', 'fp32')
    .option('--resolution <n>', 'input resolution for models, model blocks and architectures (default: native)')
    .option('-o, --output <file>', 'where to write the file (default: leave it in the cache and print its path)')
    .option('--seed <n>', 'weight seed (weights are deterministic, not trained)', '0')
    .option(
      '--onnx-opset <n>',
      'ONNX opset: 17 (default; GELU as Div/Erf/Add/Mul, passes the onnx 1.12 checker) or 20 (native Gelu: one kernel in int8 graphs)',
    )
    .option('--json', 'print {path, sha256, bytes, format, dtype, workload, cached} as JSON')
    .action(async (text: string, opts: ExportOptions) => {
      const resolution = parseResolutionFlag(opts.resolution);
      const seed = parseIntFlag('--seed', opts.seed, 0, 2 ** 31 - 1);
      const ext = opts.output ? extname(opts.output).toLowerCase() : '';
      const extFormat = EXT_FORMAT[ext];
      const format = opts.format !== undefined ? parseChoice<ExportFormat>('--format', opts.format, EXPORT_FORMATS) : (extFormat ?? 'onnx');
      if (extFormat && extFormat !== format)
        throw new UsageError(`-o ${opts.output} has a .${extFormat} extension but --format is ${format}: change one of them`);
      const dtype = parseChoice<ExportDtype>('--dtype', opts.dtype, ['fp32', 'fp16', 'int8']);
      if (!FORMAT_DTYPES[format].includes(dtype))
        throw new UsageError(`--dtype ${dtype} is not available for ${format} (use ${FORMAT_DTYPES[format].join(' or ')})`);
      let onnxOpset: 17 | 20 | undefined;
      if (opts.onnxOpset !== undefined) {
        if (format !== 'onnx') throw new UsageError('--onnx-opset applies to --format onnx only');
        onnxOpset = parseChoice<'17' | '20'>('--onnx-opset', opts.onnxOpset, ['17', '20']) === '20' ? 20 : 17;
      }
      const workload = resolveWorkload(text, resolution !== undefined ? { resolution } : {});
      let res;
      try {
        res = await getExport(workload, { format, dtype, seed, ...(onnxOpset ? { onnxOpset } : {}) });
      } catch (err) {
        if (err instanceof ExportRequestError) throw err; // bad request: exit 2
        throw new RunError(`export of ${workload.id} as ${format} ${dtype} failed: ${(err as Error).message}`);
      }
      let path = res.path;
      if (opts.output) {
        path = resolve(opts.output);
        copyAtomic(res.path, path);
      }
      const info = {
        path,
        sha256: res.sha256,
        bytes: res.bytes,
        format,
        dtype,
        workload: workload.id,
        cached: res.cached,
        cachePath: res.path,
        ...(res.rebuiltReason ? { rebuiltReason: res.rebuiltReason } : {}),
      };
      if (opts.json) {
        io.out(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const note = res.cached ? 'from cache' : res.rebuiltReason ? `rebuilt: ${res.rebuiltReason}` : 'built';
      io.out(`${path}\n  ${workload.id} ${format} ${dtype}, ${human(res.bytes)}, sha256 ${res.sha256} (${note})\n`);
    });
}
