/**
 * int8 calibration through onnxruntime-node: the fast path for whole models (the pure-TypeScript reference
 * executor needs seconds to minutes per input at native resolution; onnxruntime well under one).
 *
 * The fp32 graph is exported with every intermediate tensor as an extra output (exportOnnx's
 * `exposeIntermediates`), run with graph optimizations disabled and one thread (the plain ops, in a fixed
 * order, so ranges are reproducible) on the calibration inputs, and the min/max of every tensor is kept.
 * Tensor names are the exporter's, which are also the reference executor's (src/models/reference.ts), so
 * the table is interchangeable with calibrationRanges() up to float rounding.
 */
import * as ort from 'onnxruntime-node';
import type { Graph } from '../graph.js';
import { INPUT_TENSOR } from '../graph.js';
import type { GraphWeights } from '../weights.js';
import { seededInput } from '../weights.js';
import { widenRange, type CalibrationTable } from '../reference.js';
import { DEFAULT_CALIBRATION_SAMPLES, exportOnnx } from './onnx.js';

/** The default calibration inputs of int8 exports: seededInput(graph, 1000 + i). */
export function calibrationInputs(graph: Graph, samples = DEFAULT_CALIBRATION_SAMPLES): Float32Array[] {
  return Array.from({ length: samples }, (_, i) => seededInput(graph, 1000 + i));
}

/** Min/max of every float tensor of the fp32 graph over the inputs, computed by onnxruntime-node. */
export async function calibrateWithOnnxRuntime(graph: Graph, weights: GraphWeights, inputs: Float32Array[]): Promise<CalibrationTable> {
  if (inputs.length === 0) throw new Error('calibration needs at least one input');
  const bytes = exportOnnx(graph, { dtype: 'fp32', weights, exposeIntermediates: true });
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 });
  const table: CalibrationTable = new Map();
  try {
    for (const input of inputs) {
      widenRange(table, INPUT_TENSOR, input);
      const out = await session.run({ [INPUT_TENSOR]: new ort.Tensor('float32', input, [1, ...graph.inputShape]) });
      for (const [name, t] of Object.entries(out)) {
        // the graph output carries the last layer's tensor under the name `output`
        widenRange(table, name === 'output' ? graph.output : name, t.data as Float32Array);
      }
    }
  } finally {
    await session.release();
  }
  return table;
}
