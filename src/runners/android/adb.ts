/**
 * The adb layer: finding a phone, learning what it is, pushing files once, running commands, port forwards.
 *
 * Two levels:
 * - `AdbTransport`, the adb-client boundary: list devices, run one shell command given as an ARGUMENT ARRAY,
 *   push a file, forward / reverse a port. `adbkitTransport` implements it on @devicefarmer/adbkit over an adb
 *   server (local, started with the system's `adb start-server` when it is not running, or remote: a
 *   DeviceFarmer STF or `adb -a` server at host:port). Tests use a scripted stand-in at this boundary.
 * - `AdbDevice`, what the runners use: device facts (getprop, cpufreq governors, thermal zones), content-
 *   addressed pushes (a file is pushed once per content hash), benchmark_model runs pinned with `taskset`.
 *
 * Shell safety: every command is an argument array; each argument is single-quoted for the device's shell
 * (`quoteArgs`), so no user-supplied text is ever parsed by a shell. The only shell scripts are constants in
 * this file (loops over /sys), run as `sh -c <constant>`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { InputError } from '../../errors.js';

/** A device as the adb server lists it. */
export interface AdbDeviceEntry {
  serial: string;
  /** 'device' (ready), 'unauthorized' (USB debugging prompt not accepted), 'offline', ... */
  state: string;
}

/** Result of one shell command on the device (stdout and stderr together, as adb's shell v1 returns them). */
export interface ShellResult {
  output: string;
  /** the command's exit status; null when it could not be read back. */
  exitCode: number | null;
}

/** The adb-client boundary. */
export interface AdbTransport {
  /** `host:port` of the adb server, for messages. */
  readonly server: string;
  listDevices(): Promise<AdbDeviceEntry[]>;
  /** runs `argv` on the device; arguments are quoted, never interpreted by a shell. */
  shell(serial: string, argv: readonly string[], opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ShellResult>;
  push(serial: string, localPath: string, remotePath: string, mode: number): Promise<void>;
  /** `adb forward <local> <remote>`, e.g. tcp:9222 localabstract:chrome_devtools_remote. */
  forward(serial: string, local: string, remote: string): Promise<void>;
  /** `adb forward --list` for this device (the adb server lists every device's; only `serial`'s are returned). */
  listForwards(serial: string): Promise<{ local: string; remote: string }[]>;
  /** `adb reverse <remote> <local>`, e.g. tcp:8080 tcp:8080 (the phone's 127.0.0.1:8080 reaches the host's). */
  reverse(serial: string, remote: string, local: string): Promise<void>;
  close(): Promise<void>;
}

/** adb itself is missing or its server cannot be reached: the message says what to do. */
export class AdbUnavailableError extends Error {
  override name = 'AdbUnavailableError';
}

/** A command on the device failed or timed out. */
export class AdbCommandError extends Error {
  override name = 'AdbCommandError';
}

export const DEFAULT_ADB_PORT = 5037;

/** Quotes one argument for a POSIX shell (the device's /system/bin/sh): 'it'"'"'s'. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'"'"'`)}'`;
}

export function quoteArgs(argv: readonly string[]): string {
  if (argv.length === 0) throw new AdbCommandError('empty command');
  return argv.map(quoteArg).join(' ');
}

/** The exit-status marker appended to every command (a constant: adb's shell v1 does not return it). */
const EXIT_MARKER = '__MNV4_EXIT__';

/** Splits the marker line off a command's output. */
export function splitExitMarker(raw: string): ShellResult {
  const i = raw.lastIndexOf(EXIT_MARKER);
  if (i < 0) return { output: raw, exitCode: null };
  const code = Number(/^\d+/.exec(raw.slice(i + EXIT_MARKER.length))?.[0]);
  return { output: raw.slice(0, i), exitCode: Number.isFinite(code) ? code : null };
}

/** The full command line sent to the device: quoted argv, stderr merged, then the exit marker. */
export function deviceCommandLine(argv: readonly string[]): string {
  return `${quoteArgs(argv)} 2>&1; echo ${EXIT_MARKER}$?`;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new AdbCommandError(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new AdbCommandError(`${what} was cancelled`));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Can a TCP connection to host:port be opened within `timeoutMs`? Resolves with the error code otherwise. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: true | string): void => {
      s.removeAllListeners();
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    s.once('connect', () => done(true));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

export interface AdbServerAddress {
  host: string;
  port: number;
}

/** Parses `host:port` or `port` (an adb server address); throws with the expected form. */
export function parseAdbServer(text: string): AdbServerAddress {
  const m = /^(?:\[?([^\]]+?)\]?:)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535))
    throw new AdbUnavailableError(`bad adb server '${text}': expected host:port (e.g. 192.168.1.20:5037) or a port`);
  return { host: m[1] ?? '127.0.0.1', port };
}

