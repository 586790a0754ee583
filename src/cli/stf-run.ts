/**
 * `run --stf URL`: the phones of a DeviceFarmer STF farm (src/runners/android/stf.ts). For each device profile
 * reached over adb, the farm's free devices of the profile's model are reserved, remote-connected and
 * `adb connect`ed on the adb server; the profile's workloads are then sharded round-robin over those identical
 * phones, one plan (one job queue) per phone, all measured in parallel into one run. Each shard is the profile
 * under the id `<profile>@<n>` with the phone's serial, so every record names the phone that measured it.
 * Every device is released at the end, on failure and on SIGINT.
 */
import type { Plan } from '../engine/plan.js';
import type { DeviceProfile } from '../profiles/device.js';
import { DEFAULT_ADB_PORT, ensureAdbServer, type AdbServerAddress } from '../runners/android/adb.js';
import { leaseDevices, parseStfUrl, StfClient, StfError, STF_TOKEN_ENV, type StfLease } from '../runners/android/stf.js';
import { UsageError } from './errors.js';

export interface StfRun {
  /** the shard profiles (adb profiles replaced by one per leased phone; others unchanged). */
  devices: DeviceProfile[];
  /** all leased phones, released together. */
  lease: StfLease;
  /** the workloads a shard measures (undefined: all of its plan). */
  shardOf: Map<string, { index: number; count: number }>;
}

/** Reserves and connects the farm's phones for every adb profile; throws (after releasing) on any failure. */
export async function leaseForRun(
  devices: readonly DeviceProfile[],
  o: { stf: string; stfPhones?: string; adbServer?: AdbServerAddress },
): Promise<StfRun> {
  const url = parseStfUrl(o.stf);
  const token = process.env[STF_TOKEN_ENV];
  if (!token)
    throw new StfError(
      `--stf needs an access token in $${STF_TOKEN_ENV}: create one in STF under Settings > Keys > Access Tokens and export ${STF_TOKEN_ENV}=<token>`,
    );
  const max = o.stfPhones === undefined ? Infinity : Number(o.stfPhones);
  if (!(Number.isInteger(max) || max === Infinity) || max < 1) throw new UsageError(`--stf-phones must be a whole number >= 1, got '${o.stfPhones}'`);
  const adb = devices.filter((d) => d.connection.kind === 'adb');
  if (adb.length === 0)
    throw new UsageError(`--stf reserves phones reached over adb; ${devices.map((d) => d.id).join(', ')} ${devices.length > 1 ? 'are' : 'is'} not`);
  const client = new StfClient(url, token);
  const leases: StfLease[] = [];
  const release = async (): Promise<void> => {
    await Promise.all(leases.map((l) => l.release()));
  };
  try {
    const out: DeviceProfile[] = [];
    const shardOf = new Map<string, { index: number; count: number }>();
    for (const d of devices) {
      const conn = d.connection;
      if (conn.kind !== 'adb') {
        out.push(d);
        continue;
      }
      const server = conn.adbServer ?? o.adbServer ?? { host: '127.0.0.1', port: DEFAULT_ADB_PORT };
      await ensureAdbServer(server);
      const model = conn.model;
      if (!model) throw new UsageError(`device ${d.id} names no "model" in its adb connection: --stf picks the farm's phones by model`);
      const lease = await leaseDevices(client, model, server, max);
      leases.push(lease);
      lease.devices.forEach((p, i) => {
        const id = `${d.id}@${i + 1}`;
        shardOf.set(id, { index: i, count: lease.devices.length });
        out.push({ ...d, id, name: `${d.name} (STF ${p.serial})`, connection: { ...conn, serial: p.adbSerial, adbServer: server } });
      });
    }
    const all = leases.flatMap((l) => l.devices);
    return { devices: out, lease: { devices: all, release }, shardOf };
  } catch (e) {
    await release();
    throw e;
  }
}

/** The plan of shard `index` of `count`: every count-th workload of the profile's plan (round-robin). */
export function shardPlan(plan: Plan, shard: { index: number; count: number } | undefined): Plan {
  if (!shard || shard.count === 1) return plan;
  const mine = new Set(plan.workloads.filter((_, i) => i % shard.count === shard.index));
  return { ...plan, workloads: plan.workloads.filter((w) => mine.has(w)), jobs: plan.jobs.filter((j) => mine.has(j.workloadId)) };
}
