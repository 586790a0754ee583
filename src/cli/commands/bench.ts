/**
 * `mnv4-bench bench`: measure workloads on targets under one protocol and append the results to a run.
 *
 *   mnv4-bench bench --target ort-cpu --model conv-s
 *   mnv4-bench bench --target ort-cpu,ort-wasm --block conv-m/b05 --preset rigorous --threads 2 --profile
 *   mnv4-bench bench --target ort-cpu --model conv-s,conv-m --resume 20250101-120000-ab12
 *
 * Everything is validated before anything runs (bad input: exit 2, one line). Each finished (workload,
 * target) is appended to `<out>/<run-id>/measurements.jsonl` at once; a failure is recorded as an `error`
 * record and the run goes on; if any failed, the command ends with exit 1 after the others. Ctrl-C stops
 * the measurement in flight (not recorded) and says how to resume.
 */
import type { Command } from 'commander';
import { ExportRequestError, FORMAT_DTYPES, type ExportDtype } from '../../models/export/cache.js';
import { resolveWorkload } from '../../models/workload.js';
import { defaultResultsDir } from '../../paths.js';
import { getPreset, PRESET_NAMES, ProtocolError, relHalfWidth, type ProtocolSettings } from '../../profiles/protocol.js';
import { PERCENTILE_MIN_N } from '../../profiles/stats.js';
import { formatEstimate, formatPercent, formatSig } from '../../report/numbers.js';
import { fmt, textTable } from '../../report/table.js';
import type { MeasurementRecord } from '../../results/schema.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { detectTargets, getRunner, UnknownTargetError } from '../../runners/registry.js';
import { SettingsError, type ModelFormat, type Target, type TargetSettings } from '../../runners/types.js';
import { executeJobs, resolveRunId, throwIfFailed, type Job } from '../execute.js';
import { parseChoice, parseIntFlag, RunError, UsageError, parseResolutionFlag } from '../errors.js';

interface BenchOptions {
  target: string[];
  model: string[];
  block: string[];
  arch: string[];
  workload: string[];
  preset: string;
  threads?: string;
  optLevel?: string;
  set: string[];
  dtype: string;
  format?: string;
  resolution?: string;
  profile?: boolean;
  profileRuns?: string;
  out?: string;
  runId?: string;
  resume?: string;
  json?: boolean;
  chromium?: string;
}

const collect = (value: string, prev: string[]): string[] => [...prev, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProtocolError || e instanceof SettingsError || e instanceof UnknownTargetError || e instanceof ExportRequestError) throw new UsageError(e.message);
    throw e;
  }
}