const isLocalHost = (h: string): boolean => h === '127.0.0.1' || h === 'localhost' || h === '::1';

/**
 * Makes sure an adb server answers at `addr`. A local one that is not running is started with the system's
 * `adb start-server` (Debian/Ubuntu: `apt-get install adb`); a remote one is only probed.
 */
export async function ensureAdbServer(addr: AdbServerAddress, opts: { adbBinary?: string; timeoutMs?: number } = {}): Promise<{ started: boolean }> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const first = await probeTcp(addr.host, addr.port, timeoutMs);
  if (first === true) return { started: false };
  if (!isLocalHost(addr.host)) {
    throw new AdbUnavailableError(
      `cannot reach the adb server at ${addr.host}:${addr.port} (${first}); check that it runs there and accepts remote clients (adb -a -P ${addr.port} nodaemon server, or the device farm's adb endpoint)`,
    );
  }
  const bin = opts.adbBinary ?? 'adb';
  await new Promise<void>((resolve, reject) => {
    execFile(bin, ['-P', String(addr.port), 'start-server'], { timeout: 15_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(
          new AdbUnavailableError(
            `no adb server at ${addr.host}:${addr.port} and no '${bin}' program to start one: install adb (Debian/Ubuntu: apt-get install adb; elsewhere Android SDK platform-tools), or point at a remote adb server with --adb-server host:port`,
          ),
        );
      } else {
        reject(new AdbUnavailableError(`'${bin} start-server' failed: ${String(stderr).trim() || err.message}`));
      }
    });
  });
  const again = await probeTcp(addr.host, addr.port, timeoutMs);
  if (again !== true) throw new AdbUnavailableError(`'${bin} start-server' ran but nothing answers at ${addr.host}:${addr.port} (${again})`);
  return { started: true };
}

