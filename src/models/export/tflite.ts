/**
 * TFLite export: a layer graph (src/models/graph.ts) written as a real .tflite flatbuffer following
 * TFLite's published schema (tensorflow/lite/schema/schema.fbs), with no converter in between.
 *
 * - Layout NHWC: input `input` [1,H,W,C]; output [1,1000] for a classifier, else the last layer's NHWC
 *   tensor. Which builtin ops each layer becomes: tflite/lower.ts.
 * - dtype 'fp32': float32 weights and activations.
 * - dtype 'fp16': weights stored as float16 with DEQUANTIZE ops to float32 (the converter's fp16 form, what
 *   GPU delegates take; the paper benchmarks GPUs in fp16).
 * - dtype 'int8': full-integer int8 (int8 input and output, per-channel int8 conv weights, int32 biases,
 *   quantization parameters on every tensor): the form CPU/XNNPACK int8, NNAPI and the EdgeTPU compiler take
 *   (the paper benchmarks CPUs and the EdgeTPU in int8). Details: tflite/quantize.ts. Calibration ranges
 *   come from the reference executor (src/models/reference.ts) on seeded inputs, shared with the ONNX int8
 *   export: tflite/calibrate.ts.
 * - Tensor names follow graph.ts: `<layer name>` for a layer's result, `<layer name>/<suffix>` for the
 *   tensors inside it, so the block of any tensor is blockOfNodeName(name). Operators are in graph order.
 * - Model.description is `mnv4-bench <workload id> <dtype>`; a metadata entry `mnv4_bench` holds JSON
 *   {workload, dtype, layout, exporter}.
 */
import { lowerBlocks, type Graph } from '../graph.js';
import type { GraphWeights } from '../weights.js';
import { initWeights, seededInput } from '../weights.js';
import type { CalibrationTable } from '../reference.js';
import { calibrationRanges } from '../reference.js';
import { irRanges } from './tflite/calibrate.js';
import { toFp16Weights } from './tflite/fp16.js';
import type { IrModel } from './tflite/ir.js';
import { lowerToIr, TfliteExportError } from './tflite/lower.js';
import { quantizeModel } from './tflite/quantize.js';
import { writeTflite } from './tflite/writer.js';

export { TfliteExportError } from './tflite/lower.js';
export { readTflite, validateTflite, TfliteFormatError } from './tflite/reader.js';
export type { TfliteModelSummary, TfliteTensorInfo, TfliteOperatorInfo, TfliteSubgraphSummary, TfliteQuantization } from './tflite/reader.js';
export { nchwToNhwc, nhwcToNchw } from './tflite/lower.js';

/** Bumped whenever the bytes written for the same input change (cache key). */
export const TFLITE_EXPORTER_VERSION = 'tflite-exporter-1';
/** Default number of seeded calibration inputs (seededInput(graph, 1000 + i)), as the ONNX exporter. */
export const DEFAULT_TFLITE_CALIBRATION_SAMPLES = 2;
/** Name of the metadata entry this exporter writes. */
export const TFLITE_METADATA_NAME = 'mnv4_bench';

export type TfliteDtype = 'fp32' | 'fp16' | 'int8';

export interface TfliteExportOptions {
  dtype: TfliteDtype;
  /** layer weights (graph.ts layouts); default initWeights(graph, seed). */
  weights?: GraphWeights;
  /** weight seed when `weights` is absent (default 0). */
  seed?: number;
  /** int8: calibration inputs, each [C,H,W] row-major float32 like seededInput(); default: seeded inputs. */
  calibration?: { input: Float32Array }[];
  /** int8: a ready reference calibration table (reference.ts calibrationRanges), e.g. shared with ONNX. */
  calibrationTable?: CalibrationTable;
  /** int8: number of seeded calibration inputs when neither `calibration` nor `calibrationTable` is given. */
  calibrationSamples?: number;
  /** int8: 'int8' (default) int8 input/output; 'float32' float input/output with QUANTIZE/DEQUANTIZE ops at
   * the ends (the converter's default I/O, for runtimes whose API cannot feed int8 tensors). */
  io?: 'int8' | 'float32';
}

