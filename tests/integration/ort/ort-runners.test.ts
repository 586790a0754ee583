import { describe, expect, it } from 'vitest';
import { getPreset } from '../../../src/profiles/protocol.js';
import { measurementRecord, sessionRecord } from '../../../src/results/records.js';

const scope = { runId: 'run-t', deviceId: 'host' };
import { parseLine } from '../../../src/results/schema.js';
import { measureOrt, type OrtModuleLike } from '../../../src/runners/ort/common.js';
import { createOrtCpuRunner, ortCpuSessionOptions } from '../../../src/runners/ort/cpu.js';
import { buildOrtProfile, type OrtTraceEvent } from '../../../src/runners/ort/profile.js';
import { createOrtWasmRunner } from '../../../src/runners/ort/wasm.js';
import { prepareWorkload } from '../../../src/runners/prepare.js';
import { BackendMismatchError } from '../../../src/core/measurement.js';
import { localContext, SettingsError } from '../../../src/core/target.js';
import { graphCost } from '../../../src/models/cost.js';

// small caps: a few hundred ms per measurement
const tiny = getPreset('quick', { warmupMinIterations: 2, warmupMinMs: 10, minSamples: 10, minTimeMs: 30, maxSamples: 200, maxTimeMs: 400 });
// conv-s blocks 3..4 at 64x64 input: a 3x3 s2 conv_bn and a 1x1 conv_bn (small and fast)
const W = 'conv-s/b03';

