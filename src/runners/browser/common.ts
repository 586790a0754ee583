/**
 * What the browser runners share on the Node side:
 *  - `BrowserEnvironment`: the shared Chromium + the shared page server, acquired lazily by a runner and
 *    released by its `dispose()`; re-acquired after a crash so later workloads still run;
 *  - `openBundlePage`: a fresh isolated page with one page bundle loaded (one page per session: the timed
 *    session and the verification/profiling session never share a page or a runtime instance);
 *  - `measureOnPage`: the in-page protocol call with a no-progress watchdog fed by heartbeats, and the
 *    caller's hooks forwarded (throttled);
 *  - `browserLoadProbe`: host load where Chromium's own processes count as ours, not as "other load";
 *  - helpers for the common settings, detection and the `MeasurementResult` context block.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ProtocolHooks, ProtocolSettings } from '../../profiles/protocol.js';
import { startLoadProbe, type LoadWindow } from '../host-load.js';
import type { PreparedWorkload } from '../types.js';
import { acquireBrowser, type BrowserHandle, BrowserPage, chromiumConfig, findChromium } from './launcher.js';
import type { Beat, MeasureRequest, MeasureResponse, PageEnv } from './page/api.js';
import { packageDir } from '../../util/packages.js';
import { acquirePageServer, pageBundleStaleReason, type PageServerHandle } from './server.js';

/** Name of the heartbeat binding installed in every page. */
export const BEAT_BINDING = '__mnv4Beat';

/** Page bundles (dist/page/<name>.js). */
export type PageBundle = 'ort' | 'tflite' | 'litert';

/** The shared browser + page server, as one runner holds them. */
export class BrowserEnvironment {
  private constructor(
    readonly browser: BrowserHandle,
    readonly server: PageServerHandle,
  ) {}

  /** Acquires both (launching Chromium / starting the server / building the page bundle when needed). */
  static async acquire(): Promise<BrowserEnvironment> {
    const server = await acquirePageServer();
    try {
      const browser = await acquireBrowser();
      return new BrowserEnvironment(browser, server);
    } catch (e) {
      await server.release();
      throw e;
    }
  }

  get isDead(): boolean {
    return this.browser.isDead;
  }

  /** Opens a fresh isolated page and loads one page bundle into it. */
  async openBundlePage(bundle: PageBundle, what: string): Promise<BrowserPage> {
    const origin = this.server.server.origin;
    const page = await this.browser.newPage(`${origin}/`);
    try {
      await page.evaluate(`import(${JSON.stringify(`${origin}/page/${bundle}.js`)}).then(() => true)`, `${what}: loading the ${bundle} page bundle`);
      return page;
    } catch (e) {
      await page.close();
      throw e;
    }
  }

  async release(): Promise<void> {
    await this.browser.release();
    await this.server.release();
  }
}

/**
 * Holds a runner's environment: acquired on first use, replaced when the browser died (a crash fails the
 * workload in flight; the next workload gets a fresh browser), released by `dispose()`.
 */
export class EnvironmentSlot {
  private env: BrowserEnvironment | null = null;
  private pending: Promise<BrowserEnvironment> | null = null;
  private readonly scratch = new Map<PageBundle, BrowserPage>();
  /** sessions this runner created on the current browser (cold-start context: shader caches are shared). */
  sessionsOnBrowser = 0;

  async get(): Promise<BrowserEnvironment> {
    if (this.env && this.env.isDead) {
      const old = this.env;
      this.env = null;
      this.sessionsOnBrowser = 0;
      this.scratch.clear();
      await old.release();
    }
    if (this.env) return this.env;
    if (!this.pending) {
      this.pending = BrowserEnvironment.acquire().finally(() => {
        this.pending = null;
      });
    }
    this.env = await this.pending;
    return this.env;
  }

  /**
   * A page with `bundle` loaded that is kept between calls, for correctness runs (never for timing: a timed
   * session always gets a fresh page). Reopened when it was closed or its browser died.
   */
  async scratchPage(bundle: PageBundle): Promise<BrowserPage> {
    const env = await this.get();
    const cur = this.scratch.get(bundle);
    if (cur && !cur.isClosed) return cur;
    const page = await env.openBundlePage(bundle, `scratch ${bundle} page`);
    this.scratch.set(bundle, page);
    return page;
  }

  async release(): Promise<void> {
    for (const p of this.scratch.values()) await p.close();
    this.scratch.clear();
    const e = this.env;
    this.env = null;
    this.sessionsOnBrowser = 0;
    if (e) await e.release();
  }
}

/**
 * Runs the shared protocol inside the page (`<prefix>Measure`) with a no-progress watchdog: the page sends a
 * heartbeat at every phase change and at most every 250 ms while sampling; no heartbeat for the browser
 * evaluate timeout -> BrowserTimeoutError. `hooks.onPhase/onSample` are forwarded from the heartbeats;
 * `hooks.shouldAbort` is polled here and forwarded as a page flag (honoured between samples).
 */
