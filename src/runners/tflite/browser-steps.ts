/**
 * The tflite-wasm target's steps of the measurement sequence (@tensorflow/tfjs-tflite in Chromium):
 *
 *  1. read the file and validate it with the TFLite reader (`readTflite`): a wrong or damaged file fails here
 *     with one clear line instead of inside the WASM interpreter; its input must match the workload graph
 *     (NHWC [1,H,W,C] of the graph's [C,H,W]);
 *  2. timed load on a fresh page: `loadTFLiteModel(url, {numThreads})` (`coldStart.sessionCreateMs`: fetch +
 *     WASM interpreter + XNNPACK delegate creation);
 *  3. the shared protocol in the page; one call = `predict()` + reading every output back;
 *  4. outputs checked (element count, finite);
 *  5+6. proof: the TIMED page's console shows whether tfjs-tflite created the XNNPACK delegate for the timed
 *     interpreter. A VERIFICATION interpreter (the model loaded again with profiling on; one run, or skip +
 *     profileRuns with `profile`) gives TFLite's summary of the interpreter's nodes
 *     (src/runners/tflite-op-profile.ts): an XNNPACK delegate node proves XNNPACK ran, builtin nodes are ops it
 *     did not take (partial fallback). No delegate node at all is a BackendMismatchError. The delegate's
 *     partition depends only on the model file, the threads and the runtime, so the verification is made once
 *     per pair, in the timed page of its first session after the timed interpreter is released, and reused by
 *     later sessions (said in the evidence). With `profile` it gets a page of its own (profiled runs never
 *     follow a timed interpreter in the same page) and the per-op table ("Delegate internal") maps to blocks.
 */
import { readFileSync, statSync } from 'node:fs';
import { nchwToNhwc, readTflite, tfliteRuntimeProbeModel, type TfliteModelSummary, type TfliteTensorInfo } from '../../models/export/tflite.js';
import { uniformRng, seededInput } from '../../models/weights.js';
import { setBounded } from '../../util/bounded-map.js';
import { median } from '../../util/median.js';
import { installedVersion } from '../../util/packages.js';
import type { SessionSteps } from '../measurement.js';
import { buildTfliteProfile, delegateShare, isDelegateNode, parseTfliteOpProfile } from './op-profile.js';
import { checkBackendShare, type OpProfile } from '../../core/measurement.js';
import { type RunContext, type Target } from '../../core/target.js';
import { type PreparedWorkload } from '../../core/workload-file.js';
import type { EnvironmentSlot } from '../browser/common.js';
import type { BrowserPage, ConsoleEntry } from '../browser/launcher.js';
import { toB64 } from '../ort/browser-steps.js';
import type { TensorData } from '../browser/page/api.js';
import type { TfliteLoadRequest, TfliteLoadResponse, TfliteProfileResponse } from './page-api.js';
import { runtimeFilesUrl } from '../browser/pages.js';
import { timedPageSteps, verifyAfterTiming } from '../browser/runner.js';

/** Profiled runs with `profile` (after PROFILE_SKIP cold ones, which the summary parser also discounts). */
const TFLITE_PROFILE_RUNS = 10;
const TFLITE_PROFILE_SKIP = 1;

/** The probe model of the runtime start (base64), made once. */
let probe: string | undefined;
const tfliteProbeB64 = (): string => (probe ??= Buffer.from(tfliteRuntimeProbeModel()).toString('base64'));

/** Where a verification interpreter ran, and the node tables of its profiling summary. */
interface TfliteVerification {
  tables: ReturnType<typeof parseTfliteOpProfile>;
  site: 'timed page' | 'separate page';
}

/**
 * Verifications already made in this process, by target, model file (sha256), threads and browser: later
 * sessions of a pair reuse the first one's (module comment). Bounded.
 */
const verifications = new Map<string, TfliteVerification>();
const MAX_VERIFICATIONS = 256;

/** The console line tfjs-tflite prints when the interpreter applies the XNNPACK delegate. */
const XNNPACK_MESSAGE = /Created TensorFlow Lite XNNPACK delegate/i;

