/**
 * The browser environment as a provider: which browser a run context's connection means, so that a browser on
 * another machine or on a phone is configuration (the device profile's `connection`), not new runner code.
 *
 *  - `local`: the Chromium this process launches (src/runners/browser/launcher.ts; `--chromium PATH`).
 *  - `devtools`: a browser that is already running, reached through its DevTools endpoint (`http://host:9222`
 *    or `ws://...`), e.g. `chromium --headless --remote-debugging-port=9222` on this or another machine. Its
 *    pages load our page server at `http://127.0.0.1:<port>` (127.0.0.1 keeps it a secure context, which WebGPU
 *    needs, and keeps the server off the network): on another machine, tunnel that port to it
 *    (e.g. `ssh -R <port>:127.0.0.1:<port> that-machine`).
 *  - `adb`: Chrome on an Android device. A bridge (registered by the Android code with
 *    `registerAdbBrowserBridge`) forwards Chrome's DevTools socket to the host (`adb forward tcp:N
 *    localabstract:chrome_devtools_remote`) and the page server's port to the device (`adb reverse`), then
 *    hands back the endpoint; from there it is the `devtools` case.
 */
import type { DeviceConnection } from '../../core/target.js';
import { findChromium, LAUNCH_LOCAL, type BrowserSpec } from './launcher.js';

/** The adb side of Chrome on Android (implemented where adb lives). */
export interface AdbBrowserBridge {
  /**
   * Makes Chrome on the device reachable and makes the host's page server (127.0.0.1:`pagePort`) reachable from
   * the device under the same address; returns Chrome's DevTools endpoint on the host and how to undo it.
   */
  open(connection: Extract<DeviceConnection, { kind: 'adb' }>, pagePort: number): Promise<{ endpoint: string; close(): Promise<void> }>;
}

let adbBridge: AdbBrowserBridge | null = null;

/** Registers (or, with null, removes) the adb bridge used for `adb` connections. */
export function registerAdbBrowserBridge(bridge: AdbBrowserBridge | null): void {
  adbBridge = bridge;
}

/** An opened browser route: which browser to acquire, and what to undo when done. */
export interface OpenedRoute {
  spec: BrowserSpec;
  close(): Promise<void>;
}

/** How one connection reaches a browser. */
export interface BrowserProvider {
  /** same key = same browser (environments are shared per key). */
  readonly key: string;
  /** words for messages, e.g. 'the local Chromium', 'the browser at http://10.0.0.5:9222'. */
  readonly describe: string;
  /** a cheap check (no launch, no network): null when it may work, else the reason it cannot. */
  precheck(): string | null;
  /** sets up the route for a page server on 127.0.0.1:`pagePort`. */
  open(pagePort: number): Promise<OpenedRoute>;
}

const noop = async (): Promise<void> => undefined;

/** The provider of a connection. */
export function browserProvider(connection: DeviceConnection = { kind: 'local' }): BrowserProvider {
  switch (connection.kind) {
    case 'local':
      return {
        key: 'local',
        describe: 'the local Chromium',
        precheck: () => {
          const c = findChromium();
          return c.ok ? null : c.reason;
        },
        open: async () => ({ spec: LAUNCH_LOCAL, close: noop }),
      };
    case 'devtools': {
      const endpoint = connection.endpoint;
      return {
        key: `devtools:${endpoint}`,
        describe: `the browser at ${endpoint}`,
        precheck: () => (/^(https?|wss?):\/\//i.test(endpoint) ? null : `DevTools endpoint '${endpoint}' must be http://host:port or ws://...`),
        open: async () => ({ spec: { kind: 'connect', endpoint }, close: noop }),
      };
    }
    case 'adb': {
      const who = connection.serial ?? connection.model ?? 'the attached device';
      return {
        key: `adb:${JSON.stringify(connection)}`,
        describe: `Chrome on ${who}`,
        precheck: () =>
          adbBridge ? null : `Chrome on an Android device needs the adb bridge (adb forward / adb reverse), which is not available in this build`,
        open: async (pagePort) => {
          if (!adbBridge) throw new Error(`Chrome on ${who}: no adb bridge is registered`);
          const r = await adbBridge.open(connection, pagePort);
          return { spec: { kind: 'connect', endpoint: r.endpoint }, close: r.close };
        },
      };
    }
  }
}
