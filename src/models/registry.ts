/**
 * Every model the tool knows, by CLI id: the MNv4 family and the baselines it is compared with (MobileNets,
 * MobileOne: baselines.ts; ConvNeXt, FastViT, ...: table6-zoo.ts).
 */
import { ModelSpecError } from './graph.js';
import { BASELINE_MODELS } from './baselines.js';
import { MNV4_MODELS } from './mnv4.js';
import { TABLE6_ZOO_MODELS } from './table6-zoo.js';
import type { ModelSpec } from './spec.js';

const MODELS: readonly ModelSpec[] = [...MNV4_MODELS, ...BASELINE_MODELS, ...TABLE6_ZOO_MODELS];

export function listModels(): readonly ModelSpec[] {
  return MODELS;
}

export function getModel(id: string): ModelSpec {
  const key = id.trim().toLowerCase();
  const m = MODELS.find((x) => x.id === key || x.name.toLowerCase() === key);
  if (!m) throw new ModelSpecError(`unknown model '${id}'; known models: ${MODELS.map((x) => x.id).join(', ')}`);
  return m;
}
