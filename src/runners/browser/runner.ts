/**
 * What every browser runner shares, on top of defineRunner and the measurement sequence:
 *  - `defineBrowserRunner`: connections (local Chromium, a DevTools endpoint, Chrome on Android through the adb
 *    bridge: src/runners/browser/provider.ts), the cheap precheck, a detect that really starts the browser and
 *    loads the runtime's page bundle, and the environment slot released by dispose;
 *  - `timedPageSteps`: steps 2-4 of the sequence on a fresh page of the runtime's bundle: `<prefix>Load` (the
 *    page times the session creation), `<prefix>Measure` (the shared protocol in the page, with heartbeats),
 *    the output check on the wire outputs; Chromium's own CPU counts as ours in the host-load window.
 *  - `verifyAfterTiming`: the proof step's page work: the timed page's own facts, then the verification run in
 *    that page (timed session released) or in a page of its own.
 * A browser runner then adds the file check and its proof of backend.
 */
import { installedVersion } from '../../util/packages.js';
import { defineRunner, type RunnerDefinition } from '../define.js';
import type { SessionSteps } from '../measurement.js';
import { type Availability, type RunContext, type Target } from '../../core/target.js';
import { type PreparedWorkload } from '../../core/workload-file.js';
import { RunnerUnavailableError, type Runner } from '../types.js';
import {
  basicBrowserAvailability,
  browserContext,
  browserLoadProbe,
  type BrowserEnvironment,
  EnvironmentSlot,
  measureOnPage,
  pageEnvWarnings,
  probeBrowser,
} from './common.js';
import type { BrowserPage } from './launcher.js';
import { NO_ADAPTER, type MeasureResponse, type PageEnv, type TensorData } from './page/api.js';
import type { PageBundle } from './pages.js';

/** What a browser runner file states and provides. */
export interface BrowserRunnerDefinition extends Omit<
  RunnerDefinition,
  'connections' | 'runtimeVersion' | 'detect' | 'precheck' | 'session' | 'dispose'
> {
  /** npm packages the target needs (its runtime; puppeteer-core is added). */
  packages: readonly string[];
  /** the runtime's page bundle (the `name` in src/runners/<runtime>/page.json). */
  bundle: PageBundle;
  /**
   * Optional extra availability check once the browser runs (e.g. a WebGPU adapter). Default: the browser
   * started and the bundle loaded.
   */
  probe?(env: BrowserEnvironment, page: BrowserPage, ctx: RunContext): Promise<Availability>;
  /** the steps of one measurement. */
  session(
    slot: EnvironmentSlot,
    w: PreparedWorkload,
    target: Target,
    ctx: RunContext,
    options: { profile?: boolean; profileRuns?: number },
  ): SessionSteps | Promise<SessionSteps>;
}

/** Builds a browser runner: one file per runtime plus one line in browser-runners.ts. */
export function defineBrowserRunner(def: BrowserRunnerDefinition): Runner {
  const slot = new EnvironmentSlot();
  const packages = [...def.packages, 'puppeteer-core'];
  return defineRunner({
    id: def.id,
    runtime: def.runtime,
    backend: def.backend,
    describe: def.describe,
    formats: def.formats,
    settings: def.settings,
    connections: ['local', 'devtools', 'adb'],
    runtimeVersion: () => installedVersion(def.runtime),
    precheck(ctx) {
      const basic = basicBrowserAvailability(packages, ctx.connection);
      return basic.ok ? null : basic.reason;
    },
    async detect(ctx) {
      const basic = basicBrowserAvailability(packages, ctx.connection);
      if (!basic.ok) return { available: false, reason: basic.reason };
      if (def.probe) {
        const env = await slot.get(ctx.connection);
        const page = await env.openBundlePage(def.bundle, `${def.id}: availability probe`);
        try {
          const a = await def.probe(env, page, ctx);
          return a.available ? { available: true, details: { ...basic.details, ...a.details } } : a;
        } finally {
          await page.close();
        }
      }
      const p = await probeBrowser(slot, def.bundle, ctx.connection, def.id);
      if (!p.ok) return { available: false, reason: p.reason };
      return {
        available: true,
        details: { ...basic.details, browserVersion: p.env.browser.info.version, crossOriginIsolated: p.pageEnv.crossOriginIsolated },
      };
    },
    session: (w, target, ctx, options) => def.session(slot, w, target, ctx, options),
    dispose: () => slot.release(),
  });
}

