/**
 * Compares what benchmark_model says it ran with the command it was given. A binary that ignores a flag, a
 * wrapper that rewrites the command, or a stale binary on the phone prints settings other than those asked;
 * its figures are then not the measurement of the request, and the session is refused.
 *
 * benchmark_model echoes its parameters as `Label: [value]` lines (`LogParams`). The labels changed between
 * generations (TF 1.12 `Num runs`, TF 1.13+ `Min num runs`; `Use nnapi : [0]` vs `Use NNAPI: [1]`), and TF
 * >= 2.3 echoes only the parameters that differ from their defaults unless --verbose. So a setting that is not
 * echoed is not a mismatch; one that is echoed must equal the command's. Besides the echoed labels, the phase
 * lines (`Running benchmark for at least N iterations ...`) and the phases' run counts are checked: a timed
 * phase with fewer runs than asked, and no time cap to excuse it, did not run what was asked.
 */
import type { BenchmarkModelOutput } from './benchmark-model-output.js';

export interface EchoMismatch {
  /** the setting, as the message names it. */
  setting: string;
  asked: string;
  echoed: string;
  /** `<setting>: the command asks <asked>, benchmark_model echoes <echoed>` (or `... ran <echoed>`). */
  message: string;
}

/** `--name=value` flags of an argument vector (the last one wins, as benchmark_model's flag parser does). */
export function flagsOf(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([A-Za-z0-9_]+)=(.*)$/.exec(a);
    if (m) flags.set(m[1] as string, m[2] as string);
  }
  return flags;
}

