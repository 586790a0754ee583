/**
 * Parses TFLite's profiling summary (`getProfilingSummary()` of tfjs-tflite, the same tables
 * benchmark_model prints) and turns it into an OpProfile.
 *
 * Format (tab separated, one table per "Run Order" banner):
 *   ============================== Run Order ==============================
 *   	 [node type]	 [first]	 [avg ms]	 [%]	 [cdf%]	 [mem KB]	[times called]	[Name]
 *   	 TfLiteXNNPackDelegate	 164.164	 26.291	100.000%	100.000%	 0.000	 10	[classificators, regressors]:164
 * The first Run Order table lists the interpreter's nodes: delegate kernels (one per delegated partition)
 * and builtin ops XNNPACK did not take, named `<output tensor>:<node index>`. After "Delegate internal:"
 * a second Run Order table lists XNNPACK's own operators, named `Delegate/<xnn op> (<layout>, <type>):<k>`.
 *
 * Times: `avg ms` is a MEAN over every profiled invocation including the first (cold) one; we remove the
 * first: (avg * times - first) / (times - 1), so a node's time is the warm mean (TFLite prints no median).
 *
 * Blocks: builtin nodes map through their output tensor name (the exporter names tensors `<layer>` /
 * `<layer>/<suffix>`: blockOfNodeName). XNNPACK's internal operators carry no names; they map to TFLite
 * operators only when both lists have the same length (XNNPACK creates its operators in TFLite node order,
 * one per delegated op, unless it fused or split ops): then the k-th XNNPACK op is the k-th delegated TFLite
 * op. Otherwise their time stays in the 'unattributed' bucket, with a note.
 */
import { blockOfNodeName, type Graph } from '../../models/graph.js';
import type { TfliteModelSummary } from '../../models/export/tflite.js';
import type { BlockTiming, NodeTiming, OpProfile } from '../types.js';

/** One row of a Run Order table. */
export interface TfliteProfileRow {
  nodeType: string;
  firstMs: number;
  avgMs: number;
  timesCalled: number;
  /** name without the trailing `:<index>`. */
  name: string;
  /** the trailing index (node index, or XNNPACK operator index). */
  index: number;
}

/** Both tables of a summary. */
export interface TfliteProfileTables {
  nodes: TfliteProfileRow[];
  delegateInternal: TfliteProfileRow[];
}

const BANNER = /^=+\s*(.*?)\s*=+$/;

function parseRow(line: string): TfliteProfileRow | null {
  const cells = line.split('\t').map((c) => c.trim()).filter((c) => c.length > 0);
  if (cells.length < 8) return null;
  const [nodeType, first, avg, , , , times, ...rest] = cells;
  const full = rest.join(' ');
  const colon = full.lastIndexOf(':');
  const idx = colon >= 0 ? Number(full.slice(colon + 1)) : NaN;
  const row: TfliteProfileRow = {
    nodeType: nodeType ?? '',
    firstMs: Number(first),
    avgMs: Number(avg),
    timesCalled: Number(times),
    name: colon >= 0 && Number.isInteger(idx) ? full.slice(0, colon) : full,
    index: Number.isInteger(idx) ? idx : -1,
  };
  if (!Number.isFinite(row.firstMs) || !Number.isFinite(row.avgMs) || !Number.isInteger(row.timesCalled)) return null;
  return row;
}

/** Parses the Run Order tables of a profiling summary (top-level nodes, then "Delegate internal"). */
export function parseTfliteSummary(text: string): TfliteProfileTables {
  const out: TfliteProfileTables = { nodes: [], delegateInternal: [] };
  let section: 'none' | 'nodes' | 'delegate' = 'none';
  let inDelegatePart = false;
  let seenRunOrder = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^Delegate internal:/.test(line.trim())) {
      inDelegatePart = true;
      section = 'none';
      continue;
    }
    const b = BANNER.exec(line.trim());
    if (b) {
      const title = b[1] ?? '';
      if (title === 'Run Order') {
        seenRunOrder++;
        section = inDelegatePart ? 'delegate' : seenRunOrder === 1 ? 'nodes' : 'none';
      } else {
        section = 'none';
      }
      continue;
    }
    if (section === 'none' || line.includes('[node type]')) continue;
    if (line.trim() === '') {
      section = 'none';
      continue;
    }
    const row = parseRow(line);
    if (row) (section === 'nodes' ? out.nodes : out.delegateInternal).push(row);
  }
  return out;
}

/** Warm mean of a row in ms: the first (cold) invocation removed when there were at least two. */
export function warmMeanMs(r: TfliteProfileRow): number {
  if (r.timesCalled >= 2) return Math.max(0, (r.avgMs * r.timesCalled - r.firstMs) / (r.timesCalled - 1));
  return r.avgMs;
}

