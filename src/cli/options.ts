/**
 * Every option of the command line, declared once in one typed table: same flag, same parser, same value
 * everywhere. A command picks the ones it takes with `addOptions(cmd, [...])`, saying at most what the value
 * is for there (its help) and its default; the values come back as `SharedValues`, and the flags that need
 * checking are parsed here once (`seedOf`, `sessionsOf`, `thresholdOf`, ...). Aliases (`--targets` for `--target`,
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
import { METHOD_IDS } from '../lut/schema.js';
import { parseThreshold } from '../report/compare.js';
import { parseAdbServer, type AdbServerAddress } from '../runners/android/adb.js';
import { STF_TOKEN_ENV } from '../runners/android/stf.js';
import { parseChoice, parseIntFlag, parseResolutionFlag, UsageError } from './errors.js';

/** A valid architecture vector (the skeleton of conv-s): help texts and examples use it, so they work. */
export const ARCH_EXAMPLE = encodeArch(getSearchSpace('conv-s'), skeletonArch(getSearchSpace('conv-s')));

/** The "Examples:" block of a command's --help. */
export function examplesHelp(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n`;
}

/** Keeps each value of a repeatable flag whole (e.g. --set key=value). */
const collectWhole = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * What a command may change of a table option: the help (what the value is for in that command) and the
 * default. The flag, its value syntax and its parser stay the table's.
 */
export interface Tweak {
  help?: string;
  default?: unknown;
  required?: boolean;
}

/** One option of the table: flags, the help when no command says otherwise, and the parser. */
function option<T>(flags: string, help: string, t: Tweak, parser?: (value: string, previous: T) => T): Option {
  const o = new Option(flags, t.help ?? help);
  if (parser) o.argParser(parser);
  if (t.default !== undefined) o.default(t.default);
  if (t.required) o.makeOptionMandatory();
  return o;
}

/** The seed flags take: any 31-bit non-negative integer. */
const SEED_MAX = 2 ** 31 - 1;

/**
 * Every option of every command, by name, declared once. A command lists the ones it takes, in help order,
 * with `addOptions(cmd, [...])`; a name that means a different value in another command (a list of ids vs
 * one repeated id) is a different entry, never the same flag parsed two ways under one name.
 */
const TABLE = {
  // output and run folders
  json: (t: Tweak) => [option('--json', 'machine-readable output on stdout (progress stays on stderr)', t)],
  verbose: (t: Tweak) => [
    option('-v, --verbose', 'print every measurement in full (sessions, CIs, cold start, backend proof, warnings) as it finishes', t),
  ],
  ab: (t: Tweak) => [
    option('--ab', 'A/B in one process: two workloads, two targets, or --set-b; ratio B/A with its CI and a verdict (ort-cpu, ort-wasm)', t),
  ],
  setB: (t: Tweak) => [
    option('--set-b <key=value>', 'with --ab: a setting of side B (A keeps the others), repeatable', { default: [], ...t }, collectWhole),
  ],
  pairs: (t: Tweak) => [option('--pairs <n>', 'with --ab: pairs per session (default 20; 10 sessions unless --sessions)', t)],
  out: (t: Tweak) => [option('-o, --out <dir>', 'results folder (default: results/ in the package)', t)],
  outFile: (t: Tweak) => [option('-o, --out <file>', 'write to a file instead of stdout', t)],
  output: (t: Tweak) => [option('-o, --output <file>', 'write there instead of stdout', t)],
  runId: (t: Tweak) => [option('--run-id <id>', 'name of a new run (default: time-based)', t)],
  resume: (t: Tweak) => [option('--resume <run-id>', 'continue a run: measure only what it lacks', t)],
  results: (t: Tweak) => [option('--results <dir>', 'results folder that holds the runs to read (default: results/ in the package)', t)],
  dryRun: (t: Tweak) => [option('--dry-run', 'print the planned measurements and exit', t)],
  // protocol
  preset: (t: Tweak) => [option('--preset <name>', `protocol preset (${PRESET_NAMES.join(', ')})`, t)],
  sessions: (t: Tweak) => [
    option('--sessions <k>', `independent sessions per measurement, each with its own session creation and warm-up (1..${MAX_SESSIONS})`, t),
  ],
  noiseFloor: (t: Tweak) => [
    option('--no-noise-floor', 'skip the reference workload timed at the start and end of the run (the host noise floor; about 1.1 s each)', t),
  ],
  strictBackend: (t: Tweak) => [
    option('--strict-backend', 'a partial fallback (some kernels or nodes off the requested backend) is an error, not a marked result', t),
  ],
  profile: (t: Tweak) => [option('--profile', 'also take a per-op profile (a separate pass after the timed samples of the first session)', t)],
  profileRuns: (t: Tweak) => [option('--profile-runs <n>', 'profiled runs in that pass (default 10)', t)],
  seed: (t: Tweak) => [option('--seed <n>', `seed (0..${SEED_MAX})`, t)],
  // what to measure, where
  device: (t: Tweak) => [option('--device <id>', 'device profile id or path (devices/<id>.json)', t)],
  targets: (t: Tweak) => [
    option('--target <ids>', 'target id(s), comma-separated or repeated (see `mnv4-bench targets`)', t, listFlag('--target', 'ort-cpu')),
    option('--targets <ids>', 'same as --target', {}, listFlag('--targets', 'ort-cpu')).hideHelp(),
  ],
  workloads: (t: Tweak) => [
    option(
      '--workload <texts>',
      'workload(s): model (conv-s), block (conv-m/b05, block:uib(...)@CxHxW), arch:<space>:<choices> or group:table6 (every Table 6 model defined); comma-separated or repeated',
      t,
      listFlag('--workload', 'conv-s'),
    ),
    option('--workloads <texts>', 'same as --workload', {}, listFlag('--workloads', 'conv-s')).hideHelp(),
  ],
  /** one model id (models) */
  model: (t: Tweak) => [option('--model <id>', 'one model (e.g. conv-m)', t)],
  /** model ids, comma-separated or repeated (bench) */
  modelList: (t: Tweak) => [option('--model <ids>', 'whole model(s), e.g. conv-s', { default: [], ...t }, listFlag('--model', 'conv-s'))],
  /** a model id per flag, repeatable (lut predict) */
  modelEach: (t: Tweak) => [option('--model <id>', 'a whole model (repeatable)', { default: [], ...t }, collectWhole)],
  blockList: (t: Tweak) => [
    option('--block <refs>', 'block(s) of a model, e.g. conv-m/b05, or block:<spec>@CxHxW', { default: [], ...t }, listFlag('--block', 'conv-m/b05')),
  ],
  archList: (t: Tweak) => [
    option(
      '--arch <vectors>',
      `search-space architecture(s), e.g. ${ARCH_EXAMPLE} (comma-separated or repeated)`,
      { default: [], ...t },
      listFlag('--arch', ARCH_EXAMPLE),
    ),
  ],
  /** an architecture per flag, repeatable (lut predict) */
  archEach: (t: Tweak) => [
    option('--arch <enc>', 'architecture, e.g. conv-m:5,4,... or arch:conv-m:5,4,... (repeatable)', { default: [], ...t }, collectWhole),
  ],
  dtype: (t: Tweak) => [option('--dtype <dtype>', 'model dtype (fp32, int8; fp16 for tflite)', t)],
  resolution: (t: Tweak) => [option('--resolution <n>', "input resolution (default: the model's native one)", t)],
  format: (t: Tweak) => [option('--format <format>', 'output format', t)],
  onnxOpset: (t: Tweak) => [
    option(
      '--onnx-opset <n>',
      'ONNX opset: 17 (default; GELU as Div/Erf/Add/Mul, passes the onnx 1.12 checker) or 20 (native Gelu: one kernel in int8 graphs)',
      t,
    ),
  ],
  // target settings (bench)
  threads: (t: Tweak) => [option('--threads <n>', 'threads of the target (intra-op / WASM threads)', t)],
  optLevel: (t: Tweak) => [option('--opt-level <level>', 'graph optimization level (disabled, basic, extended, all)', t)],
  set: (t: Tweak) => [
    option('--set <key=value>', 'any other target setting, repeatable (e.g. allowSpinning=false)', { default: [], ...t }, collectWhole),
  ],
  // browsers and phones
  chromium: (t: Tweak) => [
    option('--chromium <path>', 'Chromium binary for browser targets (default: $MNV4_BENCH_CHROMIUM or PATH)', t, (v: string) =>
      checkFileFlag(v, '--chromium', { executable: true, what: 'the Chromium executable' }),
    ),
  ],
  adbServer: (t: Tweak) => [option('--adb-server <host:port>', 'the adb server that reaches the phone (default: the local one)', t)],
  benchmarkModel: (t: Tweak) => [
    option(
      '--benchmark-model <path>',
      "TFLite's benchmark_model for Android (arm64), pushed to the phone; default: the profile's benchmarkModel or $MNV4_BENCHMARK_MODEL",
      t,
    ),
  ],
  refresh: (t: Tweak) => [option('--refresh', 'ignore the cached availability and check again', t)],
  stf: (t: Tweak) => [
    option(
      '--stf <url>',
      `reserve the phones of a DeviceFarmer STF farm that match each adb profile's model (token in $${STF_TOKEN_ENV}) and shard the workloads over them`,
      t,
    ),
  ],
  stfPhones: (t: Tweak) => [option('--stf-phones <n>', 'with --stf: use at most this many phones per profile (default: every free match)', t)],
  sustained: (t: Tweak) => [
    option(
      '--sustained <duration>',
      'phone targets: each session runs benchmark_model back to back for this long (e.g. 30m) and records latency and thermal zones over time',
      t,
    ),
  ],
  // simulation
  simulate: (t: Tweak) => [
    option(
      '--simulate',
      "print the device model's estimate for the device's Table 6 columns, with the paper's roofline and MAC counting beside it (fitted to the paper's published latencies, out of sample; nothing is measured)",
      t,
    ),
  ],
  simulateDevices: (t: Tweak) => [
    option(
      '--simulate <ids>',
      'simulate these devices here (as run --simulate does) for the simulated series; comma-separated',
      t,
      listFlag('--simulate', 'pixel6'),
    ),
  ],
  simulation: (t: Tweak) => [
    option('--simulation <file>', "simulation JSON ('run --device D --simulate --json'): a simulated series; repeatable", t, collectWhole),
  ],
  // reports, dashboards, comparisons
  threshold: (t: Tweak) => [option('--threshold <pct>', 'smallest slowdown that counts as a regression (e.g. 3%, 0.5%)', { default: '3%', ...t })],
  lut: (t: Tweak) => [
    option('--lut <file>', "LUT validation JSON ('lut validate --report FILE', or an array of {arch, predictedMs, measuredMs})", t),
  ],
  png: (t: Tweak) => [option('--png <dir>', 'also write every chart as PNG into DIR (drawn by the dashboard code in headless Chromium)', t)],
  open: (t: Tweak) => [option('--open', 'open the dashboard in the desktop browser', t)],
  compare: (t: Tweak) => [option('--compare <a,b>', 'the two runs to compare (default: the two latest runs with measurements in common)', t)],
  markdown: (t: Tweak) => [option('--markdown', 'Markdown table', t)],
  blocks: (t: Tweak) => [option('--blocks', 'with --model: print the block table', t)],
  // search spaces and lookup tables
  space: (t: Tweak) => [option('--space <id>', 'search space', t)],
  sample: (t: Tweak) => [option('--sample <n>', 'draw N uniform random architectures', t)],
  decode: (t: Tweak) => [option('--decode <arch>', 'check and describe an architecture, e.g. conv-m:5,4,4,...', t)],
  configs: (t: Tweak) => [option('--configs', 'list the distinct block configurations a lookup table must cover', t)],
  table: (t: Tweak) => [option('--table <file>', 'table file', t)],
  calibration: (t: Tweak) => [option('--calibration <n>', 'whole architectures measured to fit and choose the correction', { default: '20', ...t })],
  method: (t: Tweak) => [option('--method <id>', `use this correction instead of the best by leave-one-out (${METHOD_IDS.join(', ')})`, t)],
  n: (t: Tweak) => [option('--n <n>', 'random architectures', { default: '50', ...t })],
  drift: (t: Tweak) => [option('--drift <n>', 'table entries re-measured in the same run to show drift', { default: '4', ...t })],
  driftArchs: (t: Tweak) => [
    option('--drift-archs <n>', "the table's calibration architectures re-measured in the same run (drift of whole networks)", {
      default: '2',
      ...t,
    }),
  ],
  models: (t: Tweak) => [option('--no-models', 'leave out the five MNv4 models', t)],
  report: (t: Tweak) => [option('--report <file>', 'also write the report as JSON there', t)],
  fitArchs: (t: Tweak) => [option('--fit-archs <n>', 'architectures the TuNAS model is fitted on', { default: '4000', ...t })],
  budgetMs: (t: Tweak) => [option('--budget-ms <ms>', 'predicted latency budget', t)],
  from: (t: Tweak) => [option('--from <file>', 'the source table', t)],
  budget: (t: Tweak) => [
    option('--budget <n>', 'workloads to measure on the new target (reference, blocks, architectures)', { default: '20', ...t }),
  ],
  evaluations: (t: Tweak) => [option('--evaluations <n>', 'architectures to evaluate', { default: '5000', ...t })],
  maxResults: (t: Tweak) => [option('--max-results <n>', 'frontier points to return', { default: '8', ...t })],
  measure: (t: Tweak) => [option('--no-measure', 'only predict: do not measure the returned architectures', t)],
} as const satisfies Record<string, (t: Tweak) => Option[]>;

