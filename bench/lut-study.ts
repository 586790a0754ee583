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
import { arg, hostLine, median } from './common.js';
import type { LutTable } from '../src/lut/schema.js';
import { summarizeValidation, validationPoint, type ValidationReport } from '../src/lut/validate.js';
import { compileTable, predictLatency } from '../src/lut/predict.js';

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
} else if (phase === 'summary') {
  // figure JSONs (docs/figures/README.md shape, rendered into docs/lookup-tables.md by `npm run figures`) from
  // the tables and validation reports under --work; nothing is measured
  const target = arg('target', 'ort-cpu');
  const to = arg('to', 'ort-wasm');
  const read = <T>(f: string): T | null => (existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : null);
  const row = (label: string, tag: string) => {
    const t = read<LutTable>(path.join(work, `${tag}.lut.json`));
    const v = read<ValidationReport>(path.join(work, `${tag}.validation.json`)) ?? (t0Partial(tag) as ValidationReport | null);
    if (!t) return null;
    const s = v?.summary;
    const pctOf = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1000) / 10);
    return {
      row: [
        label,
        t.build?.measurements ?? null,
        t.build ? Math.round((t.build.wallSeconds / 60) * 10) / 10 : null,
        t.method.id,
        s?.n ?? null,
        pctOf(s?.mape),
        pctOf(s?.bias),
        pctOf(s?.within5),
        pctOf(s?.within10),
        pctOf(s?.maxAbsError),
        pctOf(s?.noiseFloor),
        v?.hostState.ratio ? Math.round(v.hostState.ratio * 1000) / 1000 : null,
      ],
      detail: {
        table: `${tag}.lut.json`,
        method: t.method,
        transfer: t.transfer ?? null,
        validation: v ? { summary: v.summary, paired: v.paired ?? null, warnings: v.warnings, runId: v.runId } : null,
      },
    };
  };
  // --partial TAG=RUN_DIR: a validation stopped before its end, read from its paired.jsonl (the archs done)
  function t0Partial(tag: string): Partial<ValidationReport> | null {
    const spec = arg('partial', '');
    if (!spec.startsWith(`${tag}=`)) return null;
    const t = read<LutTable>(path.join(work, `${tag}.lut.json`))!;
    const c = compileTable(t);
    const lines = readFileSync(path.join(spec.slice(tag.length + 1), 'paired.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { item: string; ratio?: number; referenceMs?: number; sessionRatios?: number[] });
    const done = lines.filter((l) => l.item.startsWith('arch:') && l.ratio !== undefined && !t.archs.some((a) => `arch:${a.arch}` === l.item));
    const refNow = median(done.map((l) => l.referenceMs!));
    const points = done.map((l) => {
      const rs = l.sessionRatios ?? [l.ratio!];
      const sd = rs.length > 1 ? 1.4826 * median(rs.map((r) => Math.abs(r - median(rs)))) : 0;
      return validationPoint(l.item.slice(5), predictLatency(l.item.slice(5), c).ratio! * refNow, l.ratio! * refNow, sd * refNow);
    });
    return {
      summary: summarizeValidation(points),
      hostState: { ratio: refNow / t.reference!.latency.median, archs: 0 },
      warnings: [`partial: ${points.length} held-out architectures measured before the run was stopped`],
      runId: path.basename(spec),
    };
  }
  const columns = [
    'table',
    { header: 'sessions measured', digits: 0 },
    { header: 'measuring', unit: 'min', digits: 1 },
    'method',
    { header: 'N held out', digits: 0 },
    { header: 'MAPE', unit: '%', digits: 1 },
    { header: 'mean error', unit: '%', digits: 1 },
    { header: 'within ±5%', unit: '%', digits: 0 },
    { header: 'within ±10%', unit: '%', digits: 0 },
    { header: 'max abs error', unit: '%', digits: 1 },
    { header: 'noise floor', unit: '%', digits: 1 },
    { header: 'reference now / build', digits: 3 },
  ];
  const hostFig = {
    cpu: 'AMD EPYC (shared VM)',
    cores: 2,
    note: 'load average 16-22 during every run: several other jobs were compiling and testing',
  };
  const date = new Date().toISOString().slice(0, 10);
  const builds = [1, 2, 3, 4].flatMap((i) => {
    const r = row(`${space} ${target} build ${i}`, `${space}.${target}.build${i}`);
    return r ? [r] : [];
  });
  const mapes = builds.flatMap((b) => (typeof b.row[5] === 'number' ? [b.row[5]] : []));
  writeFileSync(
    `docs/figures/lut-${target}.json`,
    `${JSON.stringify(
      {
        title: `${space} tables on ${target}: independent builds, each validated on the same ${n} held-out architectures (seed ${seed})`,
        provenance: 'measured',
        command: `npm run bench:lut-study -- --phase builds --only I --models no (I = 1, 2, side by side), then --phase summary`,
        date,
        host: hostFig,
        columns,
        rows: builds.map((b) => b.row),
        notes: [
          'Errors: predicted vs measured ratio to the reference (each architecture paired with it in random order within sessions); predictions are estimates.',
          `MAPE of the builds differ by ${mapes.length > 1 ? (Math.max(...mapes) - Math.min(...mapes)).toFixed(1) : '-'} points (goal: within 1); the goal of >= 90% within ±5% was not reached on this host (noise floor in the table).`,
          'Both tables keep `sum` under the current rule; build 2 was written by an earlier rule that picked `overhead` on a rounding difference (identical predictions; re-derived from its run with --resume it keeps `sum`).',
        ],
        detail: builds.map((b) => b.detail),
      },
      null,
      2,
    )}\n`,
  );
  const tr = row(`${target} -> ${to} transfer (budget 20)`, `${space}.${to}.transfer`);
  const src = builds[0];
  if (tr) {
    writeFileSync(
      'docs/figures/lut-transfer.json',
      `${JSON.stringify(
        {
          title: `${space}: a ${to} table transferred from the ${target} build 1 table, beside that build, on the same held-out architectures (seed ${seed})`,
          provenance: 'measured',
          command: `npm run bench:lut-study -- --phase transfer --target ${to} --budget 20 --models no --val-sessions 2, then --phase summary`,
          date,
          host: hostFig,
          columns,
          rows: [...(src ? [src.row] : []), tr.row],
          notes: [
            'The transfer measured 20 workloads on the new target (the reference, one teacher per op class, then the most informative blocks, 2 whole architectures); the other entries are estimated.',
            'No full ort-wasm build was measured in this session: the row beside the transfer is its ort-cpu source build, on the same held-out architectures.',
          ],
          detail: [...(src ? [src.detail] : []), tr.detail],
        },
        null,
        2,
      )}\n`,
    );
  }
  console.log('wrote the figure summaries (docs/figures/lut-*.json); run `npm run figures` to redraw docs/lookup-tables.md');
} else {
  console.log(`unknown --phase ${phase}: builds or transfer`);
  process.exit(2);
}