/** The adbkit-backed transport (imported lazily: the package is only needed when a phone is used). */
export async function adbkitTransport(addr: AdbServerAddress, opts: { adbBinary?: string; timeoutMs?: number } = {}): Promise<AdbTransport> {
  await ensureAdbServer(addr, opts);
  // a CommonJS package: under Node's ESM loader its exports sit on `default` (bundlers expose them directly)
  const mod = (await import('@devicefarmer/adbkit')) as unknown as {
    Adb?: typeof import('@devicefarmer/adbkit').Adb;
    default?: { Adb: typeof import('@devicefarmer/adbkit').Adb };
  };
  const Adb = mod.Adb ?? mod.default?.Adb;
  if (!Adb) throw new AdbUnavailableError('the @devicefarmer/adbkit package did not load (no Adb export); reinstall the dependencies (npm ci)');
  const client = Adb.createClient({ host: addr.host, port: addr.port, bin: opts.adbBinary ?? 'adb' });
  const server = `${addr.host}:${addr.port}`;
  const defaultTimeout = opts.timeoutMs ?? 10_000;
  return {
    server,
    async listDevices() {
      const list = await withTimeout(Promise.resolve(client.listDevices()), defaultTimeout, `listing devices at ${server}`);
      return list.map((d: { id: string; type: string }) => ({ serial: d.id, state: d.type }));
    },
    async shell(serial, argv, o = {}) {
      const run = async (): Promise<ShellResult> => {
        const stream = await client.getDevice(serial).shell(deviceCommandLine(argv));
        const buf = await Adb.util.readAll(stream);
        return splitExitMarker(buf.toString('utf8'));
      };
      return withTimeout(run(), o.timeoutMs ?? defaultTimeout, `'${argv.join(' ').slice(0, 80)}' on ${serial}`, o.signal);
    },
    async push(serial, localPath, remotePath, mode) {
      const run = async (): Promise<void> => {
        const transfer = await client.getDevice(serial).push(createReadStream(localPath), remotePath, mode);
        await new Promise<void>((resolve, reject) => {
          transfer.on('end', () => resolve());
          transfer.on('error', (e: Error) => reject(e));
        });
      };
      // pushes of large models over USB 2: allow a minute per 100 MB, at least 60 s
      const ms = Math.max(60_000, (statSync(localPath).size / 100e6) * 60_000);
      try {
        await withTimeout(run(), ms, `pushing ${localPath} to ${serial}:${remotePath}`);
      } catch (e) {
        const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        throw new AdbCommandError(
          `pushing ${localPath} to ${serial}:${remotePath} failed (${why}); free space on the phone (adb shell df /data/local/tmp) or check the cable, then run again`,
        );
      }
    },
    async forward(serial, local, remote) {
      await withTimeout(Promise.resolve(client.getDevice(serial).forward(local, remote)), defaultTimeout, `adb forward ${local} ${remote}`);
    },
    async listForwards(serial) {
      const all = await withTimeout(Promise.resolve(client.getDevice(serial).listForwards()), defaultTimeout, 'adb forward --list');
      type Forward = { serial: string; local: string; remote: string };
      return (all as Forward[]).filter((f) => f.serial === serial).map((f) => ({ local: f.local, remote: f.remote }));
    },
    async reverse(serial, remote, local) {
      await withTimeout(Promise.resolve(client.getDevice(serial).reverse(remote, local)), defaultTimeout, `adb reverse ${remote} ${local}`);
    },
    async close() {
      // adbkit opens one connection per command; nothing stays open.
    },
  };
}

/** What a phone is, read from getprop and /sys. */
export interface AndroidDeviceFacts {
  serial: string;
  manufacturer: string;
  model: string;
  /** ro.product.device (codename, e.g. oriole for the Pixel 6). */
  device: string;
  /** SoC as the device names it: ro.soc.manufacturer + ro.soc.model, else ro.board.platform / ro.hardware. */
  soc: string;
  androidRelease: string;
  sdk: number | null;
  abi: string;
  /** per CPU: cpufreq governor and current / max frequency (kHz). */
  cpus: { cpu: string; governor: string; curKHz: number | null; maxKHz: number | null }[];
  thermalZones: ThermalReading[];
}

export interface ThermalReading {
  zone: string;
  type: string;
  celsius: number;
}

/** Lists every thermal zone with its type and temperature (constant script). */
export const THERMAL_SCRIPT =
  'for z in /sys/class/thermal/thermal_zone*; do [ -r "$z/temp" ] && echo "${z##*/} $(cat "$z/type" 2>/dev/null) $(cat "$z/temp" 2>/dev/null)"; done';
/** Lists every CPU's governor and frequencies (constant script). */
export const CPUFREQ_SCRIPT =
  'for c in /sys/devices/system/cpu/cpu[0-9]*; do [ -r "$c/cpufreq/scaling_governor" ] && echo "${c##*/} $(cat "$c/cpufreq/scaling_governor") $(cat "$c/cpufreq/scaling_cur_freq" 2>/dev/null) $(cat "$c/cpufreq/cpuinfo_max_freq" 2>/dev/null)"; done';

/** Parses `getprop` output (`[key]: [value]` lines). */
export function parseGetprop(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const m of text.matchAll(/^\[([^\]]+)\]: \[(.*)\]\s*$/gm)) props[m[1] as string] = m[2] as string;
  return props;
}

