import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AdbDevice,
  AdbUnavailableError,
  BenchmarkModelBinaryError,
  adbkitTransport,
  deviceCommandLine,
  ensureAdbServer,
  findDevice,
  NoMatchingDeviceError,
  parseAdbServer,
  parseCpufreq,
  parseGetprop,
  parseThermal,
  probeTcp,
  quoteArg,
  resolveBenchmarkModel,
  splitExitMarker,
} from '../../../src/runners/android/adb.js';
import { hasAdb, writeArm64Elf } from '../../helpers/android.js';
import { PIXEL6_CPUS, PIXEL6_PROPS, ScriptedAdb } from '../../helpers/scripted-adb.js';

const tmp = mkdtempSync(join(tmpdir(), 'mnv4-adb-test-'));

describe('shell quoting (argument arrays, never a shell string from input)', () => {
  it('quotes anything a shell would interpret', () => {
    expect(quoteArg('--graph=/data/local/tmp/a.tflite')).toBe('--graph=/data/local/tmp/a.tflite');
    expect(quoteArg("it's")).toBe(`'it'"'"'s'`);
    expect(quoteArg('$(reboot)')).toBe("'$(reboot)'");
    expect(quoteArg('')).toBe("''");
  });

  it('a POSIX sh gets back exactly the arguments, and the exit status through the marker', () => {
    const nasty = ["it's", '$(echo pwned)', '`id`', 'a b', '"q"', ';', '|', '*', ''];
    const line = deviceCommandLine(['printf', '%s\\n', ...nasty]);
    const raw = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
    const r = splitExitMarker(raw);
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe(nasty.map((a) => `${a}\n`).join(''));
    expect(splitExitMarker(execFileSync('sh', ['-c', deviceCommandLine(['sh', '-c', 'exit 3'])], { encoding: 'utf8' })).exitCode).toBe(3);
    expect(splitExitMarker('no marker')).toEqual({ output: 'no marker', exitCode: null });
  });
});

describe('device facts parsing', () => {
  it('getprop, thermal zones (millidegrees and degrees), cpufreq', () => {
    expect(parseGetprop('[ro.product.model]: [Pixel 6]\n[ro.build.version.sdk]: [34]\n[empty]: []\n')).toEqual({
      'ro.product.model': 'Pixel 6',
      'ro.build.version.sdk': '34',
      empty: '',
    });
    expect(parseThermal('thermal_zone0 BIG 41250\nthermal_zone1 battery 31\njunk\n')).toEqual([
      { zone: 'thermal_zone0', type: 'BIG', celsius: 41.25 },
      { zone: 'thermal_zone1', type: 'battery', celsius: 31 },
    ]);
    expect(parseCpufreq('cpu0 sched_pixel 1803000 1803000\ncpu7 performance\n')).toEqual([
      { cpu: 'cpu0', governor: 'sched_pixel', curKHz: 1803000, maxKHz: 1803000 },
      { cpu: 'cpu7', governor: 'performance', curKHz: null, maxKHz: null },
    ]);
  });

  it('adb server addresses', () => {
    expect(parseAdbServer('10.0.0.5:7100')).toEqual({ host: '10.0.0.5', port: 7100 });
    expect(parseAdbServer('5038')).toEqual({ host: '127.0.0.1', port: 5038 });
    expect(() => parseAdbServer('farm')).toThrow(/expected host:port/);
  });
});

