/**
 * The rows and tables of `mnv4-bench models`: every model's counted costs at a resolution next to the
 * published Table 6 figures (labelled `published`), and one model block by block (shapes, MACs, params,
 * bytes and arithmetic intensity per block).
 */
import { undefinedTable6Models } from '../models/table6-models.js';
import { blockCosts, graphCost, type DType } from '../models/cost.js';
import { lowerModel } from '../models/graph.js';
import { getModel, listModels } from '../models/registry.js';
import { loadPublished, type PublishedCell } from '../models/published.js';
import { blockText, shapeText } from '../models/block-text.js';
import { fmt, type Column } from './table.js';

/** textTable or markdownTable (src/report/table.ts). */
export type TableFn = (columns: readonly Column[], rows: readonly string[][]) => string;

/** The line under the models table: where the counts and the published figures come from. */
export const MODELS_FOOTNOTE =
  'params and GMACs are counted from the definitions (training convention, see src/models/cost.ts); published figures: arXiv 2404.10518 Table 6.';

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

/** The block table of one model (rows of blockRows) in `dtype`. */
export function blocksTable(rows: ReturnType<typeof blockRows>, dtype: DType, table: TableFn): string {
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
  return table(cols, body);
}

/** The models table (rows of modelRows) in `dtype`. */
export function modelsTable(rows: ReturnType<typeof modelRows>, dtype: DType, table: TableFn): string {
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
  return table(cols, body);
}

/** The Table 6 rows no definition covers yet (published figures only), or '' when every row is defined. */
export function undefinedTable6Line(): string {
  const missing = undefinedTable6Models();
  return missing.length === 0
    ? ''
    : `Table 6 models not defined in this version (published figures only): ${missing.map((m) => `${m.name} (${m.family})`).join(', ')}.\n`;
}