export async function measureOnPage(page: BrowserPage, fn: string, settings: ProtocolSettings, hooks: ProtocolHooks | undefined, keepOutputs: boolean, what: string): Promise<MeasureResponse> {
  let last = Date.now();
  await page.addBinding(BEAT_BINDING, (payload) => {
    last = Date.now();
    let b: Beat;
    try {
      b = JSON.parse(payload) as Beat;
    } catch {
      return;
    }
    if (b.phase) hooks?.onPhase?.(b.phase);
    if (b.n !== undefined) hooks?.onSample?.(b.n, b.elapsedMs ?? 0, b.relHalfWidth !== undefined && b.relHalfWidth >= 0 ? b.relHalfWidth : Infinity);
  });
  let abortTimer: NodeJS.Timeout | undefined;
  if (hooks?.shouldAbort) {
    const should = hooks.shouldAbort.bind(hooks);
    abortTimer = setInterval(() => {
      if (!should()) return;
      clearInterval(abortTimer);
      // fire and forget: the page reads the flag between samples.
      page.page.evaluate('globalThis.__mnv4Abort = true').catch(() => undefined);
    }, 250);
  }
  try {
    const req: MeasureRequest = { settings, beat: BEAT_BINDING, keepOutputs };
    return await page.call<MeasureResponse>(fn, req, what, { stall: { lastProgress: () => last } });
  } finally {
    if (abortTimer) clearInterval(abortTimer);
  }
}

// ------------------------------------------------------------------ host load incl. Chromium

let clockTicks: number | null = null;
function clkTck(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU ms used so far by `rootPid` and all its descendants (Linux /proc; null elsewhere). */
export function processTreeCpuMs(rootPid: number): number | null {
  if (process.platform !== 'linux' || !existsSync('/proc')) return null;
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    // fields after the parenthesised command: state ppid ... utime(14) stime(15)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const ticks = Number(rest[11]) + Number(rest[12]);
    parent.set(Number(d), ppid);
    cpu.set(Number(d), ticks);
  }
  let total = 0;
  for (const [pid, ticks] of cpu) {
    let p: number | undefined = pid;
    for (let i = 0; i < 64 && p !== undefined && p > 1; i++) {
      if (p === rootPid) {
        total += ticks;
        break;
      }
      p = parent.get(p);
    }
  }
  return (total * 1000) / clkTck();
}


/**
 * Like host-load's probe, but the Chromium process tree counts as our own work: otherwise the browser doing
 * the measured inference would read as "other processes loaded the machine".
 */
export function browserLoadProbe(browserPid: number | null): () => LoadWindow & { chromiumCpuMs: number | null } {
  const end = startLoadProbe(() => (browserPid !== null ? processTreeCpuMs(browserPid) : null));
  return () => {
    const window = end();
    return { ...window, chromiumCpuMs: window.extraOwnMs };
  };
}

// ------------------------------------------------------------------ detection, checks, context

/**
 * Availability checks every browser target shares (cheap: no launch): Chromium found, the runtime package
 * installed, the page bundle present or buildable.
 */
export function basicBrowserAvailability(packages: readonly string[]): { ok: true; details: Record<string, unknown> } | { ok: false; reason: string } {
  const c = findChromium();
  if (!c.ok) return { ok: false, reason: c.reason };
  for (const p of packages) {
    if (!packageDir(p)) return { ok: false, reason: `package ${p} is not installed (npm install)` };
  }
  const stale = pageBundleStaleReason();
  if (stale && !packageDir('esbuild')) return { ok: false, reason: `${stale} and esbuild is not installed to build it; run \`npm run build\`` };
  return { ok: true, details: { chromium: c.location.path, chromiumSource: c.location.source, pageBundle: stale ?? 'current' } };
}

/** The `context` block every browser measurement carries. */
export function browserContext(env: BrowserEnvironment, pageEnv: PageEnv, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const info = env.browser.info;
  return {
    browser: {
      executable: info.executable,
      version: info.version,
      userAgent: info.userAgent,
      flags: info.flags,
      evaluateTimeoutMs: chromiumConfig().evaluateTimeoutMs,
    },
    page: {
      origin: env.server.server.origin,
      crossOriginIsolated: pageEnv.crossOriginIsolated,
      secureContext: pageEnv.isSecureContext,
      hardwareConcurrency: pageEnv.hardwareConcurrency,
      timerResolutionMs: pageEnv.timerResolutionMs,
    },
    ...extra,
  };
}

/** Warnings about the page environment that make figures less trustworthy. */
export function pageEnvWarnings(pageEnv: PageEnv): string[] {
  const w: string[] = [];
  if (!pageEnv.crossOriginIsolated) w.push('the page was not cross-origin isolated: no WASM threads and a 100 µs performance.now() resolution');
  return w;
}

/** Checks a workload's file format; a wrong format is a usage problem, not a runtime failure. */
export function requireFormat(targetId: string, w: PreparedWorkload, format: 'onnx' | 'tflite'): void {
  if (w.file.format !== format) throw new Error(`${targetId} runs ${format.toUpperCase()} files; workload ${w.id} was prepared as ${w.file.format}`);
  if (!existsSync(w.file.path)) throw new Error(`${targetId}: model file ${w.file.path} of workload ${w.id} does not exist`);
}