/** The metadata JSON this exporter stores under TFLITE_METADATA_NAME. */
export interface TfliteExportMetadata {
  workload: string;
  dtype: TfliteDtype;
  layout: 'NHWC';
  io: 'float32' | 'int8';
  exporter: string;
}

function calibrationTableFor(graph: Graph, weights: GraphWeights, opts: TfliteExportOptions): CalibrationTable {
  if (opts.calibrationTable) return opts.calibrationTable;
  const [c, h, w] = graph.inputShape;
  let inputs: Float32Array[];
  if (opts.calibration) {
    if (opts.calibration.length === 0) throw new TfliteExportError('calibration needs at least one input');
    inputs = opts.calibration.map((s, i) => {
      if (!(s.input instanceof Float32Array) || s.input.length !== c * h * w) {
        throw new TfliteExportError(`calibration input ${i} must be a Float32Array of ${c}x${h}x${w} = ${c * h * w} values ([C,H,W] order)`);
      }
      return s.input;
    });
  } else {
    const n = opts.calibrationSamples ?? DEFAULT_TFLITE_CALIBRATION_SAMPLES;
    if (!Number.isInteger(n) || n < 1) throw new TfliteExportError(`calibrationSamples must be a positive integer, got ${n}`);
    inputs = Array.from({ length: n }, (_, i) => seededInput(graph, 1000 + i));
  }
  return calibrationRanges(graph, weights, inputs);
}

/** Lowers and converts a graph to the IR of the requested dtype (before serialization). */
export function buildTfliteIr(graph: Graph, opts: TfliteExportOptions): IrModel {
  if (opts.dtype !== 'fp32' && opts.dtype !== 'fp16' && opts.dtype !== 'int8') {
    throw new TfliteExportError(`unknown TFLite dtype '${String(opts.dtype)}': use fp32, fp16 or int8`);
  }
  if (opts.io !== undefined && opts.dtype !== 'int8') throw new TfliteExportError(`io applies to int8 exports only (dtype is ${opts.dtype})`);
  const weights = opts.weights ?? initWeights(graph, opts.seed ?? 0);
  let ir = lowerToIr(graph, weights);
  if (opts.dtype === 'fp16') ir = toFp16Weights(ir);
  if (opts.dtype === 'int8') {
    const table = calibrationTableFor(graph, weights, opts);
    const ranges = irRanges(ir, table, new Set(graph.layers.map((l) => l.name)));
    ir = quantizeModel(ir, ranges, { io: opts.io ?? 'int8' });
  }
  const io = opts.dtype === 'int8' && (opts.io ?? 'int8') === 'int8' ? 'int8' : 'float32';
  const meta: TfliteExportMetadata = { workload: graph.id, dtype: opts.dtype, layout: 'NHWC', io, exporter: `mnv4-bench ${TFLITE_EXPORTER_VERSION}` };
  ir.description = `mnv4-bench ${graph.id} ${opts.dtype}`;
  ir.metadata = [{ name: TFLITE_METADATA_NAME, data: new TextEncoder().encode(JSON.stringify(meta)) }];
  return ir;
}

/**
 * Exports a graph as .tflite bytes. Throws TfliteExportError for a graph it cannot express (e.g. grouped
 * convs other than depthwise), bad options, or missing weights / calibration ranges.
 */
export function exportTflite(graph: Graph, opts: TfliteExportOptions): Uint8Array {
  return writeTflite(buildTfliteIr(graph, opts));
}

/**
 * A minimal TFLite model (one 1x1 convolution with ReLU on a 1x2x2x1 input, fp32): loading it starts a
 * TFLite runtime (WASM instantiation, delegate creation) without a real model's work, so runners time the
 * runtime start apart from the model's load.
 */
export function tfliteRuntimeProbeModel(): Uint8Array {
  const g = lowerBlocks('runtime-probe', [1, 2, 2], [{ stage: 'probe', spec: { type: 'conv_bn', kernel: 1, stride: 1, outCh: 1, act: 'relu' } }]);
  return exportTflite(g, { dtype: 'fp32' });
}
