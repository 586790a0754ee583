/**
 * Proof of what ran, taken from the timed session, for ort-cpu / ort-wasm: the timed session has one execution
 * provider, the CPU EP, and ORT refuses to create a session with a node no registered provider implements. The
 * premise is checked against the real runtimes: a float64 Conv (no CPU kernel in onnxruntime) is refused at
 * session creation through the runners' own load step, while the same graph in float32 is accepted with the
 * same options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType } from '../../../src/models/export/onnx-proto.js';
import type { Graph } from '../../../src/models/graph.js';
import { getPreset } from '../../../src/profiles/protocol.js';
import { soleExecutionProvider } from '../../../src/runners/ort/common.js';
import { createOrtCpuRunner, ortCpuSessionOptions } from '../../../src/runners/ort/cpu.js';
import { createOrtWasmRunner, ortWasmSessionOptions } from '../../../src/runners/ort/wasm.js';
import { localContext } from '../../../src/core/target.js';
import { type PreparedWorkload } from '../../../src/core/workload-file.js';
import { tinyOnnxModel, valueInfo } from '../../helpers/tiny-onnx.js';

/** onnx.proto TensorProto.DataType.DOUBLE (the exporter writes no float64, so DataType lists none). */
const ONNX_DOUBLE = 11;

const dir = mkdtempSync(join(tmpdir(), 'mnv4-timed-proof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** input [1,1,3,3] -> Conv with a 1x1x3x3 weight -> output [1,1,1,1], in float32 or float64. */
function convModel(type: number): Uint8Array {
  const weight = type === ONNX_DOUBLE ? new Float64Array(9).fill(0.5) : new Float32Array(9).fill(0.5);
  return tinyOnnxModel({
    name: 'conv',
    doc: 'one Conv',
    nodes: [{ op_type: 'Conv', name: 'conv', input: ['input', 'w'], output: ['output'], attribute: [] }],
    initializers: [{ name: 'w', dims: [1, 1, 3, 3], data_type: type, raw_data: new Uint8Array(weight.buffer) }],
    inputs: [valueInfo('input', [1, 1, 3, 3], type)],
    outputs: [valueInfo('output', [1, 1, 1, 1], type)],
  });
}

/** A workload whose file is `bytes` (graph: one 1x3x3 input, one 1x1x1 output). */
function workloadOf(name: string, bytes: Uint8Array): PreparedWorkload {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  const graph: Graph = { id: `test:${name}`, inputShape: [1, 3, 3], layers: [], output: 'output', outputShape: [1, 1, 1], blocks: [] };
  return {
    id: graph.id,
    kind: 'block',
    description: name,
    graph,
    file: { path, sha256: '0'.repeat(64), bytes: bytes.length, format: 'onnx', dtype: 'fp32', resolution: 3 },
  };
}

const tiny = getPreset('quick', { warmupMinIterations: 2, warmupMinMs: 10, minSamples: 10, minTimeMs: 30, maxSamples: 50, maxTimeMs: 200 });

describe('the timed session has one provider, and ORT refuses a node no registered provider implements', () => {
  it('ort-cpu: a float64 Conv is refused at session creation with a clear error; the float32 one is accepted', async () => {
    const runner = createOrtCpuRunner();
    const settings = runner.resolveSettings({});
    expect(soleExecutionProvider(ortCpuSessionOptions(settings))).toBe('cpu');
    await expect(runner.measure(workloadOf('conv-f64', convModel(ONNX_DOUBLE)), tiny, settings, localContext())).rejects.toThrow(
      /^ort-cpu: onnxruntime-node refused to create the session of test:conv-f64 \(executionProviders \["cpu"\]\): Could not find an implementation for Conv\(11\) node with name 'conv'/,
    );
    // the control: same graph and options in float32 runs, so the refusal is about the missing kernel
    const ort = await import('onnxruntime-node');
    const s = await ort.InferenceSession.create(convModel(DataType.FLOAT), ortCpuSessionOptions(settings));
    const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(9).fill(1), [1, 1, 3, 3]) });
    expect(Array.from(out.output!.data as Float32Array)).toEqual([4.5]);
    await s.release();
  });

  it('ort-wasm: the same refusal inside onnxruntime-web', async () => {
    const runner = createOrtWasmRunner();
    const settings = runner.resolveSettings({});
    expect(soleExecutionProvider(ortWasmSessionOptions(settings))).toBe('wasm');
    await expect(runner.measure(workloadOf('conv-f64-wasm', convModel(ONNX_DOUBLE)), tiny, settings, localContext())).rejects.toThrow(
      /^ort-wasm: onnxruntime-web refused to create the session of test:conv-f64-wasm \(executionProviders \["wasm"\]\): .*Could not find an implementation for Conv\(11\) node with name 'conv'/,
    );
    const ort = await import('onnxruntime-web');
    const s = await ort.InferenceSession.create(convModel(DataType.FLOAT), ortWasmSessionOptions(settings));
    const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(9).fill(1), [1, 1, 3, 3]) });
    expect(Array.from(out.output!.data as Float32Array)).toEqual([4.5]);
    await s.release();
  });

  it('a provider list the argument does not cover is refused before anything is claimed', () => {
    expect(() => soleExecutionProvider({ executionProviders: ['webgpu', 'wasm'] })).toThrow(/exactly one execution provider/);
    expect(() => soleExecutionProvider({})).toThrow(/exactly one execution provider/);
  });
});

describe('the node list is profiled once per model file and options', () => {
  it('ort-cpu: the second session of a pair reuses the first one profiling session (said so); another file profiles anew; --profile always does', async () => {
    const runner = createOrtCpuRunner();
    const settings = runner.resolveSettings({});
    const bytes = convModel(DataType.FLOAT);
    const a = workloadOf('conv-f32-a', bytes);
    a.file.sha256 = 'a'.repeat(64);
    const first = await runner.measure(a, tiny, settings, localContext());
    expect(first.executed.evidence).toMatch(
      /profiling session \(separate, same model and options, after the timed one\): (\d+)\/\1 nodes and \d+\/\d+ kernel events \(1 run\)/,
    );
    const second = await runner.measure(a, tiny, settings, localContext());
    expect(second.executed.evidence).toMatch(
      /made once after an earlier timed session of this model file and these options\): (\d+)\/\1 nodes and \d+\/\d+ kernel events \(1 run\)/,
    );
    expect(second.executed.share).toEqual(first.executed.share);
    // another file (sha256) is another node list
    const b = workloadOf('conv-f32-b', bytes);
    b.file.sha256 = 'b'.repeat(64);
    expect((await runner.measure(b, tiny, settings, localContext())).executed.evidence).toMatch(/after the timed one\)/);
    // a profile request profiles anew (its runs are the breakdown)
    const profiled = await runner.measure(a, tiny, settings, localContext(), { profile: true, profileRuns: 3 });
    expect(profiled.executed.evidence).toMatch(/after the timed one\): (\d+)\/\1 nodes and (\d+)\/\2 kernel events \(5 runs\)/);
  });
});
