/**
 * From a device profile's adb connection to a ready phone: the adb server (local, started when needed, or
 * remote), the device picked by serial or ro.product.model, its facts, and the benchmark_model binary to use.
 *
 * Links are cached per connection for the process, so k sessions of every workload reuse one device lookup.
 * Tests replace `transportFor` (the adb-client boundary) with a scripted stand-in; nothing else changes.
 */
import { InputError } from '../../errors.js';
import type { DeviceConnection } from '../../core/target.js';
import {
  adbkitTransport,
  AdbUnavailableError,
  DEFAULT_ADB_PORT,
  findDevice,
  NoMatchingDeviceError,
  resolveBenchmarkModel,
  type AdbDevice,
  type AdbServerAddress,
  type AdbTransport,
  type AndroidDeviceFacts,
} from './adb.js';

export type AdbConnection = Extract<DeviceConnection, { kind: 'adb' }>;

/** What the Android runners need from the outside world; tests swap these. */
export interface AndroidDeps {
  transportFor(server: AdbServerAddress): Promise<AdbTransport>;
  /** waits `ms` (cool-down); rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** the benchmark_model binary from the command line (--benchmark-model), if given. */
  benchmarkModelFlag?: string;
  /** the device profile's "benchmarkModel", if any. */
  benchmarkModelProfile?: string;
  /** --sustained: back-to-back benchmark_model runs for this long per session (ms; 0 or absent: off). */
  sustainedMs?: number;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

let deps: AndroidDeps = { transportFor: (server) => adbkitTransport(server), sleep: realSleep };

/** Replaces parts of the Android runners' dependencies (CLI flags, tests); returns a function that restores them. */
export function configureAndroid(patch: Partial<AndroidDeps>): () => void {
  const before = deps;
  deps = { ...deps, ...patch };
  // found phones stay valid unless the way to reach them changed
  if (patch.transportFor) links.clear();
  return () => {
    deps = before;
    if (patch.transportFor) links.clear();
  };
}

export function androidDeps(): Readonly<AndroidDeps> {
  return deps;
}

/** The adb server a connection uses (the local one on 5037 unless the profile or --adb-server says otherwise). */
export function adbServerOf(conn: AdbConnection): AdbServerAddress {
  return conn.adbServer ?? { host: '127.0.0.1', port: DEFAULT_ADB_PORT };
}

/** A phone the runners can use. */
export interface AndroidLink {
  device: AdbDevice;
  facts: AndroidDeviceFacts;
  server: string;
}

const links = new Map<string, Promise<AndroidLink>>();

/** The device could not be found or reached: the message names what was looked for and the ways on. */
export class AndroidDeviceUnavailableError extends InputError {
  override name = 'AndroidDeviceUnavailableError';
}

/** The three ways on when a phone is not there (the same words everywhere); `deviceId` = the profile id. */
export function waysOn(deviceId = '<device>'): string {
  return (
    `ways on: (1) attach the phone by USB with USB debugging on and accept the prompt on it; ` +
    `(2) use a phone elsewhere through its adb server: --adb-server host:port, or "adbServer" in the device profile (e.g. a DeviceFarmer STF node); ` +
    `(3) mnv4-bench run --device ${deviceId} --simulate for the device model's estimates fitted to the paper's published latencies`
  );
}

/**
 * Finds and identifies the profile's phone (cached per connection; `deviceId` is the profile id, for messages,
 * when the caller knows it). Fails within seconds with an
 * AndroidDeviceUnavailableError naming the adb server, what it looked for, what it saw and the ways on.
 */
export function linkAndroid(deviceId: string | undefined, conn: AdbConnection): Promise<AndroidLink> {
  const key = JSON.stringify(conn);
  let p = links.get(key);
  if (!p) {
    p = (async () => {
      const server = adbServerOf(conn);
      try {
        const transport = await deps.transportFor(server);
        const device = await findDevice(transport, { ...(conn.serial ? { serial: conn.serial } : {}), ...(conn.model ? { model: conn.model } : {}) });
        const facts = await device.facts();
        return { device, facts, server: transport.server };
      } catch (e) {
        if (e instanceof NoMatchingDeviceError || e instanceof AdbUnavailableError) {
          throw new AndroidDeviceUnavailableError(`${deviceId !== undefined ? `device '${deviceId}': ` : ''}${e.message}; ${waysOn(deviceId)}`);
        }
        throw e;
      }
    })();
    links.set(key, p);
    // a failed lookup is not cached: the phone may be plugged in before the next try
    p.catch(() => links.delete(key));
  }
  return p;
}

/** The benchmark_model binary: --benchmark-model, else the profile's "benchmarkModel", else $MNV4_BENCHMARK_MODEL. */
export function benchmarkModelBinary(): { path: string; from: 'flag' | 'profile' | 'env' } {
  return resolveBenchmarkModel({
    ...(deps.benchmarkModelFlag ? { flag: deps.benchmarkModelFlag } : {}),
    ...(deps.benchmarkModelProfile ? { profile: deps.benchmarkModelProfile } : {}),
    ...(process.env.MNV4_BENCHMARK_MODEL ? { env: process.env.MNV4_BENCHMARK_MODEL } : {}),
  });
}
