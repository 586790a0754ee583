/**
 * DeviceFarmer STF (https://github.com/DeviceFarmer/stf), the usual self-hosted device farm, through its REST
 * API (doc/API.md of that repository): list the farm's devices, reserve the ones matching a profile, have STF
 * open adb over TCP to each (remoteConnect), `adb connect` to the address it returns, and release every device
 * at the end, on failure and on SIGINT.
 *
 * - GET    /api/v1/devices?fields=...                   -> { success, devices: [{ serial, model, present, ready, using, owner, ... }] }
 * - POST   /api/v1/user/devices { serial, timeout }      -> { success, description }  (reserve; timeout in ms)
 * - POST   /api/v1/user/devices/{serial}/remoteConnect  -> { success, remoteConnectUrl: 'host:port' }
 * - DELETE /api/v1/user/devices/{serial}/remoteConnect  (stop remote adb)
 * - DELETE /api/v1/user/devices/{serial}                (release)
 * Every call carries `Authorization: Bearer <token>`; the token comes from an environment variable (STF_TOKEN).
 */
import { InputError } from '../../errors.js';
import type { AdbServerAddress } from './adb.js';

export const STF_TOKEN_ENV = 'STF_TOKEN';

/** The farm refused, had nothing to give, or did not answer: the message says what to do. */
export class StfError extends InputError {
  override name = 'StfError';
}

export interface StfDevice {
  serial: string;
  model: string;
  manufacturer?: string;
  present: boolean;
  ready: boolean;
  using: boolean;
  owner: { email?: string; name?: string } | null;
}

export interface StfOptions {
  /** per-request time limit (ms); a reservation that takes longer fails with a reservation-timeout message. */
  requestTimeoutMs?: number;
  /** how long STF keeps the reservation without activity (ms), sent with the reservation. */
  reservationMs?: number;
}

/** A parsed --stf URL (http or https, no path beyond the farm's root). */
export function parseStfUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new StfError(`--stf '${text}' is not a URL: give the farm's address, e.g. --stf http://stf.example.org:7100`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StfError(`--stf '${text}': the STF REST API is served over http or https`);
  return u;
}

export class StfClient {
  private readonly base: string;
  constructor(
    url: URL,
    private readonly token: string,
    private readonly opts: StfOptions = {},
  ) {
    this.base = url.origin + url.pathname.replace(/\/$/, '');
  }

  /** The farm's address, for messages. */
  get url(): string {
    return this.base;
  }

  private async call(method: string, path: string, body?: unknown, what = `${method} ${path}`): Promise<Record<string, unknown>> {
    const timeoutMs = this.opts.requestTimeoutMs ?? 15_000;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError') throw new StfError(`${what} at STF ${this.base} got no answer within ${Math.round(timeoutMs / 1000)} s`);
      throw new StfError(`cannot reach STF at ${this.base} (${err.cause?.code ?? err.message}): check --stf and that the farm is up`);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { description: text.slice(0, 120) };
    }
    if (res.status === 401 || res.status === 403) {
      throw new StfError(
        `STF at ${this.base} refused the access token from $${STF_TOKEN_ENV} (HTTP ${res.status}): create one in STF under Settings > Keys > Access Tokens and export ${STF_TOKEN_ENV}=<token>`,
      );
    }
    if (!res.ok || json.success === false) {
      throw new StfError(`STF ${what} failed (HTTP ${res.status}${typeof json.description === 'string' ? `: ${json.description}` : ''})`);
    }
    return json;
  }

  async listDevices(): Promise<StfDevice[]> {
    const j = await this.call('GET', '/api/v1/devices?fields=serial,model,manufacturer,present,ready,using,owner', undefined, 'listing devices');
    return (j.devices as StfDevice[] | undefined) ?? [];
  }

  async reserve(serial: string): Promise<void> {
    try {
      await this.call('POST', '/api/v1/user/devices', { serial, timeout: this.opts.reservationMs ?? 3_600_000 }, `reserving ${serial}`);
    } catch (e) {
      if (e instanceof StfError && /got no answer/.test(e.message))
        throw new StfError(`reserving ${serial} at STF ${this.base} timed out; the farm is busy or the device is stuck: try again later`);
      throw e;
    }
  }

  async remoteConnect(serial: string): Promise<string> {
    const j = await this.call('POST', `/api/v1/user/devices/${encodeURIComponent(serial)}/remoteConnect`, {}, `remote-connecting ${serial}`);
    const url = j.remoteConnectUrl;
    if (typeof url !== 'string' || !/^[^:\s]+:\d+$/.test(url))
      throw new StfError(`STF gave no adb address for ${serial} (remoteConnectUrl ${JSON.stringify(url)})`);
    return url;
  }

  /** Stops remote adb and releases the device; never throws (release runs on the way out). */
  async release(serial: string): Promise<boolean> {
    const p = encodeURIComponent(serial);
    await this.call('DELETE', `/api/v1/user/devices/${p}/remoteConnect`).catch(() => undefined);
    return this.call('DELETE', `/api/v1/user/devices/${p}`).then(
      () => true,
      () => false,
    );
  }
}

