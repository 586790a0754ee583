/**
 * The browser environment as a provider (src/runners/browser/provider.ts, launcher.ts): availability that
 * really starts the browser, a browser reached through a DevTools endpoint (a Chromium we start ourselves
 * with --remote-debugging-port, as a user would on another machine), Chrome-on-Android through a stand-in adb
 * bridge, and cleanup of the launched Chromium and its profile folder on SIGTERM/SIGHUP.
 * Skipped only when no Chromium is installed (CI installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getExport } from '../../../src/models/export/cache.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { type ProtocolSettings } from '../../../src/core/protocol-run.js';
import { getPreset } from '../../../src/profiles/protocol.js';
import { BROWSER_RUNNERS, configureBrowserTargets } from '../../../src/runners/browser-runners.js';
import { CHROMIUM_FLAGS, closeBrowser, findChromium } from '../../../src/runners/browser/launcher.js';
import { PAGE_BUNDLES } from '../../../src/runners/browser/pages.js';
import { registerAdbBrowserBridge } from '../../../src/runners/browser/provider.js';
import { PageServer } from '../../../src/runners/browser/server.js';
import { createOrtWasmBrowserRunner } from '../../../src/runners/ort/wasm-browser.js';
import { localContext, type RunContext } from '../../../src/core/target.js';
import { type PreparedWorkload } from '../../../src/core/workload-file.js';
import { packageDir } from '../../../src/util/packages.js';

const chromium = findChromium();
if (!chromium.ok) console.log(`[browser-provider] skipped: ${chromium.reason}`);

const cacheDir = mkdtempSync(join(tmpdir(), 'mnv4-provider-test-'));
const QUICK: ProtocolSettings = getPreset('quick', { minSamples: 10, minTimeMs: 100, maxTimeMs: 1_000, warmupMinMs: 50 });

async function prepare(text: string): Promise<PreparedWorkload> {
  const rw = resolveWorkload(text);
  const ex = await getExport(rw, { format: 'onnx', dtype: 'fp32' }, { dir: cacheDir });
  return {
    id: rw.id,
    kind: rw.kind,
    description: rw.description,
    graph: rw.graph,
    file: { path: ex.path, sha256: ex.sha256, bytes: ex.bytes, format: 'onnx', dtype: 'fp32', resolution: rw.graph.inputShape[1] },
  };
}

const contextFor = (connection: RunContext['connection']): RunContext => ({ ...localContext(), deviceId: 'test-device', connection });

afterAll(async () => {
  await closeBrowser();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('page table', () => {
  it('the server mounts every installed runtime page (page.json), and the build wrote its bundle', async () => {
    const server = await PageServer.start();
    try {
      const prefixes = server.routes.map(([p]) => p);
      for (const b of PAGE_BUNDLES) {
        if (!packageDir(b.package)) continue;
        expect(prefixes, b.name).toContain(b.files.prefix);
        expect((await fetch(`${server.origin}/page/${b.name}.js`, { method: 'HEAD' })).status, b.name).toBe(200);
      }
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!chromium.ok)('browser availability starts the browser', () => {
  it('with a "Chromium" that cannot start (/bin/false), no browser target is available', async () => {
    await closeBrowser();
    configureBrowserTargets({ chromiumPath: '/bin/false', launchTimeoutMs: 10_000 });
    try {
      for (const make of BROWSER_RUNNERS) {
        const r = make();
        const a = await r.detect(localContext());
        expect(a.available, r.id).toBe(false);
        if (!a.available) expect(a.reason, r.id).toMatch(/could not launch Chromium at '\/bin\/false'/);
        await r.dispose();
      }
    } finally {
      configureBrowserTargets({ chromiumPath: '', launchTimeoutMs: 60_000 });
    }
  });

  it('an unreachable DevTools endpoint, or adb without a bridge, is unavailable with the reason', async () => {
    const r = createOrtWasmBrowserRunner();
    try {
      const a = await r.detect(contextFor({ kind: 'devtools', endpoint: 'http://127.0.0.1:1' }));
      expect(a.available).toBe(false);
      if (!a.available) expect(a.reason).toMatch(/could not connect to a browser at DevTools endpoint http:\/\/127\.0\.0\.1:1/);
      const b = await r.detect(contextFor({ kind: 'adb', serial: 'NOPE' }));
      expect(b.available).toBe(false);
      if (!b.available) expect(b.reason).toMatch(/needs the adb bridge/);
    } finally {
      await r.dispose();
    }
  });
});

/** Starts a Chromium that listens for DevTools on a free port; resolves with its http endpoint. */
function startRemoteChromium(dir: string): Promise<{ proc: ChildProcess; endpoint: string }> {
  const proc = spawn(
    (chromium as { location: { path: string } }).location.path,
    ['--headless', ...CHROMIUM_FLAGS, '--remote-debugging-port=0', `--user-data-dir=${dir}`, 'about:blank'],
    // its own process group, so the test can kill Chromium with its zygote and renderers at the end
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools endpoint: ${err.slice(-500)}`)), 30_000);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on ws:\/\/([\d.]+:\d+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, endpoint: `http://${m[1]}` });
      }
    });
    proc.once('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${err.slice(-500)}`)));
  });
}

