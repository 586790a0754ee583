/**
 * One shared Chromium per process for every browser target (ort-webgpu, ort-wasm-browser, tflite-wasm...).
 *
 * - Found lazily: `--chromium PATH` (via `configureChromium`) > env `MNV4_BENCH_CHROMIUM` > `chromium`,
 *   `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH. Missing -> one error naming
 *   `apt-get install -y chromium`.
 * - Launched lazily on first use, with a launch timeout, headless, offline-safe flags (without the
 *   network-disabling flags Chromium stalls on failed lookups), `--no-sandbox` (runs as root in CI) and
 *   `--enable-unsafe-webgpu` (WebGPU on Linux; without a GPU it yields the SwiftShader fallback adapter).
 * - Shared by reference count (`acquireBrowser` / `release`); the last release closes it.
 * - Every page call goes through `BrowserPage.evaluate` / `call`, which race the call against a timeout, the
 *   page crashing, and the browser disconnecting (killed, crashed), so a dead or hung browser turns into a
 *   clear error instead of a hang. After a crash the next `acquireBrowser` launches a fresh browser.
 *
 * Puppeteer's own per-CDP-call timeout is disabled (`protocolTimeout: 0`): a measurement may legitimately run
 * for minutes inside one evaluate; our watchdogs decide instead.
 */
import { accessSync, existsSync, constants as fsConstants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'puppeteer-core';

/** Environment variable naming the Chromium binary. */
export const CHROMIUM_ENV = 'MNV4_BENCH_CHROMIUM';
/** The install command named in every "no browser" message. */
export const CHROMIUM_INSTALL_HINT = 'apt-get install -y chromium';
/** Binary names searched on PATH, in order. */
const CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Default launch timeout, ms. */
const DEFAULT_LAUNCH_TIMEOUT_MS = 60_000;
/** Default timeout of one page call (load a model, profile...), ms. */
const DEFAULT_EVALUATE_TIMEOUT_MS = 180_000;

/**
 * Flags every launch uses. Offline + root safe; WebGPU enabled; timestamp-query rounding
 * (100 µs, a timing-attack mitigation) turned off by the developer-features flag so per-kernel GPU times of
 * sub-100-µs kernels are not quantised.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--enable-unsafe-webgpu',
  '--enable-webgpu-developer-features',
];

/** Chromium is not installed / not executable. `message` names the install command. */
export class BrowserUnavailableError extends Error {
  override name = 'BrowserUnavailableError';
}

/** Chromium (or the page's renderer) died or disconnected while work was in flight. */
export class BrowserCrashedError extends Error {
  override name = 'BrowserCrashedError';
}

/** A page call did not finish in time (a hung page, a stuck GPU, a too-short timeout). */
export class BrowserTimeoutError extends Error {
  override name = 'BrowserTimeoutError';
}

/** An exception thrown by code inside the page (e.g. ORT failed to create a session). */
export class PageError extends Error {
  override name = 'PageError';
}

/** Where Chromium was found. */
export interface ChromiumLocation {
  path: string;
  source: 'flag' | 'env' | 'path';
}

/** Process-wide browser configuration (the CLI's `--chromium` flag and timeouts). */
export interface BrowserConfig {
  /** explicit Chromium binary (the `--chromium PATH` flag); wins over the environment variable. */
  chromiumPath?: string;
  /** launch timeout, ms. */
  launchTimeoutMs: number;
  /** timeout of one page call, ms (and the no-progress timeout while measuring). */
  evaluateTimeoutMs: number;
  /** extra Chromium flags, e.g. `--use-angle=vulkan` for a hardware GPU on Linux. */
  extraArgs: string[];
}

const config: BrowserConfig = { launchTimeoutMs: DEFAULT_LAUNCH_TIMEOUT_MS, evaluateTimeoutMs: DEFAULT_EVALUATE_TIMEOUT_MS, extraArgs: [] };

/**
 * Sets process-wide browser options (call before the first browser target runs; the CLI maps `--chromium`
 * here). Unset fields keep their values. Returns the resulting configuration.
 */
export function configureChromium(c: Partial<BrowserConfig>): Readonly<BrowserConfig> {
  if (c.chromiumPath !== undefined) config.chromiumPath = c.chromiumPath === '' ? undefined : c.chromiumPath;
  for (const k of ['launchTimeoutMs', 'evaluateTimeoutMs'] as const) {
    const v = c[k];
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${k} must be a positive number of milliseconds, got ${v}`);
    config[k] = v;
  }
  if (c.extraArgs) config.extraArgs = [...c.extraArgs];
  return { ...config, extraArgs: [...config.extraArgs] };
}

/** Current browser configuration (a copy). */
export function chromiumConfig(): Readonly<BrowserConfig> {
  return { ...config, extraArgs: [...config.extraArgs] };
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds Chromium without launching it. Order: explicit path (flag) > $MNV4_BENCH_CHROMIUM > PATH.
 * An explicit path or env value that does not point to an executable is an error (no silent PATH fallback:
 * the user asked for that binary).
 */
export function findChromium(
  explicit: string | undefined = config.chromiumPath,
): { ok: true; location: ChromiumLocation } | { ok: false; reason: string } {
  if (explicit) {
    return isExecutableFile(explicit)
      ? { ok: true, location: { path: explicit, source: 'flag' } }
      : {
          ok: false,
          reason: `Chromium not found at '${explicit}' (--chromium); install it with \`${CHROMIUM_INSTALL_HINT}\` or pass the path of a Chromium/Chrome binary`,
        };
  }
  const env = process.env[CHROMIUM_ENV];
  if (env) {
    return isExecutableFile(env)
      ? { ok: true, location: { path: env, source: 'env' } }
      : {
          ok: false,
          reason: `Chromium not found at '${env}' (${CHROMIUM_ENV}); install it with \`${CHROMIUM_INSTALL_HINT}\` or point ${CHROMIUM_ENV} at a Chromium/Chrome binary`,
        };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of CHROMIUM_NAMES) {
      const p = join(dir, name);
      if (isExecutableFile(p)) return { ok: true, location: { path: p, source: 'path' } };
    }
  }
  return {
    ok: false,
    reason: `no Chromium found on PATH (looked for ${CHROMIUM_NAMES.join(', ')}); install it with \`${CHROMIUM_INSTALL_HINT}\`, or set ${CHROMIUM_ENV} / --chromium to its path`,
  };
}

