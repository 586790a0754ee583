/**
 * Repeatability: two back-to-back measurements (runs A and B) of the five MNv4 models on ort-cpu, each a
 * full engine run (k sessions per model, interleaved round-robin, the preset's protocol, the noise floor at
 * both ends). Targets: every B median falls inside A's CI (the CI of the pooled median, which includes the
 * between-session variation), and within 2% of A on a quiet host. Prints each run's between-session spread
 * next to it and the runs' noise floors.
 *
 *   npm run bench:repeat -- [--preset default] [--threads 1] [--models conv-s,conv-m,conv-l,hybrid-m,hybrid-l]
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executePlan } from '../src/engine/execute.js';
import { planBench } from '../src/engine/plan.js';
import { formatNoiseFloor } from '../src/report/measurement.js';
import { formatEstimate, formatPercent } from '../src/report/numbers.js';
import type { MeasurementRecord } from '../src/results/schema.js';
import { arg, hostLine, pct } from './common.js';

const preset = arg('preset', 'default');
const models = arg('models', 'conv-s,conv-m,conv-l,hybrid-m,hybrid-l').split(',');
const threads = arg('threads', '1');
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

console.log('model                 A median [95% CI] (between-session range)     B median (range)          B vs A    B in A CI  within 2%');
let worst = 0;
let allInside = true;
const warnings: string[] = [];
for (const [id, ma] of a) {
  const mb = b.get(id);
  if (!mb) continue;
  const ci = ma.latency.ciMedian;
  const est = formatEstimate(ma.latency.medianMs, ci?.lo, ci?.hi);
  const d = mb.latency.medianMs / ma.latency.medianMs - 1;
  const inside = ci !== null && mb.latency.medianMs >= ci.lo && mb.latency.medianMs <= ci.hi;
  worst = Math.max(worst, Math.abs(d));
  allInside &&= inside;
  for (const m of [ma, mb]) warnings.push(...m.warnings.filter((x) => x.code !== 'runner').map((x) => `${id.replace(/^model:/, '')}: ${x.code}`));
  const left = `${est.value} [${est.lo}, ${est.hi}] (${formatPercent(ma.latency.between.spreadRel)})`;
  const right = `${formatEstimate(mb.latency.medianMs, mb.latency.ciMedian?.lo, mb.latency.ciMedian?.hi).value} (${formatPercent(mb.latency.between.spreadRel)})`;
  console.log(
    `${id.padEnd(21)} ${left.padEnd(45)} ${right.padEnd(25)} ${pct(d).padStart(8)}  ${inside ? 'yes' : 'NO '}        ${Math.abs(d) <= 0.02 ? 'yes' : 'NO'}`,
  );
}
if (warnings.length) console.log(`measurement warnings (figures from a disturbed host are not evidence): ${[...new Set(warnings)].join(', ')}`);
console.log(`every B median inside A's CI: ${allInside ? 'PASS' : 'FAIL'}`);
console.log(`largest |B - A|: ${(worst * 100).toFixed(2)}% (target <= 2% on a quiet host): ${worst <= 0.02 ? 'PASS' : 'FAIL'}`);
