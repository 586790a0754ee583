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
import { parseChoice, RunError, UsageError, parseResolutionFlag } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, seedOf, type SharedValues } from '../options.js';
import { exportText, type ExportInfo } from '../../report/export-text.js';
import { fsError, FsError, withFsErrorsSync } from '../../util/fs-errors.js';

type ExportOptions = SharedValues;

const EXT_FORMAT: Record<string, ExportFormat> = { '.onnx': 'onnx', '.tflite': 'tflite' };

/** Copies a file so that `dest` is either absent/old or complete (temporary name + rename). */
function copyAtomic(src: string, dest: string): void {
  withFsErrorsSync(dirname(dest), { doing: `create the folder of -o ${dest}`, expect: 'directory', flag: '-o' }, () =>
    mkdirSync(dirname(dest), { recursive: true }),
  );
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    copyFileSync(src, tmp);
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fsError(err, dest, { doing: `write -o ${dest}`, flag: '-o' });
  }
}

export function register(program: Command, { io }: CliContext): void {
  const cmd = program
    .command('export')
    .argument('<workload>', 'model (conv-m), block (conv-m/b05, block:uib(...)@CxHxW) or architecture (arch:conv-m:...)')
    .description('export a model, block or architecture as ONNX or TFLite (fp32, int8; fp16 for TFLite), through the export cache');
  addOptions(cmd, [
    ['format', { help: `file format (${EXPORT_FORMATS.join(', ')}); default: from the -o extension, else onnx` }],
    ['dtype', { help: 'fp32 | int8 (ONNX QDQ / TFLite full-integer) | fp16 (TFLite only)', default: 'fp32' }],
    ['resolution', { help: 'input resolution for models, model blocks and architectures (default: native)' }],
    ['output', { help: 'where to write the file (default: leave it in the cache and print its path)' }],
    ['seed', { help: 'weight seed (weights are deterministic, not trained)', default: '0' }],
    'onnxOpset',
    ['json', { help: 'print {path, sha256, bytes, format, dtype, workload, cached} as JSON' }],
  ]);
  cmd.action(async (text: string, opts: ExportOptions) => {
    const resolution = parseResolutionFlag(opts.resolution);
    const seed = seedOf(opts);
    const ext = opts.output ? extname(opts.output).toLowerCase() : '';
    const extFormat = EXT_FORMAT[ext];
    const format = opts.format !== undefined ? parseChoice<ExportFormat>('--format', opts.format, EXPORT_FORMATS) : (extFormat ?? 'onnx');
    if (extFormat && extFormat !== format)
      throw new UsageError(`-o ${opts.output} has a .${extFormat} extension but --format is ${format}: change one of them`);
    const dtype = parseChoice<ExportDtype>('--dtype', opts.dtype!, ['fp32', 'fp16', 'int8']);
    if (!FORMAT_DTYPES[format].includes(dtype))
      throw new UsageError(`--dtype ${dtype} is not available for ${format} (use ${FORMAT_DTYPES[format].join(' or ')})`);
    let onnxOpset: 17 | 20 | undefined;
    if (opts.onnxOpset !== undefined) {
      if (format !== 'onnx') throw new UsageError('--onnx-opset applies to --format onnx only');
      onnxOpset = parseChoice<'17' | '20'>('--onnx-opset', opts.onnxOpset, ['17', '20']) === '20' ? 20 : 17;
    }
    const workload = resolveWorkload(text, { dtype, ...(resolution !== undefined ? { resolution } : {}) });
    let res;
    try {
      res = await getExport(workload, { format, dtype, seed, ...(onnxOpset ? { onnxOpset } : {}) });
    } catch (err) {
      if (err instanceof ExportRequestError || err instanceof FsError) throw err; // bad request or cache folder: exit 2
      throw new RunError(`export of ${workload.id} as ${format} ${dtype} failed: ${(err as Error).message}`);
    }
    let path = res.path;
    if (opts.output) {
      path = resolve(opts.output);
      copyAtomic(res.path, path);
    }
    const info: ExportInfo = {
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
    io.out(`${exportText(info)}\n`);
  });
}