/** Like findChromium but throws BrowserUnavailableError (one line naming the install command). */
export function resolveChromium(explicit?: string): ChromiumLocation {
  const r = findChromium(explicit ?? config.chromiumPath);
  if (!r.ok) throw new BrowserUnavailableError(r.reason);
  return r.location;
}

/** Facts about the running browser, recorded with every browser measurement. */
export interface BrowserInfo {
  /** the Chromium binary, or the DevTools endpoint of a browser we connected to. */
  executable: string;
  source: ChromiumLocation['source'] | 'devtools';
  /** e.g. 'Chrome/156.0.8078.108' (puppeteer's `browser.version()`). */
  version: string;
  userAgent: string;
  /** pid of the browser's main process when we launched it; null for a browser we connected to. */
  pid: number | null;
  flags: string[];
}

/**
 * Which browser: one we launch (the local Chromium, shared by the whole process), or one already running that
 * we reach through its DevTools endpoint (`http://host:port` or `ws://...`: another machine, or Chrome on a
 * phone behind `adb forward`). A connected browser is never closed by us: we open our pages in a separate
 * browser context and disconnect when done.
 */
export type BrowserSpec = { kind: 'launch' } | { kind: 'connect'; endpoint: string };

/** The local Chromium. */
export const LAUNCH_LOCAL: BrowserSpec = { kind: 'launch' };

