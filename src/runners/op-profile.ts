/**
 * What every per-op profile shares once its nodes are timed: summing node times into the workload's blocks
 * (graph order), with an honest 'unattributed' bucket for nodes no block claims.
 */
import type { Graph } from '../models/graph.js';
import type { BlockTiming, NodeTiming } from '../core/measurement.js';

/** Node times summed per block, plus what could not be attributed. */
export interface BlockBreakdown {
  /** blocks in graph order, then the 'unattributed' bucket when it is not empty. */
  blocks: BlockTiming[];
  unattributedMs: number;
  notes: string[];
}

/**
 * Sums `nodes` into the blocks of `graph`. A node whose block is null, or names a block the graph does not
 * have, goes to 'unattributed' (never spread over blocks by guesswork); `why` words the note about them.
 */
export function blockBreakdown(nodes: readonly NodeTiming[], graph: Pick<Graph, 'blocks'>, why: string): BlockBreakdown {
  const order = new Map(graph.blocks.map((b, i) => [b.id, i] as const));
  const byBlock = new Map<string, BlockTiming>();
  const unattributed: BlockTiming = { block: 'unattributed', ms: 0, nodes: 0, ops: {} };
  const notes: string[] = [];
  for (const n of nodes) {
    const known = n.block !== null && order.has(n.block);
    if (n.block !== null && !known) notes.push(`node '${n.name}' names block ${n.block}, which the workload graph does not have`);
    let bt = unattributed;
    if (known) {
      const id = n.block as string;
      bt = byBlock.get(id) ?? { block: id, ms: 0, nodes: 0, ops: {} };
      byBlock.set(id, bt);
    }
    bt.ms += n.medianMs;
    bt.nodes++;
    bt.ops[n.op] = (bt.ops[n.op] ?? 0) + n.medianMs;
  }
  const blocks = [...byBlock.values()].sort((a, b) => (order.get(a.block) ?? Infinity) - (order.get(b.block) ?? Infinity));
  if (unattributed.nodes > 0) {
    blocks.push(unattributed);
    notes.push(`${unattributed.nodes} nodes (${unattributed.ms.toFixed(3)} ms) could not be mapped to a block (${why})`);
  }
  return { blocks, unattributedMs: unattributed.ms, notes };
}
