/**
 * MultiHardware-MAX-1.5x and MultiHardware-AVG-1.5x (MNv4 paper Table 6 baselines): the MobileNet-Multi-Hardware
 * models of Chu et al., "Discovering Multi-Hardware Mobile Models via Architecture Search", CVPR Workshops 2021,
 * arXiv 2008.08178, at width multiplier 1.5.
 *
 * Source of the architecture (facts only, the definition is written here in this project's block language):
 * tensorflow/models official/vision/modeling/backbones/mobilenet.py, MNMultiMAX_BLOCK_SPECS and
 * MNMultiAVG_BLOCK_SPECS (model ids MobileNetMultiMAX / MobileNetMultiAVG), block_spec_decoder, and
 * official/vision/modeling/layers/nn_blocks.py InvertedBottleneckBlock, nn_layers.round_filters / make_divisible.
 *
 * What the official code builds, and how it maps onto spec.ts:
 * - stem: 3x3 s2 conv + BN + ReLU (`conv_bn`);
 * - body: inverted bottlenecks without squeeze-excite, ReLU, kernel 3 or 5 (`inverted_residual`): 1x1 expand to
 *   make_divisible(in * expand_ratio, 8) + BN + ReLU, kxk depthwise (stride) + BN + ReLU, 1x1 project + BN, and a
 *   residual when stride 1 and in == out (InvertedBottleneckBlock with use_residual=True, the spec default);
 * - head: 1x1 conv + BN + ReLU to 960, global average pool, 1x1 conv + BN + ReLU to 1280 (the TF comment: no bias,
 *   a BatchNorm instead, "to support QAT"), then the classifier (1000 classes, as every model here; TF uses 1001).
 *
 * Width multiplier (block_spec_decoder with filter_size_scale = 1.5, divisible_by = 8, min_depth = 8): EVERY
 * `filters` entry of the spec list, the head convs included, becomes round_filters(f, 1.5) = make_divisible(f * 1.5,
 * 8): round to the nearest multiple of 8, never dropping below 90% of f * 1.5 (spec.ts makeDivisible is the same
 * rule). The finegrain rule that keeps the last conv large applies only to multipliers below 1, so at 1.5x the
 * 1280 conv becomes 1920 and the 960 conv 1440. Expanded widths are computed from the already scaled block input.
 * At 1.5x every base width (32, 64, 128, 160, 192, 960, 1280) is a multiple of 16, so no rounding actually happens
 * there; expanded widths are multiples of 8 for the same reason (in * ratio with in a multiple of 48).
 */
import type { ModelSpec, PlacedBlock } from './spec.js';
import { makeDivisible } from './spec.js';

const TF_MOBILENET = 'tensorflow/models official/vision/modeling/backbones/mobilenet.py';
const NUM_CLASSES = 1000;

/** One inverted bottleneck of the spec lists: [kernel, stride, filters, expand_ratio] (activation ReLU, no SE). */
type IbRow = readonly [kernel: number, stride: number, filters: number, expandRatio: number];

/** MNMultiMAX_BLOCK_SPECS between the stem and the head (14 inverted bottlenecks). */
const MAX_BODY: readonly IbRow[] = [
  [3, 2, 32, 3],
  [5, 2, 64, 6],
  [3, 1, 64, 2],
  [3, 1, 64, 2],
  [5, 2, 128, 6],
  [3, 1, 128, 4],
  [3, 1, 128, 3],
  [3, 1, 128, 3],
  [3, 1, 128, 6],
  [3, 1, 128, 3],
  [3, 2, 160, 6],
  [5, 1, 160, 4],
  [3, 1, 160, 5],
  [5, 1, 160, 4],
];

