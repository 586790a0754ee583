/**
 * Published facts about the models: MNv4 paper Table 6 (ImageNet-1k top-1, params, MACs and latency on seven
 * device columns) plus top-1 / params / MACs figures from other sources (timm, TF slim, the original papers).
 *
 * Data files (data/published/, the source beside every number):
 * - paper_table6.csv: a copy of shared/reference/paper_table6.csv (arXiv 2404.10518 Table 6). `#` lines are
 *   comments (kept as `comments`); cells are numbers, `Failed` (did not run) or `-` (not reported).
 * - figures.json: the id of every Table 6 row and of every model defined here, the family of each (with the
 *   paper and code that define it), per-number notes on Table 6, and other published figures, each with a
 *   source key.
 *
 * Every figure carries `provenance: 'published'` and its unit; a missing latency is an explicit `failed` or
 * `not_reported` cell, never NaN or 0. Nothing here is measured or simulated.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../paths.js';

export const PUBLISHED_SCHEMA = 'mnv4-bench/published-figures@1';
export const TABLE6_CITATION = 'Qin et al., MobileNetV4: Universal Models for the Mobile Ecosystem, ECCV 2024, arXiv 2404.10518, Table 6';

/** The seven latency columns of Table 6, in the paper's order. */
export const DEVICE_COLUMNS = ['pixel6_cpu', 'pixel8_edgetpu', 'iphone13_coreml', 'pixel4_hexagon', 'pixel7_gpu', 's23_cpu', 's23_gpu'] as const;
export type DeviceColumn = (typeof DEVICE_COLUMNS)[number];

export interface DeviceColumnInfo {
  id: DeviceColumn;
  /** the CSV column, e.g. `pixel6_cpu_ms`. */
  csvColumn: string;
  /** the paper's column header. */
  label: string;
  device: string;
  processor: string;
  runtime: string;
  precision: 'int8' | 'fp16';
}

/** What ran in each Table 6 column (arXiv 2404.10518 Sec. 7.1 and App. B). */
export const DEVICE_COLUMN_INFO: Readonly<Record<DeviceColumn, DeviceColumnInfo>> = {
  pixel6_cpu: {
    id: 'pixel6_cpu',
    csvColumn: 'pixel6_cpu_ms',
    label: 'Pixel 6 CPU',
    device: 'Google Pixel 6',
    processor: 'ARM Cortex CPU, fastest core',
    runtime: 'TFLite + XNNPACK',
    precision: 'int8',
  },
  pixel8_edgetpu: {
    id: 'pixel8_edgetpu',
    csvColumn: 'pixel8_edgetpu_ms',
    label: 'Pixel 8 EdgeTPU',
    device: 'Google Pixel 8',
    processor: 'Google EdgeTPU',
    runtime: 'TFLite',
    precision: 'int8',
  },
  iphone13_coreml: {
    id: 'iphone13_coreml',
    csvColumn: 'iphone13_coreml_ms',
    label: 'iPhone 13 CoreML',
    device: 'Apple iPhone 13 (iOS 16.6.1)',
    processor: 'Apple Neural Engine',
    runtime: 'CoreML MLProgram (coremltools 7.1)',
    precision: 'fp16',
  },
  pixel4_hexagon: {
    id: 'pixel4_hexagon',
    csvColumn: 'pixel4_hexagon_ms',
    label: 'Pixel 4 Hexagon',
    device: 'Google Pixel 4',
    processor: 'Qualcomm Hexagon DSP',
    runtime: 'TFLite',
    precision: 'int8',
  },
  pixel7_gpu: {
    id: 'pixel7_gpu',
    csvColumn: 'pixel7_gpu_ms',
    label: 'Pixel 7 GPU',
    device: 'Google Pixel 7',
    processor: 'ARM Mali GPU',
    runtime: 'TFLite GPU',
    precision: 'fp16',
  },
  s23_cpu: {
    id: 's23_cpu',
    csvColumn: 's23_cpu_ms',
    label: 'Samsung S23 CPU',
    device: 'Samsung Galaxy S23',
    processor: 'ARM Cortex CPU',
    runtime: 'TFLite + XNNPACK',
    precision: 'int8',
  },
  s23_gpu: {
    id: 's23_gpu',
    csvColumn: 's23_gpu_ms',
    label: 'Samsung S23 GPU',
    device: 'Samsung Galaxy S23',
    processor: 'Qualcomm Snapdragon (Adreno) GPU',
    runtime: 'TFLite GPU',
    precision: 'fp16',
  },
};