const norm = (label: string): string => label.toLowerCase().replace(/[^a-z0-9#]/g, '');

/** The echoed value of the first label present (labels compared without case, spaces or punctuation). */
function echoed(out: BenchmarkModelOutput, labels: readonly string[]): string | undefined {
  const byNorm = new Map(Object.entries(out.params).map(([k, v]) => [norm(k), v.trim()]));
  for (const l of labels) {
    const v = byNorm.get(norm(l));
    if (v !== undefined) return v;
  }
  return undefined;
}

const asBool = (v: string): boolean | null => (/^(1|true)$/i.test(v) ? true : /^(0|false)$/i.test(v) ? false : null);

interface Check {
  setting: string;
  flag: string;
  labels: readonly string[];
  kind: 'string' | 'number' | 'bool';
}

/** The echoed settings this tool's commands set, with every label a generation printed for them. */
const CHECKS: readonly Check[] = [
  { setting: 'graph', flag: 'graph', labels: ['Graph'], kind: 'string' },
  { setting: 'timed runs', flag: 'num_runs', labels: ['Min num runs', 'Num runs'], kind: 'number' },
  { setting: 'warm-up runs', flag: 'warmup_runs', labels: ['Min warmup runs', 'Warmup runs'], kind: 'number' },
  { setting: 'threads', flag: 'num_threads', labels: ['Num threads', '#threads used for CPU inference'], kind: 'number' },
  { setting: 'minimum run time (s)', flag: 'min_secs', labels: ['Min runs duration (seconds)'], kind: 'number' },
  { setting: 'maximum run time (s)', flag: 'max_secs', labels: ['Max runs duration (seconds)'], kind: 'number' },
  { setting: 'minimum warm-up time (s)', flag: 'warmup_min_secs', labels: ['Min warmup runs duration (seconds)'], kind: 'number' },
  { setting: 'GPU delegate', flag: 'use_gpu', labels: ['Use gpu'], kind: 'bool' },
  { setting: 'NNAPI delegate', flag: 'use_nnapi', labels: ['Use NNAPI', 'Use nnapi'], kind: 'bool' },
  { setting: 'XNNPACK delegate', flag: 'use_xnnpack', labels: ['Use xnnpack'], kind: 'bool' },
  { setting: 'NNAPI accelerator', flag: 'nnapi_accelerator_name', labels: ['NNAPI accelerator name', 'nnapi accelerator name'], kind: 'string' },
  { setting: 'external delegate', flag: 'external_delegate_path', labels: ['External delegate path'], kind: 'string' },
  { setting: 'op profiling', flag: 'enable_op_profiling', labels: ['Enable op profiling'], kind: 'bool' },
];

function same(kind: Check['kind'], a: string, b: string): boolean {
  if (kind === 'number') return Number(a) === Number(b);
  if (kind === 'bool') return asBool(a) !== null && asBool(a) === asBool(b);
  return a === b;
}

function mismatch(setting: string, asked: string, echoedValue: string, verb = 'echoes'): EchoMismatch {
  return { setting, asked, echoed: echoedValue, message: `${setting}: the command asks ${asked}, benchmark_model ${verb} ${echoedValue}` };
}

/** Phase lines and counts against --warmup_runs / --num_runs (and the time caps that may cut a phase short). */
function phaseChecks(out: BenchmarkModelOutput, flags: Map<string, string>): EchoMismatch[] {
  const problems: EchoMismatch[] = [];
  const phases: { name: string; flag: string; minSecsFlag: string; index: number }[] = [
    { name: 'warm-up runs', flag: 'warmup_runs', minSecsFlag: 'warmup_min_secs', index: 0 },
    { name: 'timed runs', flag: 'num_runs', minSecsFlag: 'min_secs', index: 1 },
  ];
  if (out.phases.length < 2) return problems;
  for (const p of phases) {
    const asked = flags.get(p.flag);
    const phase = out.phases[p.index];
    if (asked === undefined || !phase) continue;
    if (phase.minIterations !== Number(asked)) problems.push(mismatch(`${p.name} (phase line)`, asked, String(phase.minIterations)));
    const stat = phase.stat;
    const maxSecs = phase.maxSecs ?? Number(flags.get('max_secs') ?? NaN);
    if (stat && stat.count < Number(asked)) {
      // benchmark_model stops a phase at --max_secs: fewer runs than asked are right only when they filled it
      const ranUs = (stat.avgUs ?? 0) * stat.count;
      const capped = Number.isFinite(maxSecs) && ranUs >= maxSecs * 1e6 * 0.9;
      if (!capped)
        problems.push(
          mismatch(p.name, `at least ${asked}`, `${stat.count} (well inside the ${Number.isFinite(maxSecs) ? `${maxSecs} s` : 'time'} cap)`, 'ran'),
        );
    }
  }
  return problems;
}

/**
 * Every setting benchmark_model echoed (and its phase lines and run counts) against the command's flags.
 * Returns the mismatches; an empty list when everything echoed agrees.
 */
export function crossCheckBenchmarkOutput(out: BenchmarkModelOutput, argv: readonly string[]): EchoMismatch[] {
  const flags = flagsOf(argv);
  const problems: EchoMismatch[] = [];
  for (const c of CHECKS) {
    const asked = flags.get(c.flag);
    const got = echoed(out, c.labels);
    if (asked === undefined || got === undefined) continue;
    if (!same(c.kind, asked, got)) problems.push(mismatch(c.setting, asked, got));
  }
  problems.push(...phaseChecks(out, flags));
  return problems;
}

/** The one-line refusal for a session whose output contradicts its command. */
export function crossCheckMessage(targetId: string, problems: readonly EchoMismatch[]): string {
  return `${targetId}: benchmark_model did not run what was asked (${problems.map((p) => p.message).join('; ')}); the session is refused and nothing is recorded as measured`;
}

/** benchmark_model's output contradicts its command (see crossCheckBenchmarkOutput). */
export class BenchmarkCrossCheckError extends Error {
  override name = 'BenchmarkCrossCheckError';
  constructor(
    targetId: string,
    readonly problems: readonly EchoMismatch[],
  ) {
    super(crossCheckMessage(targetId, problems));
  }
}