/** MNMultiAVG_BLOCK_SPECS between the stem and the head (16 inverted bottlenecks). */
const AVG_BODY: readonly IbRow[] = [
  [3, 2, 32, 3],
  [3, 1, 32, 2],
  [5, 2, 64, 5],
  [3, 1, 64, 3],
  [3, 1, 64, 2],
  [3, 1, 64, 3],
  [5, 2, 128, 6],
  [3, 1, 128, 3],
  [3, 1, 128, 3],
  [3, 1, 128, 3],
  [3, 1, 160, 6],
  [3, 1, 160, 4],
  [3, 2, 192, 6],
  [5, 1, 192, 4],
  [5, 1, 192, 4],
  [5, 1, 192, 4],
];

export const MULTI_HARDWARE_VARIANTS = {
  max: { body: MAX_BODY, tfName: 'MobileNetMultiMAX', specList: 'MNMultiMAX_BLOCK_SPECS', name: 'MultiHardware-MAX' },
  avg: { body: AVG_BODY, tfName: 'MobileNetMultiAVG', specList: 'MNMultiAVG_BLOCK_SPECS', name: 'MultiHardware-AVG' },
} as const;

export type MultiHardwareVariant = keyof typeof MULTI_HARDWARE_VARIANTS;

/** TF round_filters(filters, mult, divisor 8, min_depth 8): make_divisible(filters * mult, 8). */
export function multiHardwareFilters(filters: number, mult: number): number {
  return makeDivisible(filters * mult, 8, 8);
}

function stageOf(outputStride: number): string {
  return String(Math.round(Math.log2(outputStride)) - 1);
}

/** A MobileNet-Multi-Hardware model (MAX or AVG) at a width multiplier, 224x224. */
export function multiHardware(variant: MultiHardwareVariant, mult: number): ModelSpec {
  if (!(mult > 0)) throw new RangeError(`MultiHardware width multiplier must be > 0, got ${mult}`);
  const v = MULTI_HARDWARE_VARIANTS[variant];
  const ch = (f: number): number => multiHardwareFilters(f, mult);
  const stem = ch(32);
  const blocks: PlacedBlock[] = [{ stage: 'stem', spec: { type: 'conv_bn', kernel: 3, stride: 2, outCh: stem, act: 'relu' } }];
  let inCh = stem;
  let stride = 2;
  for (const [kernel, s, filters, ratio] of v.body) {
    const outCh = ch(filters);
    stride *= s;
    const expandedCh = makeDivisible(inCh * ratio, 8);
    blocks.push({ stage: stageOf(stride), spec: { type: 'inverted_residual', kernel, stride: s, expandedCh, outCh, act: 'relu' } });
    inCh = outCh;
  }
  // below 1x the TF decoder would keep the last conv at 1280 (finegrain_classification_mode); at 1x and above it scales
  const last = mult < 1 ? ch(1280 / mult) : ch(1280);
  blocks.push({ stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: ch(960), act: 'relu' } });
  blocks.push({ stage: 'head', spec: { type: 'global_pool' } });
  blocks.push({ stage: 'head', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: last, act: 'relu' } });
  blocks.push({ stage: 'classifier', spec: { type: 'linear', outCh: NUM_CLASSES } });
  const tag = `${mult.toFixed(2).replace(/0$/, '')}x`;
  return {
    id: `multihardware-${variant}-${tag}`,
    name: `${v.name}-${tag}`,
    family: 'multihardware',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `Chu et al., arXiv 2008.08178; ${TF_MOBILENET} ${v.specList} (model_id ${v.tfName}, filter_size_scale ${mult}) + block_spec_decoder, nn_blocks.InvertedBottleneckBlock`,
  };
}

export const MULTIHARDWARE_MAX_150 = multiHardware('max', 1.5);
export const MULTIHARDWARE_AVG_150 = multiHardware('avg', 1.5);

/** The two Table 6 rows; the registry lists them after the baselines. */
export const MULTI_HARDWARE_MODELS: readonly ModelSpec[] = [MULTIHARDWARE_MAX_150, MULTIHARDWARE_AVG_150];
