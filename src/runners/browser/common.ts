/**
 * What the browser runners share on the Node side:
 *  - `BrowserEnvironment`: a browser (the local Chromium, or one reached through a DevTools endpoint: see
 *    provider.ts) + the shared page server, acquired lazily by a runner and released by its `dispose()`;
 *    re-acquired after a crash so later workloads still run;
 *  - `EnvironmentSlot`: a runner's environments, one per run-context connection;
 *  - `openBundlePage`: a fresh isolated page with one page bundle loaded (one page per session: the timed
 *    session and the verification/profiling session never share a page or a runtime instance);
 *  - `measureOnPage`: the in-page protocol call with a no-progress watchdog fed by heartbeats, and the
 *    caller's hooks forwarded (throttled);
 *  - `browserLoadProbe`: host load where Chromium's own processes count as ours, not as "other load";
 *  - availability (`basicBrowserAvailability` without a launch, `probeBrowser` with one) and the
 *    `MeasurementResult` context block.
 */
import type { ProtocolHooks, ProtocolSettings } from '../../core/protocol-run.js';
import { processTreeCpuMs, startLoadProbe, type LoadWindow } from '../../core/host-load.js';
import type { DeviceConnection } from '../../core/target.js';
import { packageDir } from '../../util/packages.js';
import { acquireBrowser, type BrowserHandle, BrowserPage, chromiumConfig, findChromium } from './launcher.js';
import type { Beat, MeasureRequest, MeasureResponse, PageEnv } from './page/api.js';
import { pageBundle, type PageBundle } from './pages.js';
import { browserProvider, type BrowserProvider, type OpenedRoute } from './provider.js';
import { acquirePageServer, pageBundleStaleReason, type PageServerHandle } from './server.js';

/** Name of the heartbeat binding installed in every page. */
const BEAT_BINDING = '__mnv4Beat';

export type { PageBundle } from './pages.js';

/** A browser (launched or connected, see provider.ts) + the shared page server, as one runner holds them. */
export class BrowserEnvironment {
  /** sessions runners created on this browser so far (cold-start context: shader caches are shared). */
  sessions = 0;

  private constructor(
    readonly browser: BrowserHandle,
    readonly server: PageServerHandle,
    private readonly route: OpenedRoute,
  ) {}

  /** Acquires both (starting the server, building the page bundle, launching or connecting when needed). */
  static async acquire(provider: BrowserProvider = browserProvider()): Promise<BrowserEnvironment> {
    const server = await acquirePageServer();
    let route: OpenedRoute | null = null;
    try {
      route = await provider.open(Number(new URL(server.server.origin).port));
      const browser = await acquireBrowser(route.spec);
      return new BrowserEnvironment(browser, server, route);
    } catch (e) {
      await route?.close().catch(() => undefined);
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
      await page.evaluate(
        `import(${JSON.stringify(`${origin}/page/${pageBundle(bundle).name}.js`)}).then(() => true)`,
        `${what}: loading the ${bundle} page bundle`,
      );
      return page;
    } catch (e) {
      await page.close();
      throw e;
    }
  }

  async release(): Promise<void> {
    await this.browser.release();
    await this.route.close().catch(() => undefined);
    await this.server.release();
  }
}

interface SlotEntry {
  env: BrowserEnvironment | null;
  pending: Promise<BrowserEnvironment> | null;
  scratch: Map<PageBundle, BrowserPage>;
}

/**
 * Holds a runner's environments, one per browser (run context connection): acquired on first use, replaced
 * when the browser died (a crash fails the workload in flight; the next workload gets a fresh browser),
 * released by `dispose()`.
 */
export class EnvironmentSlot {
  private readonly entries = new Map<string, SlotEntry>();

