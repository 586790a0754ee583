/**
 * Workloads: what runs. A workload is a whole model, one block, or a search-space architecture, at a
 * resolution, lowered to a layer graph. This module parses the text forms the CLI accepts and gives every
 * workload a stable id.
 *
 * Text forms (see README "Workload references"):
 *   conv-m | model:conv-m                 a whole model (at --resolution or its native one)
 *   conv-m/b05 | block:conv-m/b05         block 5 of a model, with the input shape it has inside the model
 *   block:uib(a3,m5,s2,e4,o80,relu)@48x64x64
 *                                         a free-standing block on a [C x H x W] input (`@48x64` = square)
 *   arch:conv-m:5,4,4,...                 an architecture of a search space (src/models/search-space.ts)
 * Block text: see block-text.ts.
 */
import type { BlockSpec } from './spec.js';
import { blockText, parseBlockText, shapeText } from './block-text.js';
import { lowerBlocks, lowerModel, ModelSpecError, type Graph, type Shape } from './graph.js';
import { getModel } from './registry.js';
import { decodeArch } from './search-space.js';
import type { DType } from './cost.js';
import { checkBlockBounds, checkWorkloadFits } from './workload-limits.js';

export type WorkloadKind = 'model' | 'block' | 'arch';

export interface ResolvedWorkload {
  /** stable id, e.g. `model:conv-m@256`, `block:conv-m/b05@256`, `block:uib(a3,m5,s2,e4,o80,relu)@48x64x64`. */
  id: string;
  kind: WorkloadKind;
  graph: Graph;
  description: string;
  /** for whole models: which model, at which resolution, and its native one (where published figures apply). */
  model?: { id: string; resolution: number; nativeResolution: number };
}

function parseShape(text: string): Shape {
  const parts = text.split('x').map((p) => Number(p));
  const valid = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 4096;
  if (parts.length === 2 && parts.every(valid)) return [parts[0]!, parts[1]!, parts[1]!];
  if (parts.length === 3 && parts.every(valid)) return [parts[0]!, parts[1]!, parts[2]!];
  throw new ModelSpecError(`bad input shape '@${text}': expected @<C>x<H>x<W> or @<C>x<H>`);
}

/** A free-standing block on an input shape, as a graph whose single block has index 0. */
export function blockWorkload(spec: BlockSpec, inShape: Shape): ResolvedWorkload {
  checkBlockBounds(spec, inShape);
  const id = `block:${blockText(spec)}@${shapeText(inShape)}`;
  const graph = lowerBlocks(id, inShape, [{ stage: 'block', spec }]);
  return { id, kind: 'block', graph, description: `${spec.type} block on a ${shapeText(inShape)} input` };
}

export interface ResolveOptions {
  /** input resolution for models, model blocks and architectures (default: the model's native one). */
  resolution?: number;
  /** dtype the workload will be exported at, for the memory check (default fp32, the largest). */
  dtype?: DType;
  /** memory the workload must fit in (default: this machine's total memory; see workload-limits.ts). */
  availableMemoryBytes?: number;
}

/**
 * Resolves workload text (module comment) into a graph and checks that it can be exported and run in this
 * machine's memory; throws a ModelSpecError that says what is wrong.
 */
export function resolveWorkload(text: string, opts: ResolveOptions = {}): ResolvedWorkload {
  const w = resolveWorkloadText(text, opts);
  checkWorkloadFits(w.graph, opts.dtype ?? 'fp32', opts.availableMemoryBytes);
  return w;
}

function resolveWorkloadText(text: string, opts: ResolveOptions): ResolvedWorkload {
  const t = text.trim();
  if (t.startsWith('group:'))
    throw new ModelSpecError(`'${t}' is a workload group: run and bench expand it (device profiles too); here name one model, block or arch`);
  if (t.startsWith('arch:')) {
    const arch = decodeArch(t.slice('arch:'.length));
    const resolution = opts.resolution ?? arch.model.resolution;
    const graph = lowerModel(arch.model, resolution);
    const id = `arch:${arch.text}@${resolution}`;
    return {
      id,
      kind: 'arch',
      graph: { ...graph, id },
      description: `architecture ${arch.text} of search space ${arch.space.id} at ${resolution}x${resolution}`,
    };
  }
  const body = t.startsWith('block:') ? t.slice('block:'.length) : t.startsWith('model:') ? t.slice('model:'.length) : t;
  if (/^[a-z_]+\(/.test(body)) {
    if (!t.startsWith('block:')) throw new ModelSpecError(`a block spec needs the 'block:' prefix: block:${body}`);
    const at = body.lastIndexOf('@');
    if (at < 0) throw new ModelSpecError(`block '${body}' needs an input shape, e.g. ${body}@48x64x64`);
    return blockWorkload(parseBlockText(body.slice(0, at)), parseShape(body.slice(at + 1)));
  }
  const slash = body.indexOf('/');
  if (slash >= 0) {
    if (t.startsWith('model:')) throw new ModelSpecError(`'${t}' names a block: use block:${body}`);
    const model = getModel(body.slice(0, slash));
    const m = /^b?(\d+)$/.exec(body.slice(slash + 1));
    const resolution = opts.resolution ?? model.resolution;
    const full = lowerModel(model, resolution);
    const index = m ? Number(m[1]) : NaN;
    const info = full.blocks[index];
    if (!info) throw new ModelSpecError(`'${body}': ${model.id} has blocks b00..b${String(full.blocks.length - 1).padStart(2, '0')}`);
    const id = `block:${model.id}/${info.id}@${resolution}`;
    const graph = lowerBlocks(id, info.inShape, [{ stage: info.stage, spec: info.spec }], index);
    return { id, kind: 'block', graph, description: `${model.name} block ${info.id} (${blockText(info.spec)}) on ${shapeText(info.inShape)}` };
  }
  if (t.startsWith('block:')) throw new ModelSpecError(`bad block reference '${t}': use block:<model>/b<NN> or block:<spec>@<C>x<H>x<W>`);
  if (/^[\w+-]+:/.test(body)) throw new ModelSpecError(`'${t}' is not a workload; an architecture needs the 'arch:' prefix: arch:${body}`);
  const model = getModel(body);
  const resolution = opts.resolution ?? model.resolution;
  const graph = lowerModel(model, resolution);
  return {
    id: graph.id,
    kind: 'model',
    graph,
    description: `${model.name} at ${resolution}x${resolution}`,
    model: { id: model.id, resolution, nativeResolution: model.resolution },
  };
}