/** A validated .tflite file: its bytes' structure and first subgraph's I/O. */
export interface CheckedTflite {
  summary: TfliteModelSummary;
  inputs: TfliteTensorInfo[];
  outputs: TfliteTensorInfo[];
}

/**
 * Reads and validates a .tflite file with the project's reader. Throws one clear line for a file that is not
 * a TFLite model (e.g. an ONNX file), is damaged, or has no subgraph.
 */
export function checkTfliteFile(targetId: string, path: string): CheckedTflite {
  let summary: TfliteModelSummary;
  try {
    summary = readTflite(new Uint8Array(readFileSync(path)));
  } catch (e) {
    throw new Error(`${targetId}: ${path} is not a usable TFLite model: ${(e as Error).message}`);
  }
  const sg = summary.subgraphs[0];
  if (!sg) throw new Error(`${targetId}: ${path} has no subgraph`);
  if (sg.inputs.length === 0 || sg.outputs.length === 0)
    throw new Error(`${targetId}: ${path} has ${sg.inputs.length} inputs and ${sg.outputs.length} outputs`);
  for (const t of sg.inputs) {
    if (!['FLOAT32', 'INT8', 'UINT8'].includes(t.type))
      throw new Error(`${targetId}: input '${t.name}' of ${path} is ${t.type}; tflite-wasm feeds FLOAT32, INT8 or UINT8 inputs`);
  }
  return { summary, inputs: sg.inputs, outputs: sg.outputs };
}

/** Files already checked in this process, by path, sha256, size and mtime (a file read once per pair). Bounded. */
const checkedFiles = new Map<string, CheckedTflite>();
const MAX_CHECKED_FILES = 64;

/**
 * checkTfliteFile, once per file version: the sessions of a pair measure the same file, and reading a 150 MB
 * model takes over a second. A changed file (size, mtime) is read again.
 */
function checkTfliteFileOnce(targetId: string, path: string, sha256: string): CheckedTflite {
  const st = statSync(path);
  const key = JSON.stringify([path, sha256, st.size, st.mtimeMs]);
  const known = checkedFiles.get(key);
  if (known) return known;
  const checked = checkTfliteFile(targetId, path);
  setBounded(checkedFiles, key, checked, MAX_CHECKED_FILES);
  return checked;
}

/** Quantises float values to a tensor's int8/uint8 type with its (per-tensor) scale and zero point. */
function quantizeFor(t: TfliteTensorInfo, x: Float32Array): Int8Array | Uint8Array {
  const q = t.quantization;
  const scale = q?.scale[0];
  const zp = q?.zeroPoint[0] ?? 0;
  if (scale === undefined || !(scale > 0)) throw new Error(`input '${t.name}' is ${t.type} but has no quantization scale`);
  const [lo, hi] = t.type === 'INT8' ? [-128, 127] : [0, 255];
  const out = t.type === 'INT8' ? new Int8Array(x.length) : new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(hi, Math.max(lo, Math.round((x[i] as number) / scale) + zp));
  return out;
}

/** Dequantises int values with a tensor's per-tensor scale and zero point (identity for float tensors). */
function dequantizeFor(t: TfliteTensorInfo, x: ArrayLike<number>): Float32Array {
  const q = t.quantization;
  const out = new Float32Array(x.length);
  if (t.type === 'FLOAT32' || !q || q.scale.length === 0) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] as number;
    return out;
  }
  const s = q.scale[0] as number;
  const zp = q.zeroPoint[0] ?? 0;
  for (let i = 0; i < x.length; i++) out[i] = ((x[i] as number) - zp) * s;
  return out;
}

function wireFor(t: TfliteTensorInfo, x: Float32Array): TensorData {
  if (t.type === 'FLOAT32') return { name: t.name, dtype: 'float32', dims: t.shape, b64: toB64(x) };
  const q = quantizeFor(t, x);
  return { name: t.name, dtype: t.type === 'INT8' ? 'int8' : 'uint8', dims: t.shape, b64: toB64(q) };
}

