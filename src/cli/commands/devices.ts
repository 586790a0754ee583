/**
 * `mnv4-bench devices [--json]`: every device profile (devices/*.json), its targets and Table 6 columns, and
 * whether it is reachable now: the phones on each adb server (the local one is started when not running),
 * matched by serial or ro.product.model; DevTools endpoints probed; attached phones without a profile listed.
 * Takes a few seconds at most: every check has a short timeout.
 */
import type { Command } from 'commander';
import { listDeviceIds, loadDevice, type DeviceProfile } from '../../profiles/device.js';
import { deviceColumns } from '../../report/simulation.js';
import { textTable } from '../../report/table.js';
import { describeSelector, parseAdbServer, type AdbDeviceEntry, type AdbServerAddress, type AdbTransport } from '../../runners/android/adb.js';
import { devtoolsVersion } from '../../runners/android/chrome-bridge.js';
import { adbServerOf, androidDeps } from '../../runners/android/link.js';
import { UsageError } from '../errors.js';
import type { CliContext } from '../io.js';

export const DEVICES_SCHEMA = 'mnv4-bench/devices@1';

export type DeviceState = 'this-machine' | 'attached' | 'not-attached' | 'adb-unavailable' | 'reachable' | 'unreachable' | 'published-only';

export interface DeviceStatus {
  state: DeviceState;
  detail: string;
  serial?: string;
}

export interface DeviceListing {
  id: string;
  name: string;
  connection: DeviceProfile['connection'];
  soc?: string;
  targets: { target: string; dtype: string; label?: string; settings: Record<string, unknown>; publishedColumn?: string; ridgePoint?: number }[];
  publishedColumns: string[];
  status: DeviceStatus;
}

/** A phone an adb server lists, with its model. */
interface SeenPhone extends AdbDeviceEntry {
  model: string;
  android: string;
  server: string;
}

async function phonesOn(transport: AdbTransport): Promise<SeenPhone[]> {
  const out: SeenPhone[] = [];
  for (const d of await transport.listDevices()) {
    let model = '';
    let android = '';
    if (d.state === 'device') {
      const props = await transport.shell(d.serial, ['getprop', 'ro.product.model'], { timeoutMs: 3000 }).catch(() => ({ output: '' }));
      const rel = await transport.shell(d.serial, ['getprop', 'ro.build.version.release'], { timeoutMs: 3000 }).catch(() => ({ output: '' }));
      model = props.output.trim();
      android = rel.output.trim();
    }
    out.push({ ...d, model, android, server: transport.server });
  }
  return out;
}

