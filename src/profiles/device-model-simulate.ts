/**
 * Simulates any workload (a model, a block, a search-space architecture) with a column's fitted device model.
 * A workload with an op class that no model of the fit contained cannot be costed from evidence (e.g.
 * attention on the Pixel 4 Hexagon column, where the paper's hybrids 'Failed'): refused, naming the op.
 */
import type { Graph } from '../models/graph.js';
import { graphLayerCosts } from '../models/cost.js';
import type { FittedDeviceModel } from './device-model-fit.js';
import { blockFeatures, featureVector, opClass, UncostableOpError, type WorkloadFeatures } from './device-model.js';
import type { SimulatedLatency } from './roofline.js';

export const DEVICE_MODEL_METHOD = 'device model (per-class rates, dispatch cost, floor, off-chip traffic)';

/** Throws UncostableOpError naming the first op whose class the fit never saw. */
export function checkCostable(graph: Graph, model: FittedDeviceModel): void {
  graphLayerCosts(graph).forEach((c, i) => {
    const layer = graph.layers[i]!;
    const cls = opClass(c, layer.op.kind === 'conv' ? layer.op : undefined);
    if (!model.seenClasses.includes(cls))
      throw new UncostableOpError(
        c.kind,
        `layer ${layer.name} is ${cls} work, and no model with a published ${model.label} figure has any, so its cost there is unknown`,
      );
  });
}

const costOf = (model: FittedDeviceModel, f: WorkloadFeatures, withFloor: boolean): number =>
  featureVector(f).reduce((s, v, j) => s + (j === 0 && !withFloor ? 0 : v * model.coefficients[j]!), 0);

export interface DeviceModelSimulation {
  /** the whole inference, floor included. */
  latency: SimulatedLatency;
  /** the per-inference floor of the fit, ms (in `latency`, in no block). */
  floorMs: number;
  /** each block's share (no floor). */
  blocks: { block: string; latency: SimulatedLatency }[];
}

export function simulateWithDeviceModel(graph: Graph, model: FittedDeviceModel): DeviceModelSimulation {
  checkCostable(graph, model);
  const method = `${DEVICE_MODEL_METHOD} fitted to ${model.label} (Table 6)`;
  const lat = (value: number): SimulatedLatency => ({ value, unit: 'ms', provenance: 'simulated', method });
  const blocks = blockFeatures(graph, {
    dtype: model.dtype,
    ridgePoint: model.ridgePoint,
    ...(model.onChipBytes ? { onChipBytes: model.onChipBytes } : {}),
  });
  const floorMs = model.coefficients[0]!;
  const parts = [...blocks.entries()].map(([block, f]) => ({ block, latency: lat(costOf(model, f, false)) }));
  return { latency: lat(floorMs + parts.reduce((s, b) => s + b.latency.value, 0)), floorMs, blocks: parts };
}
