/**
 * The five MobileNetV4 models, block by block, as in the TF official code and timm (they agree block by block;
 * see ../shared/reference/mnv4_arch.json, whose `blocks` lists were transcribed here). Where the paper's
 * Appendix tables differ from the code, the code is followed and the paper variant is kept as a named
 * alternative (`hybrid-m-paper`, Table 13 order).
 *
 * Activation: ReLU everywhere except Hybrid-L (GELU everywhere, incl. stem and head). Layer scale (init 1e-5)
 * on every UIB and MQA block of the hybrids. Classifier: 1000 classes (timm; the TF configs use 1001).
 * Head: 1x1 conv_bn to 960, global average pool, 1x1 conv (no bias) + BN + act to 1280, linear to 1000.
 */
import type { Activation, BlockSpec, ModelSpec, PlacedBlock } from './spec.js';

type Row = [stage: string, block: (act: Activation, layerScale: number | undefined) => BlockSpec];

const convBn =
  (kernel: number, stride: number, outCh: number) =>
  (act: Activation): BlockSpec => ({ type: 'conv_bn', kernel, stride, outCh, act });
const fusedIB =
  (kernel: number, stride: number, expandRatio: number, outCh: number) =>
  (act: Activation): BlockSpec => ({ type: 'fused_ib', kernel, stride, expandRatio, outCh, act });
/** uib(startDw, middleDw, stride, expandRatio, outCh); a kernel of 0 = that depthwise conv is absent. */
const uib =
  (startDw: number, middleDw: number, stride: number, expandRatio: number, outCh: number) =>
  (act: Activation, layerScale: number | undefined): BlockSpec => ({
    type: 'uib',
    startDw,
    middleDw,
    stride,
    expandRatio,
    outCh,
    act,
    ...(layerScale !== undefined ? { layerScale } : {}),
  });
/** mqa(heads, keyDim = valueDim, kvStride). */
const mqa =
  (heads: number, keyDim: number, kvStride: number) =>
  (_act: Activation, layerScale: number | undefined): BlockSpec => ({
    type: 'mqa',
    heads,
    keyDim,
    valueDim: keyDim,
    kvStride,
    ...(layerScale !== undefined ? { layerScale } : {}),
  });
const pool = () => (): BlockSpec => ({ type: 'global_pool' });
const linear = (outCh: number) => (): BlockSpec => ({ type: 'linear', outCh });

const SOURCE =
  'tensorflow/models official/vision/modeling/backbones/mobilenet.py and timm mobilenetv3.py _gen_mobilenet_v4 (identical block lists), via shared/reference/mnv4_arch.json';

function build(
  id: string,
  name: string,
  resolution: number,
  act: Activation,
  layerScale: number | undefined,
  rows: Row[],
  source = SOURCE,
): ModelSpec {
  const blocks: PlacedBlock[] = rows.map(([stage, make]) => ({ stage, spec: make(act, layerScale) }));
  return { id, name, family: 'mnv4', inChannels: 3, resolution, blocks, source };
}

/** Paper Table 11 lists the two stage-1/2 rows as FusedIB; the code builds each as two conv_bn layers (ReLU after the 1x1). */
export const MNV4_CONV_S = build('conv-s', 'MNv4-Conv-S', 224, 'relu', undefined, [
  ['stem', convBn(3, 2, 32)],
  ['1', convBn(3, 2, 32)],
  ['1', convBn(1, 1, 32)],
  ['2', convBn(3, 2, 96)],
  ['2', convBn(1, 1, 64)],
  ['3', uib(5, 5, 2, 3, 96)],
  ['3', uib(0, 3, 1, 2, 96)],
  ['3', uib(0, 3, 1, 2, 96)],
  ['3', uib(0, 3, 1, 2, 96)],
  ['3', uib(0, 3, 1, 2, 96)],
  ['3', uib(3, 0, 1, 4, 96)],
  ['4', uib(3, 3, 2, 6, 128)],
  ['4', uib(5, 5, 1, 4, 128)],
  ['4', uib(0, 5, 1, 4, 128)],
  ['4', uib(0, 5, 1, 3, 128)],
  ['4', uib(0, 3, 1, 4, 128)],
  ['4', uib(0, 3, 1, 4, 128)],
  ['head', convBn(1, 1, 960)],
  ['head', pool()],
  ['head', convBn(1, 1, 1280)],
  ['classifier', linear(1000)],
]);

