/**
 * The layer graph: the one lowered form of a block, a model or a search-space architecture.
 *
 * Every consumer reads this: cost counting (cost.ts), the ONNX and TFLite exporters, the reference executor.
 * Tensors are batch-1, logically NCHW, written [channels, height, width]. A graph is a topologically sorted
 * list of layers; each layer reads named tensors and writes one.
 *
 * Naming convention (profilers map kernels back to blocks through it):
 *   block id  = `b<NN>_<type>`, NN = 2-digit position of the block in its model (e.g. `b05_uib`);
 *   layer     = `<block id>/<role>` (e.g. `b05_uib/expand`, `b20_mqa/attn`);
 *   tensor    = `<layer name>:out`; the graph input is `input`, the output is the last layer's tensor.
 * Exporters name nodes `<layer name>` or `<layer name>/<suffix>` when one layer becomes several nodes, so the
 * block of any node is the text before the first `/` (see blockOfNodeName).
 */
import type { Activation, BlockSpec, ModelSpec } from './spec.js';
import { makeDivisible } from './spec.js';
import { InputError } from '../errors.js';
import { lowerTable6Block } from './table6-blocks.js';

export type Shape = [c: number, h: number, w: number];

export type LayerOp =
  /** Conv2D with TF-SAME padding. `bn`: a BatchNorm follows in training (folded into weight+bias at
   * inference). `bias`: the conv has its own bias. groups == inCh == outCh for depthwise. */
  | { kind: 'conv'; kernel: number; stride: number; groups: number; inCh: number; outCh: number; bn: boolean; bias: boolean; act: Activation }
  /** standalone BatchNorm (MQA input norm): y = x * scale + shift per channel at inference. */
  | { kind: 'affine'; ch: number }
  /** layer scale: y = x * gamma per channel. */
  | { kind: 'scale'; ch: number; init: number }
  /** elementwise a + b (same shape). */
  | { kind: 'add' }
  /** a [C,H,W] * b [C,1,1] (squeeze-excite gating). */
  | { kind: 'mul' }
  /** standalone activation. */
  | { kind: 'act'; act: Activation }
  /** global average pool -> [C,1,1]. */
  | { kind: 'global_pool' }
  /** fully connected on a [C,1,1] input -> [outF,1,1], with bias. */
  | { kind: 'linear'; inF: number; outF: number; bias: boolean }
  /**
   * attention core. inputs: q [heads*keyDim, H, W], k [kvHeads*keyDim, h, w], v [kvHeads*valueDim, h, w].
   * kvHeads 1 (default): multi-query, one K/V head shared by all query heads; kvHeads == heads: standard
   * multi-head attention (head i reads K/V head i).
   * out[head*valueDim + d, y, x] = sum_m softmax_m(q_head(y,x) . k_kv(m) / sqrt(keyDim)) v_kv(d, m).
   */
  | { kind: 'attention'; heads: number; keyDim: number; valueDim: number; kvHeads?: number }
  /**
   * LayerNorm over the channels of every pixel (ConvNeXt's channels-first LayerNorm, or a LayerNorm of a
   * [C,1,1] vector): y = (x - mean_c x) / sqrt(var_c x + eps) * gamma[c] + beta[c], biased variance.
   */
  | { kind: 'layernorm'; ch: number; eps: number }
  /** channel concatenation of all inputs (same H, W), in input order. */
  | { kind: 'concat' }
  /**
   * ReLU linear attention (EfficientViT's LiteMLA core, Cai et al., ICCV 2023). Input [heads*3*dim, H, W]:
   * head h's channels are q, k, v (dim each) at h*3*dim. Per head, with q = relu(q), k = relu(k) over the
   * N = H*W tokens: out[d, n] = sum_j (sum_m v[d,m] k[j,m]) q[j,n] / (sum_j (sum_m k[j,m]) q[j,n] + eps).
   * Output [heads*dim, H, W], head h at h*dim.
   */
  | { kind: 'linear_attention'; heads: number; dim: number; eps: number }
  /** kxk average pool with stride k, TF-SAME padding, padded pixels not counted (NextViT's 2x2/2 patch embedding). */
  | { kind: 'avg_pool'; kernel: number }
  /**
   * average of each run of `kernel` consecutive tokens of the row-major H*W sequence -> [C, 1, floor(H*W/kernel)]
   * (NextViT E-MHSA's spatial reduction: an AvgPool1d over the flattened tokens, so runs cross row ends).
   */
  | { kind: 'token_pool'; kernel: number };

export type LayerKind = LayerOp['kind'];

export interface Layer {
  name: string;
  block: string;
  op: LayerOp;
  inputs: string[];
  output: string;
  inShapes: Shape[];
  outShape: Shape;
}

