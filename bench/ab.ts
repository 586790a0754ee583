/**
 * bench:ab — does the A/B mode (src/engine/ab.ts) find a known 2% and 5% slowdown, and stay quiet when both
 * sides are the same? Prints figures; writes them to docs/figures/ab.json with --write.
 *
 *   npm run bench:ab -- [--model conv-s] [--resolution 128] [--trials 20] [--sessions 10] [--pairs 20] [--write]
 *
 * Side A: the model on ort-cpu (1 thread). Side B: the same session plus an extra op of a known size after
 * every inference: a fixed amount of JS arithmetic (a float64 dot-product loop), its size calibrated before
 * the trials so that it costs 2% (or 5%) of A's inference, from the median of 200 interleaved timings of each.
 * Same workload: B is A's model in its own session, nothing added. Each trial is one `measureAb` (k sessions
 * of n pairs, randomized interleaved order); the verdict counts. Also prints the seeded simulation of the
 * same verdict (src/profiles/paired-sim.ts, labelled simulated).
 */
import { writeFileSync } from 'node:fs';
import { arg, hostLine, median } from './common.js';
import { measureAb, ortOpener, type AbOpened, type AbSide } from '../src/engine/ab.js';
import { abVerdict, summarisePaired } from '../src/profiles/paired.js';
import { AB_SIMULATION, simulatePairedSessions } from '../src/profiles/paired-sim.js';
import { mulberry32 } from '../src/util/random.js';

const model = arg('model', 'conv-s');
const resolution = Number(arg('resolution', '128'));
const trials = Number(arg('trials', '20'));
const sessions = Number(arg('sessions', '10'));
const pairs = Number(arg('pairs', '20'));

const x = Float64Array.from({ length: 4096 }, (_, i) => Math.sin(i));
let sink = 0;
/** The extra op: `n` multiply-adds over a fixed vector (its result kept so it is not optimised away). */
function extra(n: number): void {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i & 4095]! * x[(i * 7) & 4095]!;
  sink += s;
}

async function main(): Promise<void> {
  console.log(hostLine());
  const open = ortOpener();
  const side = (label: string): AbSide => ({
    label,
    workload: `model:${model}`,
    resolution,
    target: 'ort-cpu',
    settings: { threads: 1 },
    dtype: 'fp32',
  });
  // calibrate the extra op against A's inference: 200 interleaved timings of each
  const a = await open(side('A'));
  for (let i = 0; i < 30; i++) await a.run();
  const n0 = 200_000;
  const tA: number[] = [];
  const tX: number[] = [];
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    await a.run();
    tA.push(performance.now() - t);
    t = performance.now();
    extra(n0);
    tX.push(performance.now() - t);
  }
  await a.release();
  const msA = median(tA);
  const perOp = median(tX) / n0;
  const ops = (share: number) => Math.round((share * msA) / perOp);
  console.log(
    `A = ${model}@${resolution} on ort-cpu (1 thread): ${msA.toFixed(3)} ms per inference; extra op calibrated at ${(perOp * 1e6).toFixed(3)} ns per multiply-add`,
  );

  const withExtra =
    (n: number) =>
    async (s: AbSide): Promise<AbOpened> => {
      const o = await open(s);
      if (s.label === 'A' || n === 0) return o;
      return {
        run: async () => {
          await o.run();
          extra(n);
        },
        release: () => o.release(),
      };
    };
  const conditions = [
    { name: 'same workload', share: 0, want: 'no-change' },
    { name: '2% slower', share: 0.02, want: 'slower' },
    { name: '5% slower', share: 0.05, want: 'slower' },
  ] as const;
  const results = [];
  for (const c of conditions) {
    const n = ops(c.share);
    const verdicts: string[] = [];
    const ratios: number[] = [];
    const widths: number[] = [];
    const walls: number[] = [];
    for (let t = 0; t < trials; t++) {
      const r = await measureAb(side('A'), side('B'), withExtra(n), { sessions, pairs, seed: 1000 * (t + 1) });
      verdicts.push(r.verdict.verdict);
      ratios.push(r.summary.ratio);
      widths.push(r.summary.ci.relHalfWidth);
      walls.push(r.wallMs / 1000);
      console.log(
        `  ${c.name} trial ${t + 1}/${trials}: B/A ${r.summary.ratio.toFixed(4)} [${r.summary.ci.lo.toFixed(4)}, ${r.summary.ci.hi.toFixed(4)}] -> ${r.verdict.verdict} (${(r.wallMs / 1000).toFixed(1)} s; reference range ${(r.summary.host.referenceRangeRel * 100).toFixed(1)}% across sessions)`,
      );
    }
    const hit = verdicts.filter((v) => v === c.want).length / trials;
    results.push({
      condition: c.name,
      knownSlowdown: c.share,
      extraOps: n,
      expected: c.want,
      trials,
      rate: hit,
      verdicts: Object.fromEntries(['slower', 'faster', 'no-change'].map((v) => [v, verdicts.filter((x) => x === v).length])),
      medianRatio: median(ratios),
      medianCiHalfWidth: median(widths),
      medianWallS: median(walls),
    });
    console.log(
      `${c.name}: '${c.want}' in ${(hit * 100).toFixed(0)}% of ${trials} trials (target >= 95%); median B/A ${median(ratios).toFixed(4)}, median CI +-${(median(widths) * 100).toFixed(2)}%`,
    );
  }
  // the seeded simulation of the same verdict (labelled simulated)
  const simulated = [1, 1.02, 1.05].map((ratio, j) => {
    const rnd = mulberry32(41 + j);
    const runs = 200;
    let slower = 0;
    for (let r = 0; r < runs; r++)
      if (
        abVerdict(
          summarisePaired(simulatePairedSessions(rnd, { ...AB_SIMULATION, ratio }), { targetRelHalfWidth: 0.02, resamples: 500, seed: r + 1 }),
        ).verdict === 'slower'
      )
        slower++;
    return { provenance: 'simulated', trueRatio: ratio, runs, slowerRate: slower / runs, noChangeRate: 1 - slower / runs };
  });
  for (const s of simulated)
    console.log(
      `simulated (seeded, ${s.runs} runs, ${AB_SIMULATION.k} sessions x ${AB_SIMULATION.n} pairs, drifting host): true B/A ${s.trueRatio}: 'slower' ${(s.slowerRate * 100).toFixed(1)}%`,
    );
  const out = {
    command: `npm run bench:ab -- --model ${model} --resolution ${resolution} --trials ${trials} --sessions ${sessions} --pairs ${pairs}`,
    host: hostLine(),
    measuredAt: new Date().toISOString(),
    a: { workload: `model:${model}@${resolution}`, target: 'ort-cpu', threads: 1, msPerInference: msA },
    sessions,
    pairs,
    provenance: 'measured',
    results,
    simulation: { conditions: AB_SIMULATION, results: simulated },
  };
  if (process.argv.includes('--write')) writeFileSync('docs/figures/ab.json', `${JSON.stringify(out, null, 2)}\n`);
  if (sink === 42) console.log('');
}

await main();