/** The CSV header Table 6 must have, in this order. */
export const TABLE6_COLUMNS = [
  'model',
  'top1_imagenet1k',
  'params_M',
  'macs_G',
  ...DEVICE_COLUMNS.map((d) => DEVICE_COLUMN_INFO[d].csvColumn),
] as const;

export type Unit = '%' | 'M' | 'G' | 'ms';

/** A published number. */
export interface PublishedValue {
  state: 'value';
  value: number;
  unit: Unit;
  provenance: 'published';
  source: string;
}

/** A published cell without a number: `failed` = the model did not run there; `not_reported` = no figure. */
export interface PublishedMissing {
  state: 'failed' | 'not_reported';
  unit: Unit;
  provenance: 'published';
  source: string;
}

export type PublishedCell = PublishedValue | PublishedMissing;

/** A per-number note on Table 6 (`column` = a device column, `top1`, `params`, `macs`, `name` or `*`). */
export interface Table6Note {
  column: string;
  note: string;
  source: string;
}

export interface Table6Row {
  /** the model name without markers (e.g. `FastViT-T8`). */
  name: string;
  /** the name cell as written (e.g. `FastViT-T8†`). */
  rawName: string;
  /** markers stripped from the name (e.g. `†`). */
  marks: string[];
  /** 1-based line in the CSV file. */
  line: number;
  top1: PublishedCell;
  params: PublishedCell;
  macs: PublishedCell;
  latency: Record<DeviceColumn, PublishedCell>;
  notes: Table6Note[];
}

export type FigureMetric = 'top1' | 'params' | 'macs';

/** A figure from a source other than Table 6. */
export interface PublishedFigure {
  metric: FigureMetric;
  value: number;
  unit: Unit;
  provenance: 'published';
  /** short key into `sources` (e.g. `timm-res`). */
  sourceKey: string;
  /** the full citation. */
  source: string;
  checkpoint?: string;
  /** input side the figure was measured at. */
  resolution?: number;
  /** classifier classes the count includes (1000 for timm/PyTorch, 1001 for TF slim). */
  classes?: number;
  note?: string;
}

export interface PublishedModel {
  /** the registry id for models defined here; a lower-case slug of the Table 6 name otherwise. */
  id: string;
  name: string;
  /** true when this project has a ModelSpec for it (checked against the registry by the tests). */
  defined: boolean;
  /** the family id (e.g. `mobilenet-v2`, `fastvit`); a defined model's ModelSpec.family is the same (tests). */
  family: string;
  /** the Table 6 row, when the model is in Table 6. */
  table6?: Table6Row;
  /** figures from other sources. */
  figures: PublishedFigure[];
}

/** A model family: its display name and the citation of the paper/code that defines it. */
export interface ModelFamilyInfo {
  id: string;
  name: string;
  source: string;
}

export interface PublishedData {
  schema: string;
  citation: string;
  /** the `#` comment lines of the CSV (what the numbers mean). */
  table6Comments: string[];
  /** source key -> citation. */
  sources: Readonly<Record<string, string>>;
  /** every family, in the order of figures.json. */
  families: ModelFamilyInfo[];
  models: PublishedModel[];
  byId: ReadonlyMap<string, PublishedModel>;
  /** notes that apply to every row (`model: "*"`). */
  generalNotes: Table6Note[];
}

/** Bad published data: says which file, line or entry and what is wrong. */
export class PublishedDataError extends Error {
  override name = 'PublishedDataError';
}

const UNIT_OF: Record<FigureMetric, Unit> = { top1: '%', params: 'M', macs: 'G' };

/** Splits one CSV line (no quoted fields are allowed in this file; a quote is an error). */
function splitCsvLine(text: string, file: string, line: number): string[] {
  if (text.includes('"')) throw new PublishedDataError(`${file}:${line}: quoted CSV fields are not supported; remove the quotes`);
  return text.split(',').map((c) => c.trim());
}