export const MNV4_CONV_M = build('conv-m', 'MNv4-Conv-M', 256, 'relu', undefined, [
  ['stem', convBn(3, 2, 32)],
  ['1', fusedIB(3, 2, 4, 48)],
  ['2', uib(3, 5, 2, 4, 80)],
  ['2', uib(3, 3, 1, 2, 80)],
  ['3', uib(3, 5, 2, 6, 160)],
  ['3', uib(3, 3, 1, 4, 160)],
  ['3', uib(3, 3, 1, 4, 160)],
  ['3', uib(3, 5, 1, 4, 160)],
  ['3', uib(3, 3, 1, 4, 160)],
  ['3', uib(3, 0, 1, 4, 160)],
  ['3', uib(0, 0, 1, 2, 160)],
  ['3', uib(3, 0, 1, 4, 160)],
  ['4', uib(5, 5, 2, 6, 256)],
  ['4', uib(5, 5, 1, 4, 256)],
  ['4', uib(3, 5, 1, 4, 256)],
  ['4', uib(3, 5, 1, 4, 256)],
  ['4', uib(0, 0, 1, 4, 256)],
  ['4', uib(3, 0, 1, 4, 256)],
  ['4', uib(3, 5, 1, 2, 256)],
  ['4', uib(5, 5, 1, 4, 256)],
  ['4', uib(0, 0, 1, 4, 256)],
  ['4', uib(0, 0, 1, 4, 256)],
  ['4', uib(5, 0, 1, 2, 256)],
  ['head', convBn(1, 1, 960)],
  ['head', pool()],
  ['head', convBn(1, 1, 1280)],
  ['classifier', linear(1000)],
]);

