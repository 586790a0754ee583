/**
 * Harness overhead: does the runner's timed loop add time to what it measures?
 *
 * ONE ort-cpu session of MNv4-Conv-S (the runner's session options), warmed up once; then chunks that
 * alternate between the runner's sampling loop (runProtocol around `session.run(feeds)`, exactly the call the
 * ort-cpu runner times, batch 1) and a bare loop (`t = now(); await session.run(feeds); now() - t`), each
 * chunk `--chunk` samples, the order flipping every round (ABBA...) so host drift hits both sides alike.
 * The ratio is median(runner samples) / median(bare samples) over all chunks. Target: 0.99 .. 1.01.
 *
 * A drift-free figure follows: the harness's own cost inside the timed region, from an empty async call
 * timed by runProtocol and by a bare loop, in µs per call and as a share of the model's median.
 *
 *   npm run bench:overhead -- [--rounds 10] [--chunk 50] [--threads 1] [--model conv-s]
 */
import { type ProtocolSettings } from '../src/core/protocol-run.js';
import { getPreset, performanceClock, runProtocol } from '../src/profiles/protocol.js';
import { arg, hostLine, median, pct } from './common.js';
import { warmOrtCpuSession } from './ort-session.js';

const rounds = Number(arg('rounds', '10'));
const chunk = Number(arg('chunk', '50'));
const model = arg('model', 'conv-s');

console.log(hostLine());
// warmed once for both sides
const { workload: w, settings, run, release } = await warmOrtCpuSession(model, arg('threads', '1'));

// the runner's loop for exactly `chunk` samples: no warm-up left to do, a pilot of `chunk` samples whose
// planned second stage is `chunk` too (a target no CI misses), batch 1 like a model-sized call
const chunkProtocol: ProtocolSettings = {
  ...getPreset('quick'),
  sessions: 1,
  warmupMinIterations: 0,
  warmupMinMs: 0,
  warmupMaxMs: 0,
  minSamples: chunk,
  minTimeMs: 0,
  maxSamples: 2 * chunk,
  maxTimeMs: 1e9,
  targetRelHalfWidth: 0.99,
  batchResolutionFactor: 1,
  maxBatch: 1,
};
async function runnerChunk(): Promise<number[]> {
  return (await runProtocol(run, chunkProtocol, performanceClock())).samplesMs;
}
async function bareChunk(): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < chunk; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

console.log(`workload ${w.id}, ort-cpu ${JSON.stringify(settings)}, one session, ${rounds} rounds of ${chunk}-sample chunks`);
console.log('round  order         runner ms   bare ms    ratio');
const all = { runner: [] as number[], bare: [] as number[] };
const ratios: number[] = [];
for (let r = 0; r < rounds; r++) {
  const runnerFirst = r % 4 === 0 || r % 4 === 3; // A B B A ...
  let a: number[];
  let b: number[];
  if (runnerFirst) {
    a = await runnerChunk();
    b = await bareChunk();
  } else {
    b = await bareChunk();
    a = await runnerChunk();
  }
  all.runner.push(...a);
  all.bare.push(...b);
  ratios.push(median(a) / median(b));
  console.log(
    `${String(r + 1).padStart(5)}  ${runnerFirst ? 'runner,bare' : 'bare,runner'}   ${median(a).toFixed(4).padStart(9)}  ${median(b).toFixed(4).padStart(8)}  ${ratios[r]!.toFixed(4)}`,
  );
}
const ratio = median(all.runner) / median(all.bare);
console.log(`runner / bare over all chunks: ${ratio.toFixed(4)} (target 0.99 .. 1.01): ${ratio >= 0.99 && ratio <= 1.01 ? 'PASS' : 'FAIL'}`);
console.log(`per-round ratios: ${Math.min(...ratios).toFixed(4)} .. ${Math.max(...ratios).toFixed(4)} (median ${median(ratios).toFixed(4)})`);
const runnerMedians = [median(all.runner)];
await release();

// drift-free part: the same empty async call timed by the protocol (batch 1) and by a bare loop.
const noop = async (): Promise<void> => undefined;
const noopSettings: ProtocolSettings = { ...chunkProtocol, minSamples: 10_000, maxSamples: 20_000, maxTimeMs: 60_000 };
const inHarness: number[] = [];
const inBare: number[] = [];
for (let r = 0; r < 5; r++) {
  inHarness.push(median((await runProtocol(noop, noopSettings, performanceClock())).samplesMs));
  const bareNoop: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const t = performance.now();
    await noop();
    bareNoop.push(performance.now() - t);
  }
  inBare.push(median(bareNoop));
}
const extraUs = (median(inHarness) - median(inBare)) * 1000;
const modelMs = median(runnerMedians);
console.log(`empty call: ${(median(inHarness) * 1000).toFixed(3)} µs in runProtocol vs ${(median(inBare) * 1000).toFixed(3)} µs in a bare loop`);
console.log(
  `harness cost inside the timed region: ${extraUs.toFixed(3)} µs per call = ${pct(extraUs / 1000 / modelMs, 4)} of the ${model} median (${modelMs.toFixed(3)} ms): ${Math.abs(extraUs / 1000 / modelMs) < 0.01 ? 'PASS' : 'FAIL'} (target within 1%)`,
);