function parseCell(raw: string, unit: Unit, allowFailed: boolean, where: string, source: string): PublishedCell {
  if (raw === '-') return { state: 'not_reported', unit, provenance: 'published', source };
  if (raw === 'Failed') {
    if (!allowFailed) throw new PublishedDataError(`${where}: 'Failed' is only valid in a latency column`);
    return { state: 'failed', unit, provenance: 'published', source };
  }
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new PublishedDataError(`${where}: '${raw}' is not a number, 'Failed' or '-'`);
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new PublishedDataError(`${where}: '${raw}' must be a positive number`);
  return { state: 'value', value, unit, provenance: 'published', source };
}

/** Markers that Table 6 appends to some names (†: footnote missing from the available text). */
const NAME_MARKS = ['†', '*'];

function splitName(raw: string): { name: string; marks: string[] } {
  let name = raw;
  const marks: string[] = [];
  for (;;) {
    const mark = NAME_MARKS.find((m) => name.endsWith(m));
    if (!mark) break;
    marks.unshift(mark);
    name = name.slice(0, -mark.length).trim();
  }
  return { name, marks };
}

/**
 * Parses paper_table6.csv text. Throws PublishedDataError (with file:line) on a wrong header, a wrong number
 * of cells, a cell that is not a positive number / `Failed` / `-`, `Failed` outside a latency column, an empty
 * or duplicate model name.
 */
export function parseTable6Csv(text: string, file = 'paper_table6.csv', source = TABLE6_CITATION): { comments: string[]; rows: Table6Row[] } {
  const comments: string[] = [];
  const rows: Table6Row[] = [];
  let header: string[] | undefined;
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((lineText, i) => {
    const line = i + 1;
    const t = lineText.trim();
    if (t === '') return;
    if (t.startsWith('#')) {
      comments.push(t.replace(/^#\s?/, ''));
      return;
    }
    const cells = splitCsvLine(t, file, line);
    if (!header) {
      if (cells.join(',') !== TABLE6_COLUMNS.join(',')) {
        throw new PublishedDataError(`${file}:${line}: header must be '${TABLE6_COLUMNS.join(',')}', got '${cells.join(',')}'`);
      }
      header = cells;
      return;
    }
    if (cells.length !== TABLE6_COLUMNS.length) {
      throw new PublishedDataError(`${file}:${line}: expected ${TABLE6_COLUMNS.length} cells, got ${cells.length}`);
    }
    const rawName = cells[0] ?? '';
    const { name, marks } = splitName(rawName);
    if (name === '') throw new PublishedDataError(`${file}:${line}: empty model name`);
    if (seen.has(name)) throw new PublishedDataError(`${file}:${line}: duplicate model '${name}'`);
    seen.add(name);
    const cell = (col: number, unit: Unit, allowFailed: boolean): PublishedCell =>
      parseCell(cells[col] ?? '', unit, allowFailed, `${file}:${line} column ${TABLE6_COLUMNS[col]}`, source);
    const latency = {} as Record<DeviceColumn, PublishedCell>;
    DEVICE_COLUMNS.forEach((d, k) => {
      latency[d] = cell(4 + k, 'ms', true);
    });
    rows.push({ name, rawName, marks, line, top1: cell(1, '%', false), params: cell(2, 'M', false), macs: cell(3, 'G', false), latency, notes: [] });
  });
  if (!header) throw new PublishedDataError(`${file}: no header line; expected '${TABLE6_COLUMNS.join(',')}'`);
  if (rows.length === 0) throw new PublishedDataError(`${file}: no data rows`);
  return { comments, rows };
}

const FiguresFileSchema = z
  .object({
    schema: z.literal(PUBLISHED_SCHEMA),
    description: z.string(),
    sources: z.record(z.string(), z.string().min(1)),
    /** family id -> its name, the source key of the paper/code that defines it, and its model ids. */
    families: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
      z.object({ name: z.string().min(1), source: z.string().min(1), models: z.array(z.string().min(1)).min(1) }).strict(),
    ),
    models: z.array(
      z
        .object({
          id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
          name: z.string().min(1),
          table6: z.string().min(1).optional(),
          defined: z.boolean(),
        })
        .strict(),
    ),
    table6Notes: z.array(
      z.object({ model: z.string().min(1), column: z.string().min(1), note: z.string().min(1), source: z.string().min(1) }).strict(),
    ),
    figures: z.array(
      z
        .object({
          id: z.string().min(1),
          metric: z.enum(['top1', 'params', 'macs']),
          value: z.number().positive(),
          source: z.string().min(1),
          checkpoint: z.string().min(1).optional(),
          resolution: z.number().int().positive().optional(),
          classes: z.number().int().positive().optional(),
          note: z.string().min(1).optional(),
        })
        .strict(),
    ),
  })
  .strict();

export type FiguresFile = z.infer<typeof FiguresFileSchema>;

/** Validates figures.json content (already JSON-parsed). */
export function parseFiguresJson(json: unknown, file = 'figures.json'): FiguresFile {
  const r = FiguresFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue ? issue.path.join('.') : '';
    throw new PublishedDataError(
      `${file}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}${r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : ''}`,
    );
  }
  return r.data;
}

