/**
 * One shared Chromium per process for every browser target (ort-webgpu, ort-wasm-browser, tflite-wasm...).
 *
 * - Found lazily: `--chromium PATH` (via `configureChromium`) > env `MNV4_BENCH_CHROMIUM` > `chromium`,
 *   `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH. Missing -> one error naming
 *   `apt-get install -y chromium`.
 * - Launched lazily on first use, with a launch timeout, headless, offline-safe flags (runtimes.md: without the
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
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, CDPSession, Page } from 'puppeteer-core';

/** Environment variable naming the Chromium binary. */
export const CHROMIUM_ENV = 'MNV4_BENCH_CHROMIUM';
/** The install command named in every "no browser" message. */
export const CHROMIUM_INSTALL_HINT = 'apt-get install -y chromium';
/** Binary names searched on PATH, in order. */
export const CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Default launch timeout, ms. */
export const DEFAULT_LAUNCH_TIMEOUT_MS = 60_000;
/** Default timeout of one page call (load a model, profile...), ms. */
export const DEFAULT_EVALUATE_TIMEOUT_MS = 180_000;

/**
 * Flags every launch uses. Offline + root safe (runtimes.md); WebGPU enabled; timestamp-query rounding
 * (100 µs, a timing-attack mitigation) turned off by the developer-features flag so per-kernel GPU times of
 * sub-100-µs kernels are not quantised (anchors.md §6.1).
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
export function findChromium(explicit: string | undefined = config.chromiumPath): { ok: true; location: ChromiumLocation } | { ok: false; reason: string } {
  if (explicit) {
    return isExecutableFile(explicit)
      ? { ok: true, location: { path: explicit, source: 'flag' } }
      : { ok: false, reason: `Chromium not found at '${explicit}' (--chromium); install it with \`${CHROMIUM_INSTALL_HINT}\` or pass the path of a Chromium/Chrome binary` };
  }
  const env = process.env[CHROMIUM_ENV];
  if (env) {
    return isExecutableFile(env)
      ? { ok: true, location: { path: env, source: 'env' } }
      : { ok: false, reason: `Chromium not found at '${env}' (${CHROMIUM_ENV}); install it with \`${CHROMIUM_INSTALL_HINT}\` or point ${CHROMIUM_ENV} at a Chromium/Chrome binary` };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of CHROMIUM_NAMES) {
      const p = join(dir, name);
      if (isExecutableFile(p)) return { ok: true, location: { path: p, source: 'path' } };
    }
  }
  return { ok: false, reason: `no Chromium found on PATH (looked for ${CHROMIUM_NAMES.join(', ')}); install it with \`${CHROMIUM_INSTALL_HINT}\`, or set ${CHROMIUM_ENV} / --chromium to its path` };
}

/** Like findChromium but throws BrowserUnavailableError. */
export function resolveChromium(explicit?: string): ChromiumLocation {
  const r = findChromium(explicit ?? config.chromiumPath);
  if (!r.ok) throw new BrowserUnavailableError(r.reason);
  return r.location;
}

/** Facts about the running browser, recorded with every browser measurement. */
export interface BrowserInfo {
  executable: string;
  source: ChromiumLocation['source'];
  /** e.g. 'Chrome/156.0.8078.108' (puppeteer's `browser.version()`). */
  version: string;
  userAgent: string;
  pid: number | null;
  flags: string[];
}

/** A launched browser plus the bookkeeping that turns crashes into errors. */
class SharedBrowser {
  private dead: Error | null = null;
  private readonly deathListeners = new Set<(e: Error) => void>();
  refs = 0;

  constructor(
    readonly browser: Browser,
    readonly info: BrowserInfo,
    private readonly userDataDir: string,
  ) {
    browser.on('disconnected', () => {
      this.markDead(new BrowserCrashedError(`Chromium (pid ${info.pid ?? '?'}) disconnected: it crashed, was killed, or was closed while work was in flight`));
    });
    browser.process()?.once('exit', (code, signal) => {
      this.markDead(new BrowserCrashedError(`Chromium (pid ${info.pid ?? '?'}) exited (${signal ? `signal ${signal}` : `code ${code}`}) while work was in flight`));
    });
  }

  get isDead(): boolean {
    return this.dead !== null || !this.browser.connected;
  }

  /** The error in-flight calls reject with, or null while alive. */
  get deathError(): Error | null {
    return this.dead;
  }

  markDead(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    for (const l of [...this.deathListeners]) l(e);
    this.deathListeners.clear();
    removeProfileDir(this.userDataDir);
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
    const proc = this.browser.process();
    this.markDead(new BrowserCrashedError('Chromium was closed'));
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
    removeProfileDir(this.userDataDir);
  }
}

/**
 * Removes a browser profile directory, best effort: after a crash, Chromium's child processes may still be
 * writing into it for a moment, so a failed removal is retried once a little later and then given up.
 */
function removeProfileDir(dir: string): void {
  const attempt = (): boolean => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2, retryDelay: 50 });
      return true;
    } catch {
      return false;
    }
  };
  if (!attempt()) setTimeout(attempt, 2_000).unref();
}

let current: SharedBrowser | null = null;
let launching: Promise<SharedBrowser> | null = null;

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
        // SIGINT etc. are left to the CLI; puppeteer still kills the child when this process exits.
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
  return new SharedBrowser(browser, info, userDataDir);
}

/** A reference to the shared browser; `release()` once done (the last release closes Chromium). */
export interface BrowserHandle {
  readonly info: BrowserInfo;
  /** opens a page at `url`; the page's calls are guarded by timeouts and crash detection. */
  newPage(url: string, opts?: { timeoutMs?: number }): Promise<BrowserPage>;
  /** true once the browser crashed, was killed or closed. */
  readonly isDead: boolean;
  release(): Promise<void>;
}

/**
 * Returns a handle on the process-wide Chromium, launching it on first use (or again after a crash).
 * @throws BrowserUnavailableError when Chromium is missing or cannot start (message names the install command).
 */
export async function acquireBrowser(): Promise<BrowserHandle> {
  if (current?.isDead) current = null;
  if (!current) {
    if (!launching) {
      launching = launch().finally(() => {
        launching = null;
      });
    }
    const sb = await launching;
    if (current && current !== sb) {
      // another caller launched meanwhile (only possible after a crash race): keep one.
      await sb.close();
    } else {
      current = sb;
    }
  }
  const sb = current as SharedBrowser;
  sb.refs++;
  let released = false;
  return {
    info: sb.info,
    get isDead() {
      return sb.isDead;
    },
    newPage: (url, opts) => openPage(sb, url, opts?.timeoutMs ?? config.evaluateTimeoutMs),
    release: async () => {
      if (released) return;
      released = true;
      sb.refs--;
      if (sb.refs <= 0) {
        if (current === sb) current = null;
        await sb.close();
      }
    },
  };
}

/** Closes the shared browser regardless of references (process shutdown, tests). */
export async function closeBrowser(): Promise<void> {
  const sb = current;
  current = null;
  if (sb) await sb.close();
}

/** pid of the shared browser's main process, or null when none runs (tests use it to kill it). */
export function sharedBrowserPid(): number | null {
  return current && !current.isDead ? current.info.pid : null;
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
    page.on('error', (e) => this.markCrashed(new BrowserCrashedError(`the page renderer crashed (${e.message}); Chromium pid ${sb.info.pid ?? '?'}`)));
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
    const page = await sb.browser.newPage();
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
