import { describe, expect, it } from 'vitest';
import { parseBenchmarkModelOutput } from '../../../src/runners/android/benchmark-model-output.js';
import { crossCheckBenchmarkOutput, crossCheckMessage } from '../../../src/runners/android/cross-check.js';
import { cpp6, statLine } from '../../helpers/standin-benchmark-model.js';

/** A TF 2.x output echoing `params` and running `runs` timed runs of 1000 µs each. */
function output(params: Record<string, string>, phases: [number, number] = [3, 20], runs: [number, number] = [3, 20], maxSecs = 150): string {
  const lines = ['INFO: STARTING!', ...Object.entries(params).map(([k, v]) => `INFO: ${k}: [${v}]`)];
  phases.forEach((n, i) => {
    lines.push(`INFO: Running benchmark for at least ${n} iterations and at least 0 seconds but terminate if exceeding ${maxSecs} seconds.`);
    lines.push(`INFO: ${statLine(Array.from({ length: runs[i]! }, (_, j) => 1000 + j))}`, '');
  });
  lines.push(`INFO: Inference timings in us: Init: 5000, First inference: 1000, Warmup (avg): ${cpp6(1001)}, Inference (avg): ${cpp6(1009.5)}`);
  return lines.join('\n');
}

const CMD = [
  '/bin/bm',
  '--graph=/m/a.tflite',
  '--num_threads=1',
  '--use_nnapi=true',
  '--nnapi_accelerator_name=google-edgetpu',
  '--warmup_runs=3',
  '--num_runs=20',
];

describe('cross-check of what benchmark_model echoes against its command', () => {
  it('passes when every echoed setting is the command’s, under either generation’s labels', () => {
    const tf2 = output({
      'Min num runs': '20',
      'Min warmup runs': '3',
      'Num threads': '1',
      Graph: '/m/a.tflite',
      'Use NNAPI': '1',
      'NNAPI accelerator name': 'google-edgetpu',
    });
    expect(crossCheckBenchmarkOutput(parseBenchmarkModelOutput(tf2), CMD)).toEqual([]);
    const tf1 = output({ 'Num runs': '20', 'Warmup runs': '3', 'Num threads': '1', Graph: '/m/a.tflite', 'Use nnapi ': '1' });
    expect(crossCheckBenchmarkOutput(parseBenchmarkModelOutput(tf1), CMD)).toEqual([]);
    // TF >= 2.3 echoes only non-default parameters: an absent label is no mismatch
    expect(crossCheckBenchmarkOutput(parseBenchmarkModelOutput(output({})), CMD)).toEqual([]);
  });

  it('names both values of every mismatch: graph, runs, warm-up, threads, delegate flag and accelerator', () => {
    const bad = output(
      {
        'Min num runs': '50',
        'Min warmup runs': '1',
        'Num threads': '4',
        Graph: '/m/other.tflite',
        'Use NNAPI': '0',
        'NNAPI accelerator name': 'nnapi-reference',
      },
      [1, 50],
      [1, 50],
    );
    const msgs = crossCheckBenchmarkOutput(parseBenchmarkModelOutput(bad), CMD).map((p) => p.message);
    expect(msgs).toEqual([
      'graph: the command asks /m/a.tflite, benchmark_model echoes /m/other.tflite',
      'timed runs: the command asks 20, benchmark_model echoes 50',
      'warm-up runs: the command asks 3, benchmark_model echoes 1',
      'threads: the command asks 1, benchmark_model echoes 4',
      'NNAPI delegate: the command asks true, benchmark_model echoes 0',
      'NNAPI accelerator: the command asks google-edgetpu, benchmark_model echoes nnapi-reference',
      'warm-up runs (phase line): the command asks 3, benchmark_model echoes 1',
      'warm-up runs: the command asks at least 3, benchmark_model ran 1 (well inside the 150 s cap)',
      'timed runs (phase line): the command asks 20, benchmark_model echoes 50',
    ]);
  });

  it('catches a binary that echoes the asked counts but runs fewer, unless the time cap stopped it', () => {
    const ignored = parseBenchmarkModelOutput(output({ 'Min num runs': '20' }, [3, 20], [3, 1]));
    expect(crossCheckBenchmarkOutput(ignored, CMD).map((p) => p.message)).toEqual([
      'timed runs: the command asks at least 20, benchmark_model ran 1 (well inside the 150 s cap)',
    ]);
    // 5 runs of ~1 ms filled a 0.005 s cap: benchmark_model stops a phase there, legitimately
    const capped = parseBenchmarkModelOutput(output({}, [3, 20], [3, 5], 0.005));
    expect(crossCheckBenchmarkOutput(capped, [...CMD, '--max_secs=0.005'])).toEqual([]);
  });

  it('makes one line for the refusal', () => {
    const p = crossCheckBenchmarkOutput(parseBenchmarkModelOutput(output({ 'Num threads': '2' })), CMD);
    const msg = crossCheckMessage('android-cpu', p);
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(
      /^android-cpu: benchmark_model did not run what was asked \(threads: the command asks 1, benchmark_model echoes 2\); .*nothing is recorded/,
    );
  });
});
