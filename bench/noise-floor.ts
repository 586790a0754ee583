/**
 * The noise floor's reference (src/engine/noise-floor.ts) against the speed of a real model, in one process.
 *
 * `--rounds` rounds, each: the reference timed as a run times it (`timeReference`: a fresh worker, fixed
 * schedule), then MNv4 `--model` on ort-cpu timed by a bare `session.run` loop for `--model-ms` ms (one session,
 * warmed once). Prints both medians per round relative to round 1, and each series' spread ((max - min) /
 * median). On a steady host both stay within a few percent; the reference must not move by itself (as it did
 * when timed in the run's own process: 1.5-3x slower after the first timing), and when the host changes, the
 * model's column shows how far the reference follows it.
 *
 *   npx tsx bench/noise-floor.ts [--rounds 8] [--model conv-s] [--model-ms 1000] [--threads 1]
 */
import { timeReference } from '../src/engine/noise-floor.js';
import { arg, hostLine, median, pct } from './common.js';
import { warmOrtCpuSession } from './ort-session.js';

const rounds = Number(arg('rounds', '8'));
const modelMs = Number(arg('model-ms', '1000'));
const model = arg('model', 'conv-s');
if (!(rounds >= 2) || !(modelMs > 0)) throw new Error('--rounds must be >= 2 and --model-ms > 0');

console.log(hostLine());
const { workload: w, settings, run, release } = await warmOrtCpuSession(model, arg('threads', '1'));

async function modelMedian(): Promise<number> {
  const xs: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < modelMs || xs.length < 10) {
    const t = performance.now();
    await run();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

console.log(`reference: timeReference (worker, fixed schedule); model: ${w.id} on ort-cpu ${JSON.stringify(settings)}, bare loop ${modelMs} ms`);
console.log('round  reference ms  vs round 1   model ms  vs round 1');
const ref: number[] = [];
const mod: number[] = [];
const signal = new AbortController().signal;
for (let r = 0; r < rounds; r++) {
  const t = await timeReference(signal);
  ref.push(t.medianMs);
  mod.push(await modelMedian());
  console.log(
    `${String(r + 1).padStart(5)}  ${t.medianMs.toFixed(4).padStart(12)}  ${pct(t.medianMs / ref[0]! - 1, 1).padStart(10)}  ${mod[r]!.toFixed(3).padStart(9)}  ${pct(mod[r]! / mod[0]! - 1, 1).padStart(10)}`,
  );
}
const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / median(xs);
console.log(`spread (max - min) / median: reference ${pct(spread(ref), 1)}, model ${pct(spread(mod), 1)}`);
await release();