const TABLE6_NOTE_COLUMNS = new Set<string>(['*', 'name', 'top1', 'params', 'macs', ...DEVICE_COLUMNS]);

/** The families of figures.json: each model id in exactly one, every id a model of the file, every source known. */
function buildFamilies(
  figures: FiguresFile,
  sourceOf: (key: string, where: string) => string,
  file: string,
): { families: ModelFamilyInfo[]; familyOf: Map<string, string> } {
  const ids = new Set(figures.models.map((m) => m.id));
  const familyOf = new Map<string, string>();
  const families = Object.entries(figures.families).map(([id, f]) => {
    for (const model of f.models) {
      if (!ids.has(model)) throw new PublishedDataError(`${file}: family '${id}' lists model '${model}', which "models" does not have`);
      const other = familyOf.get(model);
      if (other !== undefined) throw new PublishedDataError(`${file}: model '${model}' is in two families ('${other}' and '${id}')`);
      familyOf.set(model, id);
    }
    return { id, name: f.name, source: sourceOf(f.source, `families.${id}`) };
  });
  const orphans = figures.models.filter((m) => !familyOf.has(m.id)).map((m) => m.id);
  if (orphans.length > 0) throw new PublishedDataError(`${file}: models in no family: ${orphans.join(', ')}; add each to a family's "models"`);
  return { families, familyOf };
}

/** Joins the parsed CSV and figures.json into per-model entries, checking that they agree. */
export function buildPublished(
  table6: { comments: string[]; rows: Table6Row[] },
  figures: FiguresFile,
  files = { csv: 'paper_table6.csv', json: 'figures.json' },
): PublishedData {
  const rowsByName = new Map(table6.rows.map((r) => [r.name, r]));
  const sourceOf = (key: string, where: string): string => {
    const s = figures.sources[key];
    if (!s) throw new PublishedDataError(`${files.json}: ${where} cites unknown source '${key}'; add it to "sources"`);
    return s;
  };
  const models: PublishedModel[] = [];
  const byId = new Map<string, PublishedModel>();
  const claimed = new Set<string>();
  for (const m of figures.models) {
    if (byId.has(m.id)) throw new PublishedDataError(`${files.json}: duplicate model id '${m.id}'`);
    let row: Table6Row | undefined;
    if (m.table6 !== undefined) {
      row = rowsByName.get(m.table6);
      if (!row) throw new PublishedDataError(`${files.json}: model '${m.id}' names Table 6 row '${m.table6}', which ${files.csv} does not have`);
      if (claimed.has(m.table6)) throw new PublishedDataError(`${files.json}: Table 6 row '${m.table6}' is claimed by two ids`);
      claimed.add(m.table6);
    }
    // the family is filled in below, once every id is known
    const entry: PublishedModel = {
      id: m.id,
      name: m.name,
      defined: m.defined,
      family: '',
      ...(row ? { table6: { ...row, notes: [] } } : {}),
      figures: [],
    };
    models.push(entry);
    byId.set(m.id, entry);
  }
  const unclaimed = table6.rows.filter((r) => !claimed.has(r.name)).map((r) => r.name);
  if (unclaimed.length > 0) throw new PublishedDataError(`${files.json}: Table 6 rows without an id: ${unclaimed.join(', ')}; add them to "models"`);
  const { families, familyOf } = buildFamilies(figures, sourceOf, files.json);
  for (const m of models) m.family = familyOf.get(m.id) ?? '';

  const byTable6Name = new Map(models.filter((m) => m.table6).map((m) => [m.table6?.name ?? '', m]));
  const generalNotes: Table6Note[] = [];
  figures.table6Notes.forEach((n, i) => {
    const where = `table6Notes[${i}]`;
    if (!TABLE6_NOTE_COLUMNS.has(n.column))
      throw new PublishedDataError(`${files.json}: ${where}: unknown column '${n.column}'; use one of ${[...TABLE6_NOTE_COLUMNS].join(', ')}`);
    const note: Table6Note = { column: n.column, note: n.note, source: sourceOf(n.source, where) };
    if (n.model === '*') {
      generalNotes.push(note);
      return;
    }
    const m = byTable6Name.get(n.model);
    if (!m?.table6) throw new PublishedDataError(`${files.json}: ${where}: no Table 6 row '${n.model}'`);
    m.table6.notes.push(note);
  });
  figures.figures.forEach((f, i) => {
    const where = `figures[${i}]`;
    const m = byId.get(f.id);
    if (!m) throw new PublishedDataError(`${files.json}: ${where}: unknown model id '${f.id}'`);
    if (f.metric === 'top1' && f.value > 100) throw new PublishedDataError(`${files.json}: ${where}: top-1 ${f.value} is over 100`);
    m.figures.push({
      metric: f.metric,
      value: f.value,
      unit: UNIT_OF[f.metric],
      provenance: 'published',
      sourceKey: f.source,
      source: sourceOf(f.source, where),
      ...(f.checkpoint !== undefined ? { checkpoint: f.checkpoint } : {}),
      ...(f.resolution !== undefined ? { resolution: f.resolution } : {}),
      ...(f.classes !== undefined ? { classes: f.classes } : {}),
      ...(f.note !== undefined ? { note: f.note } : {}),
    });
  });
  return {
    schema: figures.schema,
    citation: TABLE6_CITATION,
    table6Comments: table6.comments,
    sources: figures.sources,
    families,
    models,
    byId,
    generalNotes,
  };
}