describe.skipIf(!chromium.ok)('a browser reached through its DevTools endpoint', () => {
  it('measures there (devtools connection, then the same browser behind a stand-in adb bridge) and leaves it running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnv4-remote-chromium-'));
    const { proc, endpoint } = await startRemoteChromium(dir);
    try {
      const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8');
      const r = createOrtWasmBrowserRunner();
      const ctx = contextFor({ kind: 'devtools', endpoint });
      const a = await r.detect(ctx);
      expect(a.available).toBe(true);
      const res = await r.measure(w, QUICK, r.resolveSettings({}), ctx);
      expect(res.executed.provider).toBe('CPUExecutionProvider');
      expect(res.protocol?.samplesMs.length).toBeGreaterThanOrEqual(QUICK.minSamples);
      expect((res.context?.browser as { executable: string }).executable).toBe(endpoint);
      await r.dispose();
      // we only disconnected: the user's browser still runs.
      expect(proc.exitCode).toBeNull();

      // Chrome on a phone: the bridge forwards DevTools and the page port; here it hands back the same browser.
      const calls: { serial: string | undefined; pagePort: number; closed: boolean }[] = [];
      registerAdbBrowserBridge({
        async open(conn, pagePort) {
          const call = { serial: conn.serial, pagePort, closed: false };
          calls.push(call);
          return {
            endpoint,
            close: async () => {
              call.closed = true;
            },
          };
        },
      });
      const adb = createOrtWasmBrowserRunner();
      const viaAdb = await adb.measure(w, QUICK, adb.resolveSettings({}), contextFor({ kind: 'adb', serial: 'R5CT1234' }));
      expect(viaAdb.protocol?.samplesMs.length).toBeGreaterThan(0);
      const pageOrigin = (viaAdb.context?.page as { origin: string }).origin;
      expect(calls).toEqual([{ serial: 'R5CT1234', pagePort: Number(new URL(pageOrigin).port), closed: false }]);
      await adb.dispose();
      expect(calls[0]?.closed).toBe(true);
      expect(proc.exitCode).toBeNull();
    } finally {
      registerAdbBrowserBridge(null);
      const gone = proc.exitCode === null && proc.signalCode === null ? new Promise((res) => proc.once('exit', res)) : Promise.resolve();
      process.kill(-(proc.pid as number), 'SIGKILL');
      await gone;
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  });
});

/** Runs tests/helpers/hold-browser.ts; resolves once it printed the launched browser's pid and profile folder. */
function holdBrowser(args: string[] = []): Promise<{ child: ChildProcess; pid: number; dir: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'helpers', 'hold-browser.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const j = JSON.parse(line) as { pid: number; dir: string };
        resolve({ child, pid: j.pid, dir: j.dir });
      }
    });
    child.once('exit', (code) => reject(new Error(`hold-browser exited with ${code}: ${err.slice(-800)}`)));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe.skipIf(!chromium.ok)('cleanup of the launched Chromium', () => {
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${sig} to a process nobody else handles it in: Chromium killed, profile folder removed, the process dies of ${sig}`, async () => {
      const h = await holdBrowser();
      expect(existsSync(h.dir)).toBe(true);
      const exited = new Promise<NodeJS.Signals | null>((res) => h.child.once('exit', (_c, s) => res(s)));
      h.child.kill(sig);
      expect(await exited).toBe(sig);
      expect(await waitFor(() => !alive(h.pid), 5_000)).toBe(true);
      expect(await waitFor(() => !existsSync(h.dir), 5_000)).toBe(true);
    });
  }

  it('a program that handles SIGTERM itself (as the CLI does) decides; its shutdown still removes everything', async () => {
    const h = await holdBrowser(['--handle', 'SIGTERM']);
    const exited = new Promise<number | null>((res) => h.child.once('exit', (c) => res(c)));
    h.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await waitFor(() => !alive(h.pid) && !existsSync(h.dir), 5_000)).toBe(true);
  });
});
