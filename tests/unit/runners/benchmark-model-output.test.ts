import { describe, expect, it } from 'vitest';
import {
  BenchmarkModelOutputError,
  delegationEvidence,
  parseBenchmarkModelOutput,
  requireCompleteRun,
  toExternalTiming,
} from '../../../src/runners/android/benchmark-model-output.js';
import { benchmarkModelFixture } from '../../helpers/fixtures.js';

const parse = (name: string) => {
  const text = benchmarkModelFixture(name);
  return { text, out: parseBenchmarkModelOutput(text) };
};

describe('benchmark_model output: TF 2.x format', () => {
  it('reads both phases, the final line, memory and the XNNPACK delegation (2.15, CPU int8)', () => {
    const { text, out } = parse('tf2.15-xnnpack-cpu-int8.txt');
    expect(out.generation).toBe('tf2');
    expect(out.tensorflowVersion).toBe('2.15.0');
    expect(out.started).toBe(true);
    expect(out.params['Num threads']).toBe('1');
    expect(out.graph).toBe('/data/local/tmp/mnv4-bench/models/3f9a1c0d2b7e.tflite');
    expect(out.phases.map((p) => p.minIterations)).toEqual([20, 100]);
    expect(out.warmup).toMatchObject({ count: 20, firstUs: 2783, minUs: 2401, maxUs: 2783, avgUs: 2441.7, stdUs: 82 });
    expect(out.inference).toMatchObject({ count: 100, firstUs: 2412, currUs: 2418, minUs: 2389, maxUs: 2517, avgUs: 2420.37, stdUs: 21 });
    expect(out.summary).toEqual({
      format: 'tf2-inference-timings',
      initUs: 41203,
      firstInferenceUs: 2783,
      warmupAvgUs: 2441.7,
      inferenceAvgUs: 2420.37,
    });
    expect(out.memory).toEqual({ kind: 'delta-footprint', initMb: 8.26562, overallMb: 9.51172 });
    expect(out.initMs).toBeCloseTo(41.203, 6);
    expect(out.modelSizeMb).toBeCloseTo(4.01734, 6);
    expect(out.delegatesCreated).toEqual(['Created TensorFlow Lite XNNPACK delegate for CPU.']);
    expect(out.replacements).toEqual([{ kernel: 'TfLiteXNNPackDelegate', replaced: 64, total: 64, partitions: 1 }]);
    expect(out.errors).toEqual([]);

    const run = requireCompleteRun(out, text);
    const ext = toExternalTiming(run, ['benchmark_model', '--graph=x']);
    expect(ext.tool).toBe('tflite-benchmark_model');
    expect(ext.toolVersion).toBe('2.15.0');
    expect(ext.summary).toEqual({ count: 100, firstMs: 2.412, minMs: 2.389, maxMs: 2.517, meanMs: expect.closeTo(2.42037, 9), stdMs: 0.021 });
    expect(ext.warmup).toEqual({ count: 20, meanMs: 2.4417 });
    expect(ext.initMs).toBeCloseTo(41.203, 9);
    expect(ext.memory).toEqual({ initFootprintDeltaMb: 8.26562, overallFootprintDeltaMb: 9.51172 });

    expect(delegationEvidence(out, 'XNNPACK')).toMatchObject({ state: 'full', nodeShare: 1, delegatedNodes: 64, totalNodes: 64 });
  });

  it('reads the GPU delegate, the older Replacing line without a total, and the periodic peak memory (2.4)', () => {
    const { text, out } = parse('tf2.4-gpu-fp16.txt');
    expect(out.replacements).toEqual([{ kernel: 'TfLiteGpuDelegateV2', replaced: 118, partitions: 1 }]);
    expect(out.delegates).toEqual([{ delegate: 'GPU', outcome: 'complete' }]);
    expect(out.memory).toEqual({ kind: 'delta-footprint', initMb: 61.6367, overallMb: 63.0508, peakMb: 84.1914 });
    expect(out.summary?.initUs).toBe(1412550);
    const ext = toExternalTiming(requireCompleteRun(out, text));
    expect(ext.summary.meanMs).toBeCloseTo(18.0976, 9);
    expect(ext.memory).toEqual({ initFootprintDeltaMb: 61.6367, overallFootprintDeltaMb: 63.0508, peakFootprintMb: 84.1914 });
    const d = delegationEvidence(out, 'GPU');
    expect(d.state).toBe('full');
    expect(d.nodeShare).toBe(1);
    expect(d.totalNodes).toBeNull();
  });

  it('reads the TF 2.2 max-RSS memory line and a single-run Stat ("count=1 curr=X")', () => {
    const { text, out } = parse('tf2.2-cpu.txt');
    expect(out.generation).toBe('tf2');
    expect(out.memory).toEqual({ kind: 'peak-rss', initMb: 2.83594, overallMb: 10.4805 });
    expect(out.warmup).toMatchObject({ count: 1, firstUs: 9733, minUs: 9733, maxUs: 9733, avgUs: 9733, stdUs: 0, allSame: false });
    expect(out.params['Use xnnpack']).toBe('0');
    const ext = toExternalTiming(requireCompleteRun(out, text));
    expect(ext.warmup).toEqual({ count: 1, meanMs: 9.733 });
    expect(ext.summary.count).toBe(113);
    expect(ext.memory).toEqual({ initMaxRssDeltaMb: 2.83594, overallMaxRssDeltaMb: 10.4805 });
    // no delegate lines at all: nothing can be said about delegation.
    expect(delegationEvidence(out, 'XNNPACK').state).toBe('unknown');
  });
});

