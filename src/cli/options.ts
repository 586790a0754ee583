/**
 * The options the commands share, declared once: same flag, same meaning, same help text everywhere.
 * A command picks the ones it takes with `addOptions(cmd, [...])`; aliases (`--targets` for `--target`,
 * `--workloads` for `--workload`, `-o` for `--out`) are accepted wherever the option is.
 *
 * List values are split at commas that are outside parentheses and not inside an architecture vector
 * (src/models/workload-list.ts), so `--workloads conv-s,block:uib(a3,m5,s2,e4,o80,relu)@48x64x64,arch:conv-s:0,1,2`
 * is three workloads; an empty list or item is a usage error.
 */
import { Option, type Command } from 'commander';
import { MAX_SESSIONS } from '../engine/plan.js';
import { PRESET_NAMES } from '../profiles/protocol.js';
import { encodeArch, getSearchSpace, skeletonArch } from '../models/search-space.js';
import { listFlag } from '../models/workload-list.js';
import { checkResultsRoot, checkRunId } from '../results/run-dir.js';
import { newRunId } from '../results/writer.js';
import { checkFileFlag } from '../util/fs-errors.js';
import { parseChoice, parseIntFlag, parseResolutionFlag, UsageError } from './errors.js';

/** A valid architecture vector (the skeleton of conv-s): help texts and examples use it, so they work. */
export const ARCH_EXAMPLE = encodeArch(getSearchSpace('conv-s'), skeletonArch(getSearchSpace('conv-s')));

/** The "Examples:" block of a command's --help. */
export function examplesHelp(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n`;
}

/** Keeps each value of a repeatable flag whole (e.g. --set key=value). */
const collectWhole = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Every shared option, by name. */
const TABLE = {
  json: () => [new Option('--json', 'machine-readable output on stdout (progress stays on stderr)')],
  out: () => [new Option('-o, --out <dir>', 'results folder (default: results/ in the package)')],
  runId: () => [new Option('--run-id <id>', 'name of a new run (default: time-based)')],
  resume: () => [new Option('--resume <run-id>', 'continue a run: measure only what it lacks')],
  preset: () => [new Option('--preset <name>', `protocol preset (${PRESET_NAMES.join(', ')})`)],
  sessions: () => [
    new Option('--sessions <k>', `independent sessions per measurement, each with its own session creation and warm-up (1..${MAX_SESSIONS})`),
  ],
  dtype: () => [new Option('--dtype <dtype>', 'model dtype (fp32, int8; fp16 for tflite)')],
  resolution: () => [new Option('--resolution <n>', "input resolution (default: the model's native one)")],
  chromium: () => [
    new Option('--chromium <path>', 'Chromium binary for browser targets (default: $MNV4_BENCH_CHROMIUM or PATH)').argParser((v: string) =>
      checkFileFlag(v, '--chromium', { executable: true, what: 'the Chromium executable' }),
    ),
  ],
  noiseFloor: () => [
    new Option('--no-noise-floor', 'skip the reference workload timed at the start and end of the run (the host noise floor; about 1.1 s each)'),
  ],
  strictBackend: () => [
    new Option('--strict-backend', 'a partial fallback (some kernels or nodes off the requested backend) is an error, not a marked result'),
  ],
  profile: () => [new Option('--profile', 'also take a per-op profile (a separate pass after the timed samples of the first session)')],
  targets: () => [
    new Option('--target <ids>', 'target id(s), comma-separated or repeated (see `mnv4-bench targets`)').argParser(listFlag('--target', 'ort-cpu')),
    new Option('--targets <ids>', 'same as --target').argParser(listFlag('--targets', 'ort-cpu')).hideHelp(),
  ],
  results: () => [new Option('--results <dir>', 'results folder that holds the runs to read (default: results/ in the package)')],
  workloads: () => [
    new Option(
      '--workload <texts>',
      'workload(s): model (conv-s), block (conv-m/b05, block:uib(...)@CxHxW), arch:<space>:<choices> or group:table6 (every Table 6 model defined); comma-separated or repeated',
    ).argParser(listFlag('--workload', 'conv-s')),
    new Option('--workloads <texts>', 'same as --workload').argParser(listFlag('--workloads', 'conv-s')).hideHelp(),
  ],
} as const;

export type SharedOption = keyof typeof TABLE;

/** Adds shared options to a command. */
export function addOptions(cmd: Command, names: readonly SharedOption[]): Command {
  for (const n of names) for (const o of TABLE[n]()) cmd.addOption(o);
  return cmd;
}

/** The raw values commander collects for the shared options. */
export interface SharedValues {
  json?: boolean;
  out?: string;
  runId?: string;
  resume?: string;
  preset?: string;
  sessions?: string;
  dtype?: string;
  resolution?: string;
  chromium?: string;
  profile?: boolean;
  /** false with --no-noise-floor. */
  noiseFloor?: boolean;
  strictBackend?: boolean;
  target?: string[];
  targets?: string[];
  workload?: string[];
  workloads?: string[];
  results?: string;
}

/** `--target` and `--targets` together (undefined when neither was given). */
export function targetList(v: SharedValues): string[] | undefined {
  if (v.target === undefined && v.targets === undefined) return undefined;
  const all = [...(v.target ?? []), ...(v.targets ?? [])];
  if (all.length === 0) throw new UsageError('--target/--targets is empty; name at least one target (see mnv4-bench targets)');
  return all;
}

/** `--workload` and `--workloads` together (undefined when neither was given). */
export function workloadList(v: SharedValues): string[] | undefined {
  if (v.workload === undefined && v.workloads === undefined) return undefined;
  const all = [...(v.workload ?? []), ...(v.workloads ?? [])];
  if (all.length === 0) throw new UsageError('--workload/--workloads is empty; name at least one workload (e.g. conv-s)');
  return all;
}

/** `--out`, refusing an empty value. */
export function outDir(v: SharedValues, fallback: string): string {
  return v.out === undefined ? fallback : checkResultsRoot(v.out, '--out');
}

/** The run id of `--run-id` / `--resume` (or a new time-based one): one path component (src/results/run-dir.ts). */
export function runIdOf(v: SharedValues): { runId: string; resume: boolean } {
  if (v.runId !== undefined && v.resume !== undefined) throw new UsageError('use either --run-id (new run) or --resume <run-id>, not both');
  if (v.resume !== undefined) return { runId: checkRunId(v.resume, '--resume'), resume: true };
  return { runId: v.runId !== undefined ? checkRunId(v.runId, '--run-id') : newRunId(), resume: false };
}

/** `--sessions` as a number (undefined when absent). */
export function sessionsOf(v: SharedValues): number | undefined {
  return v.sessions === undefined ? undefined : parseIntFlag('--sessions', v.sessions, 1, MAX_SESSIONS);
}

/** `--dtype` checked (undefined when absent). */
export function dtypeOf(v: SharedValues): 'fp32' | 'fp16' | 'int8' | undefined {
  return v.dtype === undefined ? undefined : parseChoice('--dtype', v.dtype, ['fp32', 'fp16', 'int8'] as const);
}

/** `--resolution` checked (undefined when absent). */
export function resolutionOf(v: SharedValues): number | undefined {
  return parseResolutionFlag(v.resolution);
}

export { collectWhole, listFlag };