export const MNV4_CONV_L = build('conv-l', 'MNv4-Conv-L', 384, 'relu', undefined, [
  ['stem', convBn(3, 2, 24)],
  ['1', fusedIB(3, 2, 4, 48)],
  ['2', uib(3, 5, 2, 4, 96)],
  ['2', uib(3, 3, 1, 4, 96)],
  ['3', uib(3, 5, 2, 4, 192)],
  ['3', uib(3, 3, 1, 4, 192)],
  ['3', uib(3, 3, 1, 4, 192)],
  ['3', uib(3, 3, 1, 4, 192)],
  ['3', uib(3, 5, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', uib(3, 0, 1, 4, 192)],
  ['4', uib(5, 5, 2, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 3, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 3, 1, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['head', convBn(1, 1, 960)],
  ['head', pool()],
  ['head', convBn(1, 1, 1280)],
  ['classifier', linear(1000)],
]);

/** Hybrid-M as in the TF/timm code. */
const HYBRID_M_ROWS: Row[] = [
  ['stem', convBn(3, 2, 32)],
  ['1', fusedIB(3, 2, 4, 48)],
  ['2', uib(3, 5, 2, 4, 80)],
  ['2', uib(3, 3, 1, 2, 80)],
  ['3', uib(3, 5, 2, 6, 160)],
  ['3', uib(0, 0, 1, 2, 160)],
  ['3', uib(3, 3, 1, 4, 160)],
  ['3', uib(3, 5, 1, 4, 160)],
  ['3', mqa(4, 64, 2)],
  ['3', uib(3, 3, 1, 4, 160)],
  ['3', mqa(4, 64, 2)],
  ['3', uib(3, 0, 1, 4, 160)],
  ['3', mqa(4, 64, 2)],
  ['3', uib(3, 3, 1, 4, 160)],
  ['3', mqa(4, 64, 2)],
  ['3', uib(3, 0, 1, 4, 160)],
  ['4', uib(5, 5, 2, 6, 256)],
  ['4', uib(5, 5, 1, 4, 256)],
  ['4', uib(3, 5, 1, 4, 256)],
  ['4', uib(3, 5, 1, 4, 256)],
  ['4', uib(0, 0, 1, 2, 256)],
  ['4', uib(3, 5, 1, 2, 256)],
  ['4', uib(0, 0, 1, 2, 256)],
  ['4', uib(0, 0, 1, 4, 256)],
  ['4', mqa(4, 64, 1)],
  ['4', uib(3, 0, 1, 4, 256)],
  ['4', mqa(4, 64, 1)],
  ['4', uib(5, 5, 1, 4, 256)],
  ['4', mqa(4, 64, 1)],
  ['4', uib(5, 0, 1, 4, 256)],
  ['4', mqa(4, 64, 1)],
  ['4', uib(5, 0, 1, 4, 256)],
  ['head', convBn(1, 1, 960)],
  ['head', pool()],
  ['head', convBn(1, 1, 1280)],
  ['classifier', linear(1000)],
];

export const MNV4_HYBRID_M = build('hybrid-m', 'MNv4-Hybrid-M', 256, 'relu', 1e-5, HYBRID_M_ROWS);

/** Paper Table 13 block order for stages 3-4 (11 UIB + 4 MQA in the last stage); stem, stage 1-2 and head as in `hybrid-m`. */
export const MNV4_HYBRID_M_PAPER = build(
  'hybrid-m-paper',
  'MNv4-Hybrid-M (paper Table 13 order)',
  256,
  'relu',
  1e-5,
  [
    ...HYBRID_M_ROWS.slice(0, 4),
    ['3', uib(3, 5, 2, 6, 160)],
    ['3', uib(3, 3, 1, 4, 160)],
    ['3', uib(3, 3, 1, 4, 160)],
    ['3', uib(3, 5, 1, 4, 160)],
    ['3', mqa(4, 64, 2)],
    ['3', uib(3, 3, 1, 4, 160)],
    ['3', mqa(4, 64, 2)],
    ['3', uib(3, 0, 1, 4, 160)],
    ['3', mqa(4, 64, 2)],
    ['3', uib(0, 0, 1, 4, 160)],
    ['3', mqa(4, 64, 2)],
    ['3', uib(3, 0, 1, 4, 160)],
    ['4', uib(5, 5, 2, 6, 256)],
    ['4', uib(5, 5, 1, 4, 256)],
    ['4', uib(3, 5, 1, 4, 256)],
    ['4', uib(3, 5, 1, 4, 256)],
    ['4', uib(0, 0, 1, 4, 256)],
    ['4', uib(3, 0, 1, 4, 256)],
    ['4', uib(3, 5, 1, 2, 256)],
    ['4', mqa(4, 64, 1)],
    ['4', uib(5, 5, 1, 4, 256)],
    ['4', mqa(4, 64, 1)],
    ['4', uib(0, 0, 1, 4, 256)],
    ['4', mqa(4, 64, 1)],
    ['4', uib(0, 0, 1, 4, 256)],
    ['4', mqa(4, 64, 1)],
    ['4', uib(5, 0, 1, 4, 256)],
    ...HYBRID_M_ROWS.slice(-4),
  ],
  'arXiv 2404.10518 Appendix 0.D Table 13, via shared/reference/mnv4_arch.json paper_table13_order',
);

export const MNV4_HYBRID_L = build('hybrid-l', 'MNv4-Hybrid-L', 384, 'gelu', 1e-5, [
  ['stem', convBn(3, 2, 24)],
  ['1', fusedIB(3, 2, 4, 48)],
  ['2', uib(3, 5, 2, 4, 96)],
  ['2', uib(3, 3, 1, 4, 96)],
  ['3', uib(3, 5, 2, 4, 192)],
  ['3', uib(3, 3, 1, 4, 192)],
  ['3', uib(3, 3, 1, 4, 192)],
  ['3', uib(3, 3, 1, 4, 192)],
  ['3', uib(3, 5, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', mqa(8, 48, 2)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', mqa(8, 48, 2)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', mqa(8, 48, 2)],
  ['3', uib(5, 3, 1, 4, 192)],
  ['3', mqa(8, 48, 2)],
  ['3', uib(3, 0, 1, 4, 192)],
  ['4', uib(5, 5, 2, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 3, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', uib(5, 3, 1, 4, 512)],
  ['4', uib(5, 5, 1, 4, 512)],
  ['4', mqa(8, 64, 1)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', mqa(8, 64, 1)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', mqa(8, 64, 1)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['4', mqa(8, 64, 1)],
  ['4', uib(5, 0, 1, 4, 512)],
  ['head', convBn(1, 1, 960)],
  ['head', pool()],
  ['head', convBn(1, 1, 1280)],
  ['classifier', linear(1000)],
]);

export const MNV4_MODELS: readonly ModelSpec[] = [MNV4_CONV_S, MNV4_CONV_M, MNV4_CONV_L, MNV4_HYBRID_M, MNV4_HYBRID_L, MNV4_HYBRID_M_PAPER];
