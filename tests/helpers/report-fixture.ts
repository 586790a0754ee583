/**
 * Synthetic run directories for report / compare / dashboard tests, written through the project's own
 * record builders (measurementRecord, errorRecord) and RunWriter, so they follow the schema as it is.
 * Latencies are deterministic (seeded), never timed.
 */
import path from 'node:path';
import type { DeviceColumn } from '../../src/models/published.js';
import { resolveWorkload } from '../../src/models/workload.js';
import { loadDevice } from '../../src/profiles/device.js';
import { simulateDevice } from '../../src/report/simulation.js';
import { getRunner } from '../../src/runners/registry.js';
import { type ProtocolRun } from '../../src/core/protocol-run.js';
import { getPreset } from '../../src/profiles/protocol.js';
import { errorRecord, measurementRecord, sessionRecord, skippedRecord } from '../../src/results/records.js';
import {
  ManifestSchema,
  SCHEMA_VERSION,
  type LineRecord,
  type ManifestRecord,
  type MeasurementRecord,
  type SessionRecord,
} from '../../src/results/schema.js';
import { RunWriter } from '../../src/results/writer.js';
import type { MeasurementResult, OpProfile } from '../../src/core/measurement.js';
import type { Target } from '../../src/core/target.js';
import type { PreparedWorkload } from '../../src/core/workload-file.js';
import { mulberry32 } from '../../src/util/random.js';

export const XSS = '<img src=x onerror=alert(1)>';

export const ORT_CPU: Target = { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: { threads: 1, optLevel: 'all' } };
export const ORT_WASM: Target = { id: 'ort-wasm', runner: 'ort-wasm', backend: 'wasm', settings: { threads: 1 } };

export function preparedWorkload(text: string, dtype: 'fp32' | 'fp16' | 'int8' = 'fp32'): PreparedWorkload {
  const r = resolveWorkload(text);
  const res = /@(\d+)$/.exec(r.id);
  return {
    ...r,
    file: {
      path: `/tmp/${r.id.replace(/[^\w.-]/g, '_')}.onnx`,
      sha256: 'b'.repeat(64),
      bytes: 4096,
      format: 'onnx',
      dtype,
      resolution: res ? Number(res[1]) : 224,
    },
  };
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
  /** relative spread of the samples within a session. */
  spread?: number;
  /** samples per session. */
  n?: number;
  /** independent sessions (default 3), each shifted by up to +-drift/2 of the median. */
  sessions?: number;
  drift?: number;
  seed?: number;
  profile?: OpProfile;
  simulated?: boolean;
  /** timed by an external tool (summary statistics only, as TFLite benchmark_model prints them). */
  external?: boolean;
}

function result(w: PreparedWorkload, m: FixtureMeasurement, session: number): MeasurementResult {
  const k = m.sessions ?? 3;
  const shift = k > 1 ? (m.drift ?? 0.01) * (session / (k - 1) - 0.5) : 0;
  const samplesMs = samplesAround(m.medianMs * (1 + shift), m.n ?? 40, m.spread ?? 0.02, (m.seed ?? 1) * 31 + session);
  if (m.external) {
    const sorted = [...samplesMs].sort((x, y) => x - y);
    const mean = samplesMs.reduce((t, v) => t + v, 0) / samplesMs.length;
    return {
      workloadId: w.id,
      target: m.target ?? ORT_CPU,
      external: {
        tool: 'tflite-benchmark_model',
        summary: {
          count: samplesMs.length,
          minMs: sorted[0]!,
          maxMs: sorted[sorted.length - 1]!,
          meanMs: mean,
          stdMs: 0.01 * mean,
          medianMs: sorted[sorted.length >> 1]!,
        },
      },
      executed: { runtime: 'tflite', runtimeVersion: '2.16', backend: (m.target ?? ORT_CPU).backend, evidence: 'fixture' },
      warnings: [],
    };
  }
  const run: ProtocolRun = {
    settings: getPreset('quick'),
    clock: 'fixture',
    timerResolutionMs: 1e-4,
    timerResolutionMeasured: true,
    timerReadCostMs: 3e-5,
    coldMs: m.medianMs * 3,
    warmupMs: [m.medianMs * 2, m.medianMs * 1.2],
    warmupSteady: true,
    batchSize: 1,
    pilotMs: [],
    samplesMs,
    plannedSamples: samplesMs.length,
    converged: true,
    stopReason: 'converged',
    medianCi: null,
    trend: { n: samplesMs.length, s: 0, z: 0, p: 1, drift: 0, trending: false },
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
    ...(m.profile && session === 0 ? { profile: m.profile } : {}),
  };
}

