import { describe, expect, it } from 'vitest';
import { getPreset } from '../../../src/profiles/protocol.js';
import {
  measurementKey,
  parseLine,
  parseManifest,
  parseManifestText,
  SchemaError,
  SCHEMA_VERSION,
  type ManifestRecord,
} from '../../../src/results/schema.js';
import { fakeRecord } from '../../helpers/results-fixture.js';
import { parseCpuFlags } from '../../../src/results/cpu-isa.js';

function manifest(): ManifestRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'manifest',
    runId: 'run-1',
    createdAt: '2025-01-01T00:00:00.000Z',
    command: ['bench'],
    resumed: [],
    tool: { name: 'mnv4-bench', version: '0.1.0', gitCommit: null, gitDirty: null },
    devices: [{ id: 'host', name: 'This machine', connection: { kind: 'local' } }],
    host: {
      hostname: 'h',
      platform: 'linux',
      arch: 'x64',
      cpu: {
        manufacturer: 'AMD',
        brand: 'EPYC',
        cores: 2,
        physicalCores: 1,
        speedGHz: 0,
        flags: 'avx512f',
        isa: parseCpuFlags('avx512f', '/proc/cpuinfo'),
      },
      memBytes: 8e9,
      os: { distro: 'Debian', release: '12', kernel: '6.1' },
    },
    runtimes: { node: '20.0.0', 'onnxruntime-web': null },
    protocol: getPreset('quick'),
    sessionsPerMeasurement: 3,
    targets: [{ id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: { threads: 1 } }],
  };
}

describe('measurement records', () => {
  it('round-trip through JSON unchanged', () => {
    const rec = fakeRecord();
    const back = parseLine(JSON.stringify(rec));
    expect(back).toEqual(rec);
    expect(rec.latency.unit).toBe('ms');
    expect(rec.latency.provenance).toBe('measured');
    expect(rec.derived.gmacPerSecond!.unit).toBe('GMAC/s');
    expect(rec.latency.stats!.n).toBe(40);
    expect(rec.sessions[0]!.samples!.values).toHaveLength(40);
  });

  it('ignore unknown fields', () => {
    const rec = { ...fakeRecord(), fromTheFuture: { x: 1 } };
    const back = parseLine(JSON.stringify(rec)) as unknown as Record<string, unknown>;
    expect(back.fromTheFuture).toBeUndefined();
    expect(back.kind).toBe('measurement');
  });

  it('reject another schemaVersion with a clear one-line error', () => {
    const rec = { ...fakeRecord(), schemaVersion: 3 };
    expect(() => parseLine(JSON.stringify(rec), 'm.jsonl:3')).toThrow(SchemaError);
    expect(() => parseLine(JSON.stringify(rec), 'm.jsonl:3')).toThrow(
      /^m\.jsonl:3: schemaVersion 3 is not supported \(this mnv4-bench reads version 2\); read it with/,
    );
    // a version-1 file (wave 1) is named as older
    expect(() => parseLine(JSON.stringify({ ...rec, schemaVersion: 1 }), 'old.jsonl:1')).toThrow(
      /schemaVersion 1 is not supported \(this mnv4-bench reads version 2, written by an older mnv4-bench\)/,
    );
    expect(() => parseLine('{"kind":"measurement"}')).toThrow(/no schemaVersion/);
  });

  it('reject malformed JSON and missing fields, naming the place', () => {
    expect(() => parseLine('{"schemaVersion":1,', 'm.jsonl:7')).toThrow(/^m\.jsonl:7: malformed JSON/);
    const { latency: _drop, ...rest } = fakeRecord();
    expect(() => parseLine(JSON.stringify(rest), 'm.jsonl:2')).toThrow(/m\.jsonl:2: invalid record: .*latency/);
    const badProv = fakeRecord();
    (badProv.latency as { provenance: string }).provenance = 'guessed';
    expect(() => parseLine(JSON.stringify(badProv))).toThrow(/latency\.provenance/);
  });

  it('error records validate too', () => {
    const e = {
      schemaVersion: 2,
      kind: 'error',
      runId: 'r',
      key: 'k',
      recordedAt: 'now',
      device: { id: 'host' },
      workload: { id: 'w' },
      dtype: 'fp32',
      target: { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: {} },
      error: { name: 'BackendMismatchError', message: 'x' },
    };
    expect(parseLine(JSON.stringify(e)).kind).toBe('error');
  });

  it('keys are stable under settings order', () => {
    const a = measurementKey('host', 'w', 'fp32', { id: 't', settings: { threads: 1, optLevel: 'all' } });
    const b = measurementKey('host', 'w', 'fp32', { id: 't', settings: { optLevel: 'all', threads: 1 } });
    expect(a).toBe(b);
    expect(measurementKey('host', 'w', 'int8', { id: 't', settings: { threads: 1 } })).not.toBe(
      measurementKey('host', 'w', 'fp32', { id: 't', settings: { threads: 1 } }),
    );
    expect(measurementKey('pixel6', 'w', 'fp32', { id: 't', settings: {} })).not.toBe(measurementKey('host', 'w', 'fp32', { id: 't', settings: {} }));
  });
});

describe('manifest', () => {
  it('round-trips and rejects other versions', () => {
    const m = manifest();
    expect(parseManifestText(JSON.stringify(m))).toEqual(m);
    expect(() => parseManifest({ ...m, schemaVersion: 0 })).toThrow(/schemaVersion 0 is not supported/);
    expect(() => parseManifestText('not json', 'x/manifest.json')).toThrow(/^x\/manifest\.json: malformed JSON/);
    expect(() => parseManifest({ ...m, host: undefined })).toThrow(/invalid manifest: host/);
  });
});
