/**
 * Synthetic run directories for report / compare / dashboard tests, written through the project's own
 * record builders (measurementRecord, errorRecord) and RunWriter, so they follow the schema as it is.
 * Latencies are deterministic (seeded), never timed.
 */
import path from 'node:path';
import { resolveWorkload } from '../../src/models/workload.js';
import { getPreset, type ProtocolRun } from '../../src/profiles/protocol.js';
import { errorRecord, measurementRecord } from '../../src/results/records.js';
import { ManifestSchema, SCHEMA_VERSION, type ManifestRecord, type MeasurementRecord } from '../../src/results/schema.js';
import { RunWriter } from '../../src/results/writer.js';
import type { MeasurementResult, OpProfile, PreparedWorkload, Target } from '../../src/runners/types.js';
import { mulberry32 } from '../../src/util/random.js';

export const XSS = '<img src=x onerror=alert(1)>';

export const ORT_CPU: Target = { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: { threads: 1, optLevel: 'all' } };
export const ORT_WASM: Target = { id: 'ort-wasm', runner: 'ort-wasm', backend: 'wasm', settings: { threads: 1 } };

export function preparedWorkload(text: string, dtype: 'fp32' | 'fp16' | 'int8' = 'fp32'): PreparedWorkload {
  const r = resolveWorkload(text);
  const res = /@(\d+)$/.exec(r.id);
  return { ...r, file: { path: `/tmp/${r.id.replace(/[^\w.-]/g, '_')}.onnx`, sha256: 'b'.repeat(64), bytes: 4096, format: 'onnx', dtype, resolution: res ? Number(res[1]) : 224 } };
}

/** Samples around `medianMs` with a relative spread, seeded. */
export function samplesAround(medianMs: number, n: number, spread: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => medianMs * (1 + spread * (rnd() + rnd() + rnd() - 1.5)));
}

export interface FixtureMeasurement {
  workload: string;
  target?: Target;
  dtype?: 'fp32' | 'fp16' | 'int8';
  medianMs: number;
  spread?: number;
  n?: number;
  seed?: number;
  profile?: OpProfile;
  simulated?: boolean;
}

function result(w: PreparedWorkload, m: FixtureMeasurement): MeasurementResult {
  const samplesMs = samplesAround(m.medianMs, m.n ?? 40, m.spread ?? 0.02, m.seed ?? 1);
  const run: ProtocolRun = {
    settings: getPreset('quick'),
    clock: 'fixture',
    timerResolutionMs: 1e-4,
    timerResolutionMeasured: true,
    coldMs: m.medianMs * 3,
    warmupMs: [m.medianMs * 2, m.medianMs * 1.2],
    batchSize: 1,
    samplesMs,
    converged: true,
    stopReason: 'converged',
    medianCi: null,
    samplingMs: m.medianMs * samplesMs.length,
    totalMs: m.medianMs * (samplesMs.length + 4),
    totalCalls: samplesMs.length + 3,
  } as ProtocolRun;
  return {
    workloadId: w.id,
    target: m.target ?? ORT_CPU,
    protocol: run,
    coldStart: { sessionCreateMs: 20, firstInferenceMs: m.medianMs * 3 },
    executed: { runtime: 'onnxruntime-node', runtimeVersion: '1.30.0', backend: (m.target ?? ORT_CPU).backend, evidence: 'fixture' },
    warnings: [],
    ...(m.profile ? { profile: m.profile } : {}),
  };
}

export function fixtureRecord(runId: string, m: FixtureMeasurement): MeasurementRecord {
  const w = preparedWorkload(m.workload, m.dtype);
  const rec = measurementRecord(runId, w, result(w, m));
  if (!m.simulated) return rec;
  return { ...rec, latency: { ...rec.latency, provenance: 'simulated' }, samples: { ...rec.samples, provenance: 'simulated' }, coldStart: { ...rec.coldStart, provenance: 'simulated' } };
}

export function fixtureManifest(runId: string, o: { device?: string; createdAt?: string; hostname?: string; targets?: Target[]; cpu?: string } = {}): ManifestRecord {
  return ManifestSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    kind: 'manifest',
    runId,
    createdAt: o.createdAt ?? '2026-01-01T00:00:00.000Z',
    resumedAt: [],
    tool: { name: 'mnv4-bench', version: '0.1.0', gitCommit: 'c'.repeat(40), gitDirty: false },
    command: ['run', '--device', o.device ?? 'host'],
    host: {
      hostname: o.hostname ?? 'fixture-host',
      platform: 'linux',
      arch: 'x64',
      cpu: { manufacturer: 'Fixture', brand: o.cpu ?? 'Fixture CPU 2000', cores: 2, physicalCores: 2, speedGHz: 0, flags: 'avx2' },
      memBytes: 8 * 2 ** 30,
      os: { distro: 'Debian', release: '12', kernel: '6.1' },
    },
    runtimes: { node: '20.0.0' },
    protocol: getPreset('quick'),
    targets: o.targets ?? [ORT_CPU],
  });
}

/** A profile of a whole model: per-block times with op types (profiler medians). */
export function fixtureProfile(modelText: string, totalMs: number): OpProfile {
  const w = resolveWorkload(modelText);
  const ops = ['Conv', 'Relu', 'Add', 'GlobalAveragePool'];
  const per = totalMs / w.graph.blocks.length;
  const nodes = w.graph.blocks.flatMap((b, i) => ops.slice(0, 2 + (i % 2)).map((op, k) => ({ name: `${b.id}/${op}_${k}`, op, block: b.id, medianMs: (per * (k === 0 ? 0.7 : 0.3)) / (k === 0 ? 1 : ops.slice(1, 2 + (i % 2)).length) })));
  const blocks = w.graph.blocks.map((b) => {
    const mine = nodes.filter((n) => n.block === b.id);
    const byOp: Record<string, number> = {};
    for (const n of mine) byOp[n.op] = (byOp[n.op] ?? 0) + n.medianMs;
    return { block: b.id, ms: mine.reduce((s, n) => s + n.medianMs, 0), nodes: mine.length, ops: byOp };
  });
  return { source: 'onnxruntime-profiler', runs: 10, runMedianMs: totalMs * 1.05, nodes, blocks, unattributedMs: 0, coverage: 1 / 1.05, notes: [] };
}

/** Writes a run directory under `root` with the given measurements (and optional error records). */
export async function writeFixtureRun(
  root: string,
  runId: string,
  measurements: FixtureMeasurement[],
  o: Parameters<typeof fixtureManifest>[1] & { errors?: { workload: string; target: Target; message: string }[] } = {},
): Promise<string> {
  const targets = o.targets ?? [...new Map(measurements.map((m) => [JSON.stringify(m.target ?? ORT_CPU), m.target ?? ORT_CPU])).values()];
  const w = await RunWriter.open(root, fixtureManifest(runId, { ...o, targets }));
  for (const m of measurements) await w.append(fixtureRecord(runId, m));
  for (const e of o.errors ?? []) await w.append(errorRecord(runId, resolveWorkload(e.workload).id, 'fp32', e.target, new Error(e.message)));
  return path.join(root, runId);
}

/** Typical host latencies (ms) of the five MNv4 models, for fixtures. */
export const MODEL_MS: Record<string, number> = { 'conv-s': 7, 'conv-m': 30, 'hybrid-m': 38, 'conv-l': 120, 'hybrid-l': 160 };