describe('benchmark_model output: TF 1.x format', () => {
  it('reads the unprefixed lines and "Average inference timings in us: Warmup, Init, no stats"', () => {
    const { text, out } = parse('tf1.14-cpu.txt');
    expect(out.generation).toBe('tf1');
    expect(out.summary).toEqual({ format: 'tf1-average', warmupAvgUs: 14912.6, initUs: 4452, firstInferenceUs: null, inferenceAvgUs: 14780.2 });
    expect(out.params['Num threads']).toBe('4');
    expect(out.params['Use nnapi']).toBe('0');
    expect(out.memory).toBeNull();
    const ext = toExternalTiming(requireCompleteRun(out, text));
    expect(ext.summary).toEqual({ count: 68, firstMs: 14.783, minMs: 14.588, maxMs: 15.402, meanMs: expect.closeTo(14.7802, 9), stdMs: 0.141 });
    expect(ext.toolVersion).toBeUndefined();
    expect(ext.memory).toBeUndefined();
  });
});

describe('benchmark_model output: delegation and silent fallback', () => {
  it('NNAPI to the EdgeTPU taking 112 of 124 nodes is partial, with its share', () => {
    const { out } = parse('tf2.15-nnapi-edgetpu-partial.txt');
    expect(out.nnapiAccelerators).toEqual(['google-edgetpu', 'nnapi-reference']);
    expect(out.params['NNAPI accelerator name']).toBe('google-edgetpu');
    const d = delegationEvidence(out, 'NNAPI');
    expect(d.state).toBe('partial');
    expect(d.delegatedNodes).toBe(112);
    expect(d.totalNodes).toBe(124);
    expect(d.nodeShare).toBeCloseTo(112 / 124, 12);
    expect(d.evidence[0]).toBe('NNAPI delegate: partial (2 delegate kernels)');
  });

  it('an NNAPI delegate that took nothing is a silent fallback (share 0), though the run finished', () => {
    const { text, out } = parse('tf2.15-nnapi-fallback.txt');
    expect(() => requireCompleteRun(out, text)).not.toThrow();
    const d = delegationEvidence(out, 'NNAPI');
    expect(d.state).toBe('none');
    expect(d.nodeShare).toBe(0);
    expect(d.delegatedNodes).toBe(0);
  });

  it('reads the simple-delegate line (Hexagon: N nodes delegated out of M)', () => {
    const out = parseBenchmarkModelOutput('INFO: Hexagon delegate: 60 nodes delegated out of 64 nodes with 2 partitions.\n');
    expect(out.delegatedNodes).toEqual([{ delegate: 'Hexagon', delegated: 60, total: 64, partitions: 2 }]);
    expect(delegationEvidence(out, 'Hexagon')).toMatchObject({ state: 'partial', nodeShare: 60 / 64 });
  });

  it('hands the op-profiling section to the op-profile parser and never reads its Timings line as the benchmark', () => {
    const { text, out } = parse('tf2.15-nnapi-op-profiling.txt');
    expect(out.opProfileText?.startsWith('INFO: Profiling Info for Benchmark Initialization:')).toBe(true);
    expect(out.opProfileText).toContain('Operator-wise Profiling Info for Regular Benchmark Runs:');
    expect(out.opProfileText).toContain('Timings (microseconds): count=100');
    expect(out.params['Enable op profiling']).toBe('1');
    // the benchmark's own figures, not the profiler's node sums
    expect(out.inference?.avgUs).toBe(2219.84);
    expect(toExternalTiming(requireCompleteRun(out, text)).summary.count).toBe(100);
  });
});

