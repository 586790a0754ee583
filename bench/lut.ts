/**
 * Lookup-table predictor speed (the NAS inner loop) and, for a built table, its build cost and method scores.
 *
 *   npx tsx bench/lut.ts [--table FILE] [--report VALIDATION.json] [--n 2000000]
 *
 * --report prints the figures of a `lut validate --report` file (accuracy against measured architectures).
 * Without --table it times the predictor on a synthetic conv-m table (tests/helpers/lut-fixture.ts): the
 * rate does not depend on the latencies in the table. Goal: >= 100,000 predictions/s.
 */
import { encodeArch, sampleArch } from '../src/models/search-space.js';
import { compileTable, predictLatency, predictVector } from '../src/lut/predict.js';
import { readFile } from 'node:fs/promises';
import { readTableFile, type ValidationReport } from '../src/lut/validate.js';
import { fixtureTable } from '../tests/helpers/lut-fixture.js';
import { arg, hostLine } from './common.js';

console.log(hostLine());
const file = arg('table', '');
const table = file ? await readTableFile(file) : fixtureTable({ profiles: true });
console.log(
  file
    ? `table ${file}: ${table.space.id}@${table.space.resolution} on ${table.target.id} (${table.device.id}), method ${table.method.id}`
    : 'synthetic conv-m table (timing of the predictor only)',
);
if (table.build)
  console.log(`build cost: ${table.build.measurements} measurements (sessions), ${(table.build.wallSeconds / 60).toFixed(1)} min wall`);
for (const s of table.method.comparison) {
  console.log(
    `  ${s.method.padEnd(10)} leave-one-out MAPE ${s.looMape === null ? 'n/a' : `${(s.looMape * 100).toFixed(2)}%`}, within ±5% ${s.within5 === null ? 'n/a' : `${(s.within5 * 100).toFixed(0)}%`}, within ±10% ${s.within10 === null ? 'n/a' : `${(s.within10 * 100).toFixed(0)}%`} (${s.note})`,
  );
}

const reportFile = arg('report', '');
if (reportFile) {
  const r = JSON.parse(await readFile(reportFile, 'utf8')) as ValidationReport;
  const s = r.summary;
  const p = (x: number): string => `${(x * 100).toFixed(1)}%`;
  console.log(`validation ${reportFile}: ${r.table.space} on ${r.table.target} (${r.table.device}), method ${r.table.method}, run ${r.runId}`);
  console.log(
    `  N=${s.n} (seed ${r.seed}): MAPE ${p(s.mape)}, RMSE ${s.rmseMs.toFixed(3)} ms, within ±5% ${p(s.within5)}, within ±10% ${p(s.within10)}, max |error| ${p(s.maxAbsError)}, noise floor ${p(s.noiseFloor)}`,
  );
  for (const d of r.drift) console.log(`  drift ${d.key}: ${d.change >= 0 ? '+' : ''}${p(d.change)}`);
}

let t0 = performance.now();
const c = compileTable(table);
console.log(`compile: ${(performance.now() - t0).toFixed(1)} ms`);
const distinct = 10_000;
const vectors = Array.from({ length: distinct }, (_, i) => sampleArch(c.index.space, 1000 + i));
const texts = vectors.map((v) => encodeArch(c.index.space, v));
const n = Number(arg('n', '2000000'));
let sink = 0;
for (let i = 0; i < 50_000; i++) sink += predictVector(c, vectors[i % distinct]!); // warm-up (JIT)
t0 = performance.now();
for (let i = 0; i < n; i++) sink += predictVector(c, vectors[i % distinct]!);
let s = (performance.now() - t0) / 1000;
console.log(`predictVector: ${n} predictions in ${s.toFixed(3)} s = ${Math.round(n / s).toLocaleString('en-US')} predictions/s`);
const m = Math.min(n, 200_000);
t0 = performance.now();
for (let i = 0; i < m; i++) sink += predictLatency(texts[i % distinct]!, c).medianMs;
s = (performance.now() - t0) / 1000;
console.log(
  `predictLatency (text in, checked, with uncertainty): ${m} in ${s.toFixed(3)} s = ${Math.round(m / s).toLocaleString('en-US')} predictions/s`,
);
if (!Number.isFinite(sink)) console.log('(non-finite sum)');
