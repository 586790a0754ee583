/**
 * Harness overhead: does the runner's protocol add time to what it measures?
 *
 * MNv4-Conv-S on ort-cpu, in one process: the runner's median (runProtocol around session.run) against a
 * bare loop (`t = now(); await session.run(feeds); now() - t`, same session options, same warm-up, the
 * same number of samples). Rounds alternate the order (runner first, then bare first) so drift of the
 * host does not favour one side. Target: |runner / bare - 1| < 1% (median over rounds).
 *
 * On a busy host the model's latency drifts by more than 1% between rounds, so the script also prints a
 * drift-free figure: the harness's own cost inside the timed region, from an empty async call timed by
 * runProtocol (no batching) and by a bare loop, in µs per call and as a share of the model's median.
 *
 *   npx tsx bench/harness-overhead.ts [--preset default] [--rounds 4] [--threads 1] [--model conv-s]
 */
import { readFileSync } from 'node:fs';
import { getPreset, performanceClock, runProtocol } from '../src/profiles/protocol.js';
import { createOrtCpuRunner, ortCpuSessionOptions } from '../src/runners/ort-cpu.js';
import type { OrtModuleLike } from '../src/runners/ort-common.js';
import { prepareWorkload } from '../src/runners/prepare.js';
import { localContext, protocolRunOf } from '../src/runners/types.js';
import { seededInput } from '../src/models/weights.js';
import { arg, hostLine, median, pct } from './common.js';

const preset = getPreset(arg('preset', 'default'));
const rounds = Number(arg('rounds', '4'));
const model = arg('model', 'conv-s');
const runner = createOrtCpuRunner();
const settings = runner.resolveSettings({ threads: arg('threads', '1') });

console.log(hostLine());
const w = await prepareWorkload(`model:${model}`, { format: 'onnx', dtype: 'fp32' });
const ort = (await import('onnxruntime-node')) as unknown as OrtModuleLike;
const bytes = new Uint8Array(readFileSync(w.file.path));
const [c, h, wd] = w.graph.inputShape;

async function bare(n: number): Promise<number> {
  const s = await ort.InferenceSession.create(bytes, ortCpuSessionOptions(settings));
  try {
    const feeds = { input: new ort.Tensor('float32', seededInput(w.graph), [1, c, h, wd]) };
    await s.run(feeds); // cold call, as the protocol does
    const w0 = performance.now();
    for (let i = 0; i < preset.warmupMinIterations || performance.now() - w0 < preset.warmupMinMs; i++) await s.run(feeds);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await s.run(feeds);
      samples.push(performance.now() - t);
    }
    return median(samples);
  } finally {
    await s.release();
  }
}

async function viaRunner(): Promise<{ median: number; n: number }> {
  const run = protocolRunOf(await runner.measure(w, preset, settings, localContext()));
  return { median: median(run.samplesMs), n: run.samplesMs.length };
}

console.log(`workload ${w.id}, ort-cpu ${JSON.stringify(settings)}, preset ${preset.name}, ${rounds} rounds`);
console.log('round  order         runner ms   bare ms   n     runner vs bare');
const diffs: number[] = [];
const runnerMedians: number[] = [];
let lastN = Math.max(100, preset.minSamples);
for (let r = 0; r < rounds; r++) {
  let a: { median: number; n: number };
  let b: number;
  if (r % 2 === 0) {
    a = await viaRunner();
    b = await bare(a.n);
  } else {
    // bare first: as many samples as the previous runner round took
    b = await bare(lastN);
    a = await viaRunner();
  }
  lastN = a.n;
  runnerMedians.push(a.median);
  const d = a.median / b - 1;
  diffs.push(d);
  console.log(`${String(r + 1).padStart(5)}  ${r % 2 === 0 ? 'runner,bare' : 'bare,runner'}   ${a.median.toFixed(4).padStart(9)}  ${b.toFixed(4).padStart(8)}  ${String(a.n).padEnd(5)} ${pct(d)}`);
}
const md = median(diffs);
console.log(`median difference over rounds: ${pct(md)} (target within 1%): ${Math.abs(md) < 0.01 ? 'PASS' : 'FAIL'}`);
console.log(`spread of differences: ${pct(Math.min(...diffs))} .. ${pct(Math.max(...diffs))}`);

// drift-free part: the same empty async call timed by the protocol (batch 1) and by a bare loop.
const noop = async (): Promise<void> => undefined;
const noopSettings = { ...getPreset('quick'), batchResolutionFactor: 1, maxBatch: 1, minSamples: 20_000, maxSamples: 20_000, minTimeMs: 0, maxTimeMs: 60_000 };
const inHarness: number[] = [];
const inBare: number[] = [];
for (let r = 0; r < 5; r++) {
  inHarness.push(median((await runProtocol(noop, noopSettings, performanceClock())).samplesMs));
  const bareNoop: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = performance.now();
    await noop();
    bareNoop.push(performance.now() - t);
  }
  inBare.push(median(bareNoop));
}
const extraUs = (median(inHarness) - median(inBare)) * 1000;
const modelMs = median(runnerMedians);
console.log(`empty call: ${(median(inHarness) * 1000).toFixed(3)} µs in runProtocol vs ${(median(inBare) * 1000).toFixed(3)} µs in a bare loop`);
console.log(`harness cost inside the timed region: ${extraUs.toFixed(3)} µs per call = ${pct(extraUs / 1000 / modelMs, 4)} of the ${model} median (${modelMs.toFixed(3)} ms): ${Math.abs(extraUs / 1000 / modelMs) < 0.01 ? 'PASS' : 'FAIL'} (target within 1%)`);
