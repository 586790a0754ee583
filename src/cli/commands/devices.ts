/**
 * `mnv4-bench devices [--json]`: every device profile (devices/*.json), its targets and Table 6 columns, and
 * whether it is reachable now: the phones on each adb server (the local one is started when not running),
 * matched by serial or ro.product.model; DevTools endpoints probed; attached phones without a profile listed.
 * Takes a few seconds at most: every check has a short timeout.
 */
import type { Command } from 'commander';
import { listDeviceIds, loadDevice } from '../../profiles/device.js';
import { deviceColumns } from '../../report/simulation.js';
import { devicesText, type DeviceListing, type DeviceStatus } from '../../report/devices-text.js';
import { describeSelector, type AdbDeviceEntry, type AdbServerAddress, type AdbTransport } from '../../runners/android/adb.js';
import { devtoolsVersion } from '../../runners/android/chrome-bridge.js';
import { adbServerOf, androidDeps } from '../../runners/android/link.js';
import type { CliContext } from '../io.js';
import { adbServerFlag, addOptions, type SharedValues } from '../options.js';

export const DEVICES_SCHEMA = 'mnv4-bench/devices@1';

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

export async function runDevices(o: SharedValues, out: (s: string) => void): Promise<void> {
  const adbServer = adbServerFlag(o);
  const r = await listDevices(adbServer ? { adbServer } : {});
  if (o.json) {
    out(`${JSON.stringify({ schema: DEVICES_SCHEMA, ...r }, null, 2)}\n`);
    return;
  }
  out(devicesText(r));
}

export function register(program: Command, { io }: CliContext): void {
  const cmd = program
    .command('devices')
    .description('list the device profiles, their targets and Table 6 columns, and which are attached or reachable now (adb, DevTools)');
  addOptions(cmd, [
    ['json', { help: 'machine-readable output' }],
    ['adbServer', { help: "look for phones on this adb server instead of each profile's (default: the local one)" }],
  ]).action(async (opts: SharedValues) => {
    await runDevices(opts, (s) => io.out(s));
  });
}