/** Lists every profile with its reachability; `adbServer` overrides the server of every adb profile. */
export async function listDevices(o: { adbServer?: AdbServerAddress } = {}): Promise<{ devices: DeviceListing[]; unprofiled: SeenPhone[] }> {
  const profiles = listDeviceIds().map((id) => loadDevice(id));
  const servers = new Map<string, Promise<SeenPhone[] | string>>();
  const phones = (addr: AdbServerAddress): Promise<SeenPhone[] | string> => {
    const key = `${addr.host}:${addr.port}`;
    let p = servers.get(key);
    if (!p) {
      p = androidDeps()
        .transportFor(addr)
        .then(phonesOn)
        .catch((e: unknown) => (e as Error).message);
      servers.set(key, p);
    }
    return p;
  };
  const claimed = new Set<string>();
  const devices: DeviceListing[] = [];
  for (const p of profiles) {
    let status: DeviceStatus;
    const c = p.connection;
    if (c.kind === 'local') status = { state: 'this-machine', detail: 'this machine' };
    else if (c.kind === 'none') status = { state: 'published-only', detail: `not reachable: ${c.reason}` };
    else if (c.kind === 'devtools') {
      const v = await devtoolsVersion(c.endpoint, 2000);
      status =
        typeof v === 'string'
          ? { state: 'unreachable', detail: `no DevTools answer at ${c.endpoint} (${v})` }
          : { state: 'reachable', detail: `${String(v.Browser ?? 'a browser')} at ${c.endpoint}` };
    } else {
      const addr = o.adbServer ?? adbServerOf(c);
      const seen = await phones(addr);
      const where = `${addr.host}:${addr.port}`;
      if (typeof seen === 'string') status = { state: 'adb-unavailable', detail: seen };
      else {
        const match = seen.find(
          (d) => d.state === 'device' && (!c.serial || d.serial === c.serial) && (!c.model || d.model.toLowerCase() === c.model.toLowerCase()),
        );
        if (match) {
          claimed.add(`${match.server}/${match.serial}`);
          status = { state: 'attached', detail: `${match.serial} at ${where} (${match.model}, Android ${match.android})`, serial: match.serial };
        } else {
          status = {
            state: 'not-attached',
            detail: `no device with ${describeSelector({ ...(c.serial ? { serial: c.serial } : {}), ...(c.model ? { model: c.model } : {}) })} at ${where}`,
          };
        }
      }
    }
    devices.push({
      id: p.id,
      name: p.name,
      connection: p.connection,
      ...(p.soc ? { soc: p.soc } : {}),
      targets: p.targets.map((t) => ({
        target: t.target,
        dtype: t.dtype,
        ...(t.label ? { label: t.label } : {}),
        settings: t.settings,
        ...(t.publishedColumn ? { publishedColumn: t.publishedColumn } : {}),
        ...(t.ridgePoint ? { ridgePoint: t.ridgePoint.macsPerByte } : {}),
      })),
      publishedColumns: deviceColumns(p),
      status,
    });
  }
  const unprofiled: SeenPhone[] = [];
  for (const p of servers.values()) {
    const seen = await p;
    if (typeof seen !== 'string') unprofiled.push(...seen.filter((d) => !claimed.has(`${d.server}/${d.serial}`)));
  }
  return { devices, unprofiled };
}

const targetText = (t: DeviceListing['targets'][number]): string => {
  const s = Object.entries(t.settings)
    .filter(([k]) => ['accelerator', 'cpuMask', 'threads', 'precision'].includes(k))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${t.target} ${t.dtype}${s ? ` (${s})` : ''}`;
};

export async function runDevices(o: { json?: boolean; adbServer?: string }, out: (s: string) => void): Promise<void> {
  let adbServer: AdbServerAddress | undefined;
  if (o.adbServer !== undefined) {
    try {
      adbServer = parseAdbServer(o.adbServer);
    } catch (e) {
      throw new UsageError(`--adb-server: ${(e as Error).message}`);
    }
  }
  const r = await listDevices(adbServer ? { adbServer } : {});
  if (o.json) {
    out(`${JSON.stringify({ schema: DEVICES_SCHEMA, ...r }, null, 2)}\n`);
    return;
  }
  const rows = r.devices.map((d) => [
    d.id,
    d.status.state,
    d.publishedColumns.join(', ') || '-',
    d.targets.map(targetText).join('; ') || '(none: published figures and --simulate)',
    d.status.detail,
  ]);
  out(`${textTable([{ header: 'device' }, { header: 'now' }, { header: 'Table 6 columns' }, { header: 'targets' }, { header: 'where' }], rows)}\n`);
  for (const u of r.unprofiled) {
    out(
      `attached without a profile: ${u.serial} (${u.state}${u.model ? `, ${u.model}` : ''}) at ${u.server}: copy devices/pixel6.json, set "connection": {"kind": "adb", "serial": "${u.serial}"} and pass --device ./that.json\n`,
    );
  }
  out(
    "'run --device <id>' measures an attached device; 'run --device <id> --simulate' gives the roofline estimate for any device with a Table 6 column\n",
  );
}

export function register(program: Command, { io }: CliContext): void {
  program
    .command('devices')
    .description('list the device profiles, their targets and Table 6 columns, and which are attached or reachable now (adb, DevTools)')
    .option('--json', 'machine-readable output')
    .option('--adb-server <host:port>', "look for phones on this adb server instead of each profile's (default: the local one)")
    .action(async (opts: { json?: boolean; adbServer?: string }) => {
      await runDevices(opts, (s) => io.out(s));
    });
}
