/**
 * `ort-wasm-browser`: onnxruntime-web's WASM backend (`ort.wasm.min.mjs`, the WASM-only build, SIMD always on)
 * in the shared Chromium, on a cross-origin isolated page (so WASM threads work and performance.now() has
 * 5 µs resolution).
 *
 * Same sequence as ort-webgpu (src/runners/browser/ort-browser.ts): timed page with the shared protocol
 * running in the page. Proof of what ran, from the timed page: its session asked for `['wasm']` only, so the
 * CPU EP inside WASM is the only provider registered in it, and ORT refuses to create a session with a node no
 * registered provider implements (ORT's placement warning, which would say otherwise, is looked for in the
 * console output of its creation). A separate verification page (ORT's profiler can start only at session
 * creation) gives the node count from its trace and, with `profile`, the per-op / per-block breakdown.
 *
 * Threads: ORT silently uses 1 thread when the page is not isolated; the runner reads
 * `ort.env.wasm.numThreads` back after initialisation and refuses a run whose thread count differs.
 *
 * Settings: threads (default 1), optLevel (default all).
 */
import { ortBrowserSteps } from './browser-steps.js';
import { defineBrowserRunner } from '../browser/runner.js';
import { OPT_LEVELS } from './cpu.js';
import type { SettingSpec } from '../../core/target.js';
import type { Runner } from '../types.js';

const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'threads',
    type: 'int',
    min: 1,
    max: 16,
    default: 1,
    describe: 'WASM threads (ort.env.wasm.numThreads; needs cross-origin isolation, which the page server provides)',
  },
  { key: 'optLevel', type: 'enum', values: OPT_LEVELS, default: 'all', describe: 'graph optimization level' },
];

/** Creates the ort-wasm-browser runner (cheap: the browser starts on detect/measure). */
export function createOrtWasmBrowserRunner(): Runner {
  return defineBrowserRunner({
    id: 'ort-wasm-browser',
    runtime: 'onnxruntime-web',
    backend: 'wasm',
    describe: 'ONNX Runtime Web, WASM backend (SIMD, threads) in Chromium',
    formats: ['onnx'],
    settings: SETTINGS,
    packages: ['onnxruntime-web'],
    bundle: 'ort',
    session: (slot, w, target, ctx) => ortBrowserSteps({ ep: 'wasm', ortFile: 'ort.wasm.min.mjs' }, slot, w, target, ctx),
  });
}