/** The workload's seeded input as the model's NHWC input (quantised for int8 models). */
export function workloadInput(targetId: string, w: PreparedWorkload, m: CheckedTflite): TensorData[] {
  const [c, h, wd] = w.graph.inputShape;
  if (m.inputs.length !== 1) throw new Error(`${targetId}: ${w.file.path} has ${m.inputs.length} inputs; workload ${w.id} has one`);
  const t = m.inputs[0] as TfliteTensorInfo;
  if (t.shape.join(',') !== [1, h, wd, c].join(','))
    throw new Error(
      `${targetId}: ${w.file.path} takes input [${t.shape.join(',')}], workload ${w.id} gives NHWC [1,${h},${wd},${c}]: model file and workload disagree`,
    );
  return [wireFor(t, nchwToNhwc(seededInput(w.graph), w.graph.inputShape))];
}

/** Seeded inputs for any model (e.g. a .tflite nobody here wrote): uniform [-1, 1), quantised when needed. */
export function seededInputsFor(m: CheckedTflite, seed = 1): TensorData[] {
  return m.inputs.map((t, i) => {
    const n = t.shape.reduce((a, b) => a * Math.max(1, b), 1);
    const u = uniformRng(seed * 7919 + i);
    const x = new Float32Array(n);
    for (let k = 0; k < n; k++) x[k] = u() * 2 - 1;
    return wireFor(t, x);
  });
}

/** Decodes a wire output (float32 or int32 from tfjs) to numbers. */
function wireValues(t: TensorData): Float32Array | Int32Array {
  const b = Buffer.from(t.b64, 'base64');
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  if (t.dtype === 'float32') return new Float32Array(copy.buffer);
  if (t.dtype === 'int32') return new Int32Array(copy.buffer);
  if (t.dtype === 'int8') return Int32Array.from(new Int8Array(copy.buffer));
  return Int32Array.from(copy);
}

function xnnpackLine(log: readonly ConsoleEntry[]): string | undefined {
  return log.find((e) => XNNPACK_MESSAGE.test(e.text))?.text;
}

/**
 * The steps of one measurement (module comment). Long on purpose (about 130 lines): the steps are one object
 * of short methods over the state they share (the checked file, its inputs, the delegate line), in the order
 * the template calls them.
 */