/** `key=value` pairs of --set. */
function parseSets(sets: string[]): TargetSettings {
  const out: TargetSettings = {};
  for (const s of sets) {
    const m = /^([A-Za-z][\w]*)=(.+)$/.exec(s);
    if (!m) throw new UsageError(`--set expects key=value (e.g. --set allowSpinning=false), got '${s}'`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function workloadTexts(o: BenchOptions): string[] {
  const texts = [
    ...o.model.map((m) => (m.startsWith('model:') ? m : `model:${m}`)),
    ...o.block.map((b) => (b.startsWith('block:') ? b : `block:${b}`)),
    ...o.arch.map((a) => (a.startsWith('arch:') ? a : `arch:${a}`)),
    ...o.workload,
  ];
  if (texts.length === 0) throw new UsageError('nothing to measure: give --model <id>, --block <model/bNN>, --arch <space:...> or --workload <text>');
  return texts;
}

/** Validates all options into jobs + protocol (throws UsageError / ModelSpecError: exit 2). */
export function planBench(o: BenchOptions): { jobs: Job[]; protocol: ProtocolSettings; dtype: ExportDtype; resolution?: number } {
  if (o.target.length === 0) throw new UsageError('--target is required (see mnv4-bench targets)');
  const protocol = asUsage(() => getPreset(o.preset));
  const resolution = parseResolutionFlag(o.resolution);
  const dtype = parseChoice<ExportDtype>('--dtype', o.dtype, ['fp32', 'fp16', 'int8']);
  const format = o.format === undefined ? undefined : parseChoice<ModelFormat>('--format', o.format, ['onnx', 'tflite']);
  const requested: TargetSettings = parseSets(o.set);
  if (o.threads !== undefined) requested.threads = parseIntFlag('--threads', o.threads, 1, 256);
  if (o.optLevel !== undefined) requested.optLevel = o.optLevel;
  const texts = workloadTexts(o);
  // resolve every workload now so a typo fails before any measurement
  const resolved = texts.map((t) => ({ text: t, id: resolveWorkload(t, resolution !== undefined ? { resolution } : {}).id }));
  const jobs: Job[] = [];
  for (const tid of o.target) {
    const runner = asUsage(() => getRunner(tid));
    const settings = asUsage(() => runner.resolveSettings(requested));
    const fmtUsed = format ?? runner.formats[0]!;
    if (!runner.formats.includes(fmtUsed)) throw new UsageError(`${tid} runs ${runner.formats.join('/')} files, not ${fmtUsed}`);
    if (!FORMAT_DTYPES[fmtUsed].includes(dtype)) throw new UsageError(`${fmtUsed} exports come in ${FORMAT_DTYPES[fmtUsed].join(', ')}, not ${dtype}`);
    const target: Target = { id: runner.id, runner: runner.id, backend: runner.backend, settings };
    for (const w of resolved) jobs.push({ text: w.text, workloadId: w.id, runner, target, format: fmtUsed, dtype, ...(resolution !== undefined ? { resolution } : {}) });
  }
  return { jobs, protocol, dtype, ...(resolution !== undefined ? { resolution } : {}) };
}

const settingsText = (s: TargetSettings) =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** The human summary of one measurement record. */
export function formatMeasurement(rec: MeasurementRecord): string {
  const st = rec.latency.stats;
  const ci = st.ciMedian;
  const est = formatEstimate(st.median, ci?.lo, ci?.hi);
  const rel = ci ? `±${formatPercent(relHalfWidth(ci.lo, ci.hi, st.median))}` : 'n too small';
  const batched = st.spreadOf === 'batch-means';
  const pcts = [['p10', st.p10], ['p90', st.p90], ...(batched ? [] : [['p99', st.p99]])] as [string, number | null][];
  const spread = pcts.map(([name, v]) => `${name} ${v === null ? `- (n < ${PERCENTILE_MIN_N[name as keyof typeof PERCENTILE_MIN_N]})` : formatSig(v)}`).join('  ');
  const lines = [
    `${rec.workload.id} on ${rec.target.id} (${settingsText(rec.target.settings)}), ${rec.workload.file.format} ${rec.workload.file.dtype}`,
    `  median ${est.value} ms   ${Math.round((ci?.confidence ?? 0.95) * 100)}% CI [${est.lo}, ${est.hi}] (${rel})   ${spread}${batched ? ' (of batch means)' : ''}`,
    `  CV ${formatPercent(st.cv)}   n=${st.n}${rec.protocol.batchSize > 1 ? ` (x${rec.protocol.batchSize} calls/sample)` : ''}   ${rec.protocol.converged ? 'converged' : `NOT converged (${rec.protocol.stopReason})`}${st.outliers ? `   outliers ${st.outliers.mild} mild / ${st.outliers.severe} severe (kept)` : ''}`,
    `  cold start: session ${formatSig(rec.coldStart.sessionCreateMs, 3)} ms, first inference ${formatSig(rec.coldStart.firstInferenceMs, 3)} ms${rec.coldStart.runtimeInitMs !== undefined ? `, runtime init ${formatSig(rec.coldStart.runtimeInitMs, 3)} ms` : ''}`,
    `  ran on: ${rec.executed.runtime} ${rec.executed.runtimeVersion} ${rec.executed.provider ?? rec.executed.backend} (${rec.executed.evidence})`,
  ];
  const g = rec.derived.gmacPerSecond;
  if (g) lines.push(`  compute: ${fmt(rec.workload.macs / 1e9, 3)} GMAC per inference at the median -> ${fmt(g.value, 1)} ${g.unit}`);
  for (const w of rec.warnings) lines.push(`  warning: ${w.message}`);
  if (rec.profile) {
    const p = rec.profile;
    const rows = p.blocks.map((b) => [b.block, fmt(b.ms, 4), String(b.nodes), Object.entries(b.ops).sort((a, c) => c[1] - a[1]).map(([op, ms]) => `${op} ${fmt(ms, 3)}`).join(', ')]);
    lines.push(`  profile (${p.source}, ${p.runs} runs, run median ${p.runMedianMs === null ? '-' : fmt(p.runMedianMs, 4)} ms, nodes explain ${p.coverage === null ? '-' : `${(p.coverage * 100).toFixed(0)}%`}):`);
    lines.push(
      textTable([{ header: 'block' }, { header: 'ms', right: true }, { header: 'nodes', right: true }, { header: 'ops (ms)' }], rows)
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n'),
    );
    for (const n of p.notes) lines.push(`    note: ${n}`);
  }
  return lines.join('\n');
}

/** Runs `bench` with parsed options; returns what it wrote. */
export async function runBench(o: BenchOptions, io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }) {
  const plan = planBench(o);
  const runId = resolveRunId(o);
  const outDir = o.out ?? defaultResultsDir();
  const profileRuns = o.profileRuns === undefined ? undefined : parseIntFlag('--profile-runs', o.profileRuns, 1, 1000);
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });

  // availability of each requested target, before any work
  const ids = [...new Set(plan.jobs.map((j) => j.target.id))];
  for (const st of await detectTargets({ ids })) {
    if (!st.availability.available) throw new RunError(`target ${st.id} is not available here: ${st.availability.reason}`);
  }

  const result = await executeJobs(plan.jobs, {
    protocol: plan.protocol,
    outDir,
    runId,
    resume: o.resume !== undefined,
    profile: o.profile === true,
    ...(profileRuns !== undefined ? { profileRuns } : {}),
    json: o.json === true,
    command: process.argv.slice(2),
    format: formatMeasurement,
    io,
  });
  throwIfFailed(result, plan.jobs.length);
  return { runId, runDir: result.runDir, records: result.records };
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure workloads on targets (one protocol, raw samples, stats, provenance) and append them to a run')
    .option('--target <ids>', 'target id(s), comma-separated or repeated (see `mnv4-bench targets`)', collect, [])
    .option('--model <ids>', 'whole model(s), e.g. conv-s', collect, [])
    .option('--block <refs>', 'block(s) of a model, e.g. conv-m/b05', collect, [])
    .option('--arch <texts>', 'search-space architecture(s), e.g. conv-m:3,0,5,...', collect, [])
    .option('--workload <text>', 'any workload text (model:, block:, arch:), repeatable', (v: string, p: string[]) => [...p, v], [])
    .option('--preset <name>', `protocol preset (${PRESET_NAMES.join(', ')})`, 'default')
    .option('--threads <n>', 'threads of the target (intra-op / WASM threads)')
    .option('--opt-level <level>', 'graph optimization level (disabled, basic, extended, all)')
    .option('--set <key=value>', 'any other target setting, repeatable (e.g. allowSpinning=false)', (v: string, p: string[]) => [...p, v], [])
    .option('--dtype <dtype>', 'model dtype (fp32, int8; fp16 for tflite)', 'fp32')
    .option('--format <format>', "model file format (default: the target's first: onnx or tflite)")
    .option('--resolution <n>', "input resolution (default: the model's native one)")
    .option('--profile', 'also run a separate profiling pass: per-op and per-block times')
    .option('--profile-runs <n>', 'profiled runs in that pass (default 10)')
    .option('--out <dir>', 'results directory (default: results/ in the package)')
    .option('--run-id <id>', 'name of a new run (default: time-based)')
    .option('--resume <run-id>', 'continue a run: skip what it already measured')
    .option('--json', 'print the records as JSON on stdout (progress stays on stderr)')
    .option('--chromium <path>', 'Chromium binary for browser targets (default: $MNV4_BENCH_CHROMIUM or PATH)')
    .action(async (opts: BenchOptions) => {
      await runBench(opts);
    });
}