/** Parses THERMAL_SCRIPT output; sysfs temperatures are millidegrees on most phones, degrees on a few. */
export function parseThermal(text: string): ThermalReading[] {
  const out: ThermalReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(thermal_zone\d+) (\S+) (-?\d+)\s*$/.exec(line.trim());
    if (!m) continue;
    const raw = Number(m[3]);
    out.push({ zone: m[1] as string, type: m[2] as string, celsius: Math.abs(raw) >= 1000 ? raw / 1000 : raw });
  }
  return out;
}

export function parseCpufreq(text: string): AndroidDeviceFacts['cpus'] {
  const out: AndroidDeviceFacts['cpus'] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(cpu\d+) (\S+)(?: (\d+))?(?: (\d+))?\s*$/.exec(line.trim());
    if (m) out.push({ cpu: m[1] as string, governor: m[2] as string, curKHz: m[3] ? Number(m[3]) : null, maxKHz: m[4] ? Number(m[4]) : null });
  }
  return out;
}

/** Where mnv4-bench keeps its files on the phone (world-writable for adb's shell user, executable). */
export const DEVICE_DIR = '/data/local/tmp/mnv4-bench';

/** sha256 of a local file, hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** One phone, through a transport. */
export class AdbDevice {
  /** remote paths known to hold the right content in this process (pushed or checked). */
  private readonly present = new Set<string>();
  /** push count, for tests and logs. */
  pushes = 0;

  constructor(
    readonly transport: AdbTransport,
    readonly serial: string,
  ) {}