/** Checks wire outputs against the workload graph: element count of the first output, all finite. */
function checkWireOutputs(targetId: string, w: PreparedWorkload, outputs: readonly TensorData[] | null, finite: boolean): void {
  const first = outputs?.[0];
  if (!first) throw new Error(`${targetId}: ${w.id} produced no output`);
  const want = w.graph.outputShape.reduce((a, b) => a * b, 1);
  const got = first.dims.reduce((a, b) => a * b, 1);
  if (got !== want)
    throw new Error(
      `${targetId}: ${w.id} output has ${got} elements [${first.dims.join('x')}], the graph describes ${want} [${w.graph.outputShape.join('x')}]: model file and workload disagree`,
    );
  if (!finite) throw new Error(`${targetId}: ${w.id} produced NaN/Inf outputs: the run is broken, refusing to record its time`);
}

/** What the load call of every page bundle returns at least. */
export interface PageLoadResponse {
  env: PageEnv;
  /** the runtime start in the page, timed apart from the session (module, WASM, EP), ms. */
  runtimeInitMs: number;
  sessionCreateMs: number;
}

/** The timed page's facts, available once its steps ran. */
export interface TimedPage<L extends PageLoadResponse> {
  env: BrowserEnvironment;
  modelUrl: string;
  load: L;
  measured: MeasureResponse;
  /** sessions created on this browser before this one (shader/pipeline caches are shared in a browser). */
  sessionsBefore: number;
}

/** Options of `timedPageSteps`. */
export interface TimedPageOptions<L extends PageLoadResponse> {
  slot: EnvironmentSlot;
  ctx: RunContext;
  target: Target;
  w: PreparedWorkload;
  bundle: PageBundle;
  /** page API functions, e.g. 'ortLoad' / 'ortMeasure'. */
  loadFn: string;
  measureFn: string;
  /** words for the load step, e.g. 'creating the ORT session for'. */
  loadWhat: string;
  /** the load request (the model is registered with the page server: `modelUrl`). */
  request(env: BrowserEnvironment, modelUrl: string): unknown;
  /** checks right after the timed load (e.g. the requested device exists); throw BackendMismatchError. */
  afterLoad?(load: L): void;
}

/**
 * Steps 2-4 on a fresh page: load (a page-side NO_ADAPTER error means the target is unavailable), protocol in
 * the page, output check; plus the host-load probe, the context block and the page's release. `state()` gives
 * the timed page's facts to the proof step.
 */
