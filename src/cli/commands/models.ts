/**
 * `mnv4-bench models`: the models with resolution, params and MACs; `--model X --blocks` prints the block
 * table of one model (shapes, MACs, params, bytes and arithmetic intensity per block).
 */
import type { Command } from 'commander';
import { type DType, DTYPES } from '../../models/cost.js';
import { getModel } from '../../models/registry.js';
import { blockRows, blocksTable, modelRows, modelsTable, MODELS_FOOTNOTE, undefinedTable6Line } from '../../report/models-text.js';
import { markdownTable, textTable } from '../../report/table.js';
import { parseChoice, UsageError, parseResolutionFlag } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, type SharedValues } from '../options.js';

type ModelsOptions = SharedValues & { model?: string };

export function register(program: Command, { io }: CliContext): void {
  const cmd = program
    .command('models')
    .description('list the models (params, MACs at a resolution) or, with --model X --blocks, one model block by block');
  addOptions(cmd, [
    'model',
    'blocks',
    ['resolution', { help: "input resolution (default: each model's native one)" }],
    ['dtype', { help: `dtype for bytes and intensity (${DTYPES.join(', ')})`, default: 'int8' }],
    ['json', { help: 'machine-readable output' }],
    'markdown',
  ]);
  cmd.action((opts: ModelsOptions) => {
    const resolution = parseResolutionFlag(opts.resolution);
    const dtype = parseChoice<DType>('--dtype', opts.dtype!, DTYPES);
    const table = opts.markdown ? markdownTable : textTable;
    if (opts.blocks && !opts.model) throw new UsageError('--blocks needs --model <id> (e.g. --model conv-m --blocks)');
    if (opts.model && opts.blocks) {
      const rows = blockRows(opts.model, resolution);
      if (opts.json) return void io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return void io.out(`${blocksTable(rows, dtype, table)}\n`);
    }
    let rows = modelRows(resolution);
    if (opts.model) {
      const m = getModel(opts.model);
      rows = rows.filter((r) => r.id === m.id);
    }
    if (opts.json) return void io.out(`${JSON.stringify(rows, null, 2)}\n`);
    io.out(`${modelsTable(rows, dtype, table)}\n${MODELS_FOOTNOTE}\n`);
    if (!opts.model) io.out(undefinedTable6Line());
  });
}
