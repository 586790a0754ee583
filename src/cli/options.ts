/**
 * The options the commands share, declared once: same flag, same meaning, same help text everywhere.
 * A command picks the ones it takes with `addOptions(cmd, [...])`; aliases (`--targets` for `--target`,
 * `--workloads` for `--workload`, `-o` for `--out`) are accepted wherever the option is.
 *
 * List values are split at commas that are outside parentheses and not inside an architecture vector, so
 * `--workloads conv-s,block:uib(a3,m5,s2,e4,o80,relu)@48x64x64,arch:conv-s:0,1,2` is three workloads.
 */
import { Option, type Command } from 'commander';
import { MAX_SESSIONS } from '../engine/plan.js';
import { PRESET_NAMES } from '../profiles/protocol.js';
import { newRunId } from '../results/writer.js';
import { parseChoice, parseIntFlag, parseResolutionFlag, UsageError } from './errors.js';

/**
 * Splits a list flag value at top-level commas: not inside parentheses, and after `arch:<space>:` only where
 * the next item is not a number (architecture vectors are comma-separated choice indices).
 */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  const push = (): void => {
    const t = cur.trim();
    if (t !== '') items.push(t);
    cur = '';
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      const inArch = /^\s*arch:[^:]+:/.test(cur);
      const next = /^\s*(\d+)\s*(?:,|$)/.exec(value.slice(i + 1));
      if (!(inArch && next)) {
        push();
        continue;
      }
    }
    cur += ch;
  }
  push();
  return items;
}

const collectList = (v: string, prev: string[] = []): string[] => [...prev, ...splitList(v)];
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
  chromium: () => [new Option('--chromium <path>', 'Chromium binary for browser targets (default: $MNV4_BENCH_CHROMIUM or PATH)')],
  noiseFloor: () => [
    new Option('--no-noise-floor', 'skip the reference workload timed at the start and end of the run (the host noise floor; about 2-4 s)'),
  ],
  strictBackend: () => [
    new Option('--strict-backend', 'a partial fallback (some kernels or nodes off the requested backend) is an error, not a marked result'),
  ],
  profile: () => [new Option('--profile', 'also take a per-op profile (a separate pass after the timed samples of the first session)')],
  targets: () => [
    new Option('--target <ids>', 'target id(s), comma-separated or repeated (see `mnv4-bench targets`)').argParser(collectList),
    new Option('--targets <ids>', 'same as --target').argParser(collectList).hideHelp(),
  ],
  results: () => [new Option('--results <dir>', 'results folder that holds the runs to read (default: results/ in the package)')],
  workloads: () => [
    new Option(
      '--workload <texts>',
      'workload(s): model (conv-s), block (conv-m/b05, block:uib(...)@CxHxW) or arch:<space>:<choices>; comma-separated or repeated',
    ).argParser(collectList),
    new Option('--workloads <texts>', 'same as --workload').argParser(collectList).hideHelp(),
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
  if (v.out === undefined) return fallback;
  if (v.out.trim() === '') throw new UsageError('--out is empty; give a folder for the results');
  return v.out;
}

/** The run id of `--run-id` / `--resume` (or a new time-based one): one path component, not '.' or '..'. */
export function runIdOf(v: SharedValues): { runId: string; resume: boolean } {
  if (v.runId !== undefined && v.resume !== undefined) throw new UsageError('use either --run-id (new run) or --resume <run-id>, not both');
  const runId = v.resume ?? v.runId ?? newRunId();
  if (!/^[\w.-]+$/.test(runId) || runId === '.' || runId === '..')
    throw new UsageError(`run id '${runId}' must be one folder name of letters, digits, '.', '_' and '-' (not '.' or '..')`);
  return { runId, resume: v.resume !== undefined };
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

/** Repeatable flag that keeps each value whole (e.g. --arch vectors, which contain commas). */
export { collectWhole, collectList };
