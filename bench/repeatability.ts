/**
 * Repeatability: two back-to-back measurements (runs A and B) of the five MNv4 models on ort-cpu, each a
 * full engine run (k sessions per model, interleaved round-robin, the preset's protocol, the noise floor at
 * both ends). Targets: every B median falls inside A's CI (the CI of the pooled median, which includes the
 * between-session variation), and within 2% of A on a quiet host. Prints each run's between-session spread
 * next to it and the runs' noise floors.
 *
 * B's median is itself an estimate, so "inside A's CI" holds less often than the CI's 95% even on a steady
 * host. Beside it the script prints the change test of `mnv4-bench compare` (src/report/compare.ts: on 3 vs 3
 * sessions, the CI of B/A - 1 over sessions, widened for few sessions) and, per model, how often each check
 * holds in simulated pairs of runs on a steady host fitted to run A (bench/repeat-model.ts), so a FAIL can be
 * read against what a steady host would give.
 *
 *   npm run bench:repeat -- [--preset default] [--threads 1] [--models conv-s,conv-m,conv-l,hybrid-m,hybrid-l] [--trials 200]
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executePlan } from '../src/engine/execute.js';
import { planBench } from '../src/engine/plan.js';
import { compareMeasurements } from '../src/report/compare.js';
import { measurementView } from '../src/report/load.js';
import { formatNoiseFloor } from '../src/report/measurement.js';
import { formatEstimate, formatPercent } from '../src/report/numbers.js';
import type { MeasurementRecord } from '../src/results/schema.js';
import { arg, hostLine, pct } from './common.js';
import { steadyHostRates } from './repeat-model.js';

const preset = arg('preset', 'default');
const models = arg('models', 'conv-s,conv-m,conv-l,hybrid-m,hybrid-l').split(',');
const threads = arg('threads', '1');
const trials = Number(arg('trials', '200'));
const outDir = mkdtempSync(path.join(os.tmpdir(), 'mnv4-repeat-'));

console.log(hostLine());
const plan = planBench({ targets: ['ort-cpu'], workloads: models, settings: { threads }, dtype: 'fp32', preset });
console.log(`ort-cpu threads=${threads}, preset ${plan.protocol.name}, ${plan.sessions} sessions per measurement; runs in ${outDir}`);

async function run(name: string): Promise<Map<string, MeasurementRecord>> {
  const r = await executePlan(plan, { outDir, runId: `repeat-${name}`, command: ['bench:repeat', name] });
  if (r.failed.length > 0) throw new Error(`run ${name}: ${r.failed.map((f) => `${f.workload.id}: ${f.error.message}`).join('; ')}`);
  if (r.noiseFloor) console.log(`run ${name}: ${formatNoiseFloor(r.noiseFloor).replace(/\n/g, '\n  ')}`);
  return new Map(r.measured.map((m) => [m.workload.id, m]));
}
const a = await run('A');
const b = await run('B');

console.log(
  `steady host: how often each check holds per model in ${trials} simulated pairs of runs fitted to run A (the tool's own CI and change test)`,
);
console.log(
  'model                 A median [95% CI] (between-session range)     B median [95% CI] (range)       B vs A [95% CI]            B in A CI  no signif. change  within 2%  steady host: in CI / no change',
);
let worst = 0;
let allInside = true;
let allAgree = true;
const warnings: string[] = [];
for (const [id, ma] of a) {
  const mb = b.get(id);
  if (!mb) continue;
  const ci = ma.latency.ciMedian;
  const cb = mb.latency.ciMedian;
  const est = formatEstimate(ma.latency.medianMs, ci?.lo, ci?.hi);
  const estB = formatEstimate(mb.latency.medianMs, cb?.lo, cb?.hi);
  const d = mb.latency.medianMs / ma.latency.medianMs - 1;
  const inside = ci !== null && mb.latency.medianMs >= ci.lo && mb.latency.medianMs <= ci.hi;
  // the same test as `mnv4-bench compare`
  const row = compareMeasurements(measurementView(ma), measurementView(mb));
  worst = Math.max(worst, Math.abs(d));
  allInside &&= inside;
  allAgree &&= !row.significant;
  for (const m of [ma, mb]) warnings.push(...m.warnings.filter((x) => x.code !== 'runner').map((x) => `${id.replace(/^model:/, '')}: ${x.code}`));
  const samples = ma.sessions.map((s) => s.samples?.values ?? []);
  const steady =
    samples.length >= 2 && samples.every((x) => x.length > 0)
      ? steadyHostRates(samples, { trials, seed: 1, targetRelHalfWidth: plan.protocol.targetRelHalfWidth, confidence: plan.protocol.confidence })
      : null;
  const left = `${est.value} [${est.lo}, ${est.hi}] (${formatPercent(ma.latency.between.spreadRel)})`;
  const right = `${estB.value} [${estB.lo}, ${estB.hi}] (${formatPercent(mb.latency.between.spreadRel)})`;
  const change = `${pct(d)} [${row.changeLo === null ? '-' : pct(row.changeLo, 1)}, ${row.changeHi === null ? '-' : pct(row.changeHi, 1)}]`;
  const sim = steady ? `${(steady.inside * 100).toFixed(0)}% / ${(steady.agree * 100).toFixed(0)}%` : '-';
  console.log(
    `${id.padEnd(21)} ${left.padEnd(45)} ${right.padEnd(31)} ${change.padEnd(26)} ${inside ? 'yes' : 'NO '}        ${row.significant ? 'NO ' : 'yes'}                ${Math.abs(d) <= 0.02 ? 'yes' : 'NO '}        ${sim}`,
  );
}
if (warnings.length) console.log(`measurement warnings (figures from a disturbed host are not evidence): ${[...new Set(warnings)].join(', ')}`);
console.log(`every B median inside A's CI: ${allInside ? 'PASS' : 'FAIL'}`);
console.log(`no pair changed significantly (mnv4-bench compare's test): ${allAgree ? 'PASS' : 'FAIL'}`);
console.log(`largest |B - A|: ${(worst * 100).toFixed(2)}% (target <= 2% on a quiet host): ${worst <= 0.02 ? 'PASS' : 'FAIL'}`);