export function tfliteBrowserSteps(slot: EnvironmentSlot, w: PreparedWorkload, target: Target, ctx: RunContext): SessionSteps {
  const id = target.id;
  const threads = Number(target.settings.threads);
  let checked: CheckedTflite | undefined;
  let inputs: TensorData[] = [];
  let delegateLine: string | undefined;
  const request = (origin: string, modelUrl: string, enableProfiling: boolean): TfliteLoadRequest => ({
    wasmPath: runtimeFilesUrl(origin, 'tflite'),
    runtimeProbe: tfliteProbeB64(),
    modelUrl,
    threads,
    enableProfiling,
    inputs,
  });
  const timed = timedPageSteps<TfliteLoadResponse>({
    slot,
    ctx,
    target,
    w,
    bundle: 'tflite',
    loadFn: 'tfliteLoad',
    measureFn: 'tfliteMeasure',
    loadWhat: 'loading',
    request: (env, modelUrl) => request(env.server.server.origin, modelUrl, false),
  });
  return {
    ...timed.steps,
    checkFile() {
      checked = checkTfliteFileOnce(id, w.file.path, w.file.sha256);
      inputs = workloadInput(id, w, checked);
    },
    async sample(protocol, hooks) {
      // the delegate's console line is printed while loading, so it is read before sampling.
      const page = timed.page();
      delegateLine = page ? xnnpackLine(page.console()) : undefined;
      return timed.steps.sample(protocol, hooks);
    },
    // the proof reads the timed page (and may verify in it), then closes it itself
    proveOnTimedSession: true,
    async prove({ profile, profileRuns, strict }) {
      const { env, load, modelUrl } = timed.state();
      const model = checked as CheckedTflite;
      const warnings: string[] = [];
      const skip = profile ? TFLITE_PROFILE_SKIP : 0;
      const runs = profile ? skip + Math.max(1, profileRuns ?? TFLITE_PROFILE_RUNS) : 1;
      const cacheKey = JSON.stringify([id, w.file.sha256, threads, env.browser.info.version]);
      const known = profile ? undefined : verifications.get(cacheKey);
      const verify = async (page: BrowserPage): Promise<TfliteProfileResponse> => {
        await page.call<TfliteLoadResponse>(
          'tfliteLoad',
          request(env.server.server.origin, modelUrl, true),
          `${id}: loading ${w.id} for verification`,
        );
        return page.call<TfliteProfileResponse>('tfliteProfile', { runs }, `${id}: verification/profiling runs of ${w.id}`);
      };
      const made = await verifyAfterTiming(timed, {
        bundle: 'tflite',
        what: `${id}: verifying ${w.id}`,
        needed: !known,
        ownPage: profile === true,
        release: (page) => page.call('tfliteRelease', null, `${id}: releasing the timed interpreter of ${w.id}`),
        verify,
      });
      const prof = made?.result;
      const verification: TfliteVerification = known ?? {
        tables: parseTfliteOpProfile((prof as TfliteProfileResponse).summary),
        site: made?.site === 'timed-page' ? 'timed page' : 'separate page',
      };
      if (!known) setBounded(verifications, cacheKey, verification, MAX_VERIFICATIONS);
      const tables = verification.tables;
      const verificationWords = `verification interpreter (${verification.site}${known ? ', made once for an earlier session of this model file and these settings' : ''}) profiling summary`;
      const share = delegateShare(tables);
      // the model's ops: builtin interpreter nodes are ops XNNPACK did not take; the rest it took
      const modelOps = model.summary.subgraphs[0]?.operators.length ?? 0;
      const builtinByOp: Record<string, number> = {};
      for (const r of tables.nodes)
        if (!isDelegateNode(r.nodeType)) builtinByOp[`builtin ${r.nodeType}`] = (builtinByOp[`builtin ${r.nodeType}`] ?? 0) + 1;
      const backendShare = {
        requested: 'XNNPACK',
        onRequested: share.delegateNodes === 0 ? 0 : Math.max(0, modelOps - share.builtinNodes),
        total: tables.nodes.length === 0 ? 0 : modelOps,
        nodeShare: modelOps > 0 && share.delegateNodes > 0 ? Math.max(0, modelOps - share.builtinNodes) / modelOps : 0,
        timeShare: share.delegatedTimeShare,
        others: builtinByOp,
        source: `TFLite profiling summary of the verification interpreter (${verification.site}; ops of the model file)`,
      };
      const fallback = checkBackendShare(id, 'wasm+XNNPACK', backendShare, strict);
      if (fallback) warnings.push(fallback);
      if (!delegateLine)
        warnings.push(
          'the timed page\'s console shows no "Created TensorFlow Lite XNNPACK delegate" line for the timed interpreter (the verification summary still shows a delegate node)',
        );

      let opProfile: OpProfile | undefined;
      if (profile && prof) {
        const warm = prof.runWallMs.slice(skip);
        opProfile = buildTfliteProfile(tables, model.summary, w.graph, warm.length, warm.length > 0 ? median(warm) : null);
        opProfile.notes.push('runMedianMs is the median wall time of a profiled run in the page (predict + read-back, profiling on)');
      }
      if (threads > 1 && !load.wasmFeatures.multiThreading) warnings.push(`${threads} threads requested, but the WASM build has no threads`);

      const version = installedVersion('@tensorflow/tfjs-tflite') ?? 'unknown';
      return {
        executed: {
          runtime: '@tensorflow/tfjs-tflite',
          runtimeVersion: version,
          backend: 'wasm',
          provider: 'XNNPACK',
          evidence: `tfjs-tflite ${version} loadTFLiteModel(numThreads: ${threads}); ${delegateLine ? `timed page console: "${delegateLine.trim()}"; ` : ''}${verificationWords}: ${share.delegateNodes} XNNPACK delegate node(s)${share.builtinNodes ? `, ${share.builtinNodes} builtin node(s)` : ', no builtin nodes'}`,
          details: {
            ...target.settings,
            wasmSimd: load.wasmFeatures.simd,
            wasmThreadsSupported: load.wasmFeatures.multiThreading,
            crossOriginIsolated: load.env.crossOriginIsolated,
            chromiumVersion: env.browser.info.version,
            tfjsCore: load.tfjsCoreVersion,
            modelInput: model.inputs.map((t) => `${t.name} ${t.type} [${t.shape.join(',')}]`),
            xnnpackInternalOps: tables.delegateInternal.length,
            builtinNodes: tables.nodes.filter((r) => !isDelegateNode(r.nodeType)).map((r) => r.nodeType),
          },
          share: backendShare,
        },
        ...(opProfile ? { profile: opProfile } : {}),
        warnings,
      };
    },
  };
}