function specKey(spec: BrowserSpec): string {
  return spec.kind === 'launch' ? 'launch' : `connect:${spec.endpoint}`;
}

/** A launched or connected browser plus the bookkeeping that turns crashes into errors. */
class SharedBrowser {
  private dead: Error | null = null;
  private readonly deathListeners = new Set<(e: Error) => void>();
  refs = 0;

  constructor(
    readonly browser: Browser,
    readonly info: BrowserInfo,
    /** our temporary profile folder (launched browsers only). */
    readonly userDataDir: string | null,
    /** the browser context our pages live in (connected browsers: never the user's own tabs). */
    private readonly context: BrowserContext | null,
  ) {
    browser.on('disconnected', () => {
      this.markDead(new BrowserCrashedError(`${this.label} disconnected: it crashed, was killed, or was closed while work was in flight`));
    });
    browser.process()?.once('exit', (code, signal) => {
      this.markDead(new BrowserCrashedError(`${this.label} exited (${signal ? `signal ${signal}` : `code ${code}`}) while work was in flight`));
    });
  }

  get label(): string {
    return this.info.pid !== null ? `Chromium (pid ${this.info.pid})` : `the browser at ${this.info.executable}`;
  }

  get launched(): boolean {
    return this.userDataDir !== null;
  }

  get isDead(): boolean {
    return this.dead !== null || !this.browser.connected;
  }

  /** The error in-flight calls reject with, or null while alive. */
  get deathError(): Error | null {
    return this.dead;
  }

  newPage(): Promise<Page> {
    return this.context ? this.context.newPage() : this.browser.newPage();
  }

  markDead(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    for (const l of [...this.deathListeners]) l(e);
    this.deathListeners.clear();
    if (this.userDataDir) removeProfileDir(this.userDataDir);
  }

  onDeath(l: (e: Error) => void): () => void {
    if (this.dead) {
      l(this.dead);
      return () => {};
    }
    this.deathListeners.add(l);
    return () => this.deathListeners.delete(l);
  }

  async close(): Promise<void> {
    const wasAlive = !this.isDead;
    const proc = this.browser.process();
    this.markDead(new BrowserCrashedError(this.launched ? 'Chromium was closed' : `the connection to ${this.info.executable} was closed`));
    if (!this.launched) {
      // not ours: close only what we opened, then let go.
      if (wasAlive) await withTimeout(this.context?.close() ?? Promise.resolve(), 10_000, 'closing our browser context').catch(() => undefined);
      await withTimeout(this.browser.disconnect(), 5_000, 'disconnecting').catch(() => undefined);
      return;
    }
    try {
      await withTimeout(this.browser.close(), 10_000, 'closing Chromium');
    } catch {
      // a wedged browser: kill it so no orphan keeps the CPU busy.
      try {
        proc?.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (this.userDataDir) removeProfileDir(this.userDataDir);
  }

  /**
   * Kills a launched browser at once and removes its profile folder once its processes are gone (they keep
   * writing into it for a moment after the main process dies). For signals: bounded to a few seconds.
   */
  async terminate(): Promise<void> {
    if (!this.launched) return;
    const proc = this.browser.process();
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise<void>((res) => proc.once('exit', () => res()));
      killProcessGroup(proc);
      await Promise.race([gone, sleep(2_000)]);
    }
    for (let i = 0; i < 20; i++) {
      try {
        rmSync(this.userDataDir as string, { recursive: true, force: true });
        if (!existsSync(this.userDataDir as string)) return;
      } catch {
        /* a child still writing: try again shortly */
      }
      await sleep(100);
    }
  }

  /** Synchronous last resort at process exit: kill a launched browser and remove its profile folder. */
  killNow(): void {
    if (!this.launched) return;
    const proc = this.browser.process();
    if (proc) killProcessGroup(proc);
    try {
      rmSync(this.userDataDir as string, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    } catch {
      /* a child still writing: nothing more can be done synchronously */
    }
  }
}

/**
 * SIGKILL to Chromium and every process it started. puppeteer launches Chromium detached (its own process group
 * on POSIX), so the group holds the zygote, renderers and GPU process too; killing only the browser process
 * leaves them alive for a while, writing into (and recreating) the profile folder.
 */
function killProcessGroup(proc: { pid?: number | undefined; kill: (signal: NodeJS.Signals) => boolean }): void {
  try {
    if (proc.pid !== undefined && process.platform !== 'win32') process.kill(-proc.pid, 'SIGKILL');
    else proc.kill('SIGKILL');
  } catch {
    try {
      proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Removes a browser profile directory, best effort: after a crash, Chromium's child processes may still be
 * writing into it (or recreate it) for a few seconds, so it is looked at again later and once more at process exit.
 */
function removeProfileDir(dir: string): void {
  const attempt = (): void => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2, retryDelay: 50 });
    } catch {
      /* tried again below */
    }
    if (existsSync(dir)) leftoverDirs.add(dir);
    else leftoverDirs.delete(dir);
  };
  attempt();
  // the processes of a dead Chromium may write (even recreate the folder) for a few seconds longer: look again
  // a few times, and once more at exit.
  leftoverDirs.add(dir);
  for (const ms of [2_000, 5_000, 10_000]) setTimeout(attempt, ms).unref();
}

/** Profile folders not yet confirmed gone (removed again at process exit). */
const leftoverDirs = new Set<string>();

/** Open browsers by spec key, and launches/connections in flight. */
const browsers = new Map<string, SharedBrowser>();
const starting = new Map<string, Promise<SharedBrowser>>();

// ------------------------------------------------------------------ cleanup at exit and on signals

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let cleanupInstalled = false;

function onExit(): void {
  for (const sb of browsers.values()) sb.killNow();
  for (const dir of leftoverDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    } catch {
      /* nothing more can be done synchronously */
    }
  }
}

