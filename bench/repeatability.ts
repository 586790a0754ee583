/**
 * Repeatability: two runs (A and B) of the five MNv4 models on ort-cpu, each a full engine run (k sessions per
 * model, interleaved round-robin, the preset's protocol) with the reference co-measured in every session
 * (src/engine/reference.ts: Conv-S for whole models). While run B measures, a CPU-bound process started by this
 * script runs beside it (the host changes between A and B on purpose). Targets: every ratio to the reference of
 * B inside A's CI of the ratio, and within 2% of A. The absolute medians are printed beside, with the host
 * change the reference saw (its median in B over A).
 *
 * Beside it the script prints the change test of `mnv4-bench compare` (src/report/compare.ts), which compares
 * the ratios when both runs hold them.
 *
 *   npm run bench:repeat -- [--preset default] [--threads 1] [--models conv-s,conv-m,conv-l,hybrid-m,hybrid-l] [--no-load] [--write]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executePlan } from '../src/engine/execute.js';
import { planBench } from '../src/engine/plan.js';
import { compareMeasurements } from '../src/report/compare.js';
import { measurementView } from '../src/report/load.js';
import { formatEstimate, formatPercent } from '../src/report/numbers.js';
import type { MeasurementRecord } from '../src/results/schema.js';
import { arg, hostLine, pct } from './common.js';

const preset = arg('preset', 'default');
const models = arg('models', 'conv-s,conv-m,conv-l,hybrid-m,hybrid-l').split(',');
const threads = arg('threads', '1');
const load = !process.argv.includes('--no-load');
const outDir = mkdtempSync(path.join(os.tmpdir(), 'mnv4-repeat-'));

console.log(hostLine());
const plan = planBench({ targets: ['ort-cpu'], workloads: models, settings: { threads }, dtype: 'fp32', preset });
console.log(
  `ort-cpu threads=${threads}, preset ${plan.protocol.name}, ${plan.sessions} sessions per measurement, reference ${plan.jobs[0]?.reference ?? 'none'} co-measured; runs in ${outDir}`,
);

async function run(name: string): Promise<{ records: Map<string, MeasurementRecord>; wallS: number }> {
  const t0 = performance.now();
  const r = await executePlan(plan, { outDir, runId: `repeat-${name}`, command: ['bench:repeat', name], reference: false });
  if (r.failed.length > 0) throw new Error(`run ${name}: ${r.failed.map((f) => `${f.workload.id}: ${f.error.message}`).join('; ')}`);
  return { records: new Map(r.measured.map((m) => [m.workload.id, m])), wallS: (performance.now() - t0) / 1000 };
}

const a = await run('A');
console.log(`run A: ${a.wallS.toFixed(0)} s, host load avg ${os.loadavg()[0]!.toFixed(2)}`);
// a CPU-bound neighbour for run B: a busy loop in a child process, stopped when B ends
const busy = load ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : null;
let b: Awaited<ReturnType<typeof run>>;
try {
  b = await run('B');
} finally {
  busy?.kill('SIGKILL');
}
console.log(
  `run B: ${b.wallS.toFixed(0)} s${busy ? `, with a CPU-bound process (pid ${busy.pid}) beside it` : ''}, host load avg ${os.loadavg()[0]!.toFixed(2)}`,
);

console.log(
  'model                 A ratio [95% CI]          B ratio [95% CI]          B/A ratio  in A CI  within 2%  compare   | A ms     B ms     abs change  host (reference B/A)',
);
const rows = [];
for (const [id, ma] of a.records) {
  const mb = b.records.get(id);
  const ra = ma.relative;
  const rb = mb?.relative;
  if (!mb || !ra || !rb) continue;
  const ea = formatEstimate(ra.ratio, ra.ci.lo, ra.ci.hi);
  const eb = formatEstimate(rb.ratio, rb.ci.lo, rb.ci.hi);
  const d = rb.ratio / ra.ratio - 1;
  const inside = rb.ratio >= ra.ci.lo && rb.ratio <= ra.ci.hi;
  const row = compareMeasurements(measurementView(ma), measurementView(mb));
  const abs = mb.latency.medianMs / ma.latency.medianMs - 1;
  const host = rb.referenceMs / ra.referenceMs - 1;
  rows.push({
    workload: id,
    a: { ratio: ra.ratio, lo: ra.ci.lo, hi: ra.ci.hi, converged: ra.converged, medianMs: ma.latency.medianMs, referenceMs: ra.referenceMs },
    b: { ratio: rb.ratio, lo: rb.ci.lo, hi: rb.ci.hi, converged: rb.converged, medianMs: mb.latency.medianMs, referenceMs: rb.referenceMs },
    ratioChange: d,
    insideACi: inside,
    within2pct: Math.abs(d) <= 0.02,
    compareStatus: row.status,
    absoluteChange: abs,
    hostChange: host,
  });
  console.log(
    `${id.padEnd(21)} ${`${ea.value} [${ea.lo}, ${ea.hi}]`.padEnd(25)} ${`${eb.value} [${eb.lo}, ${eb.hi}]`.padEnd(25)} ${pct(d).padEnd(10)} ${(inside ? 'yes' : 'NO').padEnd(8)} ${(Math.abs(d) <= 0.02 ? 'yes' : 'NO').padEnd(10)} ${row.status.padEnd(9)} | ${ma.latency.medianMs.toFixed(2).padEnd(8)} ${mb.latency.medianMs.toFixed(2).padEnd(8)} ${pct(abs).padEnd(11)} ${pct(host)}`,
  );
}
const allInside = rows.every((r) => r.insideACi);
const allWithin = rows.every((r) => r.within2pct);
console.log(`every B ratio inside A's CI: ${allInside ? 'PASS' : 'FAIL'} (${rows.filter((r) => r.insideACi).length} of ${rows.length})`);
console.log(
  `every B ratio within 2% of A: ${allWithin ? 'PASS' : 'FAIL'} (${rows.filter((r) => r.within2pct).length} of ${rows.length}); largest ${formatPercent(Math.max(...rows.map((r) => Math.abs(r.ratioChange))))}`,
);
if (process.argv.includes('--write')) {
  const out = {
    command: `npm run bench:repeat -- --preset ${preset} --threads ${threads} --models ${models.join(',')}${load ? '' : ' --no-load'} --write`,
    host: hostLine(),
    measuredAt: new Date().toISOString(),
    provenance: 'measured',
    preset: plan.protocol.name,
    sessions: plan.sessions,
    reference: plan.jobs[0]?.reference ?? null,
    loadDuringB: load ? 'one CPU-bound child process (busy loop) started by the script' : 'none',
    wallS: { a: a.wallS, b: b.wallS },
    rows,
    allInsideACi: allInside,
    allWithin2pct: allWithin,
  };
  writeFileSync('docs/figures/repeat.json', `${JSON.stringify(out, null, 2)}\n`);
}