/** One output of a single run, raw and dequantised. */
export interface TfliteRunOutput {
  name: string;
  dims: number[];
  /** values as tfjs returned them (float32, or int32 for int8/uint8 outputs). */
  raw: Float32Array | Int32Array;
  /** float values (dequantised with the output's scale / zero point for quantised outputs). */
  values: Float32Array;
}

/**
 * Loads any .tflite file through the same path as `measure` (reader validation, page server, tfjs-tflite)
 * and runs it once. `inputs` default: the workload's seeded input when `w` is a workload, else seeded values.
 * For correctness checks: it reuses the slot's scratch tflite page (one model at a time, released after the
 * run), which saves a page + runtime load per model; timed sessions never use it. The model is loaded with
 * profiling on: `xnnpack` says whether the profiler saw an XNNPACK delegate node, `builtinOps` lists ops that
 * ran as builtin kernels.
 */
export async function runTfliteBrowserOnce(
  targetId: string,
  slot: EnvironmentSlot,
  file: { path: string; sha256?: string },
  opts: { threads?: number; inputs?: TensorData[]; workload?: PreparedWorkload } = {},
): Promise<{ outputs: TfliteRunOutput[]; model: CheckedTflite; load: TfliteLoadResponse; xnnpack: boolean; builtinOps: string[] }> {
  const checked = checkTfliteFile(targetId, file.path);
  const inputs = opts.inputs ?? (opts.workload ? workloadInput(targetId, opts.workload, checked) : seededInputsFor(checked));
  const env = await slot.get();
  const page = await slot.scratchPage('tflite');
  page.clearConsole();
  let ok = false;
  try {
    const load = await page.call<TfliteLoadResponse>(
      'tfliteLoad',
      // profiling on: its node list proves XNNPACK ran (the console line is printed once per page only).
      {
        wasmPath: runtimeFilesUrl(env.server.server.origin, 'tflite'),
        runtimeProbe: tfliteProbeB64(),
        modelUrl: env.server.server.addModel(file.path, file.sha256),
        threads: opts.threads ?? 1,
        enableProfiling: true,
        inputs,
      } satisfies TfliteLoadRequest,
      `${targetId}: loading ${file.path}`,
    );
    const r = await page.call<{ outputs: TensorData[]; finite: boolean }>('tfliteRun', null, `${targetId}: running ${file.path}`);
    const outputs = r.outputs.map((t, i) => {
      const info = checked.outputs.find((o) => o.name === t.name) ?? checked.outputs[i];
      const raw = wireValues(t);
      return { name: t.name, dims: t.dims, raw, values: info ? dequantizeFor(info, raw) : Float32Array.from(raw) };
    });
    const prof = await page.call<TfliteProfileResponse>('tfliteProfile', { runs: 0 }, `${targetId}: reading the profile of ${file.path}`);
    const xnnpack = prof.results.some((n) => isDelegateNode(n.nodeType));
    const builtinOps = [...new Set(prof.results.filter((n) => !isDelegateNode(n.nodeType)).map((n) => n.nodeType))];
    await page.call('tfliteRelease', null, `${targetId}: releasing ${file.path}`);
    ok = true;
    return { outputs, model: checked, load, xnnpack, builtinOps };
  } finally {
    // after a failure the page's state is unknown: drop it, the next call opens a fresh one.
    if (!ok) await page.close();
  }
}
