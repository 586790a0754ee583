/**
 * The non-MobileNet models of MNv4 Table 6 (arXiv 2404.10518), in their inference form, written in this
 * project's block language (spec.ts + table6-blocks.ts). Facts (depths, widths, kernel sizes, ratios) are from
 * the authors' papers and official code, cited per model; the definitions are written here.
 *
 * Stage labels as in baselines.ts: `stem`; stage n = blocks whose output has stride 2^(n+1); `head`;
 * `classifier`. Classifiers have 1000 classes.
 *
 * Reparameterised blocks (FastViT) count the parameters of the inference graph: the FastViT paper's Table 1
 * params are those of the reparameterised model (T8: 3.6 M; timm's train-time count is 4.0 M).
 */
import type { BlockSpec, ModelSpec, PlacedBlock } from './spec.js';
import { CONVNEXT_LN_EPS } from './table6-blocks.js';

const NUM_CLASSES = 1000;

const place = (stage: string, spec: BlockSpec): PlacedBlock => ({ stage, spec });

// ------------------------------------------------------------------------------------------------- ConvNeXt

/**
 * ConvNeXt (Liu et al., A ConvNet for the 2020s, CVPR 2022, arXiv 2201.03545, Sec. 2 and Table 9;
 * facebookresearch/ConvNeXt models/convnext.py): 4x4/4 patchify stem + LayerNorm; stages of ConvNeXt blocks
 * (7x7 DW, LN, 4x inverted bottleneck with GELU, layer scale 1e-6); between stages LN + 2x2/2 conv; head:
 * global average pool, LN, linear. Every conv and linear has a bias; there is no BatchNorm.
 */
export function convNext(id: string, name: string, depths: readonly number[], dims: readonly number[]): ModelSpec {
  const blocks: PlacedBlock[] = [
    place('stem', { type: 'conv_bn', kernel: 4, stride: 4, outCh: dims[0]!, act: 'none', bn: false, bias: true }),
    place('stem', { type: 'layernorm', eps: CONVNEXT_LN_EPS }),
  ];
  depths.forEach((depth, i) => {
    const stage = String(i + 1);
    if (i > 0) {
      blocks.push(place(stage, { type: 'layernorm', eps: CONVNEXT_LN_EPS }));
      blocks.push(place(stage, { type: 'conv_bn', kernel: 2, stride: 2, outCh: dims[i]!, act: 'none', bn: false, bias: true }));
    }
    for (let d = 0; d < depth; d++) blocks.push(place(stage, { type: 'convnext', kernel: 7, expandRatio: 4, layerScale: 1e-6 }));
  });
  blocks.push(place('head', { type: 'global_pool' }));
  blocks.push(place('head', { type: 'layernorm', eps: CONVNEXT_LN_EPS }));
  blocks.push(place('classifier', { type: 'linear', outCh: NUM_CLASSES }));
  return {
    id,
    name,
    family: 'convnext',
    inChannels: 3,
    resolution: 224,
    blocks,
    source: `arXiv 2201.03545 (ConvNeXt) Sec. 2 / Table 9; facebookresearch/ConvNeXt models/convnext.py (depths [${depths}], dims [${dims}])`,
  };
}

/** ConvNeXt-S: depths [3,3,27,3], dims [96,192,384,768] (models/convnext.py `convnext_small`). */
export const CONVNEXT_S = convNext('convnext-s', 'ConvNext-S', [3, 3, 27, 3], [96, 192, 384, 768]);

/** Every Table 6 model defined in this file. */
export const TABLE6_ZOO_MODELS: readonly ModelSpec[] = [CONVNEXT_S];
