/**
 * Targets and how to reach a device: where a workload runs (runtime + backend + resolved settings), the
 * connection to the device, the run context every runner call gets, and settings validation. Part of the
 * shared contract (src/core) that runners, results, profiles, report and the engine all read.
 */
import { tmpdir } from 'node:os';
import { InputError } from '../errors.js';

/** Model file formats a runner can load. */
export type ModelFormat = 'onnx' | 'tflite';

/**
 * How to reach the device a run measures (from the device profile's `connection`):
 *  - `local`: this machine;
 *  - `adb`: an Android device through an adb server (the local one, or `adbServer` host:port, e.g. a device
 *    farm), picked by `serial` or by `model` (ro.product.model); `devtools` reaches Chrome on it (an endpoint
 *    already forwarded, or the abstract socket to forward, default chrome_devtools_remote);
 *  - `devtools`: a browser elsewhere reached through its DevTools endpoint (ws:// or http://host:port).
 */
export type DeviceConnection =
  | { kind: 'local' }
  | {
      kind: 'adb';
      serial?: string;
      model?: string;
      adbServer?: { host: string; port: number };
      devtools?: { endpoint?: string; socket?: string };
    }
  | { kind: 'devtools'; endpoint: string };

/** What every detect/measure call gets: the device, an abort signal, a scratch directory. */
export interface RunContext {
  /** device profile id; 'host' for this machine. */
  deviceId: string;
  connection: DeviceConnection;
  /** aborted on Ctrl-C / SIGTERM or by the caller: stop between samples, release what was opened, throw. */
  signal: AbortSignal;
  /** a directory the runner may write scratch files into (profiler output, pushed files' staging). */
  scratchDir: string;
  /** progress lines for the user (optional; runners must not print directly). */
  log?: (line: string) => void;
}

/** Why a runner cannot use the context's connection, or null when it can (one wording for every check). */
export function connectionMismatch(
  r: { id: string; connections: readonly DeviceConnection['kind'][] },
  ctx: Pick<RunContext, 'deviceId' | 'connection'>,
): string | null {
  if (r.connections.includes(ctx.connection.kind)) return null;
  return `${r.id} runs over ${r.connections.join('/')} connections, and device '${ctx.deviceId}' is reached over ${ctx.connection.kind}`;
}

/** The context of this machine, for tests, scripts and `targets` (no device profile involved). */
export function localContext(opts: { signal?: AbortSignal; scratchDir?: string; log?: (line: string) => void } = {}): RunContext {
  return {
    deviceId: 'host',
    connection: { kind: 'local' },
    signal: opts.signal ?? new AbortController().signal,
    scratchDir: opts.scratchDir ?? tmpdir(),
    ...(opts.log ? { log: opts.log } : {}),
  };
}

/** A setting value; kept scalar so settings serialise and compare trivially. */
export type SettingValue = string | number | boolean;

/** Target settings, e.g. `{threads: 1, optLevel: 'all', allowSpinning: false}`. */
export type TargetSettings = Record<string, SettingValue>;

/** Where a workload runs: a runtime + backend + fully resolved settings. */
export interface Target {
  /** target id, e.g. 'ort-cpu' (equals the runner id). */
  id: string;
  /** runner id that measures it. */
  runner: string;
  /** backend / execution provider requested, e.g. 'cpu', 'wasm', 'webgpu'. */
  backend: string;
  /** resolved settings (every default filled in), all recorded with the measurement. */
  settings: TargetSettings;
}

/** Result of `Runner.detect()`. */
export type Availability = { available: true; details: Record<string, unknown> } | { available: false; reason: string };

/** Declares one setting a runner understands (drives CLI validation and `targets` output). */
export interface SettingSpec {
  key: string;
  type: 'int' | 'enum' | 'bool' | 'string';
  /** allowed values for 'enum'. */
  values?: readonly string[];
  /** for 'string': the whole value must match this regular expression (e.g. /^c?[0-9a-f]+$/ for a CPU mask). */
  pattern?: RegExp;
  /** for 'string': what `pattern` means, shown in errors (e.g. 'a hex CPU mask such as f0'). */
  patternText?: string;
  /** inclusive bounds for 'int'. */
  min?: number;
  max?: number;
  default: SettingValue;
  describe: string;
}

/** A bad target setting (unknown key, out of range): bad input (exit 2). */
export class SettingsError extends InputError {
  override name = 'SettingsError';
}

/**
 * Generic settings validation from a SettingSpec list; runners use it in `resolveSettings`.
 * Accepts numbers/booleans as strings too ('4', 'true'), as they come from the CLI.
 */
export function resolveSettingsFromSpecs(targetId: string, specs: readonly SettingSpec[], input: Partial<TargetSettings>): TargetSettings {
  const out: TargetSettings = {};
  const known = new Set(specs.map((s) => s.key));
  for (const k of Object.keys(input)) {
    if (input[k] !== undefined && !known.has(k)) {
      throw new SettingsError(`${targetId} has no setting '${k}'; its settings are: ${specs.map((s) => s.key).join(', ') || '(none)'}`);
    }
  }
  for (const s of specs) {
    const raw = input[s.key];
    if (raw === undefined) {
      out[s.key] = s.default;
      continue;
    }
    if (s.type === 'int') {
      const v = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(v) || (s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) {
        const range = `${s.min ?? '-inf'}..${s.max ?? 'inf'}`;
        throw new SettingsError(`${targetId}: ${s.key} must be an integer in ${range}, got '${String(raw)}'`);
      }
      out[s.key] = v;
    } else if (s.type === 'bool') {
      const v = typeof raw === 'boolean' ? raw : raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined;
      if (v === undefined) throw new SettingsError(`${targetId}: ${s.key} must be true or false, got '${String(raw)}'`);
      out[s.key] = v;
    } else if (s.type === 'string') {
      const v = String(raw);
      if (s.pattern && !new RegExp(`^(?:${s.pattern.source})$`, s.pattern.flags).test(v)) {
        throw new SettingsError(`${targetId}: ${s.key} must be ${s.patternText ?? `text matching /${s.pattern.source}/`}, got '${v}'`);
      }
      out[s.key] = v;
    } else {
      const v = String(raw);
      if (!s.values?.includes(v)) throw new SettingsError(`${targetId}: ${s.key} must be one of ${s.values?.join('|') ?? ''}, got '${v}'`);
      out[s.key] = v;
    }
  }
  return out;
}

/** A target's description and availability. */
export interface TargetStatus {
  id: string;
  runtime: string;
  backend: string;
  describe: string;
  formats: readonly ModelFormat[];
  settings: readonly SettingSpec[];
  availability: Availability;
  /** ISO time of the check. */
  checkedAt: string;
  /** whether the availability came from the cache (memory or disk). */
  cached: boolean;
}