/** Delegate kernel node types (top-level nodes whose time is detailed in "Delegate internal"). */
export function isDelegateNode(nodeType: string): boolean {
  return /Delegate/i.test(nodeType);
}

/**
 * Builds the OpProfile from the parsed tables.
 * @param summary the model file's structure (readTflite) for op -> output tensor names.
 * @param runMedianMs median wall time of a warm profiled run (null when unknown).
 */
export function buildTfliteProfile(tables: TfliteProfileTables, summary: TfliteModelSummary, graph: Graph, runs: number, runMedianMs: number | null): OpProfile {
  const notes: string[] = ['node times are warm MEANS (TFLite prints no median): (avg x times - first) / (times - 1) from TFLite\'s profiling summary'];
  const sg = summary.subgraphs[0];
  const ops = sg?.operators ?? [];
  const tensorName = (i: number | undefined) => (i !== undefined ? sg?.tensors[i]?.name : undefined);
  const nodes: NodeTiming[] = [];

  const delegateNodes = tables.nodes.filter((r) => isDelegateNode(r.nodeType));
  const builtinNodes = tables.nodes.filter((r) => !isDelegateNode(r.nodeType));
  for (const r of builtinNodes) {
    // node index = TFLite operator index for nodes of the original graph.
    const op = r.index >= 0 && r.index < ops.length ? ops[r.index] : undefined;
    const name = tensorName(op?.outputs[0]) ?? r.name;
    nodes.push({ name, op: op?.op ?? r.nodeType, provider: 'tflite-builtin', block: blockOfNodeName(name) ?? null, medianMs: warmMeanMs(r) });
  }

  if (tables.delegateInternal.length > 0) {
    // TFLite operators XNNPACK took = all operators minus the ones still listed as builtin nodes.
    const builtinIdx = new Set(builtinNodes.map((r) => r.index));
    const delegated = ops.filter((o) => !builtinIdx.has(o.index));
    const aligned = delegated.length === tables.delegateInternal.length;
    if (!aligned) notes.push(`XNNPACK ran ${tables.delegateInternal.length} internal operators for ${delegated.length} delegated TFLite operators (fused or split ops), so its operators cannot be matched to layers: their time is unattributed`);
    tables.delegateInternal.forEach((r, k) => {
      const tfl = aligned ? delegated[k] : undefined;
      const name = tfl ? (tensorName(tfl.outputs[0]) ?? `${r.name}:${r.index}`) : `${r.name}:${r.index}`;
      const xnnOp = r.name.replace(/^Delegate\//, '');
      nodes.push({ name, op: tfl ? `${tfl.op} [${xnnOp}]` : xnnOp, provider: 'XNNPACK', block: tfl ? (blockOfNodeName(name) ?? null) : null, medianMs: warmMeanMs(r) });
    });
  } else {
    // no internal table: the delegate kernel itself is the finest grain available.
    for (const r of delegateNodes) nodes.push({ name: `${r.name}:${r.index}`, op: r.nodeType, provider: 'XNNPACK', block: null, medianMs: warmMeanMs(r) });
    if (delegateNodes.length > 0) notes.push('the summary has no "Delegate internal" table: delegate time is reported as whole partitions');
  }

  const order = new Map(graph.blocks.map((b, i) => [b.id, i] as const));
  const byBlock = new Map<string, BlockTiming>();
  const unattributed: BlockTiming = { block: 'unattributed', ms: 0, nodes: 0, ops: {} };
  for (const n of nodes) {
    const known = n.block !== null && order.has(n.block);
    if (!known) n.block = null;
    const bt = known ? (byBlock.get(n.block as string) ?? { block: n.block as string, ms: 0, nodes: 0, ops: {} }) : unattributed;
    bt.ms += n.medianMs;
    bt.nodes++;
    bt.ops[n.op] = (bt.ops[n.op] ?? 0) + n.medianMs;
    if (known) byBlock.set(n.block as string, bt);
  }
  const blocks = [...byBlock.values()].sort((a, b) => (order.get(a.block) ?? 1e9) - (order.get(b.block) ?? 1e9));
  if (unattributed.nodes > 0) {
    blocks.push(unattributed);
    notes.push(`${unattributed.nodes} nodes (${unattributed.ms.toFixed(3)} ms) could not be mapped to a block of the workload`);
  }
  const nodeSum = nodes.reduce((s, n) => s + n.medianMs, 0);
  return {
    source: 'tflite-profiling-summary',
    runs,
    runMedianMs,
    nodes,
    blocks,
    unattributedMs: unattributed.ms,
    coverage: runMedianMs !== null && runMedianMs > 0 ? nodeSum / runMedianMs : null,
    notes,
  };
}