export type SharedOption = keyof typeof TABLE;

/** An option of the table, alone or with what this command changes of it. */
export type OptionRef = SharedOption | readonly [SharedOption, Tweak];

/** Adds options of the table to a command, in the order given (the order of its --help). */
export function addOptions(cmd: Command, refs: readonly OptionRef[]): Command {
  for (const r of refs) {
    const [name, tweak] = typeof r === 'string' ? [r, {}] : r;
    for (const o of TABLE[name](tweak)) cmd.addOption(o);
  }
  return cmd;
}

/** The raw values commander collects for the table's options (attribute names: `--drift-archs` is driftArchs). */
export interface SharedValues {
  json?: boolean;
  verbose?: boolean;
  ab?: boolean;
  setB?: string[];
  pairs?: string;
  out?: string;
  output?: string;
  runId?: string;
  resume?: string;
  results?: string;
  dryRun?: boolean;
  preset?: string;
  sessions?: string;
  /** false with --no-noise-floor. */
  noiseFloor?: boolean;
  strictBackend?: boolean;
  profile?: boolean;
  profileRuns?: string;
  seed?: string;
  device?: string;
  target?: string[];
  targets?: string[];
  workload?: string[];
  workloads?: string[];
  dtype?: string;
  resolution?: string;
  format?: string;
  onnxOpset?: string;
  threads?: string;
  optLevel?: string;
  chromium?: string;
  adbServer?: string;
  benchmarkModel?: string;
  stf?: string;
  stfPhones?: string;
  sustained?: string;
  refresh?: boolean;
  lut?: string;
  png?: string;
  open?: boolean;
  compare?: string;
  threshold?: string;
  markdown?: boolean;
  blocks?: boolean;
  space?: string;
  sample?: string;
  decode?: string;
  configs?: boolean;
  table?: string;
  calibration?: string;
  method?: string;
  n?: string;
  drift?: string;
  driftArchs?: string;
  report?: string;
  fitArchs?: string;
  budgetMs?: string;
  from?: string;
  budget?: string;
  evaluations?: string;
  maxResults?: string;
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

/** `--seed` as a number (0 .. 2^31-1); every command with a seed gives it a default. */
export function seedOf(v: Pick<SharedValues, 'seed'>): number {
  return parseIntFlag('--seed', v.seed ?? '', 0, SEED_MAX);
}

/** `--threshold` as a fraction (undefined when absent). */
export function thresholdOf(v: Pick<SharedValues, 'threshold'>): number | undefined {
  try {
    return v.threshold === undefined ? undefined : parseThreshold(v.threshold);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `--adb-server` as an address (undefined when absent). */
export function adbServerFlag(v: Pick<SharedValues, 'adbServer'>): AdbServerAddress | undefined {
  if (v.adbServer === undefined) return undefined;
  try {
    return parseAdbServer(v.adbServer);
  } catch (e) {
    throw new UsageError(`--adb-server: ${(e as Error).message}`);
  }
}

/** `--table`, required by every `lut` command that reads one. */
export function tableOf(v: Pick<SharedValues, 'table'>): string {
  if (!v.table) throw new UsageError('--table <file> is required (build one with `mnv4-bench lut build`)');
  return v.table;
}

export { collectWhole, listFlag };
