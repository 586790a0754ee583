import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDeviceIds, loadDevice, parseDeviceProfile } from '../../../src/profiles/device.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { expandWorkloadGroups } from '../../../src/models/workload-groups.js';

describe('device profiles', () => {
  it('ships host and pixel6, both valid, with resolvable workloads', () => {
    expect(listDeviceIds()).toEqual(expect.arrayContaining(['host', 'pixel6']));
    for (const id of listDeviceIds()) {
      const d = loadDevice(id);
      expect(d.id).toBe(id);
      const texts = expandWorkloadGroups([...d.workloads, ...d.targets.flatMap((t) => t.workloads ?? [])]);
      for (const w of texts) expect(() => resolveWorkload(w)).not.toThrow();
    }
    expect(loadDevice('pixel6').targets[0]).toMatchObject({ publishedColumn: 'pixel6_cpu', ridgePoint: { macsPerByte: 31.2 } });
  });
  it('host runs WebGPU on one MQA block (a pipeline check on a software adapter); host-gpu is host with WebGPU on every model', () => {
    const host = loadDevice('host');
    const gpu = loadDevice('host-gpu');
    const webgpu = (d: typeof host) => d.targets.find((t) => t.target === 'ort-webgpu');
    expect(webgpu(host)?.workloads).toEqual(['hybrid-m/b08']);
    expect(resolveWorkload('hybrid-m/b08').id).toMatch(/^block:hybrid-m\/b08_mqa@/);
    expect(webgpu(gpu)?.workloads).toBeUndefined();
    expect(gpu.workloads).toEqual(host.workloads);
    expect(gpu.targets.map((t) => [t.target, t.dtype, t.settings])).toEqual(host.targets.map((t) => [t.target, t.dtype, t.settings]));
    expect(gpu.connection).toEqual(host.connection);
  });
  it('unknown device, malformed JSON, bad schema: one-line errors that say what to do', () => {
    expect(() => loadDevice('pixel99')).toThrow(/unknown device 'pixel99'; known devices: .*host.*pixel6/);
    expect(() => parseDeviceProfile('{"schemaVersion": 1,', 'x.json')).toThrow(/x.json is not valid JSON/);
    expect(() => parseDeviceProfile('{"schemaVersion": 2}', 'x.json')).toThrow(/schemaVersion 2; this mnv4-bench reads version 1/);
    expect(() =>
      parseDeviceProfile(
        JSON.stringify({ schemaVersion: 1, id: 'x', name: 'x', connection: { kind: 'local' }, targets: [], workloads: ['conv-s'] }),
        'x.json',
      ),
    ).toThrow(/x.json: targets:/);
    const dir = mkdtempSync(join(tmpdir(), 'dev-'));
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({
        schemaVersion: 1,
        id: 'b',
        name: 'x',
        connection: { kind: 'local' },
        targets: [{ target: 'ort-cpu' }],
        workloads: ['conv-s'],
      }),
    );
    expect(() => loadDevice('a', dir)).toThrow(/declares id 'b'/);
    expect(loadDevice(join(dir, 'a.json')).targets[0]).toMatchObject({ target: 'ort-cpu', dtype: 'fp32', settings: {} });
  });

  it('ships the paper’s phones: each Table 6 column on the device that produced it, Table 16 ridge points where given', () => {
    expect(listDeviceIds()).toEqual(expect.arrayContaining(['pixel4', 'pixel6', 'pixel7', 'pixel8', 'samsung-s23', 'iphone13']));
    const columnOf = (id: string): string[] => {
      const d = loadDevice(id);
      return [...d.targets.flatMap((t) => (t.publishedColumn ? [t.publishedColumn] : [])), ...(d.publishedColumns ?? [])].sort();
    };
    expect(columnOf('pixel6')).toEqual(['pixel6_cpu']);
    expect(columnOf('pixel7')).toEqual(['pixel7_gpu']);
    expect(columnOf('pixel8')).toEqual(['pixel8_edgetpu']);
    expect(columnOf('samsung-s23')).toEqual(['s23_cpu', 's23_gpu']);
    expect(columnOf('pixel4')).toEqual(['pixel4_hexagon']);
    expect(columnOf('iphone13')).toEqual(['iphone13_coreml']);
    const ridge = (id: string) => loadDevice(id).targets.flatMap((t) => (t.ridgePoint ? [t.ridgePoint.macsPerByte] : []));
    expect([ridge('pixel6'), ridge('samsung-s23'), ridge('pixel4'), ridge('pixel8'), ridge('pixel7')]).toEqual([
      [31.2],
      [39.7],
      [347.3],
      [433.8],
      [],
    ]);
    // int8 through NNAPI to the EdgeTPU, fp16 on the GPU, int8 on one big core
    expect(loadDevice('pixel8').targets[0]).toMatchObject({ target: 'android-nnapi', dtype: 'int8', settings: { accelerator: 'google-edgetpu' } });
    expect(loadDevice('pixel7').targets[0]).toMatchObject({ target: 'android-gpu', dtype: 'fp16' });
    expect(loadDevice('pixel6').targets[0]).toMatchObject({ target: 'android-cpu', dtype: 'int8', settings: { threads: 1, cpuMask: '80' } });
    expect(loadDevice('pixel6').connection).toMatchObject({ kind: 'adb', model: 'Pixel 6', devtools: { socket: 'chrome_devtools_remote' } });
  });
  it('connection shapes: remote adb server, DevTools endpoint, none (published + simulation only)', () => {
    const base = { schemaVersion: 1, id: 'x', name: 'x', targets: [{ target: 'android-cpu' }], workloads: ['conv-s'] };
    const farm = parseDeviceProfile(
      JSON.stringify({
        ...base,
        connection: { kind: 'adb', serial: 'R5CT', adbServer: { host: 'stf.lab', port: 7401 }, devtools: { endpoint: 'http://127.0.0.1:9333' } },
      }),
      'x.json',
    );
    expect(farm.connection).toEqual({
      kind: 'adb',
      serial: 'R5CT',
      adbServer: { host: 'stf.lab', port: 7401 },
      devtools: { endpoint: 'http://127.0.0.1:9333' },
    });
    expect(() =>
      parseDeviceProfile(JSON.stringify({ ...base, connection: { kind: 'adb', adbServer: { host: 'stf.lab', port: 70000 } } }), 'x.json'),
    ).toThrow(/x.json: connection.adbServer.port/);
    expect(() => parseDeviceProfile(JSON.stringify({ ...base, connection: { kind: 'none', reason: 'r' } }), 'x.json')).toThrow(
      /x.json: targets: a device with connection kind "none" cannot run targets/,
    );
    expect(() => parseDeviceProfile(JSON.stringify({ ...base, targets: [], connection: { kind: 'adb' } }), 'x.json')).toThrow(
      /x.json: targets: needs at least one target/,
    );
    expect(() =>
      parseDeviceProfile(
        JSON.stringify({ ...base, targets: [{ target: 'android-cpu', publishedColumn: 'pixel9_cpu' }], connection: { kind: 'adb' } }),
        'x.json',
      ),
    ).toThrow(/targets.0.publishedColumn/);
    expect(loadDevice('iphone13')).toMatchObject({ connection: { kind: 'none' }, targets: [], publishedColumns: ['iphone13_coreml'] });
  });
});