describe('AdbDevice over the scripted stand-in', () => {
  const phone = () => ({
    serial: '1A2B3C',
    props: PIXEL6_PROPS,
    thermal: [
      ['BIG', 38500],
      ['MID', 36000],
      ['battery', 29000],
    ] as [string, number][],
    cpus: PIXEL6_CPUS,
  });

  it('identifies the phone: model, SoC, Android version, ABI, governors, thermal zones', async () => {
    const adb = new ScriptedAdb([phone()]);
    const f = await new AdbDevice(adb, '1A2B3C').facts();
    expect(f).toMatchObject({
      serial: '1A2B3C',
      manufacturer: 'Google',
      model: 'Pixel 6',
      device: 'oriole',
      soc: 'Google GS101',
      androidRelease: '14',
      sdk: 34,
      abi: 'arm64-v8a',
    });
    expect(f.cpus.map((c) => c.governor)).toEqual(Array(8).fill('sched_pixel'));
    expect(f.thermalZones[0]).toEqual({ zone: 'thermal_zone0', type: 'BIG', celsius: 38.5 });
  });

  it('pushes a model once per content hash, also across device objects', async () => {
    const adb = new ScriptedAdb([phone()]);
    const file = join(tmp, 'm.tflite');
    writeFileSync(file, Buffer.alloc(1234, 7));
    const sha = 'a'.repeat(64);
    const d1 = new AdbDevice(adb, '1A2B3C');
    const remote = await d1.pushModel(file, sha);
    expect(remote).toBe(`/data/local/tmp/mnv4-bench/models/${sha}.tflite`);
    await d1.pushModel(file, sha);
    await new AdbDevice(adb, '1A2B3C').pushModel(file, sha);
    expect(adb.pushes).toHaveLength(1);
    expect(adb.pushes[0]).toMatchObject({ remote, mode: 0o644 });
    await expect(d1.pushModel(file, 'nothex')).rejects.toThrow(/bad sha256/);
  });

  it('pushes the benchmark binary executable under its hash; forwards and reverses ports', async () => {
    const adb = new ScriptedAdb([phone()]);
    const bin = join(tmp, 'benchmark_model');
    writeFileSync(bin, 'binary');
    const d = new AdbDevice(adb, '1A2B3C');
    const remote = await d.pushBinary(bin);
    expect(remote).toMatch(/^\/data\/local\/tmp\/mnv4-bench\/bin\/benchmark_model-[0-9a-f]{16}$/);
    expect(adb.pushes[0]?.mode).toBe(0o755);
    await d.forwardAbstract(9333, 'chrome_devtools_remote');
    await d.reversePort(8765);
    expect(adb.forwards).toEqual([{ serial: '1A2B3C', local: 'tcp:9333', remote: 'localabstract:chrome_devtools_remote' }]);
    expect(adb.reverses).toEqual([{ serial: '1A2B3C', remote: 'tcp:8765', local: 'tcp:8765' }]);
    await expect(d.forwardAbstract(1, 'x; reboot')).rejects.toThrow(/bad abstract socket/);
  });

  it('finds a device by serial or by ro.product.model, and names unauthorized ones', async () => {
    const adb = new ScriptedAdb([
      { ...phone(), serial: 'AAA', props: { ...PIXEL6_PROPS, 'ro.product.model': 'Pixel 7' } },
      phone(),
      { ...phone(), serial: 'ZZZ', state: 'unauthorized' },
    ]);
    expect((await findDevice(adb, { model: 'pixel 6' })).serial).toBe('1A2B3C');
    expect((await findDevice(adb, { serial: 'AAA' })).serial).toBe('AAA');
    const err = await findDevice(adb, { model: 'Pixel 8' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoMatchingDeviceError);
    expect((err as Error).message).toBe(
      "no Android device with ro.product.model 'Pixel 8' at the adb server scripted:5037 (it lists AAA (device), 1A2B3C (device), ZZZ (unauthorized); ZZZ is unauthorized: accept the USB debugging prompt on the phone)",
    );
  });
});

describe('benchmark_model binary', () => {
  it('says where it comes from and how to pass it when none is given', () => {
    expect(() => resolveBenchmarkModel({})).toThrow(BenchmarkModelBinaryError);
    expect(() => resolveBenchmarkModel({})).toThrow(
      /pass --benchmark-model PATH .*"benchmarkModel" in the device profile.*MNV4_BENCHMARK_MODEL.*android_aarch64_benchmark_model/,
    );
    expect(() => resolveBenchmarkModel({ flag: join(tmp, 'nope') })).toThrow(/from --benchmark-model\) does not exist/);
  });

  it('accepts an ARM64 ELF, rejects anything else (an x86-64 build, a text file)', () => {
    const elf = (machine: number): Buffer => {
      const b = Buffer.alloc(64);
      b.writeUInt32BE(0x7f454c46, 0);
      b[4] = 2; // 64-bit
      b[5] = 1; // little-endian
      b.writeUInt16LE(machine, 18);
      return b;
    };
    const arm = join(tmp, 'bm-arm64');
    const x86 = join(tmp, 'bm-x86');
    const txt = join(tmp, 'bm.txt');
    writeArm64Elf(arm, 64);
    writeFileSync(x86, elf(62));
    writeFileSync(txt, 'not a binary at all, just text');
    expect(resolveBenchmarkModel({ flag: undefined, profile: arm })).toEqual({ path: arm, from: 'profile' });
    expect(() => resolveBenchmarkModel({ env: x86 })).toThrow(/from MNV4_BENCHMARK_MODEL\) is not an ARM64/);
    expect(() => resolveBenchmarkModel({ flag: txt, profile: arm })).toThrow(/from --benchmark-model\) is not an ARM64/);
  });
});

// The real adb server (Debian's `adb`): started here when not running, lists no devices on this host.

describe.skipIf(!hasAdb)('the real adb server', () => {
  // a private port, so the test starts its own server and never disturbs one on 5037
  const port = 15037 + (process.pid % 1000);
  afterAll(async () => {
    await new Promise<void>((r) => execFile('adb', ['-P', String(port), 'kill-server'], () => r()));
  });

  it('starts it when it is not running, lists no devices, and the no-phone error names what it looked for', async () => {
    expect(await probeTcp('127.0.0.1', port, 1000)).not.toBe(true);
    const started = await ensureAdbServer({ host: '127.0.0.1', port });
    expect(started.started).toBe(true);
    const transport = await adbkitTransport({ host: '127.0.0.1', port });
    expect(await transport.listDevices()).toEqual([]);
    const err = await findDevice(transport, { model: 'Pixel 6' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoMatchingDeviceError);
    expect((err as Error).message).toBe(
      `no Android device with ro.product.model 'Pixel 6' at the adb server 127.0.0.1:${port} (it lists no devices)`,
    );
    // a second call finds the server running
    expect((await ensureAdbServer({ host: '127.0.0.1', port })).started).toBe(false);
  });

  it('a remote adb server that does not answer is an error naming it, without starting anything', async () => {
    const err = await adbkitTransport({ host: '127.0.0.2', port: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdbUnavailableError);
    expect((err as Error).message).toMatch(/^cannot reach the adb server at 127\.0\.0\.2:1 \(ECONNREFUSED\)/);
  });
});

describe('no adb program', () => {
  it('names the package to install and the remote alternative', async () => {
    const err = await ensureAdbServer({ host: '127.0.0.1', port: 1 }, { adbBinary: join(tmp, 'no-such-adb') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdbUnavailableError);
    expect((err as Error).message).toMatch(/apt-get install adb.*--adb-server host:port/);
  });
});