export function timedPageSteps<L extends PageLoadResponse>(
  o: TimedPageOptions<L>,
): { steps: Omit<SessionSteps, 'prove'>; state(): TimedPage<L>; page(): BrowserPage | undefined } {
  const id = o.target.id;
  let env: BrowserEnvironment | undefined;
  let page: BrowserPage | undefined;
  let modelUrl = '';
  let load: L | undefined;
  let measured: MeasureResponse | undefined;
  let sessionsBefore = 0;
  const state = (): TimedPage<L> => {
    if (!env || !load || !measured) throw new Error(`${id}: the timed page of ${o.w.id} has not run yet`);
    return { env, modelUrl, load, measured, sessionsBefore };
  };
  const steps: Omit<SessionSteps, 'prove'> = {
    async load() {
      env = await o.slot.get(o.ctx.connection);
      modelUrl = env.server.server.addModel(o.w.file.path, o.w.file.sha256);
      sessionsBefore = env.sessions;
      page = await env.openBundlePage(o.bundle, `${id}: ${o.w.id}`);
      try {
        load = await page.call<L>(o.loadFn, o.request(env, modelUrl), `${id}: ${o.loadWhat} ${o.w.id}`);
      } catch (e) {
        const m = (e as Error).message;
        if (m.includes(NO_ADAPTER)) throw new RunnerUnavailableError(id, m.slice(m.indexOf(NO_ADAPTER) + NO_ADAPTER.length).trim());
        throw e;
      }
      env.sessions++;
      o.afterLoad?.(load);
      return { sessionCreateMs: load.sessionCreateMs, runtimeInitMs: load.runtimeInitMs, warnings: pageEnvWarnings(load.env) };
    },
    async sample(protocol, hooks) {
      measured = await measureOnPage(page as BrowserPage, o.measureFn, protocol, hooks, true, `${id}: measuring ${o.w.id}`);
      return measured.protocol;
    },
    loadProbe: () => browserLoadProbe((env as BrowserEnvironment).browser.info.pid),
    checkOutput() {
      const m = measured as MeasureResponse;
      checkWireOutputs(id, o.w, m.outputs, m.outputsFinite);
    },
    context() {
      const s = state();
      return browserContext(s.env, s.load.env, { modelUrl: s.modelUrl, browserSessionsBefore: s.sessionsBefore });
    },
    async release() {
      await page?.close();
    },
  };
  return { steps, state, page: () => page };
}

/**
 * Where a verification ran: a page of its own, or the timed page of the pair's first session, after that page's
 * samples were taken, its own facts read and its timed session released (same runtime instance: the runtime
 * start, and on WebGPU the compiled pipelines, are not paid twice; the node placement does not depend on them).
 */
export type VerificationSite = 'own-page' | 'timed-page';

/** Options of `verifyAfterTiming`. */
export interface VerifyAfterTimingOptions<R> {
  /** the runtime's bundle, for a page of its own. */
  bundle: PageBundle;
  /** words for errors, e.g. `ort-webgpu: verifying conv-s`. */
  what: string;
  /** whether a verification is to be made (false: an earlier session's is reused). */
  needed: boolean;
  /** a page of its own even when the timed page could serve (--profile: profiled runs never follow a timed
   * session in one page). */
  ownPage: boolean;
  /** reads what the timed page itself shows, before anything else runs in it (absent page: not called). */
  timedFacts?(page: BrowserPage): Promise<void>;
  /** releases the timed session or interpreter in the timed page. */
  release(page: BrowserPage): Promise<unknown>;
  /** creates the verification session in a page and runs it. */
  verify(page: BrowserPage): Promise<R>;
}

/**
 * The proof step's page work, in this order: the timed page's own facts; when a verification is needed, the
 * timed session released and the verification made in the same page, unless `ownPage` or the page is gone;
 * the timed page closed in every case; a needed verification not made yet runs in a page of its own, closed
 * after. Returns the verification's result and where it ran, or undefined when none was needed.
 */
export async function verifyAfterTiming<R>(
  timed: { page(): BrowserPage | undefined; state(): { env: BrowserEnvironment } },
  o: VerifyAfterTimingOptions<R>,
): Promise<{ result: R; site: VerificationSite } | undefined> {
  let made: { result: R; site: VerificationSite } | undefined;
  try {
    const page = timed.page();
    if (page) {
      await o.timedFacts?.(page);
      if (o.needed && !o.ownPage) {
        await o.release(page);
        made = { result: await o.verify(page), site: 'timed-page' };
      }
    }
  } finally {
    await timed.page()?.close();
  }
  if (!o.needed || made) return made;
  const page = await timed.state().env.openBundlePage(o.bundle, o.what);
  try {
    return { result: await o.verify(page), site: 'own-page' };
  } finally {
    await page.close();
  }
}
