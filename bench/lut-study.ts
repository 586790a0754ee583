/**
 * Lookup-table study (issues 21 and 22): builds and validations measured here, summarised as small JSON
 * files under docs/figures/ and printed. Every figure is measured; predictions are estimates.
 *
 *   npm run bench:lut-study -- --phase builds   [--target ort-cpu] [--builds 2 | --only I] [--n 50] [--seed 777] [--models no]
 *       N independent `lut build --preset quick --sessions 3` of conv-m, each validated on the same N held-out
 *       architectures: docs/figures/lut-<target>.json
 *   npm run bench:lut-study -- --phase transfer [--from FILE] [--target ort-wasm] [--budget 20] [--n 50]
 *       `lut transfer` from a built table, validated on N held-out architectures: docs/figures/lut-transfer.json
 *
 * The CLI runs from --dist (default dist/; copy it elsewhere to keep rebuilding while this runs). Work files
 * (tables, validation reports, runs) go under --work (default .scratch/lut-study).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, hostLine } from './common.js';
import type { LutTable } from '../src/lut/schema.js';
import type { ValidationReport } from '../src/lut/validate.js';

const phase = arg('phase', 'builds');
const dist = arg('dist', 'dist');
const work = arg('work', '.scratch/lut-study');
const space = arg('space', 'conv-m');
const n = arg('n', '50');
const seed = arg('seed', '777');
const results = path.join(work, 'results');
mkdirSync(results, { recursive: true });
mkdirSync('docs/figures', { recursive: true });

function cli(args: string[]): { code: number; out: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(dist, 'src/cli/main.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (Date.now() - t0) / 1000;
  process.stderr.write(`$ mnv4-bench ${args.join(' ')}  (exit ${r.status}, ${seconds.toFixed(0)} s)\n`);
  if (r.status !== 0) process.stderr.write(`${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}\n`);
  return { code: r.status ?? 1, out: r.stdout, seconds };
}

const host = { line: hostLine(), cpus: os.cpus().length, note: 'shared 2-core VM; other helpers were compiling and testing during these runs' };
const pctText = (x: number): string => `${(x * 100).toFixed(1)}%`;

function validationFigures(v: ValidationReport, seconds: number) {
  return {
    n: v.summary.n,
    seed: v.seed,
    mape: v.summary.mape,
    bias: v.summary.bias,
    within5: v.summary.within5,
    within10: v.summary.within10,
    maxAbsError: v.summary.maxAbsError,
    noiseFloor: v.summary.noiseFloor,
    referenceNowVsBuild: v.hostState.ratio,
    wallMinutes: seconds / 60,
    models: v.models.map((m) => ({ model: m.arch, error: m.error, source: m.source })),
    warnings: v.warnings,
  };
}

function tableFigures(t: LutTable, seconds: number) {
  return {
    measurements: t.build?.measurements ?? null,
    measuringMinutes: t.build ? t.build.wallSeconds / 60 : null,
    commandMinutes: seconds / 60,
    method: t.method.id,
    why: t.method.why ?? null,
    comparison: t.method.comparison.map((s) => ({ method: s.method, looMape: s.looMape })),
    referenceMs: t.reference?.latency.median ?? null,
    transfer: t.transfer ? { from: t.transfer.from.target.id, measured: t.transfer.measured.length, budget: t.transfer.budget } : null,
  };
}

function validate(file: string, tag: string): ReturnType<typeof validationFigures> | null {
  const report = path.join(work, `${tag}.validation.json`);
  const r = cli([
    'lut',
    'validate',
    '--table',
    file,
    '--n',
    n,
    '--seed',
    seed,
    '--preset',
    'quick',
    '--sessions',
    '3',
    '--report',
    report,
    '--results',
    results,
  ]);
  if (!existsSync(report)) return null;
  return validationFigures(JSON.parse(readFileSync(report, 'utf8')) as ValidationReport, r.seconds);
}

function line(label: string, t: ReturnType<typeof tableFigures>, v: ReturnType<typeof validationFigures> | null): string {
  const build = `${t.measurements ?? '?'} sessions, ${t.measuringMinutes?.toFixed(1) ?? '?'} min measuring, method ${t.method}`;
  const val = v
    ? `N=${v.n}: MAPE ${pctText(v.mape)} (mean ${pctText(v.bias)}), ${pctText(v.within5)} within ±5%, ${pctText(v.within10)} within ±10%, max ${pctText(v.maxAbsError)}, noise ${pctText(v.noiseFloor)}`
    : 'validation failed';
  return `${label}: ${build}; ${val}`;
}

console.log(host.line);
if (phase === 'builds') {
  // --only I: run build I alone (several can run side by side); a table file already there is reused.
  // Each build's figures go to <work>/<space>.<target>.build<I>.json; every one there is merged into the summary.
  const target = arg('target', 'ort-cpu');
  const only = arg('only', '');
  const ids = only ? [Number(only)] : Array.from({ length: Number(arg('builds', '2')) }, (_, i) => i + 1);
  for (const i of ids) {
    const file = path.join(work, `${space}.${target}.build${i}.lut.json`);
    let seconds = 0;
    if (!existsSync(file)) {
      const b = cli([
        'lut',
        'build',
        '--device',
        'host',
        '--target',
        target,
        '--space',
        space,
        '--preset',
        'quick',
        '--sessions',
        '3',
        '-o',
        file,
        '--results',
        results,
      ]);
      seconds = b.seconds;
      if (!existsSync(file)) {
        console.log(`build ${i} failed (exit ${b.code})`);
        continue;
      }
    }
    const t = tableFigures(JSON.parse(readFileSync(file, 'utf8')) as LutTable, seconds);
    const v = validate(file, `${space}.${target}.build${i}`);
    writeFileSync(path.join(work, `${space}.${target}.build${i}.json`), `${JSON.stringify({ build: i, file, table: t, validation: v }, null, 1)}\n`);
    console.log(line(`build ${i}`, t, v));
  }
  const rows = readdirSync(work)
    .filter((f) => new RegExp(`^${space}\\.${target}\\.build\\d+\\.json$`).test(f))
    .map((f) => JSON.parse(readFileSync(path.join(work, f), 'utf8')) as { build: number; validation: { mape: number } | null })
    .sort((a, b) => a.build - b.build);
  const mapes = rows.flatMap((r) => (r.validation ? [r.validation.mape] : []));
  const spreadPoints = mapes.length > 1 ? (Math.max(...mapes) - Math.min(...mapes)) * 100 : null;
  if (spreadPoints !== null) console.log(`MAPE of the ${mapes.length} builds differ by ${spreadPoints.toFixed(2)} points (goal: within 1)`);
  const out = `docs/figures/lut-${target}.json`;
  writeFileSync(
    out,
    `${JSON.stringify({ kind: 'lut-study-builds', createdAt: new Date().toISOString(), host, space, target, seed: Number(seed), builds: rows, mapeSpreadPoints: spreadPoints, provenance: { latencies: 'measured', predictions: 'estimated' } }, null, 1)}\n`,
  );
  console.log(`wrote ${out}`);
} else if (phase === 'transfer') {
  const from = arg('from', path.join(work, `${space}.ort-cpu.build1.lut.json`));
  const target = arg('target', 'ort-wasm');
  const budget = arg('budget', '20');
  const file = path.join(work, `${space}.${target}.transfer.lut.json`);
  // --resume RUN re-derives the table from a transfer run already measured (nothing is measured again)
  const resume = arg('resume', '');
  const x = cli([
    'lut',
    'transfer',
    '--from',
    from,
    '--target',
    target,
    '--budget',
    budget,
    '--preset',
    'quick',
    '--sessions',
    '3',
    '-o',
    file,
    '--results',
    results,
    ...(resume ? ['--resume', resume] : []),
  ]);
  if (!existsSync(file)) {
    console.log(`transfer failed (exit ${x.code})`);
    process.exit(1);
  }
  const t = tableFigures(JSON.parse(readFileSync(file, 'utf8')) as LutTable, x.seconds);
  const v = validate(file, `${space}.${target}.transfer`);
  console.log(line(`transfer ${path.basename(from)} -> ${target} (budget ${budget})`, t, v));
  const full = arg('full', '');
  let fullRow = null;
  if (full && existsSync(full)) {
    const ft = tableFigures(JSON.parse(readFileSync(full, 'utf8')) as LutTable, 0);
    const fv = validate(full, `${space}.${target}.full`);
    fullRow = { file: full, table: ft, validation: fv };
    console.log(line(`full build ${target}`, ft, fv));
  }
  const out = 'docs/figures/lut-transfer.json';
  writeFileSync(
    out,
    `${JSON.stringify({ kind: 'lut-study-transfer', createdAt: new Date().toISOString(), host, space, from, target, budget: Number(budget), seed: Number(seed), transfer: { file, table: t, validation: v }, full: fullRow, provenance: { latencies: 'measured', predictions: 'estimated' } }, null, 1)}\n`,
  );
  console.log(`wrote ${out}`);
} else {
  console.log(`unknown --phase ${phase}: builds or transfer`);
  process.exit(2);
}