  async shell(argv: readonly string[], opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ShellResult> {
    return this.transport.shell(this.serial, argv, opts);
  }

  /** Runs `argv` and returns its output; a non-zero exit is an AdbCommandError with the output's last line. */
  async check(argv: readonly string[], opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    const r = await this.shell(argv, opts);
    if (r.exitCode !== 0) {
      const last = r.output.trim().split('\n').pop() ?? '';
      throw new AdbCommandError(`'${argv.join(' ')}' on ${this.serial} exited with ${r.exitCode ?? 'an unknown status'}${last ? `: ${last}` : ''}`);
    }
    return r.output;
  }

  async getprops(): Promise<Record<string, string>> {
    return parseGetprop(await this.check(['getprop']));
  }

  async thermal(): Promise<ThermalReading[]> {
    return parseThermal((await this.shell(['sh', '-c', THERMAL_SCRIPT])).output);
  }

  async cpufreq(): Promise<AndroidDeviceFacts['cpus']> {
    return parseCpufreq((await this.shell(['sh', '-c', CPUFREQ_SCRIPT])).output);
  }

  async facts(): Promise<AndroidDeviceFacts> {
    const p = await this.getprops();
    const socParts = [p['ro.soc.manufacturer'], p['ro.soc.model']].filter((s): s is string => Boolean(s));
    const sdk = Number(p['ro.build.version.sdk']);
    return {
      serial: this.serial,
      manufacturer: p['ro.product.manufacturer'] ?? '',
      model: p['ro.product.model'] ?? '',
      device: p['ro.product.device'] ?? '',
      soc: socParts.length > 0 ? socParts.join(' ') : (p['ro.board.platform'] ?? p['ro.hardware'] ?? ''),
      androidRelease: p['ro.build.version.release'] ?? '',
      sdk: Number.isFinite(sdk) ? sdk : null,
      abi: p['ro.product.cpu.abi'] ?? '',
      cpus: await this.cpufreq(),
      thermalZones: await this.thermal(),
    };
  }

  /** Size of a file on the device, or null when it does not exist. */
  async remoteSize(remotePath: string): Promise<number | null> {
    const r = await this.shell(['stat', '-c', '%s', remotePath]);
    const n = Number(r.output.trim());
    return r.exitCode === 0 && Number.isInteger(n) ? n : null;
  }

  /**
   * Pushes `localPath` to `remotePath` unless a file of the same size is already there. Callers make the
   * remote name content-addressed (it contains the sha256), so same name and size means same content.
   */
  async pushOnce(localPath: string, remotePath: string, mode = 0o644): Promise<{ pushed: boolean }> {
    if (this.present.has(remotePath)) return { pushed: false };
    const size = statSync(localPath).size;
    if ((await this.remoteSize(remotePath)) === size) {
      this.present.add(remotePath);
      return { pushed: false };
    }
    await this.check(['mkdir', '-p', remotePath.slice(0, remotePath.lastIndexOf('/'))]);
    await this.transport.push(this.serial, localPath, remotePath, mode);
    this.pushes++;
    if ((await this.remoteSize(remotePath)) !== size)
      throw new AdbCommandError(`pushing ${localPath} to ${this.serial}:${remotePath} left a file of the wrong size`);
    this.present.add(remotePath);
    return { pushed: true };
  }

  /** Pushes a model file under its content hash: /data/local/tmp/mnv4-bench/models/<sha256>.<ext>. */
  async pushModel(localPath: string, sha256: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AdbCommandError(`bad sha256 '${sha256}' for ${localPath}`);
    const ext = /\.([a-z0-9]+)$/.exec(localPath)?.[1] ?? 'bin';
    const remote = `${DEVICE_DIR}/models/${sha256}.${ext}`;
    await this.pushOnce(localPath, remote);
    return remote;
  }

  /** Pushes a benchmark_model binary (executable) under its content hash. */
  async pushBinary(localPath: string, name = 'benchmark_model'): Promise<string> {
    const sha = await sha256File(localPath);
    const remote = `${DEVICE_DIR}/bin/${name}-${sha.slice(0, 16)}`;
    await this.pushOnce(localPath, remote, 0o755);
    return remote;
  }

  /** `adb forward tcp:<port> localabstract:<socket>` (Chrome's DevTools socket is chrome_devtools_remote). */
  async forwardAbstract(localPort: number, socket: string): Promise<void> {
    if (!/^[A-Za-z0-9_.-]+$/.test(socket)) throw new AdbCommandError(`bad abstract socket name '${socket}'`);
    await this.transport.forward(this.serial, `tcp:${localPort}`, `localabstract:${socket}`);
  }

  /** The host port of an existing `adb forward tcp:<port> localabstract:<socket>` of this device, or null. */
  async forwardedAbstract(socket: string): Promise<number | null> {
    const f = (await this.transport.listForwards(this.serial)).find((x) => x.remote === `localabstract:${socket}` && /^tcp:\d+$/.test(x.local));
    return f ? Number(f.local.slice(4)) : null;
  }

  /** `adb reverse tcp:<port> tcp:<port>`: the phone's 127.0.0.1:<port> reaches the host's. */
  async reversePort(devicePort: number, hostPort = devicePort): Promise<void> {
    await this.transport.reverse(this.serial, `tcp:${devicePort}`, `tcp:${hostPort}`);
  }
}

/** What to look for, from a device profile or flags. */
export interface DeviceSelector {
  serial?: string;
  /** ro.product.model, compared case-insensitively (e.g. 'Pixel 6'). */
  model?: string;
}

export function describeSelector(sel: DeviceSelector): string {
  const parts: string[] = [];
  if (sel.serial) parts.push(`serial ${sel.serial}`);
  if (sel.model) parts.push(`ro.product.model '${sel.model}'`);
  return parts.length > 0 ? parts.join(' and ') : 'any device';
}

/** No attached device matches: `looked` says what was searched and what was there. */
export class NoMatchingDeviceError extends Error {
  override name = 'NoMatchingDeviceError';
  constructor(
    readonly looked: string,
    readonly seen: AdbDeviceEntry[],
  ) {
    super(looked);
  }
}

/**
 * Finds the device matching `sel` among the transport's ready devices. A model match reads each ready
 * device's ro.product.model. Throws NoMatchingDeviceError saying what it looked for and what it saw (an
 * unauthorized device is named with the fix).
 */
export async function findDevice(transport: AdbTransport, sel: DeviceSelector, opts: { timeoutMs?: number } = {}): Promise<AdbDevice> {
  const list = await transport.listDevices();
  const ready = list.filter((d) => d.state === 'device' && (!sel.serial || d.serial === sel.serial));
  for (const d of ready) {
    if (!sel.model) return new AdbDevice(transport, d.serial);
    const r = await transport.shell(d.serial, ['getprop', 'ro.product.model'], { timeoutMs: opts.timeoutMs ?? 5000 });
    if (r.output.trim().toLowerCase() === sel.model.toLowerCase()) return new AdbDevice(transport, d.serial);
  }
  const seen = list.length === 0 ? 'no devices' : list.map((d) => `${d.serial} (${d.state})`).join(', ');
  const unauthorized = list.filter((d) => d.state === 'unauthorized').map((d) => d.serial);
  const hint =
    unauthorized.length > 0
      ? `; ${unauthorized.join(', ')} ${unauthorized.length > 1 ? 'are' : 'is'} unauthorized: accept the USB debugging prompt on the phone`
      : '';
  throw new NoMatchingDeviceError(
    `no Android device with ${describeSelector(sel)} at the adb server ${transport.server} (it lists ${seen}${hint})`,
    list,
  );
}

/** Where benchmark_model comes from (for the error when none is given). */
export const BENCHMARK_MODEL_HELP =
  "benchmark_model is TFLite's benchmark tool for Android: download the prebuilt android_aarch64_benchmark_model " +
  '(https://storage.googleapis.com/tensorflow-nightly-public/prod/tensorflow/release/lite/tools/nightly/latest/android_aarch64_benchmark_model) ' +
  'or build it with `bazel build -c opt --config=android_arm64 //tensorflow/lite/tools/benchmark:benchmark_model`';

/** A missing or unusable benchmark_model binary (bad input: exit 2). */
export class BenchmarkModelBinaryError extends InputError {
  override name = 'BenchmarkModelBinaryError';
}

/**
 * Picks the benchmark_model binary: the --benchmark-model flag, else the device profile's `benchmarkModel`,
 * else $MNV4_BENCHMARK_MODEL. Checks that it is an ARM64 ELF executable (what Android phones run).
 */
export function resolveBenchmarkModel(sources: { flag?: string; profile?: string; env?: string }): {
  path: string;
  from: 'flag' | 'profile' | 'env';
} {
  const pick = sources.flag
    ? { path: sources.flag, from: 'flag' as const }
    : sources.profile
      ? { path: sources.profile, from: 'profile' as const }
      : sources.env
        ? { path: sources.env, from: 'env' as const }
        : undefined;
  if (!pick) {
    throw new BenchmarkModelBinaryError(
      `no benchmark_model binary: pass --benchmark-model PATH (or set "benchmarkModel" in the device profile, or MNV4_BENCHMARK_MODEL); ${BENCHMARK_MODEL_HELP}`,
    );
  }
  const where =
    pick.from === 'flag' ? '--benchmark-model' : pick.from === 'profile' ? 'the device profile\'s "benchmarkModel"' : 'MNV4_BENCHMARK_MODEL';
  if (!existsSync(pick.path))
    throw new BenchmarkModelBinaryError(`benchmark_model binary ${pick.path} (from ${where}) does not exist; ${BENCHMARK_MODEL_HELP}`);
  const head = Buffer.alloc(20);
  const fd = openSync(pick.path, 'r');
  let n = 0;
  try {
    n = readSync(fd, head, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  const isElf = n >= 20 && head.readUInt32BE(0) === 0x7f454c46;
  // e_machine at offset 18 (little-endian ELF): 183 = EM_AARCH64
  if (!isElf || head[5] !== 1 || head.readUInt16LE(18) !== 183) {
    throw new BenchmarkModelBinaryError(
      `${pick.path} (from ${where}) is not an ARM64 Linux/Android executable (ELF, e_machine 183); ${BENCHMARK_MODEL_HELP}`,
    );
  }
  return pick;
}