/** The data/published directory of the package (works from src/ and from dist/src/). */
export function findPublishedDir(): string {
  const dir = join(packageRoot(), 'data', 'published');
  if (!existsSync(join(dir, 'paper_table6.csv')))
    throw new PublishedDataError(`missing ${join(dir, 'paper_table6.csv')}; the published data ships with mnv4-bench in data/published`);
  return dir;
}

let cached: PublishedData | undefined;

/** Loads and checks data/published (cached after the first call when `dir` is not given). */
export function loadPublished(dir?: string): PublishedData {
  if (!dir && cached) return cached;
  const base = dir ?? findPublishedDir();
  const csvPath = join(base, 'paper_table6.csv');
  const jsonPath = join(base, 'figures.json');
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new PublishedDataError(`cannot read ${p}: ${(e as Error).message}`);
    }
  };
  let json: unknown;
  try {
    json = JSON.parse(read(jsonPath));
  } catch (e) {
    if (e instanceof PublishedDataError) throw e;
    throw new PublishedDataError(`${jsonPath}: not valid JSON (${(e as Error).message})`);
  }
  const data = buildPublished(parseTable6Csv(read(csvPath), csvPath), parseFiguresJson(json, jsonPath), { csv: csvPath, json: jsonPath });
  if (!dir) cached = data;
  return data;
}

/** The published entry of a model id (or a Table 6 name, case-insensitive). */
export function getPublished(idOrName: string, data = loadPublished()): PublishedModel {
  const key = idOrName.trim().toLowerCase();
  const m = data.byId.get(key) ?? data.models.find((x) => x.name.toLowerCase() === key || x.table6?.name.toLowerCase() === key);
  if (!m) throw new PublishedDataError(`no published data for '${idOrName}'; known: ${data.models.map((x) => x.id).join(', ')}`);
  return m;
}

/** One Table 6 column for charts: every Table 6 row in paper order with its cell on that device column. */
export function table6Column(column: DeviceColumn, data = loadPublished()): { id: string; name: string; defined: boolean; cell: PublishedCell }[] {
  return data.models
    .flatMap((m) => (m.table6 ? [{ id: m.id, name: m.name, defined: m.defined, line: m.table6.line, cell: m.table6.latency[column] }] : []))
    .sort((a, b) => a.line - b.line)
    .map(({ line: _line, ...rest }) => rest);
}

/** The Table 6 latency cell of a model on a device column (undefined when the model is not in Table 6). */
export function publishedLatency(idOrName: string, column: DeviceColumn, data = loadPublished()): PublishedCell | undefined {
  return getPublished(idOrName, data).table6?.latency[column];
}
