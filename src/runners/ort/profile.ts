/**
 * ONNX Runtime profiler output (Chrome trace JSON array), shared by ort-cpu and ort-wasm.
 *
 * Events used:
 *  - `{cat: 'Session', name: 'model_run', ts, dur}`: one per `run()` (µs);
 *  - `{cat: 'Node', name: '<node name>_kernel_time', ts, dur, args: {op_name, provider}}`: one per kernel per run.
 * Kernel events are assigned to the model_run window that contains them (by ts), the first `skipRuns` runs
 * are dropped (cold), and each node's time is the median over the remaining runs.
 *
 * Blocks: node names follow the exporter's convention (`b05_uib/expand`, `b05_uib/expand/act`); names
 * created by graph rewrites at level 'all' are derived from output tensors (`b05_uib/expand:out_nchwc`)
 * and still map; the one tensor without a block prefix is the graph output, which the ONNX exporter names
 * `output` (`output_nchwc`): it belongs to the block of the graph's last layer. Nodes the optimiser invents
 * (`ReorderInput`, `ReorderOutput`...) have no block: their time goes to the 'unattributed' bucket,
 * reported, never spread over blocks by guesswork.
 */
import { blockOfNodeName, type Graph } from '../../models/graph.js';
import { median } from '../../util/median.js';
import { blockBreakdown } from '../op-profile.js';
import type { BackendShare, NodeTiming, OpProfile } from '../../core/measurement.js';

/** One Chrome-trace event as ORT writes it (fields we read). */
export interface OrtTraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string; [k: string]: unknown };
}

const KERNEL_SUFFIX = '_kernel_time';
/** Name the ONNX exporter gives the graph output tensor (src/models/export/onnx.ts). */
const GRAPH_OUTPUT_TENSOR = 'output';

/** Block of a profiler node name, or null (see the module comment). */
function attributeNode(name: string, graph: Pick<Graph, 'layers'>): string | null {
  const direct = blockOfNodeName(name);
  if (direct) return direct;
  const base = name.replace(/_nchwc$/, '');
  if (base === GRAPH_OUTPUT_TENSOR) return graph.layers?.[graph.layers.length - 1]?.block ?? null;
  return null;
}

/** Parses profiler JSON text (array of events); throws with a clear message on anything else. */
export function parseOrtTrace(text: string): OrtTraceEvent[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`ORT profiler output is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(j)) throw new Error('ORT profiler output is not a JSON array of trace events');
  return j.filter(
    (e): e is OrtTraceEvent =>
      typeof e === 'object' && e !== null && typeof (e as OrtTraceEvent).name === 'string' && typeof (e as OrtTraceEvent).dur === 'number',
  );
}

/** Counts of kernel events per provider (all runs, including skipped ones). */
export function providerCounts(events: readonly OrtTraceEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith(KERNEL_SUFFIX)) continue;
    const p = e.args?.provider ?? '(none)';
    out[p] = (out[p] ?? 0) + 1;
  }
  return out;
}

/**
 * The share of the graph on `requested`: distinct kernel nodes per provider (a node is counted once however
 * many runs were profiled) and the share of kernel time over all profiled runs.
 */
export function ortBackendShare(events: readonly OrtTraceEvent[], requested: string, source: string): BackendShare {
  const providerOf = new Map<string, string>();
  const timeOf: Record<string, number> = {};
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith(KERNEL_SUFFIX)) continue;
    const p = e.args?.provider ?? '(none)';
    providerOf.set(e.name, p);
    timeOf[p] = (timeOf[p] ?? 0) + e.dur;
  }
  const nodes: Record<string, number> = {};
  for (const p of providerOf.values()) nodes[p] = (nodes[p] ?? 0) + 1;
  const total = providerOf.size;
  const onRequested = nodes[requested] ?? 0;
  const allTime = Object.values(timeOf).reduce((a, b) => a + b, 0);
  return {
    requested,
    onRequested,
    total,
    nodeShare: total > 0 ? onRequested / total : 0,
    timeShare: allTime > 0 ? (timeOf[requested] ?? 0) / allTime : null,
    others: Object.fromEntries(Object.entries(nodes).filter(([p]) => p !== requested)),
    source,
  };
}

/** Whether any kernel event reports a thread pool with sub-threads doing work (evidence of intra-op threads). */
export function usedSubThreads(events: readonly OrtTraceEvent[]): boolean {
  for (const e of events) {
    const st = e.args?.thread_scheduling_stats;
    if (st && typeof st === 'object' && 'sub_threads' in st) {
      const sub = (st as { sub_threads: Record<string, { num_run?: number }> }).sub_threads;
      if (Object.values(sub).some((t) => (t.num_run ?? 0) > 0)) return true;
    }
  }
  return false;
}

/**
 * Builds the per-node / per-block profile from trace events.
 * @param skipRuns runs to drop at the start (cold runs of the profiling session).
 */
export function buildOrtProfile(events: readonly OrtTraceEvent[], graph: Graph, opts: { source: string; skipRuns: number }): OpProfile {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const kept = runs.slice(opts.skipRuns);
  const notes: string[] = [];
  if (kept.length === 0) throw new Error(`ORT profile has ${runs.length} model_run events; need more than ${opts.skipRuns}`);
  // per node: time per kept run (a node can, in principle, run twice in one run: summed).
  const perNode = new Map<string, { op: string; provider?: string; perRun: Map<number, number> }>();
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith(KERNEL_SUFFIX));
  let outside = 0;
  for (const e of kernels) {
    const r = kept.findIndex((m) => e.ts >= m.ts && e.ts + e.dur <= m.ts + m.dur + 1);
    if (r < 0) {
      if (!runs.slice(0, opts.skipRuns).some((m) => e.ts >= m.ts && e.ts <= m.ts + m.dur + 1)) outside++;
      continue;
    }
    const name = e.name.slice(0, -KERNEL_SUFFIX.length);
    let rec = perNode.get(name);
    if (!rec) {
      rec = { op: e.args?.op_name ?? '?', provider: e.args?.provider, perRun: new Map() };
      perNode.set(name, rec);
    }
    rec.perRun.set(r, (rec.perRun.get(r) ?? 0) + e.dur);
  }
  if (outside > 0) notes.push(`${outside} kernel events fell outside every model_run window and were ignored`);
  const nodes: NodeTiming[] = [];
  for (const [name, rec] of perNode) {
    // a node absent in some run counts 0 there (e.g. a conditional kernel).
    const vals = kept.map((_, i) => rec.perRun.get(i) ?? 0);
    const t: NodeTiming = { name, op: rec.op, block: attributeNode(name, graph), medianMs: median(vals) / 1000 };
    if (rec.provider !== undefined) t.provider = rec.provider;
    nodes.push(t);
  }
  const { blocks, unattributedMs, notes: blockNotes } = blockBreakdown(nodes, graph, 'optimiser-created or renamed nodes');
  notes.push(...blockNotes);
  const runMedianMs = median(kept.map((m) => m.dur)) / 1000;
  const nodeSum = nodes.reduce((s, n) => s + n.medianMs, 0);
  return {
    source: opts.source,
    runs: kept.length,
    runMedianMs,
    nodes,
    blocks,
    unattributedMs,
    coverage: runMedianMs > 0 ? nodeSum / runMedianMs : null,
    notes,
  };
}
