/**
 * Page entry for the tflite-wasm target: @tensorflow/tfjs-tflite (TFLite's WASM interpreter with the XNNPACK
 * delegate) bundled with tfjs-core + the CPU backend (needed only to build input tensors). Bundled to
 * dist/page/tflite.js; esbuild aliases tfjs-tflite to its ESM file `dist/tf-tflite.fesm.js` (its package entry is not ESM).
 *
 * One model at a time per page (`tfliteRelease` before the next `tfliteLoad`). A timed call is `predict()`
 * plus reading every output back (`dataSync`), the work a tfjs-tflite user pays per inference.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tflite from '@tensorflow/tfjs-tflite';
import type { MeasureRequest, MeasureResponse, TensorData, WireDType } from '../browser/page/api.js';
import type { TfliteLoadRequest, TfliteLoadResponse, TfliteProfileRequest, TfliteProfileResponse } from './page-api.js';
import { allFinite, decodeTensor, encodeTensor, measureInPage, pageEnv, registerApi } from '../browser/page/common.js';

interface State {
  model: tflite.TFLiteModel;
  inputs: tf.Tensor[];
  req: TfliteLoadRequest;
}

let state: State | null = null;

function need(): State {
  if (!state) throw new Error('no TFLite model in this page: call tfliteLoad first');
  return state;
}

function wireDType(dtype: string): WireDType {
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  throw new Error(`unsupported tfjs dtype ${dtype}`);
}

async function tfliteLoad(req: TfliteLoadRequest): Promise<TfliteLoadResponse> {
  if (state) throw new Error('this page already holds a model: release it (tfliteRelease) or open a new page');
  const env = pageEnv();
  const r0 = performance.now();
  await tf.setBackend('cpu');
  await tf.ready();
  tflite.setWasmPath(req.wasmPath);
  const wasmFeatures = await tflite.getWasmFeatures();
  if (req.threads > 1 && !wasmFeatures.multiThreading) {
    throw new Error(`${req.threads} threads requested but this page cannot run WASM threads (crossOriginIsolated: ${env.crossOriginIsolated})`);
  }
  // runtime start: loading the minimal probe model instantiates tfjs-tflite's WASM module
  const probeUrl = URL.createObjectURL(new Blob([Uint8Array.from(atob(req.runtimeProbe), (c) => c.charCodeAt(0))]));
  try {
    await tflite.loadTFLiteModel(probeUrl, { numThreads: req.threads });
  } finally {
    URL.revokeObjectURL(probeUrl);
  }
  const runtimeInitMs = performance.now() - r0;
  const t0 = performance.now();
  const model = await tflite.loadTFLiteModel(req.modelUrl, { numThreads: req.threads, enableProfiling: req.enableProfiling });
  const sessionCreateMs = performance.now() - t0;

  const info = (ts: { name: string; shape?: number[]; dtype: string }[]) =>
    ts.map((t) => ({ name: t.name, shape: [...(t.shape ?? [])], dtype: t.dtype }));
  const inputsInfo = info(model.inputs as { name: string; shape?: number[]; dtype: string }[]);
  const outputsInfo = info(model.outputs as { name: string; shape?: number[]; dtype: string }[]);
  if (req.inputs.length !== inputsInfo.length) throw new Error(`model has ${inputsInfo.length} inputs, ${req.inputs.length} given`);
  const inputs = req.inputs.map((t, i) => {
    const want = inputsInfo[i];
    if (!want) throw new Error(`no model input #${i}`);
    if (want.shape.join(',') !== t.dims.join(','))
      throw new Error(`input '${want.name}' has shape [${want.shape.join(',')}], data has [${t.dims.join(',')}]`);
    const data = decodeTensor(t);
    // tfjs tensors carry float32 / int32; the TFLite runner copies into the model's own input type.
    if (want.dtype === 'float32' && !(data instanceof Float32Array)) throw new Error(`input '${want.name}' is float32, data is ${t.dtype}`);
    if (want.dtype === 'float32') return tf.tensor(data as Float32Array, t.dims, 'float32');
    return tf.tensor(Int32Array.from(data), t.dims, 'int32');
  });
  state = { model, inputs, req };
  return { env, runtimeInitMs, sessionCreateMs, inputs: inputsInfo, outputs: outputsInfo, wasmFeatures, tfjsCoreVersion: tf.version_core };
}

/** predict + read every output back; returns the outputs in model order. */
function inferOnce(s: State): { name: string; data: Float32Array | Int32Array; dims: number[]; dtype: string }[] {
  const x = s.inputs.length === 1 ? (s.inputs[0] as tf.Tensor) : s.inputs;
  const y = s.model.predict(x);
  const list: { name: string; t: tf.Tensor }[] = [];
  if (y instanceof tf.Tensor) list.push({ name: s.model.outputs[0]?.name ?? 'output', t: y });
  else if (Array.isArray(y)) y.forEach((t, i) => list.push({ name: s.model.outputs[i]?.name ?? `output${i}`, t }));
  else
    for (const o of s.model.outputs) {
      const t = (y as Record<string, tf.Tensor>)[o.name];
      if (!t) throw new Error(`output '${o.name}' missing from predict()`);
      list.push({ name: o.name, t });
    }
  const out = list.map(({ name, t }) => ({ name, data: t.dataSync() as Float32Array | Int32Array, dims: [...t.shape], dtype: t.dtype }));
  for (const { t } of list) t.dispose();
  return out;
}

