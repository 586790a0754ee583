import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDeviceIds, loadDevice, parseDeviceProfile } from '../src/profiles/device.js';
import { resolveWorkload } from '../src/models/workload.js';

describe('device profiles', () => {
  it('ships host and pixel6, both valid, with resolvable workloads', () => {
    expect(listDeviceIds()).toEqual(expect.arrayContaining(['host', 'pixel6']));
    for (const id of listDeviceIds()) {
      const d = loadDevice(id);
      expect(d.id).toBe(id);
      for (const w of [...d.workloads, ...d.targets.flatMap((t) => t.workloads ?? [])]) expect(() => resolveWorkload(w)).not.toThrow();
    }
    expect(loadDevice('pixel6').targets[0]).toMatchObject({ publishedColumn: 'pixel6_cpu', ridgePoint: { macsPerByte: 31.2 } });
  });
  it('unknown device, malformed JSON, bad schema: one-line errors that say what to do', () => {
    expect(() => loadDevice('pixel99')).toThrow(/unknown device 'pixel99'; known devices: .*host.*pixel6/);
    expect(() => parseDeviceProfile('{"schemaVersion": 1,', 'x.json')).toThrow(/x.json is not valid JSON/);
    expect(() => parseDeviceProfile('{"schemaVersion": 2}', 'x.json')).toThrow(/schemaVersion 2; this mnv4-bench reads version 1/);
    expect(() => parseDeviceProfile(JSON.stringify({ schemaVersion: 1, id: 'x', name: 'x', connection: { kind: 'local' }, targets: [], workloads: ['conv-s'] }), 'x.json')).toThrow(/x.json: targets:/);
    const dir = mkdtempSync(join(tmpdir(), 'dev-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ schemaVersion: 1, id: 'b', name: 'x', connection: { kind: 'local' }, targets: [{ target: 'ort-cpu' }], workloads: ['conv-s'] }));
    expect(() => loadDevice('a', dir)).toThrow(/declares id 'b'/);
    expect(loadDevice(join(dir, 'a.json')).targets[0]).toMatchObject({ target: 'ort-cpu', dtype: 'fp32', settings: {} });
  });
});
