/**
 * `mnv4-bench models`: the models with resolution, params and MACs; `--model X --blocks` prints the block
 * table of one model (shapes, MACs, params, bytes and arithmetic intensity per block).
 */
import type { Command } from 'commander';
import { blockCosts, graphCost, type DType, DTYPES } from '../../models/cost.js';
import { lowerModel } from '../../models/graph.js';
import { getModel, listModels } from '../../models/registry.js';
import { loadPublished, type PublishedCell } from '../../models/published.js';
import { blockText, shapeText } from '../../models/block-text.js';
import { undefinedTable6Models } from '../../models/table6-models.js';
import { fmt, markdownTable, textTable, type Column } from '../../report/table.js';
import { parseChoice, UsageError, parseResolutionFlag } from '../errors.js';
import type { CliContext } from '../io.js';

interface ModelsOptions {
  model?: string;
  blocks?: boolean;
  resolution?: string;
  dtype: string;
  json?: boolean;
  markdown?: boolean;
}

const cellValue = (c: PublishedCell | undefined): number | undefined => (c?.state === 'value' ? c.value : undefined);

/** One row per model: counted costs at a resolution, next to the published Table 6 figures (provenance 'published'). */
export function modelRows(resolution?: number) {
  const published = loadPublished();
  return listModels().map((m) => {
    const t6 = published.models.find((p) => p.id === m.id)?.table6;
    const res = resolution ?? m.resolution;
    const c = graphCost(lowerModel(m, res));
    return {
      id: m.id,
      name: m.name,
      family: m.family,
      resolution: res,
      nativeResolution: m.resolution,
      blocks: m.blocks.length,
      paramsTrain: c.paramsTrain,
      paramsInfer: c.paramsInfer,
      macs: c.macs,
      weightBytes: c.weightBytes,
      activationBytes: c.activationBytes,
      intensity: c.intensity,
      source: m.source,
      published: t6
        ? {
            provenance: 'published' as const,
            source: t6.top1.source,
            top1: cellValue(t6.top1),
            paramsM: cellValue(t6.params),
            macsG: cellValue(t6.macs),
          }
        : undefined,
    };
  });
}

export function blockRows(modelId: string, resolution?: number) {
  const m = getModel(modelId);
  const g = lowerModel(m, resolution ?? m.resolution);
  return blockCosts(g).map((b) => {
    const info = g.blocks[b.index]!;
    return { ...b, block: info.id, spec: blockText(info.spec), inShape: info.inShape, outShape: info.outShape };
  });
}

export function register(program: Command, { io }: CliContext): void {
  program
    .command('models')
    .description('list the models (params, MACs at a resolution) or, with --model X --blocks, one model block by block')
    .option('--model <id>', 'one model (e.g. conv-m)')
    .option('--blocks', 'with --model: print the block table')
    .option('--resolution <n>', "input resolution (default: each model's native one)")
    .option('--dtype <dtype>', `dtype for bytes and intensity (${DTYPES.join(', ')})`, 'int8')
    .option('--json', 'machine-readable output')
    .option('--markdown', 'Markdown table')
    .action((opts: ModelsOptions) => {
      const resolution = parseResolutionFlag(opts.resolution);
      const dtype = parseChoice<DType>('--dtype', opts.dtype, DTYPES);
      const table = opts.markdown ? markdownTable : textTable;
      if (opts.blocks && !opts.model) throw new UsageError('--blocks needs --model <id> (e.g. --model conv-m --blocks)');
      if (opts.model && opts.blocks) {
        const rows = blockRows(opts.model, resolution);
        if (opts.json) return void io.out(`${JSON.stringify(rows, null, 2)}\n`);
        const cols: Column[] = [
          { header: 'block' },
          { header: 'stage' },
          { header: 'spec' },
          { header: 'in' },
          { header: 'out' },
          { header: 'MMACs', right: true },
          { header: 'params(K)', right: true },
          { header: `weights ${dtype} (KB)`, right: true },
          { header: `acts ${dtype} (KB)`, right: true },
          { header: 'MACs/B', right: true },
        ];
        const body = rows.map((r) => [
          r.block,
          r.stage,
          r.spec,
          shapeText(r.inShape),
          shapeText(r.outShape),
          fmt(r.macs / 1e6, 2),
          fmt(r.paramsTrain / 1e3, 1),
          fmt(r.weightBytes[dtype] / 1024, 1),
          fmt(r.activationBytes[dtype] / 1024, 1),
          fmt(r.intensity[dtype], 1),
        ]);
        return void io.out(`${table(cols, body)}\n`);
      }
      let rows = modelRows(resolution);
      if (opts.model) {
        const m = getModel(opts.model);
        rows = rows.filter((r) => r.id === m.id);
      }
      if (opts.json) return void io.out(`${JSON.stringify(rows, null, 2)}\n`);
      const cols: Column[] = [
        { header: 'id' },
        { header: 'name' },
        { header: 'family' },
        { header: 'res', right: true },
        { header: 'params(M)', right: true },
        { header: 'GMACs', right: true },
        { header: `weights ${dtype} (MB)`, right: true },
        { header: `MACs/B ${dtype}`, right: true },
        { header: 'top-1 % (published)', right: true },
        { header: 'params M (published)', right: true },
        { header: 'GMACs (published)', right: true },
      ];
      const body = rows.map((r) => [
        r.id,
        r.name,
        r.family,
        String(r.resolution),
        fmt(r.paramsTrain / 1e6, 2),
        fmt(r.macs / 1e9, 3),
        fmt(r.weightBytes[dtype] / 2 ** 20, 2),
        fmt(r.intensity[dtype], 1),
        fmt(r.published?.top1, 1),
        fmt(r.published?.paramsM, 1),
        fmt(r.published?.macsG, 1),
      ]);
      io.out(`${table(cols, body)}\n`);
      io.out(
        'params and GMACs are counted from the definitions (training convention, see src/models/cost.ts); published figures: arXiv 2404.10518 Table 6.\n',
      );
      const missing = opts.model ? [] : undefinedTable6Models();
      if (missing.length > 0)
        io.out(`Table 6 models not defined in this version (published figures only): ${missing.map((m) => `${m.name} (${m.family})`).join(', ')}.\n`);
    });
}