/** `adb connect host:port` on an adb server (adbkit's host:connect); resolves with the device's adb serial. */
export async function adbConnect(server: AdbServerAddress, url: string): Promise<string> {
  const mod = (await import('@devicefarmer/adbkit')) as unknown as {
    Adb?: typeof import('@devicefarmer/adbkit').Adb;
    default?: { Adb: typeof import('@devicefarmer/adbkit').Adb };
  };
  const Adb = (mod.Adb ?? mod.default?.Adb)!;
  const client = Adb.createClient({ host: server.host, port: server.port });
  const [host, port] = [url.slice(0, url.lastIndexOf(':')), Number(url.slice(url.lastIndexOf(':') + 1))];
  try {
    return await client.connect(host, port);
  } catch (e) {
    throw new StfError(`adb connect ${url} (through the adb server at ${server.host}:${server.port}) failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Phones leased from the farm; `release()` gives every one back (idempotent). */
export interface StfLease {
  devices: { serial: string; model: string; adbSerial: string }[];
  release(): Promise<void>;
}

/**
 * Reserves up to `max` free devices whose model is `model` (case-insensitive), remote-connects each and
 * `adb connect`s it on `server`. Anything that fails on the way releases what was already reserved.
 */
export async function leaseDevices(client: StfClient, model: string, server: AdbServerAddress, max = Infinity): Promise<StfLease> {
  const all = await client.listDevices();
  const free = all.filter((d) => d.present && d.ready && !d.using && !d.owner && d.model.toLowerCase() === model.toLowerCase()).slice(0, max);
  if (free.length === 0) {
    const same = all.filter((d) => d.model.toLowerCase() === model.toLowerCase());
    const seen = all.length === 0 ? 'it lists no devices' : `it lists ${[...new Set(all.map((d) => d.model))].join(', ')}`;
    throw new StfError(
      same.length > 0
        ? `STF at ${client.url} has ${same.length} ${model} but none free (in use, not ready or absent): try again later`
        : `STF at ${client.url} has no device with model '${model}' (${seen}): pick another device profile or farm`,
    );
  }
  const reserved: string[] = [];
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await Promise.all(reserved.map((s) => client.release(s)));
  };
  try {
    const devices = [];
    for (const d of free) {
      await client.reserve(d.serial);
      reserved.push(d.serial);
      const url = await client.remoteConnect(d.serial);
      await adbConnect(server, url);
      devices.push({ serial: d.serial, model: d.model, adbSerial: url });
    }
    return { devices, release };
  } catch (e) {
    await release();
    throw e;
  }
}

/**
 * Runs `body` with leased phones and gives them back afterwards: on success, on failure and on SIGINT
 * (then the process exits with 130 once the devices are released).
 */
export async function withStfLease<T>(
  lease: StfLease,
  body: (lease: StfLease) => Promise<T>,
  on: { signals?: Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>; exit?: (code: number) => void } = {},
): Promise<T> {
  const signals = on.signals ?? process;
  const exit = on.exit ?? ((code: number) => process.exit(code));
  const onSigint = (): void => {
    void lease.release().finally(() => exit(130));
  };
  signals.once('SIGINT', onSigint);
  try {
    return await body(lease);
  } finally {
    signals.removeListener('SIGINT', onSigint);
    await lease.release();
  }
}
