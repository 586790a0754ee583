/** Synthetic but schema-complete results for schema / writer tests (no runtime involved). */
import { resolveWorkload } from '../../src/models/workload.js';
import { type ProtocolRun } from '../../src/core/protocol-run.js';
import { getPreset } from '../../src/profiles/protocol.js';
import { measurementRecord, sessionRecord } from '../../src/results/records.js';
import type { MeasurementRecord } from '../../src/results/schema.js';
import type { MeasurementResult } from '../../src/core/measurement.js';
import type { PreparedWorkload } from '../../src/core/workload-file.js';

export function fakeWorkload(text = 'conv-s/b03'): PreparedWorkload {
  const r = resolveWorkload(text);
  return { ...r, file: { path: '/tmp/x.onnx', sha256: 'a'.repeat(64), bytes: 1234, format: 'onnx', dtype: 'fp32', resolution: 224 } };
}

export function fakeResult(w: PreparedWorkload, threads = 1): MeasurementResult {
  const samplesMs = Array.from({ length: 40 }, (_, i) => 1 + (i % 5) * 0.001);
  const run: ProtocolRun = {
    settings: getPreset('quick'),
    clock: 'fake',
    timerResolutionMs: 1e-4,
    timerResolutionMeasured: true,
    timerReadCostMs: 3e-5,
    coldMs: 5,
    warmupMs: [2, 1.1, 1],
    warmupSteady: true,
    batchSize: 1,
    pilotMs: samplesMs.slice(0, 20),
    samplesMs,
    plannedSamples: samplesMs.length,
    converged: true,
    stopReason: 'converged',
    medianCi: { lo: 1.001, hi: 1.003, median: 1.002, relHalfWidth: 0.001, confidence: 0.95 },
    trend: { n: 40, s: 0, z: 0, p: 1, drift: 0, trending: false },
    samplingMs: 40,
    totalMs: 50,
    totalCalls: 44,
  };
  return {
    workloadId: w.id,
    target: { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: { threads, optLevel: 'all' } },
    protocol: run,
    coldStart: { sessionCreateMs: 20, firstInferenceMs: 5 },
    executed: { runtime: 'onnxruntime-node', runtimeVersion: '1.30.0', backend: 'cpu', provider: 'CPUExecutionProvider', evidence: 'fixture' },
    warnings: [],
  };
}

/** A measurement record of one session (device 'host'). */
export function fakeRecord(runId = 'run-1', text = 'conv-s/b03', threads = 1): MeasurementRecord {
  const w = fakeWorkload(text);
  const scope = { runId, deviceId: 'host' };
  return measurementRecord(scope, w, [sessionRecord(scope, w, fakeResult(w, threads), { index: 0, round: 0 })], 'quick');
}
