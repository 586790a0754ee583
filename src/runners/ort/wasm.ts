/**
 * `ort-wasm`: onnxruntime-web inside Node. `import 'onnxruntime-web'` resolves to its Node build
 * (ort.node.min.mjs), which has the WASM backend only, so nothing can silently fall back to another one.
 *
 * Settings (recorded):
 *  - threads: `ort.env.wasm.numThreads` (default 1). The WASM module is initialised ONCE per process with
 *    that thread count; asking for another count later in the same process is an error (run separate
 *    invocations), never a silent reuse;
 *  - optLevel: graphOptimizationLevel disabled|basic|extended|all (default all).
 * SIMD: onnxruntime-web 1.30 ships only SIMD builds (`ort-wasm-simd-threaded*.wasm`), so SIMD is always on;
 * recorded as `simd: true` with that reason.
 *
 * Proof of what ran (ort-common.ts): the timed session asks for `executionProviders: ['wasm']` only, which
 * onnxruntime-web maps to no extra provider, so the CPU EP inside WASM is the only one registered in it; ORT
 * refuses to create a session with a node no registered provider implements, so every node of the timed
 * session ran on CPUExecutionProvider.
 *
 * Profiler (a separate profiling session after the timed one: onnxruntime-web can switch its profiler on only
 * at session creation): it gives the node count and, with `profile`, the per-op breakdown. In Node its WASM
 * build prints the Chrome-trace JSON to stdout (fd 1) at endProfiling(); we capture that output (fd 1 writes
 * are intercepted only during that call) and parse the same events as ort-cpu.
 */
import nodeFs from 'node:fs';
import os from 'node:os';
import { installedVersion } from '../../util/packages.js';
import { defineRunner } from '../define.js';
import { ortSteps, startRuntimeOnce, type OrtModuleLike, type OrtSessionLike } from './common.js';
import { OPT_LEVELS } from './cpu.js';
import { parseOrtTrace, type OrtTraceEvent } from './profile.js';
import { type SettingSpec, type TargetSettings } from '../../core/target.js';
import { RunnerUnavailableError, type Runner } from '../types.js';

const MAX_THREADS = 16;

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: MAX_THREADS, default: 1, describe: 'WASM threads (ort.env.wasm.numThreads; fixed per process)' },
  { key: 'optLevel', type: 'enum', values: OPT_LEVELS, default: 'all', describe: 'graph optimization level' },
];

type OrtWeb = OrtModuleLike & { env: OrtModuleLike['env'] & { wasm: { numThreads?: number; simd?: unknown }; logLevel?: string } };

/** Thread count the WASM module of this process was initialised with (undefined before the first session). */
let initialisedThreads: number | undefined;

async function loadOrtWeb(): Promise<OrtWeb> {
  const mod = (await import('onnxruntime-web')) as unknown as OrtWeb & { default?: OrtWeb };
  return mod.InferenceSession ? mod : (mod.default as OrtWeb);
}

/**
 * Runs `fn` while capturing what is written to file descriptor 1: the WASM module's Node print is
 * `fs.writeSync(1, text)` (looked up on the shared `fs` module object at call time), so that is the call we
 * intercept, only for the duration of `fn`. Anything else written to fd 1 meanwhile is passed through.
 */
function captureFd1(fn: () => void): string {
  const chunks: string[] = [];
  const fsMod = nodeFs as unknown as { writeSync: (...a: unknown[]) => number };
  const original = fsMod.writeSync;
  fsMod.writeSync = (fd: unknown, data: unknown, ...rest: unknown[]) => {
    if (fd === 1 && typeof data === 'string') {
      chunks.push(data);
      return Buffer.byteLength(data);
    }
    return original.call(nodeFs, fd, data, ...rest);
  };
  try {
    fn();
  } finally {
    fsMod.writeSync = original;
  }
  return chunks.join('');
}