/**
 * On a signal nobody else handles, kill launched browsers and remove their profile folders, then die of the
 * same signal (exit code 128 + n, as without us). When the program handles the signal itself (the CLI stops a
 * run gracefully and closes the browsers), we stay out of its way; the 'exit' hook still kills what is left.
 */
function onSignal(sig: NodeJS.Signals): void {
  if (process.listenerCount(sig) > 1) return;
  // from here on a second signal takes the default action (dies at once).
  for (const s of CLEANUP_SIGNALS) process.removeListener(s, onSignal);
  const launched = [...browsers.values()].filter((b) => b.launched);
  void Promise.race([Promise.all(launched.map((b) => b.terminate())), sleep(5_000)]).finally(() => process.kill(process.pid, sig));
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

let exitHookInstalled = false;

function installCleanup(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', onExit);
  }
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // first in line, so the count of other listeners is taken before `once` listeners remove themselves.
  for (const s of CLEANUP_SIGNALS) process.prependListener(s, onSignal);
}

function uninstallCleanupIfIdle(): void {
  if (!cleanupInstalled || [...browsers.values()].some((b) => b.launched) || starting.size > 0) return;
  cleanupInstalled = false;
  for (const s of CLEANUP_SIGNALS) process.removeListener(s, onSignal);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new BrowserTimeoutError(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function launch(): Promise<SharedBrowser> {
  const loc = resolveChromium();
  const { default: puppeteer } = await import('puppeteer-core');
  installCleanup();
  const userDataDir = mkdtempSync(join(tmpdir(), 'mnv4-chromium-'));
  const flags = [...CHROMIUM_FLAGS, ...config.extraArgs];
  let browser: Browser;
  try {
    browser = await withTimeout(
      puppeteer.launch({
        executablePath: loc.path,
        headless: true,
        args: [...flags, `--user-data-dir=${userDataDir}`],
        timeout: config.launchTimeoutMs,
        protocolTimeout: 0,
        pipe: true,
        // signals are handled here (installCleanup) and by the CLI, not by puppeteer.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      }),
      config.launchTimeoutMs + 5_000,
      `launching Chromium (${loc.path})`,
    );
  } catch (e) {
    removeProfileDir(userDataDir);
    const msg = e instanceof Error ? e.message : String(e);
    throw new BrowserUnavailableError(`could not launch Chromium at '${loc.path}': ${msg.split('\n')[0]}`);
  }
  const version = await browser.version();
  const userAgent = await browser.userAgent();
  const info: BrowserInfo = { executable: loc.path, source: loc.source, version, userAgent, pid: browser.process()?.pid ?? null, flags };
  return new SharedBrowser(browser, info, userDataDir, null);
}

async function connect(endpoint: string): Promise<SharedBrowser> {
  const { default: puppeteer } = await import('puppeteer-core');
  const isWs = /^wss?:\/\//i.test(endpoint);
  if (!isWs && !/^https?:\/\//i.test(endpoint))
    throw new BrowserUnavailableError(`DevTools endpoint '${endpoint}' is neither http://host:port nor ws://...`);
  let browser: Browser;
  try {
    browser = await withTimeout(
      puppeteer.connect({ ...(isWs ? { browserWSEndpoint: endpoint } : { browserURL: endpoint }), protocolTimeout: 0, defaultViewport: null }),
      config.launchTimeoutMs,
      `connecting to the browser at ${endpoint}`,
    );
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new BrowserUnavailableError(`could not connect to a browser at DevTools endpoint ${endpoint}: ${msg.split('\n')[0]}`);
  }
  // our pages go into a context of their own; browsers that cannot make one (some mobile builds) use the default.
  const context = await browser.createBrowserContext().catch(() => null);
  const [version, userAgent] = await Promise.all([browser.version(), browser.userAgent()]);
  return new SharedBrowser(browser, { executable: endpoint, source: 'devtools', version, userAgent, pid: null, flags: [] }, null, context);
}

/** A reference to a shared browser; `release()` once done (the last release closes or disconnects it). */
export interface BrowserHandle {
  readonly info: BrowserInfo;
  /** opens a page at `url`; the page's calls are guarded by timeouts and crash detection. */
  newPage(url: string, opts?: { timeoutMs?: number }): Promise<BrowserPage>;
  /** true once the browser crashed, was killed or closed. */
  readonly isDead: boolean;
  release(): Promise<void>;
}

/**
 * Returns a handle on the process-wide browser of `spec`, launching (or connecting) on first use and again
 * after a crash.
 * @throws BrowserUnavailableError when Chromium is missing or cannot start, or the endpoint cannot be reached.
 */
export async function acquireBrowser(spec: BrowserSpec = LAUNCH_LOCAL): Promise<BrowserHandle> {
  const key = specKey(spec);
  let sb = browsers.get(key);
  if (sb?.isDead) {
    browsers.delete(key);
    sb = undefined;
  }
  if (!sb) {
    let p = starting.get(key);
    if (!p) {
      p = (spec.kind === 'launch' ? launch() : connect(spec.endpoint)).then(
        (sb) => {
          starting.delete(key);
          return sb;
        },
        (e: unknown) => {
          starting.delete(key);
          uninstallCleanupIfIdle();
          throw e;
        },
      );
      starting.set(key, p);
    }
    const started = await p;
    const other = browsers.get(key);
    if (other && other !== started && !other.isDead) {
      // another caller started one meanwhile (only possible after a crash race): keep one.
      await started.close();
      sb = other;
    } else {
      browsers.set(key, started);
      sb = started;
    }
  }
  const held = sb;
  held.refs++;
  let released = false;
  return {
    info: held.info,
    get isDead() {
      return held.isDead;
    },
    newPage: (url, opts) => openPage(held, url, opts?.timeoutMs ?? config.evaluateTimeoutMs),
    release: async () => {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs <= 0) {
        if (browsers.get(key) === held) browsers.delete(key);
        await held.close();
        uninstallCleanupIfIdle();
      }
    },
  };
}

/** Closes every browser we launched and disconnects from every one we connected to, regardless of references. */
export async function closeBrowser(): Promise<void> {
  const all = [...browsers.values()];
  browsers.clear();
  await Promise.all(all.map((sb) => sb.close()));
  uninstallCleanupIfIdle();
}

/** pid of the launched local browser's main process, or null when none runs (tests use it to kill it). */
export function sharedBrowserPid(): number | null {
  const sb = browsers.get(specKey(LAUNCH_LOCAL));
  return sb && !sb.isDead ? sb.info.pid : null;
}

/** Profile folder of the launched local browser, or null (tests check it is removed). */
export function sharedBrowserProfileDir(): string | null {
  const sb = browsers.get(specKey(LAUNCH_LOCAL));
  return sb && !sb.isDead ? sb.userDataDir : null;
}

/** A console message captured from a page. */
export interface ConsoleEntry {
  type: string;
  text: string;
}

/**
 * A page on the shared browser. All calls race against a timeout, the renderer crashing and the browser
 * disconnecting. Console output is captured (bounded) so runners can read runtime logs (ORT node placement,
 * the XNNPACK delegate message).
 */
export class BrowserPage {
  private readonly consoleLog: ConsoleEntry[] = [];
  private consoleChars = 0;
  /** captured console text is bounded (verbose runtimes can print a lot); later messages are dropped. */
  private static readonly CONSOLE_CHAR_CAP = 16 * 1024 * 1024;
  private crashed: Error | null = null;
  private readonly crashListeners = new Set<(e: Error) => void>();
  private readonly bindingListeners = new Map<string, (payload: string) => void>();
  private closed = false;

  /** @internal use BrowserHandle.newPage */
  constructor(
    private readonly sb: SharedBrowser,
    readonly page: Page,
    private readonly cdp: CDPSession,
    readonly defaultTimeoutMs: number,
  ) {
    page.on('console', (m) => {
      const text = m.text();
      if (this.consoleChars + text.length > BrowserPage.CONSOLE_CHAR_CAP) return;
      this.consoleChars += text.length;
      this.consoleLog.push({ type: m.type(), text });
    });
    page.on('error', (e) => this.markCrashed(new BrowserCrashedError(`the page renderer crashed (${e.message}); ${sb.label}`)));
    cdp.on('Runtime.bindingCalled', (ev: { name: string; payload: string }) => {
      this.bindingListeners.get(ev.name)?.(ev.payload);
    });
  }

  private markCrashed(e: Error): void {
    if (this.crashed) return;
    this.crashed = e;
    for (const l of [...this.crashListeners]) l(e);
  }

  /** true once the page was closed (explicitly, after a timeout, or because the browser died). */
  get isClosed(): boolean {
    return this.closed || this.crashed !== null || this.sb.isDead;
  }

  /** Console messages so far (since the page opened or the last `clearConsole`). */
  console(): readonly ConsoleEntry[] {
    return this.consoleLog;
  }

  clearConsole(): void {
    this.consoleLog.length = 0;
    this.consoleChars = 0;
  }

  /**
   * Installs a page function `globalThis[name](payload: string)` that sends `payload` to `listener` without
   * waiting for a reply (CDP Runtime.addBinding: one one-way message, no round trip into the page).
   */
  async addBinding(name: string, listener: (payload: string) => void): Promise<void> {
    this.bindingListeners.set(name, listener);
    await this.cdp.send('Runtime.addBinding', { name });
  }

  /**
   * Evaluates a JavaScript expression in the page (awaiting a returned promise) with a watchdog.
   * @param what  words for error messages ("loading the model").
   * @param opts.timeoutMs  hard timeout; `opts.stall` makes it a no-progress timeout instead: the call fails
   *   when `stall.lastProgress()` is older than timeoutMs.
   * @throws BrowserTimeoutError | BrowserCrashedError | PageError
   */
  async evaluate<T>(expression: string, what: string, opts: { timeoutMs?: number; stall?: { lastProgress(): number } } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    if (this.closed) throw new BrowserCrashedError(`cannot run '${what}': the page was already closed`);
    const dead = this.crashed ?? this.sb.deathError;
    if (dead) throw new BrowserCrashedError(`${what}: ${dead.message}`);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const started = Date.now();
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        offDeath();
        this.crashListeners.delete(onCrash);
        f();
      };
      const onCrash = (e: Error) => finish(() => reject(new BrowserCrashedError(`${what} failed: ${e.message}`)));
      const offDeath = this.sb.onDeath(onCrash);
      this.crashListeners.add(onCrash);
      const timer = setInterval(
        () => {
          const since = opts.stall ? Date.now() - Math.max(started, opts.stall.lastProgress()) : Date.now() - started;
          if (since < timeoutMs) return;
          finish(() =>
            reject(
              new BrowserTimeoutError(
                opts.stall
                  ? `${what}: no progress from the page for ${timeoutMs} ms (hung page or GPU); raise the browser evaluate timeout if one inference really takes that long`
                  : `${what} timed out after ${timeoutMs} ms (hung page or GPU); raise the browser evaluate timeout if the work really takes that long`,
              ),
            ),
          );
          // the page may be wedged (busy loop, lost GPU): close it so the next call gets a fresh one.
          void this.close();
        },
        Math.min(250, Math.max(10, timeoutMs / 4)),
      );
      this.page.evaluate(expression).then(
        (v) => finish(() => resolve(v as T)),
        (e: unknown) => {
          const msg = e instanceof Error ? e.message : String(e);
          const gone = this.crashed ?? this.sb.deathError;
          if (gone || /Target closed|Session closed|Connection closed|detached|crash/i.test(msg)) {
            finish(() => reject(new BrowserCrashedError(`${what} failed: ${(gone ?? new Error(msg)).message}`)));
          } else {
            finish(() => reject(new PageError(`${what} failed in the page: ${msg.replace(/^Error: /, '').split('\n')[0]}`)));
          }
        },
      );
    });
  }

  /** Calls `globalThis.__mnv4[fn](arg)` in the page (arg travels as JSON). See `evaluate` for errors. */
  call<T>(fn: string, arg: unknown, what: string, opts: { timeoutMs?: number; stall?: { lastProgress(): number } } = {}): Promise<T> {
    const expr = `(async () => { const api = globalThis.__mnv4; if (!api || typeof api[${JSON.stringify(fn)}] !== 'function') throw new Error('page API ${fn} missing: the page bundle is not loaded'); return await api[${JSON.stringify(fn)}](${JSON.stringify(arg ?? null)}); })()`;
    return this.evaluate<T>(expr, what, opts);
  }

  /** Closes the page (bounded wait; a wedged renderer is abandoned). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markCrashed(new BrowserCrashedError('the page was closed'));
    if (this.sb.isDead) return;
    try {
      await withTimeout(this.page.close({ runBeforeUnload: false }), 5_000, 'closing the page');
    } catch {
      /* a wedged renderer: leave it to the browser */
    }
  }
}

async function openPage(sb: SharedBrowser, url: string, timeoutMs: number): Promise<BrowserPage> {
  if (sb.isDead) throw new BrowserCrashedError(sb.deathError?.message ?? 'Chromium is not running');
  const open = async () => {
    const page = await sb.newPage();
    const cdp = await page.createCDPSession();
    const bp = new BrowserPage(sb, page, cdp, timeoutMs);
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    return bp;
  };
  return await new Promise<BrowserPage>((resolve, reject) => {
    const off = sb.onDeath((e) => reject(new BrowserCrashedError(`opening ${url} failed: ${e.message}`)));
    withTimeout(open(), timeoutMs, `opening ${url}`).then(
      (p) => {
        off();
        resolve(p);
      },
      (e: unknown) => {
        off();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
