/**
 * `mnv4-bench bench`: measure workloads on targets of this machine under one protocol and append the
 * results to a run.
 *
 *   mnv4-bench bench --target ort-cpu --model conv-s
 *   mnv4-bench bench --target ort-cpu,ort-wasm --block conv-m/b05 --preset rigorous --threads 2 --profile
 *   mnv4-bench bench --target ort-cpu --model conv-s,conv-m --resume 20250101-120000-ab12
 *
 * Parses options into a plan (src/engine/plan.ts planBench) and executes it (src/engine/execute.ts); every
 * rendering comes from src/report. A target that is not available here stops the command before a run is
 * created; a failed measurement is an `error` record, the run goes on, and the command ends with exit 1.
 */
import type { Command } from 'commander';
import type { ExecuteResult } from '../../engine/events.js';
import { planBench } from '../../engine/plan.js';
import { planText } from '../../report/plan-text.js';
import type { ExportDtype } from '../../models/export/cache.js';
import type { ModelFormat, TargetSettings } from '../../core/target.js';
import { parseChoice, parseIntFlag, UsageError } from '../errors.js';
import { executeForCommand, throwUnlessComplete } from '../execute-plan.js';
import type { CliContext } from '../io.js';
import {
  addOptions,
  ARCH_EXAMPLE,
  dtypeOf,
  examplesHelp,
  resolutionOf,
  runIdOf,
  sessionsOf,
  targetList,
  workloadList,
  type SharedValues,
} from '../options.js';

/** Shown under --help and run by the tests (with --dry-run), so every one of them works. */
export const BENCH_EXAMPLES = [
  'mnv4-bench bench --target ort-cpu --block conv-s/b03 --preset quick',
  "mnv4-bench bench --target ort-cpu --block 'uib(a3,m5,s2,e4,o80,relu)@48x64x64' --dtype int8",
  `mnv4-bench bench --target ort-cpu --arch ${ARCH_EXAMPLE}`,
  `mnv4-bench bench --target ort-cpu,ort-wasm --workloads conv-s,arch:${ARCH_EXAMPLE} --sessions 3`,
];

interface BenchOptions extends SharedValues {
  model: string[];
  block: string[];
  arch: string[];
  set: string[];
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

/** The workload texts of --model, --block, --arch and --workload(s), in that order. */
export function workloadTexts(o: BenchOptions): string[] {
  return [
    ...o.model.map((m) => (m.startsWith('model:') ? m : `model:${m}`)),
    ...o.block.map((b) => (b.startsWith('block:') ? b : `block:${b}`)),
    ...o.arch.map((a) => (a.startsWith('arch:') ? a : `arch:${a}`)),
    ...(workloadList(o) ?? []),
  ];
}

/** Runs `bench` with parsed options; returns what the engine did. */
export async function runBench(o: BenchOptions, cli: CliContext): Promise<ExecuteResult | undefined> {
  const settings = parseSets(o.set);
  if (o.threads !== undefined) settings.threads = parseIntFlag('--threads', o.threads, 1, 256);
  if (o.optLevel !== undefined) settings.optLevel = o.optLevel;
  const format = o.format === undefined ? undefined : parseChoice<ModelFormat>('--format', o.format, ['onnx', 'tflite']);
  const resolution = resolutionOf(o);
  const sessions = sessionsOf(o);
  const plan = planBench({
    targets: targetList(o) ?? [],
    workloads: workloadTexts(o),
    settings,
    dtype: (dtypeOf(o) ?? 'fp32') as ExportDtype,
    ...(format ? { format } : {}),
    ...(resolution !== undefined ? { resolution } : {}),
    ...(sessions !== undefined ? { sessions } : {}),
    preset: o.preset ?? 'default',
  });
  const profileRuns = o.profileRuns === undefined ? undefined : parseIntFlag('--profile-runs', o.profileRuns, 1, 1000);
  runIdOf(o); // a bad run id is a usage error before anything runs
  if (o.dryRun) {
    cli.io.out(planText(plan));
    return undefined;
  }
  const result = await executeForCommand(plan, o, cli, { onUnavailable: 'fail', ...(profileRuns !== undefined ? { profileRuns } : {}) });
  throwUnlessComplete(result, plan.jobs.length);
  return result;
}

export function register(program: Command, cli: CliContext): void {
  const cmd = program
    .command('bench')
    .description('measure workloads on targets of this machine (one protocol, raw samples, stats, provenance) and append them to a run');
  addOptions(cmd, [
    'targets',
    'modelList',
    'blockList',
    'archList',
    'workloads',
    'preset',
    'sessions',
    'threads',
    'optLevel',
    'set',
    ['format', { help: "model file format (default: the target's first: onnx or tflite)" }],
    'dtype',
    'resolution',
    'profile',
    'profileRuns',
    'out',
    'runId',
    'resume',
    'json',
    'chromium',
    'noiseFloor',
    'strictBackend',
    'dryRun',
  ]).addHelpText('after', examplesHelp(BENCH_EXAMPLES));
  cmd.action(async (opts: BenchOptions) => {
    await runBench(opts, cli);
  });
}
