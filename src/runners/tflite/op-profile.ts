/**
 * TFLite's op-profiling tables, as `benchmark_model --enable_op_profiling=true` prints them and as tfjs-tflite's
 * `getProfilingSummary()` returns them (the same C++ code), parsed into rows, then into an OpProfile.
 *
 * Where the text comes from (TensorFlow sources):
 *  - tensorflow/core/util/stats_calculator.cc (later third_party/xla/.../tsl/util/stats_calculator.cc),
 *    `StatsCalculator::HeaderString` / `ColumnString`: a banner `==== <title> ====`, a header row, one row per
 *    node; every field is written as "\t" + right-aligned, fixed 3 decimals. Tables: "Run Order" (every node,
 *    in execution order), then "Top by Computation Time", optionally "Top by Memory Use" and "Summary by node
 *    type". Columns: `[node type] [start] [first] [avg ms] [%] [cdf%] [mem KB] [times called] [Name]`; newer
 *    builds (and the tfjs-tflite 0.0.1-alpha.10 WASM) have no `[start]`. With `format_as_csv` the header is
 *    `node type, first, avg_ms, %, cdf%, mem KB, times called, name` and fields are joined by ", " (newer
 *    builds turn commas inside the name into tabs). So columns are taken from the header, never by position.
 *  - `GetShortSummary`: `Timings (microseconds): <Stat>`, `Memory (bytes): <Stat>`, `<n> nodes observed`,
 *    where a Stat prints `count=0`, `count=N curr=X[(all same)]` or
 *    `count=N first=F curr=C min=m max=M avg=A std=S`.
 *  - tensorflow/lite/profiling/profile_summary_formatter.cc `GenerateReport` (profile_summarizer.cc before it):
 *    with several subgraphs, `Primary graph profile:` / `Subgraph (index: N) profile:` precede each one's
 *    tables; a `Delegate internal:` section follows with the delegate's own operators. Older builds instead
 *    list those operators in the main table with node type `DelegateOpInvoke` and names `Delegate/<op>:<k>`.
 *    Node names are `[<output tensor names>]:<node index>` (profile_summarizer.cc `GetOperatorDetails`).
 *  - tensorflow/lite/tools/benchmark/profiling_listener.cc `OnBenchmarkEnd`: benchmark_model prints
 *    `Profiling Info for Benchmark Initialization:` (init events: AllocateTensors, ModifyGraphWithDelegate...)
 *    before `Operator-wise Profiling Info for Regular Benchmark Runs:`; only the latter is the inference.
 *
 * Times: `avg ms` is a MEAN over every profiled invocation including the first (cold) one; a node's warm time is
 * (avg * times - first) / (times - 1) (TFLite prints no median).
 *
 * Blocks: builtin nodes map through their output tensor name (the exporter names tensors `<layer>` /
 * `<layer>/<suffix>`: blockOfNodeName). Delegate-internal operators carry no tensor names; they map to TFLite
 * operators only when both lists have the same length (XNNPACK creates its operators in TFLite node order, one
 * per delegated op, unless it fused or split ops): then the k-th delegate op is the k-th delegated TFLite op.
 * Otherwise their time stays in the 'unattributed' bucket, with a note.
 */
import { blockOfNodeName, type Graph } from '../../models/graph.js';
import type { TfliteModelSummary } from '../../models/export/tflite.js';
import { blockBreakdown } from '../op-profile.js';
import type { NodeTiming, OpProfile } from '../../core/measurement.js';

/** One row of a Run Order table. */
export interface TfliteProfileRow {
  nodeType: string;
  /** mean start offset in the run, ms (older builds only). */
  startMs?: number;
  firstMs: number;
  avgMs: number;
  timesCalled: number;
  /** name without the trailing `:<index>`. */
  name: string;
  /** the trailing index (node index, or delegate operator index); -1 when the name has none. */
  index: number;
}

/** A `Timings (microseconds): ...` statistic (one value per profiled run). */
export interface TfliteRunTimings {
  count: number;
  firstUs?: number;
  currUs?: number;
  minUs?: number;
  maxUs?: number;
  avgUs?: number;
  stdUs?: number;
}

/** The tables of one profile text. */
export interface TfliteProfileTables {
  /** Run Order of the primary graph (subgraph 0): the interpreter's nodes (delegate partitions, builtin ops). */
  nodes: TfliteProfileRow[];
  /** the delegate's own operators ("Delegate internal", or DelegateOpInvoke rows of older builds). */
  delegateInternal: TfliteProfileRow[];
  /** Run Order tables of further subgraphs (control flow), by subgraph index. */
  subgraphs: { index: number; nodes: TfliteProfileRow[] }[];
  /** the primary graph's run timings, when printed. */
  timings: TfliteRunTimings | null;
  delegateTimings: TfliteRunTimings | null;
  /** which column layout the header had. */
  layout: 'tab' | 'tab-with-start' | 'csv' | 'csv-with-start' | 'none';
}