/** Extracts the JSON array ORT printed (from the first '[' line to the last ']'). */
function extractPrintedTrace(text: string): OrtTraceEvent[] {
  const start = text.indexOf('[\n') >= 0 ? text.indexOf('[\n') : text.indexOf('[');
  const end = text.lastIndexOf(']');
  if (start < 0 || end < start) throw new Error('onnxruntime-web printed no profiler JSON at endProfiling()');
  return parseOrtTrace(text.slice(start, end + 1));
}

/** Session options for resolved settings (the thread count lives in `ort.env.wasm`, set per process). */
export function ortWasmSessionOptions(s: TargetSettings): Record<string, unknown> {
  return { executionProviders: ['wasm'], graphOptimizationLevel: s.optLevel };
}

/** Creates the ort-wasm runner. */
export function createOrtWasmRunner(): Runner {
  return defineRunner({
    id: 'ort-wasm',
    runtime: 'onnxruntime-web',
    backend: 'wasm',
    describe: 'ONNX Runtime Web (onnxruntime-web) WASM backend, run in Node (SIMD, optional threads)',
    formats: ['onnx'],
    settings: SETTINGS,
    connections: ['local'],
    runtimeVersion: () => installedVersion('onnxruntime-web'),
    async detect() {
      try {
        const ort = await loadOrtWeb();
        if (typeof WebAssembly !== 'object') return { available: false, reason: 'this Node has no WebAssembly' };
        return {
          available: true,
          details: {
            version: ort.env.versions.web ?? ort.env.versions.common ?? 'unknown',
            simd: true,
            maxThreads: MAX_THREADS,
            cpus: os.cpus().length,
          },
        };
      } catch (e) {
        return { available: false, reason: `onnxruntime-web cannot be loaded: ${(e as Error).message.split('\n')[0]}` };
      }
    },
    async session(w, target) {
      let ort: OrtWeb;
      try {
        ort = await loadOrtWeb();
      } catch (e) {
        throw new RunnerUnavailableError('ort-wasm', `onnxruntime-web cannot be loaded: ${(e as Error).message}`);
      }
      const s = target.settings;
      const threads = Number(s.threads);
      if (initialisedThreads !== undefined && initialisedThreads !== threads) {
        throw new Error(
          `ort-wasm: this process initialised onnxruntime-web with ${initialisedThreads} thread(s); ${threads} needs a separate invocation`,
        );
      }
      ort.env.wasm.numThreads = threads;
      initialisedThreads = threads;
      const sessionOptions = ortWasmSessionOptions(s);
      return ortSteps(
        {
          target,
          ort,
          runtime: 'onnxruntime-web',
          runtimeVersion: ort.env.versions.web ?? 'unknown',
          sessionOptions,
          expectedProvider: 'CPUExecutionProvider',
          evidencePrefix: 'onnxruntime-web Node build (WASM backend only)',
          profileSource: 'onnxruntime-web-profiler',
          async profileEvents(bytes, runs, runOnce) {
            const sess: OrtSessionLike = await ort.InferenceSession.create(bytes, { ...sessionOptions, enableProfiling: true });
            try {
              for (let i = 0; i < runs; i++) await runOnce(sess);
              const text = captureFd1(() => sess.endProfiling());
              return extractPrintedTrace(text);
            } finally {
              await sess.release();
            }
          },
          async initRuntime() {
            return startRuntimeOnce(ort, sessionOptions);
          },
          details: () => ({
            simd: true,
            simdEvidence: 'onnxruntime-web 1.30 ships only SIMD WASM builds (ort-wasm-simd-threaded*.wasm)',
            numThreadsEffective: ort.env.wasm.numThreads,
            crossOriginIsolated: false,
          }),
          finish(result) {
            if (threads > os.cpus().length) result.warnings.push(`threads=${threads} exceeds the ${os.cpus().length} CPUs of this host`);
            if (threads > 1 && result.executed.details?.subThreadsUsed === false) {
              result.warnings.push(`threads=${threads} was requested but the profiler saw no work on pool threads`);
            }
          },
        },
        w,
      );
    },
  });
}