function encode(outs: ReturnType<typeof inferOnce>): { outputs: TensorData[]; finite: boolean } {
  let finite = true;
  const outputs = outs.map((o) => {
    if (o.data instanceof Float32Array) finite = finite && allFinite(o.data);
    return encodeTensor(o.name, o.data, o.dims, wireDType(o.dtype));
  });
  return { outputs, finite };
}

async function tfliteMeasure(req: MeasureRequest): Promise<MeasureResponse> {
  const s = need();
  const last: { v: ReturnType<typeof inferOnce> | null } = { v: null };
  const protocol = await measureInPage(
    () => {
      last.v = inferOnce(s);
    },
    req.settings,
    req.beat,
  );
  if (!last.v) throw new Error('the protocol made no call');
  const enc = encode(last.v);
  return { protocol, outputs: req.keepOutputs ? enc.outputs : null, outputsFinite: enc.finite };
}

async function tfliteRun(): Promise<{ outputs: TensorData[]; finite: boolean }> {
  return encode(inferOnce(need()));
}

/** Profiling pass (model loaded with enableProfiling): `runs` runs, then TFLite's own tables. */
async function tfliteProfile(req: TfliteProfileRequest): Promise<TfliteProfileResponse> {
  const s = need();
  if (!s.req.enableProfiling) throw new Error('model was loaded without enableProfiling');
  const runWallMs: number[] = [];
  for (let i = 0; i < req.runs; i++) {
    const t0 = performance.now();
    inferOnce(s);
    runWallMs.push(performance.now() - t0);
  }
  const results = s.model.getProfilingResults().map((r) => ({ nodeType: r.nodeType, nodeName: r.nodeName, nodeExecMs: r.nodeExecMs }));
  return { runWallMs, summary: s.model.getProfilingSummary(), results };
}

async function tfliteRelease(): Promise<void> {
  if (!state) return;
  for (const t of state.inputs) t.dispose();
  // TFLiteModel has no public dispose; its runner (a tfjs-tflite BaseTaskLibrary) frees the interpreter.
  (state.model as unknown as { modelRunner?: { cleanUp?: () => void } }).modelRunner?.cleanUp?.();
  state = null;
}

registerApi({ tfliteLoad, tfliteMeasure, tfliteRun, tfliteProfile, tfliteRelease, env: pageEnv });