/** Marker lines of benchmark_model's two profiling sections (profiling_listener.cc). */
export const INIT_SECTION = 'Profiling Info for Benchmark Initialization:';
export const RUN_SECTION = 'Operator-wise Profiling Info for Regular Benchmark Runs:';

const BANNER = /^=+\s*(.*?)\s*=+$/;
const COLUMN_KEYS: Record<string, keyof TfliteProfileRow | 'pct' | 'cdf' | 'mem'> = {
  'node type': 'nodeType',
  start: 'startMs',
  first: 'firstMs',
  'avg ms': 'avgMs',
  avg_ms: 'avgMs',
  '%': 'pct',
  'cdf%': 'cdf',
  'mem kb': 'mem',
  'times called': 'timesCalled',
  name: 'name',
};

interface Layout {
  csv: boolean;
  columns: string[];
}

function headerLayout(line: string): Layout | null {
  const csv = !line.includes('[');
  const cells = csv ? line.split(',') : line.split('\t');
  const columns = cells
    .map((c) =>
      c
        .trim()
        .replace(/^\[|\]$/g, '')
        .toLowerCase(),
    )
    .filter((c) => c !== '');
  if (columns[0] !== 'node type' || columns[columns.length - 1] !== 'name') return null;
  const mapped = columns.map((c) => COLUMN_KEYS[c]);
  if (mapped.some((k) => k === undefined)) return null;
  return { csv, columns: mapped as string[] };
}

function parseRow(line: string, layout: Layout): TfliteProfileRow | null {
  const n = layout.columns.length;
  let cells: string[];
  if (layout.csv) {
    // the name is last and may contain ", " itself (older builds): split off the first n-1 fields only.
    const parts = line.split(', ');
    if (parts.length < n) return null;
    cells = [...parts.slice(0, n - 1), parts.slice(n - 1).join(', ')];
  } else {
    const parts = line.split('\t');
    if (parts[0]?.trim() === '') parts.shift();
    if (parts.length < n) return null;
    cells = [...parts.slice(0, n - 1), parts.slice(n - 1).join('\t')];
  }
  const get = (key: string) => cells[layout.columns.indexOf(key)]?.trim();
  const num = (key: string) => Number(get(key)?.replace(/%$/, ''));
  const full = get('name') ?? '';
  const colon = full.lastIndexOf(':');
  const idx = colon >= 0 ? Number(full.slice(colon + 1)) : NaN;
  const row: TfliteProfileRow = {
    nodeType: get('nodeType') ?? '',
    firstMs: num('firstMs'),
    avgMs: num('avgMs'),
    timesCalled: num('timesCalled'),
    name: Number.isInteger(idx) ? full.slice(0, colon) : full,
    index: Number.isInteger(idx) ? idx : -1,
  };
  if (layout.columns.includes('startMs')) row.startMs = num('startMs');
  if (row.nodeType === '' || !Number.isFinite(row.firstMs) || !Number.isFinite(row.avgMs) || !Number.isInteger(row.timesCalled)) return null;
  return row;
}

/** Parses `count=N first=F curr=C min=m max=M avg=A std=S` (any subset, see the module comment). */
export function parseRunTimings(text: string): TfliteRunTimings | null {
  const fields = new Map<string, number>();
  for (const m of text.matchAll(/(\w+)=(-?[\d.]+(?:e[+-]?\d+)?)/gi)) fields.set((m[1] as string).toLowerCase(), Number(m[2]));
  const count = fields.get('count');
  if (count === undefined || !Number.isInteger(count)) return null;
  const t: TfliteRunTimings = { count };
  const keys = [
    ['first', 'firstUs'],
    ['curr', 'currUs'],
    ['min', 'minUs'],
    ['max', 'maxUs'],
    ['avg', 'avgUs'],
    ['std', 'stdUs'],
  ] as const;
  for (const [k, out] of keys) {
    const v = fields.get(k);
    if (v !== undefined && Number.isFinite(v)) t[out] = v;
  }
  // "count=N curr=X(all same)": every run took X.
  if (/\(all same\)/.test(text) && t.currUs !== undefined) {
    t.minUs = t.maxUs = t.avgUs = t.firstUs = t.currUs;
    t.stdUs = 0;
  }
  return t;
}

