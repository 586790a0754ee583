/**
 * A/B in one process: two sides (two workloads, two targets, or two settings of one target) measured in
 * randomized interleaved order, so whatever the host does hits both alike (duet benchmarking). `k` sessions,
 * each opening both sides afresh (their own runtime sessions: placement in memory and the like differ
 * between sessions, and that part of the variation is counted) and timing a fixed number of pairs with
 * runPairedProtocol (B as the workload, A as the reference). The ratio B / A with its CI and a verdict come
 * from src/profiles/paired.ts (summarisePaired, abVerdict).
 *
 * Why many short sessions: with 3 sessions the between-session part of the CI has 2 degrees of freedom and
 * the interval is ~2% wide on this VM; 10 sessions of 20 pairs found a 2% change in >= 95% of seeded
 * simulations (tests/unit/profiles/paired.test.ts) and on the VM (bench/ab.ts, docs/measurement.md).
 *
 * Sides run in Node: ort-cpu (onnxruntime-node) and ort-wasm (onnxruntime-web's WASM in Node), the same
 * session options as their runners.
 */
import { readFile } from 'node:fs/promises';
import type { ProtocolSettings } from '../core/protocol-run.js';
import type { TargetSettings } from '../core/target.js';
import type { ExportDtype } from '../models/export/cache.js';
import { INPUT_TENSOR } from '../models/graph.js';
import { seededInput } from '../models/weights.js';
import { abVerdict, AB_MIN_EFFECT, summarisePaired, type PairedSession, type PairedSummary } from '../profiles/paired.js';
import { PAIR_ORDER_SEED, runPairedProtocol } from '../profiles/paired-protocol.js';
import { getPreset } from '../profiles/protocol.js';
import { prepareWorkload } from '../runners/prepare.js';
import { getRunner } from '../runners/registry.js';
import { ortCpuSessionOptions } from '../runners/ort/cpu.js';
import { ortWasmSessionOptions } from '../runners/ort/wasm.js';
import type { OrtModuleLike, OrtSessionLike } from '../runners/ort/common.js';
import { InputError } from '../errors.js';

/** Default A/B shape: sessions and pairs per session (module comment). */
export const AB_SESSIONS = 10;
export const AB_PAIRS = 20;

/** One side of an A/B comparison. */
export interface AbSide {
  /** shown in the output, e.g. 'A: model:conv-m on ort-cpu threads=1'. */
  label: string;
  workload: string;
  target: string;
  settings: TargetSettings;
  dtype: ExportDtype;
  /** input resolution (default: the model's native one). */
  resolution?: number;
}

/** A side opened for one session: one call of `run` is one inference. */
export interface AbOpened {
  run(): unknown;
  release(): Promise<void>;
}

/** Opens a side (a fresh runtime session). */
export type AbOpener = (side: AbSide) => Promise<AbOpened>;

export interface AbOptions {
  sessions?: number;
  pairs?: number;
  /** protocol of each session (warm-up, batching, caps); default: the quick preset. */
  protocol?: ProtocolSettings;
  seed?: number;
  /** smallest change the verdict claims (default 1%). */
  minEffect?: number;
  signal?: AbortSignal;
  /** after each session: its index and its median pair ratio B / A. */
  onSession?(index: number, ratio: number): void;
}

export interface AbResult {
  a: AbSide;
  b: AbSide;
  /** B as the workload, A as the reference. */
  sessions: PairedSession[];
  summary: PairedSummary;
  verdict: ReturnType<typeof abVerdict>;
  wallMs: number;
}

