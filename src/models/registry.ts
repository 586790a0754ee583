/**
 * Every model the tool knows, by CLI id: the MNv4 family and the baselines it is compared with (MobileNets,
 * MobileOne: baselines.ts; MultiHardware: multi-hardware.ts; ConvNeXt, FastViT, EfficientViT, NextViT:
 * table6-zoo.ts). Everything that lists models (the `models` command, device profiles' model lists, the
 * simulation and its report) reads this list.
 */
import { ModelSpecError } from './graph.js';
import { BASELINE_MODELS } from './baselines.js';
import { MNV4_MODELS } from './mnv4.js';
import { MULTI_HARDWARE_MODELS } from './multi-hardware.js';
import type { ModelSpec } from './spec.js';
import { TABLE6_ZOO_MODELS } from './table6-zoo.js';

const MODELS: readonly ModelSpec[] = [...MNV4_MODELS, ...BASELINE_MODELS, ...MULTI_HARDWARE_MODELS, ...TABLE6_ZOO_MODELS];

export function listModels(): readonly ModelSpec[] {
  return MODELS;
}

export function getModel(id: string): ModelSpec {
  const key = id.trim().toLowerCase();
  const m = MODELS.find((x) => x.id === key || x.name.toLowerCase() === key);
  if (!m) throw new ModelSpecError(`unknown model '${id}'; known models: ${MODELS.map((x) => x.id).join(', ')}`);
  return m;
}

/** True when a model with this CLI id is defined here (ids only, as published data names them). */
export function hasModel(id: string): boolean {
  return MODELS.some((m) => m.id === id);
}
