/**
 * The text of `mnv4-bench devices`: one row per device profile with its reachability now, then the phones
 * attached without a profile (with how to make one) and what to run next.
 */
import type { DeviceProfile } from '../profiles/device.js';
import { textTable } from './table.js';

export type DeviceState = 'this-machine' | 'attached' | 'not-attached' | 'adb-unavailable' | 'reachable' | 'unreachable' | 'published-only';

export interface DeviceStatus {
  state: DeviceState;
  detail: string;
  serial?: string;
}

/** One device profile as `devices` lists it (also its --json). */
export interface DeviceListing {
  id: string;
  name: string;
  connection: DeviceProfile['connection'];
  soc?: string;
  targets: { target: string; dtype: string; label?: string; settings: Record<string, unknown>; publishedColumn?: string; ridgePoint?: number }[];
  publishedColumns: string[];
  status: DeviceStatus;
}

/** A phone an adb server lists that no profile claims. */
export interface UnprofiledPhone {
  serial: string;
  state: string;
  model: string;
  server: string;
}

const targetText = (t: DeviceListing['targets'][number]): string => {
  const s = Object.entries(t.settings)
    .filter(([k]) => ['accelerator', 'cpuMask', 'threads', 'precision'].includes(k))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${t.target} ${t.dtype}${s ? ` (${s})` : ''}`;
};

/** The device table, the unprofiled phones and the closing hint (newline-terminated lines). */
export function devicesText(r: { devices: readonly DeviceListing[]; unprofiled: readonly UnprofiledPhone[] }): string {
  const lines: string[] = [];
  const out = (s: string): void => void lines.push(s);
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
  return lines.join('');
}