/** Measures B against A (module comment). Throws when aborted. */
export async function measureAb(a: AbSide, b: AbSide, open: AbOpener, o: AbOptions = {}): Promise<AbResult> {
  const k = o.sessions ?? AB_SESSIONS;
  const pairs = o.pairs ?? AB_PAIRS;
  if (!Number.isInteger(k) || k < 2) throw new InputError(`A/B needs at least 2 sessions, got ${k}`);
  if (!Number.isInteger(pairs) || pairs < 6) throw new InputError(`A/B needs at least 6 pairs per session, got ${pairs}`);
  const protocol = o.protocol ?? getPreset('quick');
  const seed = o.seed ?? PAIR_ORDER_SEED;
  const t0 = performance.now();
  const sessions: PairedSession[] = [];
  for (let i = 0; i < k; i++) {
    if (o.signal?.aborted) throw new Error('A/B interrupted');
    // open the two sides in alternating order, so neither is always created first
    const first = i % 2 === 0 ? a : b;
    const sideFirst = await open(first);
    let sideSecond: AbOpened | undefined;
    try {
      sideSecond = await open(first === a ? b : a);
      const [sa, sb] = first === a ? [sideFirst, sideSecond] : [sideSecond, sideFirst];
      const run = await runPairedProtocol(
        () => sb.run(),
        () => sa.run(),
        { ...protocol, maxSamples: Math.max(protocol.maxSamples, pairs), maxTimeMs: Math.max(protocol.maxTimeMs, 60_000) },
        { referenceId: a.label, seed: seed + i, pairs, hooks: { shouldAbort: () => o.signal?.aborted ?? false } },
      );
      if (run.stopReason === 'aborted') throw new Error('A/B interrupted');
      const ref = run.reference!;
      const session: PairedSession = {
        pairs: run.samplesMs.map((w, j) => ({ workloadMs: w, referenceMs: ref.samplesMs[j]!, referenceFirst: ref.referenceFirst[j]! })),
      };
      sessions.push(session);
      o.onSession?.(i, ref.ratioCi?.median ?? NaN);
    } finally {
      await sideSecond?.release();
      await sideFirst.release();
    }
  }
  const summary = summarisePaired(sessions, { targetRelHalfWidth: protocol.targetRelHalfWidth, confidence: protocol.confidence });
  return { a, b, sessions, summary, verdict: abVerdict(summary, o.minEffect ?? AB_MIN_EFFECT), wallMs: performance.now() - t0 };
}

/** The A/B targets (Node runtimes in this process). */
export const AB_TARGETS = ['ort-cpu', 'ort-wasm'] as const;

async function ortModule(target: string): Promise<OrtModuleLike & { env: { wasm?: { numThreads?: number } } }> {
  const mod = (await import(target === 'ort-cpu' ? 'onnxruntime-node' : 'onnxruntime-web')) as unknown as OrtModuleLike & { default?: OrtModuleLike };
  return (mod.InferenceSession ? mod : mod.default) as OrtModuleLike & { env: { wasm?: { numThreads?: number } } };
}

/** Checks a side before anything runs: a target A/B can run and settings its runner accepts. */
export function resolveAbSide(side: AbSide): AbSide {
  if (!(AB_TARGETS as readonly string[]).includes(side.target))
    throw new InputError(`A/B runs ${AB_TARGETS.join(' and ')} (both sides in this process); '${side.target}' is not one of them`);
  return { ...side, settings: getRunner(side.target).resolveSettings(side.settings) };
}

/**
 * Opens sides on ort-cpu / ort-wasm with their runners' session options (the export cache gives the model
 * file; `cacheDir` overrides its folder). ort-wasm's thread count is fixed per process, so both ort-wasm
 * sides must ask for the same.
 */
export function ortOpener(cacheDir?: string): AbOpener {
  const bytes = new Map<string, Promise<{ data: Uint8Array; shape: readonly number[]; input: Float32Array }>>();
  const fileOf = (side: AbSide) => {
    const key = `${side.workload}|${side.dtype}|${side.resolution ?? ''}`;
    let p = bytes.get(key);
    if (!p) {
      const res = side.resolution !== undefined ? { resolution: side.resolution } : {};
      p = prepareWorkload(side.workload, { format: 'onnx', dtype: side.dtype, ...res, ...(cacheDir ? { cacheDir } : {}) }).then(async (w) => ({
        data: new Uint8Array(await readFile(w.file.path)),
        shape: w.graph.inputShape,
        input: seededInput(w.graph),
      }));
      bytes.set(key, p);
    }
    return p;
  };
  let wasmThreads: number | undefined;
  return async (side) => {
    const s = resolveAbSide(side);
    const ort = await ortModule(s.target);
    let options: Record<string, unknown>;
    if (s.target === 'ort-cpu') options = ortCpuSessionOptions(s.settings);
    else {
      const threads = Number(s.settings.threads);
      if (wasmThreads !== undefined && wasmThreads !== threads)
        throw new InputError(`ort-wasm's thread count is fixed per process: both sides must use the same (got ${wasmThreads} and ${threads})`);
      wasmThreads = threads;
      if (ort.env.wasm) ort.env.wasm.numThreads = threads;
      options = ortWasmSessionOptions(s.settings);
    }
    const f = await fileOf(s);
    const session: OrtSessionLike = await ort.InferenceSession.create(f.data, options);
    const [c, h, w] = f.shape;
    const name = session.inputNames.includes(INPUT_TENSOR) ? INPUT_TENSOR : session.inputNames[0]!;
    const feeds = { [name]: new ort.Tensor('float32', f.input, [1, c!, h!, w!]) };
    return { run: () => session.run(feeds), release: () => session.release() };
  };
}