/** The session records and the measurement record of one pair, built by the project's record builders. */
export function fixtureRecords(
  runId: string,
  deviceId: string,
  m: FixtureMeasurement,
): { sessions: SessionRecord[]; measurement: MeasurementRecord } {
  const w = preparedWorkload(m.workload, m.dtype);
  const scope = { runId, deviceId };
  let sessions = Array.from({ length: m.sessions ?? 3 }, (_, i) => sessionRecord(scope, w, result(w, m, i), { index: i, round: i }));
  if (m.simulated)
    sessions = sessions.map((s) => ({
      ...s,
      session: { ...s.session, provenance: 'simulated' },
      coldStart: { ...s.coldStart, provenance: 'simulated' },
    }));
  let measurement = measurementRecord(scope, w, sessions, 'quick');
  if (m.simulated)
    measurement = {
      ...measurement,
      latency: { ...measurement.latency, provenance: 'simulated' },
      coldStart: { ...measurement.coldStart, provenance: 'simulated' },
    };
  return { sessions, measurement };
}

export interface FixtureRunOptions {
  device?: string;
  deviceName?: string;
  createdAt?: string;
  hostname?: string;
  targets?: Target[];
  cpu?: string;
  sessions?: number;
}

export function fixtureManifest(runId: string, o: FixtureRunOptions = {}): ManifestRecord {
  const device = o.device ?? 'host';
  return ManifestSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    kind: 'manifest',
    runId,
    createdAt: o.createdAt ?? '2026-01-01T00:00:00.000Z',
    resumed: [],
    tool: { name: 'mnv4-bench', version: '0.1.0', gitCommit: 'c'.repeat(40), gitDirty: false },
    command: ['run', '--device', device],
    devices: [
      {
        id: device,
        name: o.deviceName ?? (device === 'host' ? 'This machine' : device),
        connection: device === 'host' ? { kind: 'local' } : { kind: 'adb', serial: 'FIXTURE01' },
      },
    ],
    sessionsPerMeasurement: o.sessions ?? 3,
    host: {
      hostname: o.hostname ?? 'fixture-host',
      platform: 'linux',
      arch: 'x64',
      cpu: { manufacturer: 'Fixture', brand: o.cpu ?? 'Fixture CPU 2000', cores: 2, physicalCores: 2, speedGHz: 0, flags: 'fpu sse2 avx2 fma' },
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
  const nodes = w.graph.blocks.flatMap((b, i) =>
    ops.slice(0, 2 + (i % 2)).map((op, k) => ({
      name: `${b.id}/${op}_${k}`,
      op,
      block: b.id,
      medianMs: (per * (k === 0 ? 0.7 : 0.3)) / (k === 0 ? 1 : ops.slice(1, 2 + (i % 2)).length),
    })),
  );
  const blocks = w.graph.blocks.map((b) => {
    const mine = nodes.filter((n) => n.block === b.id);
    const byOp: Record<string, number> = {};
    for (const n of mine) byOp[n.op] = (byOp[n.op] ?? 0) + n.medianMs;
    return { block: b.id, ms: mine.reduce((s, n) => s + n.medianMs, 0), nodes: mine.length, ops: byOp };
  });
  return { source: 'onnxruntime-profiler', runs: 10, runMedianMs: totalMs * 1.05, nodes, blocks, unattributedMs: 0, coverage: 1 / 1.05, notes: [] };
}

/** Writes a run directory under `root`: each pair's sessions then its measurement, then error and skipped records. */
export async function writeFixtureRun(
  root: string,
  runId: string,
  measurements: FixtureMeasurement[],
  o: FixtureRunOptions & {
    errors?: { workload: string; target: Target; message: string }[];
    skipped?: { workload: string; target: Target; reason: string }[];
  } = {},
): Promise<string> {
  const targets = o.targets ?? [...new Map(measurements.map((m) => [JSON.stringify(m.target ?? ORT_CPU), m.target ?? ORT_CPU])).values()];
  const w = await RunWriter.open(root, fixtureManifest(runId, { ...o, targets }));
  const scope = { runId, deviceId: o.device ?? 'host' };
  const lines: LineRecord[] = [];
  for (const m of measurements) {
    const r = fixtureRecords(runId, scope.deviceId, { sessions: o.sessions, ...m });
    lines.push(...r.sessions, r.measurement);
  }
  for (const e of o.errors ?? []) lines.push(errorRecord(scope, resolveWorkload(e.workload).id, 'fp32', e.target, new Error(e.message)));
  for (const s of o.skipped ?? []) lines.push(skippedRecord(scope, resolveWorkload(s.workload).id, 'fp32', s.target, s.reason));
  for (const l of lines) await w.append(l);
  return path.join(root, runId);
}

/** Typical host latencies (ms) of the five MNv4 models, for fixtures. */
export const MODEL_MS: Record<string, number> = { 'conv-s': 7, 'conv-m': 30, 'hybrid-m': 38, 'conv-l': 120, 'hybrid-l': 160 };

/** A target of a device profile as a run records it (runner id and backend, settings resolved by the runner). */
export function deviceTarget(deviceId: string, targetId: string): { target: Target; dtype: 'fp32' | 'fp16' | 'int8' } {
  const entry = loadDevice(deviceId).targets.find((t) => t.target === targetId);
  if (!entry) throw new Error(`device ${deviceId} has no target ${targetId}`);
  const runner = getRunner(targetId);
  return {
    target: { id: runner.id, runner: runner.id, backend: runner.backend, settings: runner.resolveSettings(entry.settings) },
    dtype: entry.dtype,
  };
}

/** The JSON `run --device D --simulate --json` prints, from the simulator itself (one Table 6 column). */
export function fixtureSimulation(deviceId: string, column: DeviceColumn): unknown {
  return JSON.parse(JSON.stringify(simulateDevice(loadDevice(deviceId), [column])));
}

/**
 * The measurements of a typical host run: the five models on ort-cpu (`scale` x MODEL_MS; conv-s profiled)
 * and on ort-wasm (1.8 x, unscaled), `blocks` standalone blocks of conv-s, optionally a dense-conv peak block.
 */
export function hostMeasurements(
  scale: number,
  seed: number,
  o: { blocks?: number; peak?: boolean; profileModel?: string } = {},
): FixtureMeasurement[] {
  const profiled = o.profileModel ?? 'conv-s';
  return [
    ...Object.keys(MODEL_MS).map((m, i) => ({
      workload: m,
      medianMs: MODEL_MS[m]! * scale,
      seed: seed + i,
      ...(m === profiled ? { profile: fixtureProfile(m, MODEL_MS[m]! * 0.93) } : {}),
    })),
    ...Object.keys(MODEL_MS).map((m, i) => ({ workload: m, target: ORT_WASM, medianMs: MODEL_MS[m]! * 1.8, seed: seed + 10 + i })),
    ...Array.from({ length: o.blocks ?? 0 }, (_, b) => ({ workload: `conv-s/b0${b}`, medianMs: 0.3 + b * 0.2, seed: seed + 20 + b })),
    ...(o.peak ? [{ workload: 'block:conv_bn(k1,s1,o256,none)@256x56x56', medianMs: 12, seed: seed + 40 }] : []),
  ];
}
