/**
 * Runs .tflite files in Node with LiteRT.js (@litertjs/core: TFLite's runtime compiled to WebAssembly, CPU
 * kernels through XNNPACK), so exported files can be executed and checked without a browser or a device.
 *
 * LiteRT.js is written for browsers and workers: its loader pulls the Emscripten glue with `importScripts`
 * (workers) or a <script> tag, and reads the factory from `self.ModuleFactory`. In Node we provide
 * `self` (= globalThis, only if absent) and a temporary `importScripts` that evaluates the glue as a
 * CommonJS script (it then finds the .wasm next to it with node:fs). The glue's own log lines go to
 * `log` (default: dropped). Only the 'wasm' accelerator exists here; WebGPU needs a browser.
 *
 * Tensor dtypes through the JS API: float32, int32, uint8. int8 models therefore run here in their
 * float-I/O form (exportTflite(..., {dtype: 'int8', io: 'float32'})).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

type LiteRtModule = typeof import('@litertjs/core');

let loading: Promise<LiteRtModule> | undefined;

/** Directory of the LiteRT.js wasm files inside node_modules. */
export function liteRtWasmDir(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@litertjs/core');
  // <pkg>/dist/index.js -> <pkg>/wasm/
  return path.join(path.dirname(path.dirname(entry)), 'wasm') + path.sep;
}

/**
 * Loads LiteRT.js once per process (later calls return the same module). Throws with a one-line reason
 * when the package is missing or its wasm cannot start.
 */
export function loadLiteRtNode(opts: { log?: (line: string) => void } = {}): Promise<LiteRtModule> {
  if (loading) return loading;
  loading = (async () => {
    let lrt: LiteRtModule;
    try {
      lrt = await import('@litertjs/core');
    } catch (e) {
      throw new Error(`LiteRT.js is not installed (npm install @litertjs/core): ${(e as Error).message}`);
    }
    const g = globalThis as Record<string, unknown>;
    if (g.self === undefined) g.self = globalThis;
    const log = opts.log ?? ((): void => undefined);
    // Emscripten reads print/printErr from a pre-set Module object
    g.Module = { print: log, printErr: log };
    const hadImportScripts = 'importScripts' in g;
    const require = createRequire(import.meta.url);
    g.importScripts = (url: string): void => {
      const file = url.startsWith('file:') ? new URL(url).pathname : url;
      const wrapped = `(function (exports, module, require, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
      const fn = vm.runInThisContext(wrapped, { filename: file }) as (...a: unknown[]) => void;
      const mod: { exports: unknown } = { exports: {} };
      fn(mod.exports, mod, require, file, path.dirname(file));
      g.ModuleFactory = mod.exports;
    };
    const warn = console.warn;
    try {
      // LiteRT.js warns that it cannot create a WebGPU device; there is none in Node, by design
      console.warn = (...a: unknown[]): void => {
        if (!String(a[0]).includes('WebGPU')) warn(...a);
      };
      await lrt.loadLiteRt(liteRtWasmDir());
    } catch (e) {
      loading = undefined;
      throw new Error(`LiteRT.js failed to start in Node: ${(e as Error).message}`);
    } finally {
      console.warn = warn;
      if (!hadImportScripts) delete g.importScripts;
    }
    return lrt;
  })();
  return loading;
}

/** Runs a float-I/O .tflite once on the CPU (XNNPACK) and returns its outputs as float32 arrays. */
export async function runTfliteNode(bytes: Uint8Array, inputs: Float32Array[]): Promise<Float32Array[]> {
  const lrt = await loadLiteRtNode();
  const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm' });
  try {
    const details = model.getInputDetails();
    if (details.length !== inputs.length) throw new Error(`the model has ${details.length} inputs, got ${inputs.length}`);
    const tensors = inputs.map((x, i) => new lrt.Tensor(x, Array.from(details[i]!.shape)));
    try {
      const outs = await model.run(tensors);
      return outs.map((t) => {
        const a = t.toTypedArray();
        t.delete();
        if (!(a instanceof Float32Array)) throw new Error(`output has dtype ${a.constructor.name}, expected Float32Array`);
        return a.slice();
      });
    } finally {
      for (const t of tensors) t.delete();
    }
  } finally {
    model.delete();
  }
}
