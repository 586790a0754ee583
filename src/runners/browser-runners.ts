/**
 * The browser runners (ort-webgpu, ort-wasm-browser, tflite-wasm, litert-wasm, litert-webgpu). Adding a browser
 * runtime is one folder src/runners/<runtime>/ (page.json, page-entry.ts, page-api.ts, browser-steps.ts and its
 * runner file made with `defineBrowserRunner`, src/runners/browser/runner.ts) and one line in this array;
 * src/runners/registry.ts lists these targets after the Node ones. Factories must be cheap (no browser launch,
 * no heavy imports at call time).
 *
 * Which browser runs them is the run context's connection (src/runners/browser/provider.ts): the local
 * Chromium (one per process, `--chromium PATH` or MNV4_BENCH_CHROMIUM; see `configureBrowserTargets`), a
 * browser behind a DevTools endpoint, or Chrome on Android through the adb bridge. Pages load from ONE page
 * server on 127.0.0.1 (src/runners/browser/server.ts).
 */
import { chromiumConfig, closeBrowser, configureChromium, findChromium, type BrowserConfig } from './browser/launcher.js';
import { createLitertWasmRunner, createLitertWebgpuRunner } from './litert/runners.js';
import { createOrtWasmBrowserRunner } from './ort/wasm-browser.js';
import { createOrtWebgpuRunner } from './ort/webgpu.js';
import { createTfliteWasmRunner } from './tflite/wasm.js';
import type { RunnerFactory } from './types.js';

export const BROWSER_RUNNERS: RunnerFactory[] = [
  createOrtWebgpuRunner,
  createOrtWasmBrowserRunner,
  createTfliteWasmRunner,
  createLitertWasmRunner,
  createLitertWebgpuRunner,
];

/**
 * Process-wide browser options: `chromiumPath` (the CLI's `--chromium PATH`; wins over MNV4_BENCH_CHROMIUM),
 * `launchTimeoutMs`, `evaluateTimeoutMs` (one page call; also the no-progress limit while measuring),
 * `extraArgs` (extra Chromium flags, e.g. `--use-angle=vulkan` for a hardware GPU).
 * Call before the first browser target runs.
 */
export function configureBrowserTargets(c: Partial<BrowserConfig>): Readonly<BrowserConfig> {
  return configureChromium(c);
}

/**
 * What browser-target availability depends on beyond package versions: which Chromium would be used (or why
 * none), and the extra flags. Availability caches should include it in their key.
 */
export function browserTargetsFingerprint(): string {
  const c = findChromium();
  return JSON.stringify({ chromium: c.ok ? c.location.path : `missing: ${c.reason}`, extraArgs: chromiumConfig().extraArgs });
}

/** Closes the shared Chromium now (end of a CLI command; tests). Runners re-launch it when used again. */
export async function shutdownBrowserTargets(): Promise<void> {
  await closeBrowser();
}