describe('benchmark_model output: failures', () => {
  it('a delegate that failed to apply is an error naming the delegate and the tool’s reason', () => {
    const { text, out } = parse('tf2.15-nnapi-failed.txt');
    expect(out.failed).toBe(true);
    expect(out.delegates).toEqual([{ delegate: 'NNAPI', outcome: 'failed' }]);
    expect(out.errors).toContain('Failed to apply NNAPI delegate.');
    let err: unknown;
    try {
      requireCompleteRun(out, text, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BenchmarkModelOutputError);
    expect((err as Error).message).toBe(
      'benchmark_model failed: failed to apply the NNAPI delegate (NN API returned error ANEURALNETWORKS_OP_FAILED at line 5141 while completing NNAPI compilation. | Node number 124 (TfLiteNnapiDelegate) failed to prepare. | Restored original execution plan after delegate application failure.) [exit code 1]',
    );
  });

  it('truncated output says where it stopped', () => {
    const { text, out } = parse('tf2.15-truncated.txt');
    expect(out.phases).toHaveLength(2);
    expect(out.phases[1]?.stat).toBeNull();
    expect(() => requireCompleteRun(out, text)).toThrow(
      /truncated: it ends during the timed runs .*last line: INFO: Running benchmark for at least 100 iterations/,
    );
  });

  it('output cut before the final line, and output that is not benchmark_model at all', () => {
    const { text } = parse('tf2.15-xnnpack-cpu-int8.txt');
    const cut = text.slice(0, text.indexOf('INFO: Inference timings'));
    expect(() => requireCompleteRun(parseBenchmarkModelOutput(cut), cut)).toThrow(/final 'Inference timings in us' line is missing/);
    const noise = '/system/bin/sh: /data/local/tmp/benchmark_model: not executable: 32-bit ELF file\n';
    expect(() => requireCompleteRun(parseBenchmarkModelOutput(noise), noise, 126)).toThrow(
      'benchmark_model printed nothing it would print when it runs (exit code 126); last line: /system/bin/sh: /data/local/tmp/benchmark_model: not executable: 32-bit ELF file',
    );
  });
});

describe('Stat line forms (tsl stats_calculator.h OutputToStream)', () => {
  const wrap = (stat: string) =>
    [
      'INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.',
      'INFO: count=3 curr=1000(all same)',
      '',
      'INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 150 seconds.',
      `INFO: ${stat}`,
      '',
      'INFO: Inference timings in us: Init: 5, First inference: 1000, Warmup (avg): 1000, Inference (avg): 1.23457e+06',
    ].join('\n');

  it('reads avg in scientific notation (runs over a second) and the percentile suffix', () => {
    const out = parseBenchmarkModelOutput(
      wrap('count=50 first=1234000 curr=1234600 min=1233000 max=1236000 avg=1.23457e+06 std=812 p5=1233100 median=1234500 p95=1235900'),
    );
    expect(out.warmup).toMatchObject({ count: 3, allSame: true, avgUs: 1000, stdUs: 0 });
    expect(out.inference).toMatchObject({ avgUs: 1234570, p5Us: 1233100, medianUs: 1234500, p95Us: 1235900 });
    expect(out.summary?.inferenceAvgUs).toBe(1234570);
    const ext = toExternalTiming(requireCompleteRun(out, ''));
    expect(ext.summary).toMatchObject({ meanMs: 1234.57, medianMs: 1234.5, p5Ms: 1233.1, p95Ms: 1235.9 });
  });

  it('count=0 (a dry run) has no timing and is not a finished benchmark', () => {
    const out = parseBenchmarkModelOutput(wrap('count=0'));
    expect(out.inference).toMatchObject({ count: 0, avgUs: null });
    expect(() => requireCompleteRun(out, 'x')).toThrow(/truncated/);
  });
});
