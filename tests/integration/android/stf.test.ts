/**
 * `run --stf URL` against a local stand-in of DeviceFarmer STF's REST API and the test adb server, both on
 * 127.0.0.1: list the farm's matching phones, reserve them, remote-connect them, `adb connect`, shard the
 * workloads over them in parallel into one run, and release every device on success and on failure.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRun } from '../../../src/results/reader.js';
import { adbkitTransport } from '../../../src/runners/android/adb.js';
import { configureAndroid } from '../../../src/runners/android/link.js';
import { leaseDevices, StfClient, withStfLease } from '../../../src/runners/android/stf.js';
import { writeArm64Elf } from '../../helpers/android.js';
import { TestAdbServer, type StandInPhone } from '../../helpers/adb-server.js';
import { runMain } from '../../helpers/main-io.js';
import { PIXEL6_CPUS, PIXEL6_PROPS } from '../../helpers/scripted-adb.js';
import { StfStandIn, type FarmDevice } from '../../helpers/stf-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'mnv4-stf-'));
const bin = writeArm64Elf(join(tmp, 'benchmark_model'));
const TOKEN = 'a1b2c3-test-token';

const pixel6: Omit<StandInPhone, 'serial'> = {
  props: PIXEL6_PROPS,
  cpus: PIXEL6_CPUS,
  thermal: () => [['BIG', 36000]],
  delegates: { GPU: 'all' },
};
const farm = (): FarmDevice[] => [
  { serial: 'FA6A0001', phone: pixel6 },
  { serial: 'FA6A0002', phone: pixel6 },
  { serial: 'FA6A0003', phone: pixel6, ownerEmail: 'someone@else.org' },
  { serial: 'P7000001', phone: { ...pixel6, props: { ...PIXEL6_PROPS, 'ro.product.model': 'Pixel 7' } } },
];

let adb: TestAdbServer | undefined;
let stf: StfStandIn | undefined;
let restore: (() => void) | undefined;
async function start(devices = farm()): Promise<{ url: string; adbPort: number }> {
  adb = new TestAdbServer([]);
  const adbPort = await adb.start();
  stf = new StfStandIn(devices, TOKEN, adb);
  const url = await stf.start();
  restore = configureAndroid({ transportFor: (addr) => adbkitTransport(addr) });
  return { url, adbPort };
}
afterEach(async () => {
  restore?.();
  restore = undefined;
  await stf?.stop();
  await adb?.stop();
});

const run = (url: string, adbPort: number, out: string, extra: string[] = []): string[] => [
  ...['run', '--device', 'pixel6', '--targets', 'android-gpu', '--workloads', 'conv-s/b04,conv-s/b05', '--resolution', '64'],
  ...['--sessions', '1', '--preset', 'quick', '--out', out, '--run-id', 'farm', '--benchmark-model', bin],
  ...['--stf', url, '--adb-server', `127.0.0.1:${adbPort}`, ...extra],
];

describe('run --stf: a DeviceFarmer farm', () => {
  it('reserves the free matching phones, shards the workloads over them in parallel, records each phone, releases all', async () => {
    const { url, adbPort } = await start();
    const out = join(tmp, 'ok');
    const r = await runMain(run(url, adbPort, out), { STF_TOKEN: TOKEN });
    expect(r.stderr).toMatch(/STF: reserved Pixel 6 FA6A0001, adb 127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/STF: reserved Pixel 6 FA6A0002/);
    expect(r.code).toBe(0);
    const runDir = join(out, 'farm');
    const { records } = await readRun(runDir);
    const measured = records.filter((x) => x.kind === 'measurement');
    // one workload per phone, each record naming the phone that measured it
    expect(measured.map((m) => [m.device.id, m.workload.id]).sort()).toEqual([
      ['pixel6@1', expect.stringMatching(/^block:conv-s\/b04/)],
      ['pixel6@2', expect.stringMatching(/^block:conv-s\/b05/)],
    ]);
    // released: nothing reserved any more, and the reservation calls were made
    expect(stf!.reserved.size).toBe(0);
    expect(stf!.log.filter((l) => l === 'POST /api/v1/user/devices')).toHaveLength(2);
    expect(stf!.log.filter((l) => /^DELETE \/api\/v1\/user\/devices\/FA6A000[12]$/.test(l))).toHaveLength(2);
    expect(adb!.requests.filter((q) => q.startsWith('host:connect:127.0.0.1:'))).toHaveLength(2);
  });

  it('a refused token: one line saying how to get one, exit 2, nothing reserved', async () => {
    const { url, adbPort } = await start();
    const r = await runMain(run(url, adbPort, join(tmp, 'bad')), { STF_TOKEN: 'wrong' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /STF at http:\/\/127\.0\.0\.1:\d+ refused the access token from \$STF_TOKEN \(HTTP 401\): create one .* export STF_TOKEN=<token>/,
    );
    expect(stf!.reserved.size).toBe(0);
  });

  it('no matching device: one line naming what the farm has', async () => {
    const { url, adbPort } = await start(farm().filter((d) => d.serial.startsWith('P7')));
    const r = await runMain(run(url, adbPort, join(tmp, 'none')), { STF_TOKEN: TOKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/STF at .* has no device with model 'Pixel 6' \(it lists Pixel 7\)/);
  });

  it('a reservation that times out releases what was taken and says so', async () => {
    const { url, adbPort } = await start();
    stf!.hangReservations = true;
    const client = new StfClient(new URL(url), TOKEN, { requestTimeoutMs: 300 });
    await expect(leaseDevices(client, 'Pixel 6', { host: '127.0.0.1', port: adbPort })).rejects.toThrow(
      /^reserving FA6A0001 at STF http:\/\/127\.0\.0\.1:\d+ timed out; the farm is busy or the device is stuck: try again later$/,
    );
    expect(stf!.reserved.size).toBe(0);
  });

  it('SIGINT releases every phone before the process exits', async () => {
    const { url, adbPort } = await start();
    const lease = await leaseDevices(new StfClient(new URL(url), TOKEN), 'Pixel 6', { host: '127.0.0.1', port: adbPort });
    expect(stf!.reserved).toEqual(new Set(['FA6A0001', 'FA6A0002']));
    const signals = new EventEmitter();
    let exited: number | null = null;
    let releasedAtExit = -1;
    const body = withStfLease(
      lease,
      () =>
        new Promise<void>((resolve) => {
          signals.emit('SIGINT');
          setTimeout(resolve, 300);
        }),
      {
        signals,
        exit: (code) => {
          exited = code;
          releasedAtExit = stf!.reserved.size;
        },
      },
    );
    await body;
    expect(exited).toBe(130);
    expect(releasedAtExit).toBe(0);
  });

  it('a failure during the run still releases every phone', async () => {
    const { url, adbPort } = await start();
    // int8 on the CPU: the stand-in's interpreter cannot feed int8 tensors, so every session fails
    const argv = run(url, adbPort, join(tmp, 'fail')).map((a) => (a === 'android-gpu' ? 'android-cpu' : a));
    const r = await runMain(argv, { STF_TOKEN: TOKEN });
    expect(r.code).not.toBe(0);
    expect(stf!.reserved.size).toBe(0);
    expect(stf!.log.filter((l) => /^DELETE \/api\/v1\/user\/devices\/FA6A000[12]$/.test(l))).toHaveLength(2);
  });
});

describe('lut build --stf', () => {
  it('shards the table workloads over the farm phones and builds one table for the profile', async () => {
    const { url, adbPort } = await start();
    const profile = join(tmp, 'pixel6-gpu.json');
    writeFileSync(
      profile,
      JSON.stringify({
        schemaVersion: 1,
        id: 'pixel6',
        name: 'Google Pixel 6 (GPU only)',
        connection: { kind: 'adb', model: 'Pixel 6', adbServer: { host: '127.0.0.1', port: adbPort } },
        targets: [{ target: 'android-gpu', dtype: 'fp16', settings: {} }],
        workloads: ['conv-s'],
        preset: 'quick',
        benchmarkModel: bin,
      }),
    );
    const results = join(tmp, 'lut-results');
    const file = join(tmp, 'conv-s.lut.json');
    const r = await runMain(
      [
        ...['lut', 'build', '--device', profile, '--target', 'android-gpu', '--space', 'conv-s', '--resolution', '64', '--sessions', '1'],
        ...['--calibration', '0', '--results', results, '--run-id', 'lutfarm', '-o', file, '--stf', url, '--stf-phones', '2'],
      ],
      { STF_TOKEN: TOKEN },
    );
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.code, r.stderr.slice(-600)).toBe(0);
    const table = JSON.parse(readFileSync(file, 'utf8')) as { device: { id: string }; entries: unknown[] };
    expect(table.device.id).toBe('pixel6');
    const { records } = await readRun(join(results, 'lutfarm'));
    const phones = new Set(records.filter((x) => x.kind === 'measurement').map((m) => m.device.id));
    expect(phones).toEqual(new Set(['pixel6@1', 'pixel6@2']));
    expect(stf!.reserved.size).toBe(0);
  });
});
