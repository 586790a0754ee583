import { describe, expect, it } from 'vitest';
import { ortBackendShare, type OrtTraceEvent } from '../../../src/runners/ort/profile.js';
import { BackendMismatchError, checkBackendShare, type BackendShare } from '../../../src/core/measurement.js';

const kernel = (name: string, provider: string, dur: number): OrtTraceEvent => ({
  cat: 'Node',
  name: `${name}_kernel_time`,
  ts: 0,
  dur,
  args: { op_name: 'Op', provider },
});

describe('share of the model on the requested backend', () => {
  // two profiled runs of a 4-node graph: 3 nodes on WebGPU, a Shape node on the CPU EP
  const events: OrtTraceEvent[] = [];
  for (let run = 0; run < 2; run++) {
    events.push(kernel('conv', 'JsExecutionProvider', 60), kernel('matmul', 'JsExecutionProvider', 30), kernel('add', 'JsExecutionProvider', 5));
    events.push(kernel('shape', 'CPUExecutionProvider', 5), { cat: 'Session', name: 'model_run', ts: 0, dur: 100 });
  }
  it('counts each node once, however many runs were profiled; time over all runs', () => {
    const share = ortBackendShare(events, 'JsExecutionProvider', 'test trace');
    expect(share).toEqual({
      requested: 'JsExecutionProvider',
      onRequested: 3,
      total: 4,
      nodeShare: 0.75,
      timeShare: 0.95,
      others: { CPUExecutionProvider: 1 },
      source: 'test trace',
    });
  });
  const base: BackendShare = {
    requested: 'XNNPACK',
    onRequested: 17,
    total: 33,
    nodeShare: 17 / 33,
    timeShare: 0.9,
    others: { 'builtin BATCH_MATMUL': 8, 'builtin GELU': 8 },
    source: 'profile',
  };
  it('a partial fallback is a warning with its share and what ran elsewhere', () => {
    expect(checkBackendShare('tflite-wasm', 'wasm+XNNPACK', base, false)).toBe(
      'partial fallback: 17 of 33 nodes (51.5%, 90.0% of profiled time) on XNNPACK; the rest ran elsewhere (8 on builtin BATCH_MATMUL, 8 on builtin GELU); figures mix backends (--strict-backend makes this an error)',
    );
  });
  it('--strict-backend: a partial fallback is an error', () => {
    expect(() => checkBackendShare('tflite-wasm', 'wasm+XNNPACK', base, true)).toThrow(BackendMismatchError);
    expect(() => checkBackendShare('tflite-wasm', 'wasm+XNNPACK', base, true)).toThrow(/--strict-backend refuses a partial fallback/);
  });
  it('everything on the requested backend: no warning, strict or not', () => {
    const full = { ...base, onRequested: 33, nodeShare: 1, timeShare: 1, others: {} };
    expect(checkBackendShare('tflite-wasm', 'wasm+XNNPACK', full, true)).toBeNull();
  });
  it('nothing on it, or no node list at all, is always an error', () => {
    expect(() => checkBackendShare('ort-webgpu', 'webgpu', { ...base, onRequested: 0, nodeShare: 0 }, false)).toThrow(
      /requested backend 'webgpu' but/,
    );
    expect(() => checkBackendShare('ort-webgpu', 'webgpu', { ...base, onRequested: 0, total: 0, nodeShare: 0 }, false)).toThrow(/lists no nodes/);
  });
});