export interface BlockInfo {
  id: string;
  index: number;
  stage: string;
  spec: BlockSpec;
  inShape: Shape;
  outShape: Shape;
}

export interface Graph {
  /** workload id, e.g. `model:conv-m@256` or `block:uib(...)@14`. */
  id: string;
  inputShape: Shape;
  layers: Layer[];
  output: string;
  outputShape: Shape;
  blocks: BlockInfo[];
}

export const INPUT_TENSOR = 'input';

export class ModelSpecError extends InputError {
  override name = 'ModelSpecError';
}

/** Output size of a TF-SAME padded conv: ceil(in / stride). */
export function sameOutSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/** TF-SAME padding [begin, end] for one spatial axis (end gets the extra pixel). */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = sameOutSize(size, stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** The block that a node / layer / tensor name belongs to (text before the first `/`). */
export function blockOfNodeName(name: string): string | undefined {
  const i = name.indexOf('/');
  if (i <= 0) return undefined;
  const block = name.slice(0, i);
  return /^b\d{2,}_/.test(block) ? block : undefined;
}

export function blockId(index: number, type: string): string {
  return `b${String(index).padStart(2, '0')}_${type}`;
}

function outShapeOf(op: LayerOp, inShapes: Shape[], where: string): Shape {
  const a = inShapes[0];
  if (!a) throw new ModelSpecError(`${where}: layer has no input`);
  const [c, h, w] = a;
  switch (op.kind) {
    case 'conv': {
      if (c !== op.inCh) throw new ModelSpecError(`${where}: conv expects ${op.inCh} input channels, got ${c}`);
      if (op.inCh % op.groups !== 0 || op.outCh % op.groups !== 0) throw new ModelSpecError(`${where}: groups ${op.groups} do not divide channels`);
      return [op.outCh, sameOutSize(h, op.stride), sameOutSize(w, op.stride)];
    }
    case 'affine':
    case 'scale':
      if (c !== op.ch) throw new ModelSpecError(`${where}: expects ${op.ch} channels, got ${c}`);
      return [c, h, w];
    case 'act':
      return [c, h, w];
    case 'add': {
      const b = inShapes[1];
      if (!b || b.join() !== a.join()) throw new ModelSpecError(`${where}: add of unequal shapes ${a} and ${b}`);
      return [c, h, w];
    }
    case 'mul': {
      const b = inShapes[1];
      if (!b || b[0] !== c || b[1] !== 1 || b[2] !== 1) throw new ModelSpecError(`${where}: mul needs a [${c},1,1] gate`);
      return [c, h, w];
    }
    case 'global_pool':
      return [c, 1, 1];
    case 'linear':
      if (h !== 1 || w !== 1 || c !== op.inF) throw new ModelSpecError(`${where}: linear expects [${op.inF},1,1], got [${a}]`);
      return [op.outF, 1, 1];
    case 'layernorm':
      if (c !== op.ch) throw new ModelSpecError(`${where}: expects ${op.ch} channels, got ${c}`);
      return [c, h, w];
    case 'concat': {
      if (inShapes.length < 2) throw new ModelSpecError(`${where}: concat needs at least two inputs`);
      if (inShapes.some((s) => s[1] !== h || s[2] !== w)) throw new ModelSpecError(`${where}: concat of different spatial sizes`);
      return [inShapes.reduce((n, s) => n + s[0], 0), h, w];
    }
    case 'avg_pool':
      return [c, sameOutSize(h, op.kernel), sameOutSize(w, op.kernel)];
    case 'token_pool': {
      const m = Math.floor((h * w) / op.kernel);
      if (m < 1) throw new ModelSpecError(`${where}: ${h * w} tokens are fewer than the pool size ${op.kernel}`);
      return [c, 1, m];
    }
    case 'linear_attention':
      if (c !== op.heads * 3 * op.dim) throw new ModelSpecError(`${where}: linear attention expects ${op.heads * 3 * op.dim} channels, got ${c}`);
      return [op.heads * op.dim, h, w];
    case 'attention': {
      const k = inShapes[1];
      const v = inShapes[2];
      if (!k || !v) throw new ModelSpecError(`${where}: attention needs q, k, v`);
      const kvh = op.kvHeads ?? 1;
      if (kvh !== 1 && kvh !== op.heads) throw new ModelSpecError(`${where}: kvHeads must be 1 or heads (${op.heads}), got ${kvh}`);
      if (c !== op.heads * op.keyDim || k[0] !== kvh * op.keyDim || v[0] !== kvh * op.valueDim)
        throw new ModelSpecError(`${where}: attention channel mismatch`);
      if (k[1] !== v[1] || k[2] !== v[2]) throw new ModelSpecError(`${where}: key and value token grids differ`);
      return [op.heads * op.valueDim, h, w];
    }
  }
}

/** Builds a layer list with shape checking. */
export class GraphBuilder {
  readonly layers: Layer[] = [];
  private readonly shapes = new Map<string, Shape>();

  constructor(readonly inputShape: Shape) {
    this.shapes.set(INPUT_TENSOR, inputShape);
  }

  shapeOf(tensor: string): Shape {
    const s = this.shapes.get(tensor);
    if (!s) throw new ModelSpecError(`unknown tensor ${tensor}`);
    return s;
  }

  add(block: string, role: string, op: LayerOp, inputs: string[]): string {
    const name = `${block}/${role}`;
    const inShapes = inputs.map((t) => this.shapeOf(t));
    const outShape = outShapeOf(op, inShapes, name);
    const output = `${name}:out`;
    if (this.shapes.has(output)) throw new ModelSpecError(`duplicate layer name ${name}`);
    this.layers.push({ name, block, op, inputs, output, inShapes, outShape });
    this.shapes.set(output, outShape);
    return output;
  }

  conv(
    block: string,
    role: string,
    x: string,
    o: { kernel: number; stride?: number; outCh: number; act: Activation; depthwise?: boolean; bn?: boolean; bias?: boolean; groups?: number },
  ): string {
    const inCh = this.shapeOf(x)[0];
    const groups = o.depthwise ? inCh : (o.groups ?? 1);
    const outCh = o.depthwise ? inCh : o.outCh;
    return this.add(
      block,
      role,
      { kind: 'conv', kernel: o.kernel, stride: o.stride ?? 1, groups, inCh, outCh, bn: o.bn ?? true, bias: o.bias ?? false, act: o.act },
      [x],
    );
  }
}

/** Lowers one block onto the builder; returns the block's output tensor. */
export function lowerBlock(g: GraphBuilder, id: string, spec: BlockSpec, x: string): string {
  const [inCh, inH, inW] = g.shapeOf(x);
  switch (spec.type) {
    case 'conv_bn':
      return g.conv(id, 'conv', x, {
        kernel: spec.kernel,
        stride: spec.stride,
        outCh: spec.outCh,
        act: spec.act,
        depthwise: spec.depthwise,
        bn: spec.bn,
        bias: spec.bias,
        groups: spec.groups,
      });
    case 'fused_ib': {
      const exp = makeDivisible(inCh * spec.expandRatio, 8);
      let y = g.conv(id, 'fused', x, { kernel: spec.kernel, stride: spec.stride, outCh: exp, act: spec.act });
      y = g.conv(id, 'project', y, { kernel: 1, outCh: spec.outCh, act: 'none' });
      if (spec.stride === 1 && inCh === spec.outCh) y = g.add(id, 'add', { kind: 'add' }, [y, x]);
      return y;
    }
    case 'uib': {
      if (spec.stride > 1 && spec.startDw === 0 && spec.middleDw === 0)
        throw new ModelSpecError(`${id}: a strided UIB needs a start or middle depthwise conv`);
      const exp = makeDivisible(inCh * spec.expandRatio, 8);
      const startStride = spec.middleDw > 0 ? 1 : spec.stride;
      let y = x;
      if (spec.startDw > 0) y = g.conv(id, 'start_dw', y, { kernel: spec.startDw, stride: startStride, outCh: inCh, act: 'none', depthwise: true });
      y = g.conv(id, 'expand', y, { kernel: 1, outCh: exp, act: spec.act });
      if (spec.middleDw > 0)
        y = g.conv(id, 'middle_dw', y, { kernel: spec.middleDw, stride: spec.stride, outCh: exp, act: spec.act, depthwise: true });
      y = g.conv(id, 'project', y, { kernel: 1, outCh: spec.outCh, act: 'none' });
      if (spec.layerScale !== undefined) y = g.add(id, 'layer_scale', { kind: 'scale', ch: spec.outCh, init: spec.layerScale }, [y]);
      if (spec.stride === 1 && inCh === spec.outCh) y = g.add(id, 'add', { kind: 'add' }, [y, x]);
      return y;
    }
    case 'mqa': {
      const n = g.add(id, 'norm', { kind: 'affine', ch: inCh }, [x]);
      const q = g.conv(id, 'q', n, { kernel: 1, outCh: spec.heads * spec.keyDim, act: 'none', bn: false });
      let kIn = n;
      let vIn = n;
      if (spec.kvStride > 1) {
        kIn = g.conv(id, 'k_dw', n, { kernel: 3, stride: spec.kvStride, outCh: inCh, act: 'none', depthwise: true });
        vIn = g.conv(id, 'v_dw', n, { kernel: 3, stride: spec.kvStride, outCh: inCh, act: 'none', depthwise: true });
      }
      const k = g.conv(id, 'k', kIn, { kernel: 1, outCh: spec.keyDim, act: 'none', bn: false });
      const v = g.conv(id, 'v', vIn, { kernel: 1, outCh: spec.valueDim, act: 'none', bn: false });
      const a = g.add(id, 'attn', { kind: 'attention', heads: spec.heads, keyDim: spec.keyDim, valueDim: spec.valueDim }, [q, k, v]);
      let y = g.conv(id, 'out', a, { kernel: 1, outCh: inCh, act: 'none', bn: false });
      if (spec.layerScale !== undefined) y = g.add(id, 'layer_scale', { kind: 'scale', ch: inCh, init: spec.layerScale }, [y]);
      return g.add(id, 'add', { kind: 'add' }, [y, x]);
    }
    case 'inverted_residual': {
      let y = x;
      if (spec.expandedCh !== inCh) y = g.conv(id, 'expand', y, { kernel: 1, outCh: spec.expandedCh, act: spec.act });
      y = g.conv(id, 'dw', y, { kernel: spec.kernel, stride: spec.stride, outCh: spec.expandedCh, act: spec.act, depthwise: true });
      if (spec.seCh !== undefined) {
        const p = g.add(id, 'se_pool', { kind: 'global_pool' }, [y]);
        let s = g.conv(id, 'se_reduce', p, { kernel: 1, outCh: spec.seCh, act: 'relu', bn: false, bias: true });
        s = g.conv(id, 'se_expand', s, { kernel: 1, outCh: spec.expandedCh, act: 'hsigmoid', bn: false, bias: true });
        y = g.add(id, 'se_mul', { kind: 'mul' }, [y, s]);
      }
      y = g.conv(id, 'project', y, { kernel: 1, outCh: spec.outCh, act: 'none' });
      if (spec.stride === 1 && inCh === spec.outCh) y = g.add(id, 'add', { kind: 'add' }, [y, x]);
      return y;
    }
    case 'squeeze_excite': {
      const p = g.add(id, 'se_pool', { kind: 'global_pool' }, [x]);
      let s = g.conv(id, 'se_reduce', p, { kernel: 1, outCh: spec.seCh, act: 'relu', bn: false, bias: true });
      s = g.conv(id, 'se_expand', s, { kernel: 1, outCh: inCh, act: spec.gate, bn: false, bias: true });
      const y = g.add(id, 'se_mul', { kind: 'mul' }, [x, s]);
      return spec.act === 'none' ? y : g.add(id, 'act', { kind: 'act', act: spec.act }, [y]);
    }
    case 'global_pool':
      return g.add(id, 'pool', { kind: 'global_pool' }, [x]);
    case 'linear':
      if (inH !== 1 || inW !== 1) throw new ModelSpecError(`${id}: linear needs a pooled [C,1,1] input, got [${inCh},${inH},${inW}]`);
      return g.add(id, 'fc', { kind: 'linear', inF: inCh, outF: spec.outCh, bias: spec.bias ?? true }, [x]);
    case 'identity':
      return g.add(id, 'identity', { kind: 'scale', ch: inCh, init: 1 }, [x]);
    default:
      return lowerTable6Block(g, id, spec, x);
  }
}

/** Lowers a sequence of blocks (a whole model, a prefix, or a single block) into a graph. */
export function lowerBlocks(id: string, inputShape: Shape, blocks: { stage: string; spec: BlockSpec }[], firstIndex = 0): Graph {
  if (inputShape.some((d) => !Number.isInteger(d) || d < 1)) throw new ModelSpecError(`${id}: bad input shape [${inputShape}]`);
  const g = new GraphBuilder(inputShape);
  const infos: BlockInfo[] = [];
  let x = INPUT_TENSOR;
  blocks.forEach((b, i) => {
    const index = firstIndex + i;
    const bid = blockId(index, b.spec.type);
    const inShape = g.shapeOf(x);
    x = lowerBlock(g, bid, b.spec, x);
    infos.push({ id: bid, index, stage: b.stage, spec: b.spec, inShape, outShape: g.shapeOf(x) });
  });
  return { id, inputShape, layers: g.layers, output: x, outputShape: g.shapeOf(x), blocks: infos };
}

/** Smallest input side for which a model still has at least a 1x1 map at every stage. */
export const MIN_RESOLUTION = 32;
export const MAX_RESOLUTION = 2048;

/** Lowers a whole model at a resolution (default: the model's native one). */
export function lowerModel(model: ModelSpec, resolution = model.resolution): Graph {
  if (!Number.isInteger(resolution) || resolution < MIN_RESOLUTION || resolution > MAX_RESOLUTION) {
    throw new ModelSpecError(`resolution must be an integer from ${MIN_RESOLUTION} to ${MAX_RESOLUTION}, got ${resolution}`);
  }
  return lowerBlocks(`model:${model.id}@${resolution}`, [model.inChannels, resolution, resolution], model.blocks);
}