/** Provider name of a delegate kernel's node type: 'XNNPACK', 'GPU', 'NNAPI', else the node type itself. */
export function delegateProvider(nodeType: string): string {
  if (/xnn/i.test(nodeType)) return 'XNNPACK';
  if (/gpu/i.test(nodeType)) return 'GPU';
  if (/nnapi/i.test(nodeType)) return 'NNAPI';
  return nodeType;
}

/** Whether a node type names a delegate partition kernel (e.g. TfLiteXNNPackDelegate, TfLiteGpuDelegateV2). */
export function isDelegateNode(nodeType: string): boolean {
  return /Delegate/i.test(nodeType) && nodeType !== 'DelegateOpInvoke';
}

/**
 * Parses a profile text: tfjs-tflite's summary, or benchmark_model's whole output (then only the section
 * after "Operator-wise Profiling Info for Regular Benchmark Runs:" counts; initialisation tables are skipped).
 * Text without any table gives empty lists (the caller decides whether that is an error).
 */
export function parseTfliteOpProfile(text: string): TfliteProfileTables {
  const out: TfliteProfileTables = { nodes: [], delegateInternal: [], subgraphs: [], timings: null, delegateTimings: null, layout: 'none' };
  let lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const runAt = lines.findIndex((l) => l.includes(RUN_SECTION));
  if (runAt >= 0) lines = lines.slice(runAt + 1);
  else if (lines.some((l) => l.includes(INIT_SECTION))) lines = []; // initialisation only: no inference was profiled

  let part: { kind: 'graph'; index: number } | { kind: 'delegate' } = { kind: 'graph', index: 0 };
  let table: 'run-order' | 'other' | null = null;
  let layout: Layout | null = null;
  const seenRunOrder = new Set<string>();
  const target = (): TfliteProfileRow[] => {
    if (part.kind === 'delegate') return out.delegateInternal;
    if (part.index === 0) return out.nodes;
    const index = part.index;
    let sg = out.subgraphs.find((s) => s.index === index);
    if (!sg) out.subgraphs.push((sg = { index, nodes: [] }));
    return sg.nodes;
  };
  for (const line of lines) {
    const trimmed = line.trim();
    if (/^Delegate internal:/.test(trimmed)) {
      part = { kind: 'delegate' };
      table = null;
      continue;
    }
    const graphHeader = /^(?:Primary graph|Subgraph \(index: (\d+)\)) (?:profile|summary):$/.exec(trimmed);
    if (graphHeader) {
      part = { kind: 'graph', index: graphHeader[1] !== undefined ? Number(graphHeader[1]) : 0 };
      table = null;
      continue;
    }
    const timings = /^(?:Subgraph \(index: (\d+)\) )?Timings \(microseconds\): (.*)$/.exec(trimmed);
    if (timings) {
      const t = parseRunTimings(timings[2] ?? '');
      if (part.kind === 'delegate') out.delegateTimings ??= t;
      else if (timings[1] === undefined) out.timings ??= t;
      table = null;
      continue;
    }
    const banner = BANNER.exec(trimmed);
    if (banner) {
      const key = part.kind === 'delegate' ? 'delegate' : `graph${part.index}`;
      // one Run Order table per part: a repeated one (e.g. a second report) is ignored.
      table = banner[1] === 'Run Order' && !seenRunOrder.has(key) ? 'run-order' : 'other';
      if (table === 'run-order') seenRunOrder.add(key);
      layout = null;
      continue;
    }
    if (table !== 'run-order') continue;
    if (trimmed === '') {
      table = null;
      continue;
    }
    if (!layout) {
      layout = headerLayout(line);
      if (layout)
        out.layout = `${layout.csv ? 'csv' : 'tab'}${layout.columns.includes('startMs') ? '-with-start' : ''}` as TfliteProfileTables['layout'];
      else table = null; // not a table we know: skip it rather than guess columns
      continue;
    }
    const row = parseRow(line, layout);
    if (!row) continue;
    // older builds list the delegate's operators among the nodes (DelegateOpInvoke, `Delegate/<op>:<k>`).
    if (part.kind === 'graph' && (row.nodeType === 'DelegateOpInvoke' || row.name.startsWith('Delegate/'))) out.delegateInternal.push(row);
    else target().push(row);
  }
  return out;
}

/** Warm mean of a row in ms: the first (cold) invocation removed when there were at least two. */
export function warmMeanMs(r: TfliteProfileRow): number {
  if (r.timesCalled >= 2) return Math.max(0, (r.avgMs * r.timesCalled - r.firstMs) / (r.timesCalled - 1));
  return r.avgMs;
}

/** How much of the interpreter's nodes a delegate took (for fallback detection). */
export interface DelegateShare {
  delegateNodes: number;
  builtinNodes: number;
  /** node types of the builtin (not delegated) nodes, each once. */
  builtinOps: string[];
  /** share of the primary graph's node time spent in delegate kernels (warm means); null without times. */
  delegatedTimeShare: number | null;
}