  /** The environment for `connection` (default: this machine's Chromium). */
  async get(connection?: DeviceConnection): Promise<BrowserEnvironment> {
    const provider = browserProvider(connection);
    let e = this.entries.get(provider.key);
    if (!e) this.entries.set(provider.key, (e = { env: null, pending: null, scratch: new Map() }));
    const entry = e;
    if (entry.env && entry.env.isDead) {
      const old = entry.env;
      entry.env = null;
      entry.scratch.clear();
      await old.release();
    }
    if (entry.env) return entry.env;
    if (!entry.pending) {
      entry.pending = BrowserEnvironment.acquire(provider).finally(() => {
        entry.pending = null;
      });
    }
    entry.env = await entry.pending;
    return entry.env;
  }

  /**
   * A page with `bundle` loaded that is kept between calls, for correctness runs (never for timing: a timed
   * session always gets a fresh page). Reopened when it was closed or its browser died.
   */
  async scratchPage(bundle: PageBundle, connection?: DeviceConnection): Promise<BrowserPage> {
    const env = await this.get(connection);
    const entry = this.entries.get(browserProvider(connection).key) as SlotEntry;
    const cur = entry.scratch.get(bundle);
    if (cur && !cur.isClosed) return cur;
    const page = await env.openBundlePage(bundle, `scratch ${bundle} page`);
    entry.scratch.set(bundle, page);
    return page;
  }

  async release(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all) {
      for (const p of entry.scratch.values()) await p.close();
      const env = entry.env ?? (entry.pending ? await entry.pending.catch(() => null) : null);
      if (env) await env.release();
    }
  }
}

/**
 * Runs the shared protocol inside the page (`<prefix>Measure`) with a no-progress watchdog: the page sends a
 * heartbeat at every phase change and at most every 250 ms while sampling; no heartbeat for the browser
 * evaluate timeout -> BrowserTimeoutError. `hooks.onPhase/onSample` are forwarded from the heartbeats;
 * `hooks.shouldAbort` is polled here and forwarded as a page flag (honoured between samples).
 */
export async function measureOnPage(
  page: BrowserPage,
  fn: string,
  settings: ProtocolSettings,
  hooks: ProtocolHooks | undefined,
  keepOutputs: boolean,
  what: string,
): Promise<MeasureResponse> {
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
 * Availability checks every browser target shares that cost nothing (no launch): the browser route is possible
 * (Chromium found for a local run, an endpoint for a remote one), the runtime packages are installed, the page
 * bundle is present or buildable. `probeBrowser` then starts the browser for real.
 */
export function basicBrowserAvailability(
  packages: readonly string[],
  connection?: DeviceConnection,
): { ok: true; details: Record<string, unknown> } | { ok: false; reason: string } {
  const provider = browserProvider(connection);
  const why = provider.precheck();
  if (why !== null) return { ok: false, reason: why };
  for (const p of packages) {
    if (!packageDir(p)) return { ok: false, reason: `package ${p} is not installed (npm install)` };
  }
  const stale = pageBundleStaleReason();
  if (stale && !packageDir('esbuild')) return { ok: false, reason: `${stale} and esbuild is not installed to build it; run \`npm run build\`` };
  const details: Record<string, unknown> = { browser: provider.describe, pageBundle: stale ?? 'current' };
  const c = provider.key === 'local' ? findChromium() : null;
  if (c?.ok) Object.assign(details, { chromium: c.location.path, chromiumSource: c.location.source });
  return { ok: true, details };
}

/**
 * Starts (or connects to) the browser of `connection`, opens a page with `bundle` and reads its environment:
 * an availability check that only says yes when the browser really runs. Never throws.
 */
export async function probeBrowser(
  slot: EnvironmentSlot,
  bundle: PageBundle,
  connection: DeviceConnection | undefined,
  what: string,
): Promise<{ ok: true; env: BrowserEnvironment; pageEnv: PageEnv } | { ok: false; reason: string }> {
  try {
    const env = await slot.get(connection);
    const page = await env.openBundlePage(bundle, `${what}: availability probe`);
    try {
      const pageEnv = await page.call<PageEnv>('env', null, `${what}: reading the page environment`);
      return { ok: true, env, pageEnv };
    } finally {
      await page.close();
    }
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n')[0] ?? String(e) };
  }
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