describe('ort-cpu', () => {
  const runner = createOrtCpuRunner();

  it('is available here', async () => {
    const a = await runner.detect(localContext());
    expect(a.available).toBe(true);
  });

  it('validates settings with one-line errors', () => {
    expect(runner.resolveSettings({})).toEqual({ threads: 1, optLevel: 'all', allowSpinning: true, interOpThreads: 1 });
    expect(runner.resolveSettings({ threads: '2', allowSpinning: 'false' })).toMatchObject({ threads: 2, allowSpinning: false });
    expect(() => runner.resolveSettings({ threads: 0 })).toThrow(SettingsError);
    expect(() => runner.resolveSettings({ optLevel: 'max' })).toThrow(/optLevel must be one of disabled\|basic\|extended\|all, got 'max'/);
    expect(() => runner.resolveSettings({ bogus: 1 })).toThrow(/has no setting 'bogus'/);
    expect(ortCpuSessionOptions(runner.resolveSettings({ allowSpinning: false }))).toMatchObject({
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  });

  it('measures a block: schema-valid record, provider proven, profile maps nodes to blocks', async () => {
    const w = await prepareWorkload(W, { format: 'onnx', dtype: 'fp32', resolution: 64 });
    const settings = runner.resolveSettings({ optLevel: 'disabled' });
    const r = await runner.measure(w, tiny, settings, localContext(), { profile: true, profileRuns: 3 });
    expect(r.executed.provider).toBe('CPUExecutionProvider');
    // the timed session's own part (sole provider), then the profiling session's part (node count), labelled
    expect(r.executed.evidence).toMatch(
      /^timed session: onnxruntime-node created with executionProviders \['cpu'\] only, so CPUExecutionProvider is the only execution provider registered in it; ORT refuses to create a session with a node no registered provider implements, so every node of the timed session ran on CPUExecutionProvider; profiling session \(separate, same model and options, after the timed one\): (\d+)\/\1 nodes and (\d+)\/\2 kernel events \(5 runs\) on CPUExecutionProvider$/,
    );
    expect(r.executed.share!.source).toBe(
      'node list: ORT profiler of a separate profiling session (same model and options); placement: CPUExecutionProvider was the only provider registered in the timed session',
    );
    expect(r.target.settings).toEqual(settings);
    expect(r.protocol.samplesMs.length).toBeGreaterThanOrEqual(10);
    // cold start, one meaning: runtime start (the probe session, paid by the process's first session only)
    // apart from this session's creation and its first inference
    expect(r.coldStart.runtimeInitMs).toBeGreaterThanOrEqual(0);
    const again = await runner.measure(w, tiny, settings, localContext());
    expect(again.coldStart.runtimeInitMs).toBe(0);
    expect(r.coldStart.firstInferenceMs).toBe(r.protocol.coldMs);
    expect(r.executed.share).toMatchObject({ requested: 'CPUExecutionProvider', nodeShare: 1, others: {} });
    // at level 'disabled' every node keeps its exporter name: all time maps to the workload's block
    const p = r.profile!;
    expect(p.runs).toBe(3);
    expect(p.unattributedMs).toBe(0);
    expect(p.blocks.map((b) => b.block)).toEqual(['b03_conv_bn']);
    expect(p.nodes.every((n) => n.block === 'b03_conv_bn' && n.provider === 'CPUExecutionProvider')).toBe(true);
    // coverage is node time over run time; on a loaded host per-run overhead can dominate a block this small,
    // so only its definition is checked here, never a timing bound (the synthetic case below checks the value)
    const nodeSumMs = p.nodes.reduce((s, n) => s + n.medianMs, 0);
    expect(p.runMedianMs).toBeGreaterThan(0);
    expect(p.coverage!).toBeCloseTo(nodeSumMs / p.runMedianMs!, 12);
    expect(p.coverage!).toBeGreaterThan(0);
    const rec = measurementRecord(scope, w, [sessionRecord(scope, w, r, { index: 0, round: 0 })], 'tiny');
    expect(parseLine(JSON.stringify(rec))).toEqual(rec);
    // GMAC/s is the block's counted MACs over the measured median, nothing else
    expect(rec.derived.gmacPerSecond!.value).toBeCloseTo(rec.workload.macs / (rec.latency.medianMs * 1e-3) / 1e9, 9);
    expect(rec.workload.macs).toBe(graphCost(w.graph).macs);
  });

  it("level 'all' keeps what it can map and reports the rest as unattributed", async () => {
    const w = await prepareWorkload('conv-s/b04', { format: 'onnx', dtype: 'fp32', resolution: 64 });
    const r = await runner.measure(w, tiny, runner.resolveSettings({ optLevel: 'all' }), localContext(), { profile: true, profileRuns: 2 });
    const p = r.profile!;
    const total = p.blocks.reduce((s, b) => s + b.ms, 0);
    const sumNodes = p.nodes.reduce((s, n) => s + n.medianMs, 0);
    expect(total).toBeCloseTo(sumNodes, 9);
    for (const b of p.blocks) expect(['b04_conv_bn', 'unattributed']).toContain(b.block);
    expect(p.blocks.some((b) => b.block === 'b04_conv_bn')).toBe(true);
    if (p.unattributedMs > 0) expect(p.notes.join(' ')).toMatch(/could not be mapped/);
  });

  it('a provider other than the requested one is an error, not a result', async () => {
    const w = await prepareWorkload(W, { format: 'onnx', dtype: 'fp32', resolution: 64 });
    const ort = (await import('onnxruntime-node')) as unknown as OrtModuleLike;
    const fake: OrtTraceEvent[] = [
      { cat: 'Node', name: 'b03_conv_bn/conv_kernel_time', ts: 1, dur: 5, args: { op_name: 'Conv', provider: 'XnnpackExecutionProvider' } },
      { cat: 'Session', name: 'model_run', ts: 0, dur: 10 },
    ];
    const settings = runner.resolveSettings({});
    await expect(
      measureOrt(
        {
          target: { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings },
          ort,
          runtime: 'onnxruntime-node',
          runtimeVersion: 'test',
          sessionOptions: ortCpuSessionOptions(settings),
          expectedProvider: 'CPUExecutionProvider',
          evidencePrefix: 'test',
          profileSource: 'test',
          profileEvents: async () => fake,
          details: () => ({}),
        },
        w,
        tiny,
        localContext(),
      ),
    ).rejects.toThrow(BackendMismatchError);
  });

  it('rejects a file of the wrong format', async () => {
    const w = await prepareWorkload(W, { format: 'onnx', dtype: 'fp32', resolution: 64 });
    await expect(runner.measure({ ...w, file: { ...w.file, format: 'tflite' } }, tiny, runner.resolveSettings({}), localContext())).rejects.toThrow(
      /runs ONNX files/,
    );
  });
});

describe('ort-wasm (onnxruntime-web in Node)', () => {
  const runner = createOrtWasmRunner();
  it('measures a block with its provider proven and a per-block profile', async () => {
    expect((await runner.detect(localContext())).available).toBe(true);
    const w = await prepareWorkload(W, { format: 'onnx', dtype: 'fp32', resolution: 64 });
    const r = await runner.measure(w, tiny, runner.resolveSettings({ threads: 1, optLevel: 'disabled' }), localContext(), {
      profile: true,
      profileRuns: 2,
    });
    expect(r.executed.runtime).toBe('onnxruntime-web');
    expect(r.executed.backend).toBe('wasm');
    expect(r.executed.details).toMatchObject({ simd: true, threads: 1 });
    expect(r.executed.evidence).toMatch(
      /^timed session: onnxruntime-web Node build \(WASM backend only\) created with executionProviders \['wasm'\] only, so CPUExecutionProvider is the only execution provider registered in it; .*; profiling session \(separate, same model and options, after the timed one\): (\d+)\/\1 nodes/,
    );
    // the process's first onnxruntime-web session pays the WASM start, timed apart from sessionCreateMs
    expect(r.coldStart.runtimeInitMs).toBeGreaterThan(r.coldStart.sessionCreateMs);
    expect(r.profile!.blocks.map((b) => b.block)).toEqual(['b03_conv_bn']);
    const rec = measurementRecord(scope, w, [sessionRecord(scope, w, r, { index: 0, round: 0 })], 'tiny');
    expect(parseLine(JSON.stringify(rec))).toEqual(rec);
    // a second measurement in the same process does not pay the WASM init again
    const r2 = await runner.measure(w, tiny, runner.resolveSettings({ threads: 1 }), localContext());
    expect(r2.coldStart.runtimeInitMs).toBe(0);
    // the thread count is fixed per process
    await expect(runner.measure(w, tiny, runner.resolveSettings({ threads: 2 }), localContext())).rejects.toThrow(/separate invocation/);
  });
});

describe('buildOrtProfile', () => {
  it('drops cold runs, takes per-node medians and buckets unknown names', () => {
    const ev = (name: string, ts: number, dur: number): OrtTraceEvent => ({
      cat: 'Node',
      name: `${name}_kernel_time`,
      ts,
      dur,
      args: { op_name: 'Conv', provider: 'CPUExecutionProvider' },
    });
    const events: OrtTraceEvent[] = [];
    const durs = [
      [900, 900],
      [100, 10],
      [300, 30],
      [200, 20],
    ]; // run 0 is cold
    durs.forEach(([a, b], i) => {
      const t = i * 10_000;
      events.push(ev('b01_ib/expand', t + 1, a!), ev('ReorderInput', t + 2000, b!), { cat: 'Session', name: 'model_run', ts: t, dur: 5000 });
    });
    const graph = { blocks: [{ id: 'b01_ib' }] } as unknown as Parameters<typeof buildOrtProfile>[1];
    const p = buildOrtProfile(events, graph, { source: 't', skipRuns: 1 });
    expect(p.runs).toBe(3);
    expect(p.blocks).toEqual([
      { block: 'b01_ib', ms: 0.2, nodes: 1, ops: { Conv: 0.2 } },
      { block: 'unattributed', ms: 0.02, nodes: 1, ops: { Conv: 0.02 } },
    ]);
    expect(p.unattributedMs).toBeCloseTo(0.02, 12);
    expect(p.runMedianMs).toBe(5);
    expect(p.coverage).toBeCloseTo(0.22 / 5, 12);
  });
});
