/**
 * Chrome on Android for the browser runners (ort-wasm-browser, ort-webgpu, ...): the adb side of the browser
 * provider (src/runners/browser/provider.ts). The same page code runs on the phone as on the host.
 *
 *  - `adb forward tcp:<free port> localabstract:chrome_devtools_remote` makes Chrome's DevTools socket a
 *    host port (the profile's `devtools.socket` names another socket, e.g. a Chrome Beta's; `devtools.endpoint`
 *    skips the forward when a farm already exposes it);
 *  - `adb reverse tcp:<page port> tcp:<page port>` makes the host's page server reachable from the phone at the
 *    same 127.0.0.1 address (a secure context, which WebGPU needs);
 *  - when nothing answers on the socket, Chrome is started on the phone (`am start` with about:blank) and the
 *    endpoint is polled for a few seconds.
 *
 * adbkit cannot remove a forward, so a forward of the same socket made by an earlier run (or by hand) is reused:
 * a device keeps one, however many runs use it, until the adb server restarts.
 */
import { createServer } from 'node:net';
import { registerAdbBrowserBridge, type AdbBrowserBridge } from '../browser/provider.js';
import { androidDeps, linkAndroid, type AdbConnection } from './link.js';

export const CHROME_DEVTOOLS_SOCKET = 'chrome_devtools_remote';
/** Chrome's launcher activity (the stable channel). */
export const CHROME_ACTIVITY = 'com.android.chrome/com.google.android.apps.chrome.Main';

/** A free TCP port on 127.0.0.1 (asked from the OS). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `/json/version` of a DevTools endpoint, or the reason it did not answer. */
export async function devtoolsVersion(endpoint: string, timeoutMs = 2000): Promise<Record<string, unknown> | string> {
  try {
    const r = await fetch(`${endpoint.replace(/\/$/, '')}/json/version`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) return `HTTP ${r.status}`;
    return (await r.json()) as Record<string, unknown>;
  } catch (e) {
    return (e as Error).message;
  }
}

export function createChromeBridge(opts: { startWaitMs?: number; pollMs?: number } = {}): AdbBrowserBridge {
  return {
    async open(connection: AdbConnection, pagePort: number) {
      const who = connection.serial ?? connection.model ?? 'the phone';
      // the provider passes the connection only, not the profile id
      const link = await linkAndroid(undefined, connection);
      await link.device.reversePort(pagePort);
      const socket = connection.devtools?.socket ?? CHROME_DEVTOOLS_SOCKET;
      let endpoint = connection.devtools?.endpoint;
      if (!endpoint) {
        // a forward maps the socket whether or not Chrome runs now: an existing one serves as well as a new one
        let port = await link.device.forwardedAbstract(socket);
        if (port === null) {
          port = await freePort();
          await link.device.forwardAbstract(port, socket);
        }
        endpoint = `http://127.0.0.1:${port}`;
      }
      let v = await devtoolsVersion(endpoint);
      if (typeof v === 'string') {
        // Chrome not running (no socket yet): start it and wait for the socket
        await link.device.shell(['am', 'start', '-n', CHROME_ACTIVITY, '-d', 'about:blank']);
        const deadline = opts.startWaitMs ?? 8000;
        for (let waited = 0; typeof v === 'string' && waited < deadline; waited += opts.pollMs ?? 500) {
          await androidDeps().sleep(opts.pollMs ?? 500);
          v = await devtoolsVersion(endpoint);
        }
      }
      if (typeof v === 'string') {
        throw new Error(
          `Chrome on ${who} (${link.facts.model}): no DevTools answer at ${endpoint} (${v}); open Chrome on the phone once, and check that USB debugging is on (Chrome exposes ${socket} only then)`,
        );
      }
      return { endpoint, close: async () => undefined };
    },
  };
}

/** Registers the bridge with the browser provider (done once by the runner registry). */
export function installChromeBridge(): void {
  registerAdbBrowserBridge(createChromeBridge());
}