/** Delegate vs builtin nodes of the primary graph. */
export function delegateShare(tables: TfliteProfileTables): DelegateShare {
  const del = tables.nodes.filter((r) => isDelegateNode(r.nodeType));
  const builtin = tables.nodes.filter((r) => !isDelegateNode(r.nodeType));
  const sum = (rows: TfliteProfileRow[]) => rows.reduce((s, r) => s + warmMeanMs(r), 0);
  const total = sum(tables.nodes);
  return {
    delegateNodes: del.length,
    builtinNodes: builtin.length,
    builtinOps: [...new Set(builtin.map((r) => r.nodeType))],
    delegatedTimeShare: total > 0 ? sum(del) / total : null,
  };
}

/**
 * Builds the OpProfile from the parsed tables.
 * @param summary the model file's structure (readTflite) for op -> output tensor names.
 * @param source e.g. 'tflite-profiling-summary' (tfjs-tflite) or 'tflite-benchmark_model-op-profiling'.
 * @param runMedianMs median wall time of a warm profiled run (null when unknown).
 */
export function buildTfliteProfile(
  tables: TfliteProfileTables,
  summary: TfliteModelSummary,
  graph: Graph,
  runs: number,
  runMedianMs: number | null,
  source = 'tflite-profiling-summary',
): OpProfile {
  const notes: string[] = [
    "node times are warm MEANS (TFLite prints no median): (avg x times - first) / (times - 1) from TFLite's profiling summary",
  ];
  const sg = summary.subgraphs[0];
  const ops = sg?.operators ?? [];
  const tensorName = (i: number | undefined) => (i !== undefined ? sg?.tensors[i]?.name : undefined);
  const nodes: NodeTiming[] = [];

  const delegateNodes = tables.nodes.filter((r) => isDelegateNode(r.nodeType));
  const builtinNodes = tables.nodes.filter((r) => !isDelegateNode(r.nodeType));
  const provider = delegateProvider(delegateNodes[0]?.nodeType ?? 'XNNPACK');
  for (const r of builtinNodes) {
    // node index = TFLite operator index for nodes of the original graph.
    const op = r.index >= 0 && r.index < ops.length ? ops[r.index] : undefined;
    const name = tensorName(op?.outputs[0]) ?? r.name;
    nodes.push({ name, op: op?.op ?? r.nodeType, provider: 'tflite-builtin', block: blockOfNodeName(name) ?? null, medianMs: warmMeanMs(r) });
  }

  if (tables.delegateInternal.length > 0) {
    // TFLite operators the delegate took = all operators minus the ones still listed as builtin nodes.
    const builtinIdx = new Set(builtinNodes.map((r) => r.index));
    const delegated = ops.filter((o) => !builtinIdx.has(o.index));
    const aligned = delegated.length === tables.delegateInternal.length;
    if (!aligned)
      notes.push(
        `${provider} ran ${tables.delegateInternal.length} internal operators for ${delegated.length} delegated TFLite operators (fused or split ops), so its operators cannot be matched to layers: their time is unattributed`,
      );
    tables.delegateInternal.forEach((r, k) => {
      const tfl = aligned ? delegated[k] : undefined;
      const name = tfl ? (tensorName(tfl.outputs[0]) ?? `${r.name}:${r.index}`) : `${r.name}:${r.index}`;
      const xnnOp = r.name.replace(/^Delegate\//, '');
      nodes.push({
        name,
        op: tfl ? `${tfl.op} [${xnnOp}]` : xnnOp,
        provider,
        block: tfl ? (blockOfNodeName(name) ?? null) : null,
        medianMs: warmMeanMs(r),
      });
    });
  } else {
    // no internal table: the delegate kernel itself is the finest grain available.
    for (const r of delegateNodes) nodes.push({ name: `${r.name}:${r.index}`, op: r.nodeType, provider, block: null, medianMs: warmMeanMs(r) });
    if (delegateNodes.length > 0) notes.push('the summary has no "Delegate internal" table: delegate time is reported as whole partitions');
  }

  const b = blockBreakdown(nodes, graph, 'no block of the workload claims them');
  const nodeSum = nodes.reduce((s, n) => s + n.medianMs, 0);
  return {
    source,
    runs,
    runMedianMs,
    nodes,
    blocks: b.blocks,
    unattributedMs: b.unattributedMs,
    coverage: runMedianMs !== null && runMedianMs > 0 ? nodeSum / runMedianMs : null,
    notes: [...notes, ...b.notes],
  };
}
