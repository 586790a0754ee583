/**
 * Parser for the console output of TFLite's `benchmark_model` tool, read line by line exactly as its source
 * prints it (tensorflow/tensorflow):
 *
 * - tensorflow/lite/tools/benchmark/benchmark_model.cc `BenchmarkModel::Run` prints, per phase (warm-up, then
 *   the regular runs), `Running benchmark for at least N iterations and at least S seconds but terminate if
 *   exceeding M seconds.` followed by the phase's `Stat<int64_t>::OutputToStream` line and an empty line.
 * - `Stat::OutputToStream` (tensorflow/core/util/stats_calculator.h, now xla/tsl/util/stats_calculator.h):
 *   `count=0`, or `count=N curr=X` (+ `(all same)` when N > 1), or
 *   `count=N first=F curr=C min=A max=B avg=M std=S`; `StatWithPercentiles` appends ` p5=.. median=.. p95=..`.
 *   Values are integer microseconds except avg, a double printed with the stream's default 6 significant
 *   digits (so `avg=1.23457e+06` for runs over a second); std is the population standard deviation truncated
 *   to an integer.
 * - `BenchmarkLoggingListener::OnBenchmarkEnd` prints the final line, in three generations:
 *   (TF 1.x)   `Average inference timings in us: Warmup: W, Init: I, no stats: N`  (W and N are averages)
 *   (TF 2.x)   `Inference timings in us: Init: I, First inference: F, Warmup (avg): W, Inference (avg): N`
 *   then memory: `Peak memory footprint (MB): init=a overall=b` (TF 2.2/2.3, max RSS) or
 *   `Memory footprint delta from the start of the tool (MB): init=a overall=b` (later), and with
 *   --report_peak_memory_footprint `Overall peak memory footprint (MB) via periodic monitoring: p`.
 * - tensorflow/lite/tools/logging.h prefixes INFO/WARN lines with `INFO: ` / `WARN: ` on stdout and ERROR
 *   lines with `ERROR: ` on stderr (TF 1.x printed no prefix); the runtime's own log (minimal_logging)
 *   uses `INFO: `, `WARNING: `, `ERROR: `, `VERBOSE: `.
 * - benchmark_tflite_model.cc `Init` says what each delegate took: `Explicitly applied <D> delegate, and the
 *   model graph will be completely executed by the delegate.`, `... partially executed by the delegate w/ K
 *   delegate kernels.`, `Though <D> delegate is explicitly applied, the model graph will not be executed by the
 *   delegate.`, or `Failed to apply <D> delegate.`; lite/core/subgraph.cc logs `Replacing N node(s) with
 *   delegate (<kernel>) node, yielding P partitions.` (newer builds: `Replacing N out of M node(s) ...`);
 *   delegates built on lite/delegates/utils/simple_delegate.cc log `<D> delegate: N nodes delegated out of M
 *   nodes with P partitions.`
 * - benchmark_main.cc: `STARTING!` first, `Benchmarking failed.` on any error.
 * - With --enable_op_profiling, profiling_listener.cc writes `Profiling Info for Benchmark Initialization:`
 *   and `Operator-wise Profiling Info for Regular Benchmark Runs:` followed by the stats tables; those tables
 *   end with the profiler's own `Timings (microseconds): count=...` summary, which is NOT the benchmark's
 *   timing and is never read as such here (the section is handed whole to the op-profile parser).
 *
 * Times stay in the tool's unit (microseconds) in the parsed record; `toExternalTiming` converts to ms.
 */
import type { ExternalTiming } from '../../core/measurement.js';

/** One `Stat<int64_t>` line; microseconds. */
export interface BenchmarkStat {
  count: number;
  firstUs: number | null;
  currUs: number | null;
  minUs: number | null;
  maxUs: number | null;
  avgUs: number | null;
  /** population standard deviation, truncated to an integer by the tool. */
  stdUs: number | null;
  p5Us?: number;
  medianUs?: number;
  p95Us?: number;
  /** `count=N curr=X(all same)`: every run took X. */
  allSame: boolean;
  /** the line as printed (without log prefix). */
  line: string;
}

/** What one explicitly applied delegate took of the graph (benchmark_tflite_model.cc). */
export interface DelegateApplication {
  /** the provider's name: XNNPACK, GPU, NNAPI, Hexagon, External, ... */
  delegate: string;
  outcome: 'complete' | 'partial' | 'none' | 'failed';
  /** delegate kernels (partitions) for 'partial'. */
  delegateKernels?: number;
}

/** `Replacing N [out of M] node(s) with delegate (<kernel>) node, yielding P partitions` (subgraph.cc). */
export interface NodeReplacement {
  /** delegate kernel name, e.g. TfLiteXNNPackDelegate, TfLiteGpuDelegateV2, TfLiteNnapiDelegate. */
  kernel: string;
  replaced: number;
  /** total nodes, printed only by newer builds. */
  total?: number;
  partitions: number;
}

/** `<D> delegate: N nodes delegated out of M nodes with P partitions.` (simple_delegate.cc). */
export interface DelegatedNodes {
  delegate: string;
  delegated: number;
  total: number;
  partitions: number;
}

export type SummaryFormat = 'tf1-average' | 'tf2-inference-timings' | 'litert-results';

/** The final timing line. Microseconds. */
export interface BenchmarkSummary {
  format: SummaryFormat;
  initUs: number;
  /** TF 2.x only: the first warm-up run. */
  firstInferenceUs: number | null;
  warmupAvgUs: number;
  inferenceAvgUs: number;
}

export interface BenchmarkMemory {
  /** 'delta-footprint' (TF >= 2.4), 'peak-rss' (TF 2.2/2.3: max RSS growth). */
  kind: 'delta-footprint' | 'peak-rss';
  initMb: number;
  overallMb: number;
  /** --report_peak_memory_footprint. */
  peakMb?: number;
}

export interface BenchmarkModelOutput {
  /** which generation of the tool printed this. */
  generation: 'tf1' | 'tf2' | 'litert' | 'unknown';
  tensorflowVersion?: string;
  started: boolean;
  /** `Label: [value]` parameter lines (LogParams), keyed by label, e.g. `Num threads` -> '1'. */
  params: Record<string, string>;
  graph?: string;
  modelSizeMb?: number;
  /** `Initialized session in X ms.` */
  initMs?: number;
  /** the phases in print order: [warm-up, regular] when both ran. minSecs/maxSecs: null where that build
   * printed none; fixedCount: TF <= 1.12's `Running benchmark for N iterations` (no minimum time). */
  phases: { minIterations: number; minSecs: number | null; maxSecs: number | null; fixedCount: boolean; stat: BenchmarkStat | null }[];
  warmup: BenchmarkStat | null;
  inference: BenchmarkStat | null;
  summary: BenchmarkSummary | null;
  memory: BenchmarkMemory | null;
  /** `Created TensorFlow Lite ... delegate for ...` lines, as printed. */
  delegatesCreated: string[];
  delegates: DelegateApplication[];
  replacements: NodeReplacement[];
  delegatedNodes: DelegatedNodes[];
  /** `NNAPI accelerators available: [a,b]` (or the older `(Available: a,b)`). */
  nnapiAccelerators?: string[];
  /** --enable_op_profiling text, from the first profiling header to the end (for the op-profile parser). */
  opProfileText?: string;
  errors: string[];
  warnings: string[];
  /** `Benchmarking failed.` was printed. */
  failed: boolean;
  lineCount: number;
}

/** The output does not hold a finished benchmark: the message says what is missing or what failed. */
export class BenchmarkModelOutputError extends Error {
  override name = 'BenchmarkModelOutputError';
  constructor(
    message: string,
    readonly output: BenchmarkModelOutput,
  ) {
    super(message);
  }
}

const PREFIX = /^(INFO|WARN|WARNING|ERROR|VERBOSE|FATAL|DEBUG): ?/;
/** `adb logcat` lines of the benchmark APK: `05-31 10:38:42.583 22206 22206 I tflite  : <message>`. */
const LOGCAT = /^\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+ ([VDIWEF]) (\S+)\s*: ?/;
const LOGCAT_LEVEL: Record<string, string> = { V: 'VERBOSE', D: 'DEBUG', I: 'INFO', W: 'WARN', E: 'ERROR', F: 'FATAL' };
/** LiteRT's tools put the source location after the level: `INFO: [litert/tools/x.cc:137] <message>`. */
const SOURCE_LOC = /^\[[^\]\s]+:\d+\] ?/;

/** The level and the message of one printed line (log prefixes of the TF tool, logcat and LiteRT removed). */
function splitLine(raw: string): { prefix: string | undefined; line: string } {
  const lc = LOGCAT.exec(raw);
  if (lc) {
    // only the benchmark's own tags are its output; other processes' lines are noise
    if (!/^tflite/.test(lc[2] ?? '')) return { prefix: undefined, line: '' };
    return { prefix: LOGCAT_LEVEL[lc[1] ?? ''], line: raw.slice(lc[0].length).replace(SOURCE_LOC, '').trim() };
  }
  const prefix = PREFIX.exec(raw)?.[1];
  return { prefix, line: raw.replace(PREFIX, '').replace(SOURCE_LOC, '').trim() };
}
/** a C++ ostream number: integer, fixed or scientific, or nan/inf. */
const NUM = String.raw`(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|-?nan|-?inf)`;
const INT = String.raw`(-?\d+)`;

const RE = {
  // TF >= 2.x: `for at least N iterations and at least S seconds but terminate if exceeding M seconds.`;
  // TF 1.13/1.14: `for at least N iterations and at least S seconds` (no cap, no full stop);
  // TF <= 1.12: `for N iterations` (a fixed count).
  running: /^Running benchmark for (at least )?(\d+) iterations(?: and at least (\S+) seconds)?(?: but terminate if exceeding (\S+) seconds)?\.?\s*$/,
  statFull: new RegExp(
    `^(?:Timings \\(microseconds\\): )?count=${INT} first=${INT} curr=${INT} min=${INT} max=${INT} avg=${NUM} std=${INT}(?: p5=${INT} median=${INT} p95=${INT})?\\s*$`,
  ),
  statSame: new RegExp(`^count=${INT} curr=${INT}(\\(all same\\))?(?: p5=${INT} median=${INT} p95=${INT})?\\s*$`),
  statEmpty: /^count=0\s*$/,
  summaryTf2: new RegExp(
    `^Inference timings in us: Init: ${INT}, First inference: ${INT}, Warmup \\(avg\\): ${NUM}, Inference \\(avg\\): ${NUM}\\s*$`,
  ),
  summaryTf1: new RegExp(`^Average inference timings in us: Warmup: ${NUM}, Init: ${INT}, (?:no stats|Inference): ${NUM}\\s*$`),
  memDelta: new RegExp(`^Memory footprint delta from the start of the tool \\(MB\\): init=${NUM} overall=${NUM}\\s*$`),
  memPeakRss: new RegExp(`^Peak memory footprint \\(MB\\): init=${NUM} overall=${NUM}\\s*$`),
  memPeakMonitor: new RegExp(`^Overall peak memory footprint \\(MB\\) via periodic monitoring: ${NUM}\\s*$`),
  modelSize: new RegExp(`^The input model file size \\(MB\\): ${NUM}\\s*$`),
  initSession: new RegExp(`^Initialized session in ${NUM}\\s*ms\\.?\\s*$`),
  param: /^([^:[\]]+?): \[(.*)\]\s*$/,
  graph: /^Graph: \[(.*)\]\s*$/,
  tfVersion: /^Tensorflow Version\s*:\s*(\S+)\s*$/,
  complete: /^Explicitly applied (.+?) delegate, and the model graph will be completely executed by the delegate\.?\s*$/,
  partial: /^Explicitly applied (.+?) delegate, and the model graph will be partially executed by the delegate w\/ (\d+) delegate kernels\.?\s*$/,
  none: /^Though (.+?) delegate is explicitly applied, the model graph will not be executed by the delegate\.?\s*$/,
  applyFailed: /^Failed to apply (.+?) delegate\.?\s*$/,
  replacing: /^Replacing (\d+)(?: out of (\d+))? node\(s\) with delegate \(([^)]*)\) node, yielding (\d+) partitions\b/,
  delegatedNodes: /^(.+?) delegate: (\d+) nodes delegated out of (\d+) nodes(?: with (\d+) partitions)?\.?\s*$/,
  created: /^Created TensorFlow Lite .*delegate for .+$/,
  accelerators: /^NNAPI accelerators available: \[(.*)\]\s*$/,
  acceleratorsOld: /^nnapi accelerator name: \[(.*)\] \(Available: (.*)\)\s*$/,
  profilingHeader: /^(Profiling Info for Benchmark Initialization:|Operator-wise Profiling Info for Regular Benchmark Runs:)/,
  failed: /^Benchmarking failed\.?\s*$/,
  // LiteRT's benchmark_model (litert/tools/benchmark_litert_model.h) ends with a `BENCHMARK RESULTS` block
  litertInit: new RegExp(`^Model initialization:\\s+${NUM} ms\\s*$`),
  litertFirst: new RegExp(`^Warmup \\(first\\):\\s+${NUM} ms\\s*$`),
  litertInference: new RegExp(`^Inference \\(avg\\):\\s+${NUM} ms \\((\\d+) runs\\)\\s*$`),
};

const num = (s: string | undefined): number => (s === undefined ? NaN : Number(s.replace(/^(-?)inf$/, '$1Infinity')));

function parseStat(line: string): BenchmarkStat | null {
  let m = RE.statFull.exec(line);
  if (m) {
    const stat: BenchmarkStat = {
      count: num(m[1]),
      firstUs: num(m[2]),
      currUs: num(m[3]),
      minUs: num(m[4]),
      maxUs: num(m[5]),
      avgUs: num(m[6]),
      stdUs: num(m[7]),
      allSame: false,
      line,
    };
    if (m[8] !== undefined) Object.assign(stat, { p5Us: num(m[8]), medianUs: num(m[9]), p95Us: num(m[10]) });
    return stat;
  }
  m = RE.statSame.exec(line);
  if (m) {
    // every run took `curr` (or there was one run): first = min = max = avg = curr, std = 0.
    const v = num(m[2]);
    const stat: BenchmarkStat = {
      count: num(m[1]),
      firstUs: v,
      currUs: v,
      minUs: v,
      maxUs: v,
      avgUs: v,
      stdUs: 0,
      allSame: m[3] !== undefined,
      line,
    };
    if (m[4] !== undefined) Object.assign(stat, { p5Us: num(m[4]), medianUs: num(m[5]), p95Us: num(m[6]) });
    return stat;
  }
  if (RE.statEmpty.test(line))
    return { count: 0, firstUs: null, currUs: null, minUs: null, maxUs: null, avgUs: null, stdUs: null, allSame: false, line };
  return null;
}

/**
 * Parses benchmark_model output (stdout and stderr together, in any order of the two). Never throws.
 * Long on purpose: one pass over the lines, one short pattern per line benchmark_model prints (TF 1.x, 2.x, LiteRT).
 */
export function parseBenchmarkModelOutput(text: string): BenchmarkModelOutput {
  const lines = text.split(/\r?\n/);
  const out: BenchmarkModelOutput = {
    generation: 'unknown',
    started: false,
    params: {},
    phases: [],
    warmup: null,
    inference: null,
    summary: null,
    memory: null,
    delegatesCreated: [],
    delegates: [],
    replacements: [],
    delegatedNodes: [],
    errors: [],
    warnings: [],
    failed: false,
    lineCount: lines.length,
  };
  // a phase waits for its Stat line (the first stat-shaped line after `Running benchmark ...`).
  let awaitingStat = false;
  const litert: { initMs?: number; firstMs?: number; inferenceRuns?: number } = {};
  for (let i = 0; i < lines.length; i++) {
    const { prefix, line } = splitLine(lines[i] ?? '');
    if (line === '') continue;
    if (RE.profilingHeader.test(line)) {
      // the rest is the op-profiling section (tables + the profiler's own summaries).
      out.opProfileText = lines.slice(i).join('\n');
      break;
    }
    if (prefix === 'ERROR' || prefix === 'FATAL') out.errors.push(line);
    else if (prefix === 'WARN' || prefix === 'WARNING') out.warnings.push(line);

    let m: RegExpExecArray | null;
    if (line === 'STARTING!') {
      out.started = true;
    } else if ((m = RE.running.exec(line))) {
      out.phases.push({
        minIterations: num(m[2]),
        minSecs: m[3] === undefined ? null : num(m[3]),
        maxSecs: m[4] === undefined ? null : num(m[4]),
        fixedCount: m[1] === undefined,
        stat: null,
      });
      awaitingStat = true;
    } else if (awaitingStat && parseStat(line)) {
      const phase = out.phases[out.phases.length - 1];
      if (phase) phase.stat = parseStat(line);
      awaitingStat = false;
    } else if ((m = RE.summaryTf2.exec(line))) {
      out.generation = 'tf2';
      out.summary = {
        format: 'tf2-inference-timings',
        initUs: num(m[1]),
        firstInferenceUs: num(m[2]),
        warmupAvgUs: num(m[3]),
        inferenceAvgUs: num(m[4]),
      };
    } else if ((m = RE.summaryTf1.exec(line))) {
      out.generation = 'tf1';
      out.summary = { format: 'tf1-average', warmupAvgUs: num(m[1]), initUs: num(m[2]), firstInferenceUs: null, inferenceAvgUs: num(m[3]) };
    } else if ((m = RE.memDelta.exec(line))) {
      out.memory = { ...out.memory, kind: 'delta-footprint', initMb: num(m[1]), overallMb: num(m[2]) };
    } else if ((m = RE.memPeakRss.exec(line))) {
      out.memory = { ...out.memory, kind: 'peak-rss', initMb: num(m[1]), overallMb: num(m[2]) };
    } else if ((m = RE.memPeakMonitor.exec(line))) {
      if (out.memory) out.memory.peakMb = num(m[1]);
    } else if ((m = RE.modelSize.exec(line))) {
      out.modelSizeMb = num(m[1]);
    } else if ((m = RE.initSession.exec(line))) {
      out.initMs = num(m[1]);
    } else if ((m = RE.tfVersion.exec(line))) {
      out.tensorflowVersion = m[1];
    } else if ((m = RE.complete.exec(line))) {
      out.delegates.push({ delegate: m[1] ?? '', outcome: 'complete' });
    } else if ((m = RE.partial.exec(line))) {
      out.delegates.push({ delegate: m[1] ?? '', outcome: 'partial', delegateKernels: num(m[2]) });
    } else if ((m = RE.none.exec(line))) {
      out.delegates.push({ delegate: m[1] ?? '', outcome: 'none' });
    } else if ((m = RE.applyFailed.exec(line))) {
      out.delegates.push({ delegate: m[1] ?? '', outcome: 'failed' });
    } else if ((m = RE.replacing.exec(line))) {
      const r: NodeReplacement = { replaced: num(m[1]), kernel: m[3] ?? '', partitions: num(m[4]) };
      if (m[2] !== undefined) r.total = num(m[2]);
      out.replacements.push(r);
    } else if ((m = RE.delegatedNodes.exec(line))) {
      out.delegatedNodes.push({ delegate: m[1] ?? '', delegated: num(m[2]), total: num(m[3]), partitions: m[4] === undefined ? 1 : num(m[4]) });
    } else if (RE.created.test(line)) {
      out.delegatesCreated.push(line);
    } else if ((m = RE.accelerators.exec(line))) {
      out.nnapiAccelerators = (m[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else if ((m = RE.acceleratorsOld.exec(line))) {
      out.params['nnapi accelerator name'] = m[1] ?? '';
      out.nnapiAccelerators = (m[2] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (RE.failed.test(line)) {
      out.failed = true;
    } else if ((m = RE.litertInit.exec(line))) {
      litert.initMs = num(m[1]);
    } else if ((m = RE.litertFirst.exec(line))) {
      litert.firstMs = num(m[1]);
    } else if ((m = RE.litertInference.exec(line))) {
      litert.inferenceRuns = num(m[2]);
    } else if ((m = RE.graph.exec(line))) {
      out.graph = m[1];
      out.params.Graph = m[1] ?? '';
    } else if ((m = RE.param.exec(line))) {
      out.params[(m[1] ?? '').trim()] = m[2] ?? '';
    }
  }
  if (out.generation === 'unknown' && out.phases.length > 0) {
    // no final line: tell the generations apart by what only TF 2.x prints (the `INFO: ` prefix of the
    // phase line, or the model-size line, which TF 1.x builds never printed)
    out.generation = lines.some((l) => l.startsWith('INFO: Running benchmark')) || out.modelSizeMb !== undefined ? 'tf2' : 'tf1';
  }
  out.warmup = out.phases.length >= 2 ? (out.phases[0]?.stat ?? null) : null;
  out.inference = out.phases.length >= 2 ? (out.phases[1]?.stat ?? null) : null;
  if (!out.summary && litert.inferenceRuns !== undefined && out.inference?.avgUs != null && out.warmup?.avgUs != null) {
    // LiteRT prints its results in ms with 2 decimals: the phases' own Stat lines (µs) are the precise figures
    out.generation = 'litert';
    out.summary = {
      format: 'litert-results',
      initUs: out.initMs !== undefined ? Math.round(out.initMs * 1000) : Math.round((litert.initMs ?? NaN) * 1000),
      firstInferenceUs: out.warmup.firstUs,
      warmupAvgUs: out.warmup.avgUs,
      inferenceAvgUs: out.inference.avgUs,
    };
  }
  return out;
}

/** The last non-empty line, shortened, for error messages. */
function lastLine(text: string): string {
  const l =
    text
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean)
      .pop() ?? '(no output)';
  return l.length > 160 ? `${l.slice(0, 157)}...` : l;
}

/**
 * Checks that `out` holds a finished benchmark (both phases' stats and the final line) and returns it;
 * otherwise throws BenchmarkModelOutputError saying what failed: the tool's own ERROR lines first, then
 * what is missing (truncated output).
 */
export function requireCompleteRun(
  out: BenchmarkModelOutput,
  text: string,
  exitCode: number | null = null,
): BenchmarkModelOutput & { inference: BenchmarkStat; summary: BenchmarkSummary } {
  const failedDelegate = out.delegates.find((d) => d.outcome === 'failed');
  // ERROR lines with a finished run (e.g. a recoverable NNAPI warning logged as error) stay in `errors`;
  // ERROR lines without one, a failed delegate or `Benchmarking failed.` make the run a failure.
  if (out.failed || failedDelegate || (out.errors.length > 0 && !out.summary)) {
    const why = failedDelegate ? `failed to apply the ${failedDelegate.delegate} delegate` : 'it reported errors';
    const detail = out.errors
      .filter((e) => !RE.failed.test(e) && !RE.applyFailed.test(e))
      .slice(0, 3)
      .join(' | ');
    throw new BenchmarkModelOutputError(
      `benchmark_model failed: ${why}${detail ? ` (${detail})` : ''}${exitCode ? ` [exit code ${exitCode}]` : ''}`,
      out,
    );
  }
  if (!out.started && out.phases.length === 0 && !out.summary) {
    throw new BenchmarkModelOutputError(
      `benchmark_model printed nothing it would print when it runs${exitCode !== null ? ` (exit code ${exitCode})` : ''}; last line: ${lastLine(text)}`,
      out,
    );
  }
  const inference = out.inference;
  if (!inference || inference.count === 0 || inference.avgUs === null) {
    const phase = out.phases.length === 0 ? 'before the warm-up' : out.phases.length === 1 ? 'during the warm-up' : 'during the timed runs';
    throw new BenchmarkModelOutputError(
      `benchmark_model output is truncated: it ends ${phase} (${out.lineCount} lines; last line: ${lastLine(text)})`,
      out,
    );
  }
  if (!out.summary) {
    throw new BenchmarkModelOutputError(
      `benchmark_model output is truncated: the timed runs finished but the final 'Inference timings in us' line is missing (last line: ${lastLine(text)})`,
      out,
    );
  }
  return out as BenchmarkModelOutput & { inference: BenchmarkStat; summary: BenchmarkSummary };
}

const ms = (us: number): number => us / 1000;

/** Converts a complete run (see requireCompleteRun) into an external-timing record, in ms. */
export function toExternalTiming(
  out: BenchmarkModelOutput & { inference: BenchmarkStat; summary: BenchmarkSummary },
  command?: string[],
): ExternalTiming {
  const s = out.inference;
  const summary: ExternalTiming['summary'] = {
    count: s.count,
    minMs: ms(s.minUs ?? NaN),
    maxMs: ms(s.maxUs ?? NaN),
    meanMs: ms(s.avgUs ?? NaN),
    stdMs: ms(s.stdUs ?? NaN),
  };
  if (s.firstUs !== null) summary.firstMs = ms(s.firstUs);
  if (s.medianUs !== undefined) summary.medianMs = ms(s.medianUs);
  if (s.p5Us !== undefined) summary.p5Ms = ms(s.p5Us);
  if (s.p95Us !== undefined) summary.p95Ms = ms(s.p95Us);
  const rec: ExternalTiming = { tool: 'tflite-benchmark_model', summary, initMs: ms(out.summary.initUs) };
  if (out.tensorflowVersion) rec.toolVersion = out.tensorflowVersion;
  if (command) rec.command = command;
  if (out.warmup && out.warmup.count > 0 && out.warmup.avgUs !== null) rec.warmup = { count: out.warmup.count, meanMs: ms(out.warmup.avgUs) };
  if (out.memory) {
    // the two generations measure different things: the growth of the footprint, or of the max RSS
    rec.memory =
      out.memory.kind === 'delta-footprint'
        ? { initFootprintDeltaMb: out.memory.initMb, overallFootprintDeltaMb: out.memory.overallMb }
        : { initMaxRssDeltaMb: out.memory.initMb, overallMaxRssDeltaMb: out.memory.overallMb };
    if (out.memory.peakMb !== undefined) rec.memory.peakFootprintMb = out.memory.peakMb;
  }
  return rec;
}

/** What a run tells about delegation, to tell a full accelerator run from a silent or partial CPU fallback. */
export interface DelegationEvidence {
  /** the delegate the command asked for (XNNPACK, GPU, NNAPI, External, Hexagon). */
  requested: string;
  /** 'full': the whole graph ran in the delegate; 'partial': some nodes stayed on the CPU; 'none': the
   * delegate took nothing (silent CPU fallback); 'unknown': the output says nothing about it. */
  state: 'full' | 'partial' | 'none' | 'unknown';
  /** share of the graph's nodes the delegate took (0..1) when the output gives counts; null otherwise. */
  nodeShare: number | null;
  delegatedNodes: number | null;
  totalNodes: number | null;
  /** the lines it is based on. */
  evidence: string[];
}

/** delegate kernel names that belong to each provider name. */
const KERNEL_OF: Record<string, RegExp> = {
  XNNPACK: /xnnpack/i,
  GPU: /gpu/i,
  NNAPI: /nnapi/i,
  Hexagon: /hexagon/i,
};

/** Reads the delegation lines of `out` for `requested` (a provider name as benchmark_model prints it). */
export function delegationEvidence(out: BenchmarkModelOutput, requested: string): DelegationEvidence {
  const key = requested.toLowerCase();
  const app = [...out.delegates].reverse().find((d) => d.delegate.toLowerCase() === key);
  const kernelRe = KERNEL_OF[requested];
  const repl = out.replacements.filter((r) => (kernelRe ? kernelRe.test(r.kernel) : true));
  const simple = out.delegatedNodes.filter((d) => d.delegate.toLowerCase().includes(key));
  const evidence: string[] = [];
  let delegated: number | null = null;
  let total: number | null = null;
  if (simple.length > 0) {
    const d = simple[simple.length - 1]!;
    delegated = d.delegated;
    total = d.total;
    evidence.push(`${d.delegate} delegate: ${d.delegated} nodes delegated out of ${d.total}`);
  } else if (repl.length > 0) {
    const r = repl[repl.length - 1]!;
    delegated = r.replaced;
    total = r.total ?? null;
    evidence.push(
      `replacing ${r.replaced}${r.total !== undefined ? ` out of ${r.total}` : ''} node(s) with ${r.kernel}, ${r.partitions} partition(s)`,
    );
  }
  let state: DelegationEvidence['state'] = 'unknown';
  if (app) {
    evidence.unshift(
      `${app.delegate} delegate: ${app.outcome}${app.delegateKernels !== undefined ? ` (${app.delegateKernels} delegate kernels)` : ''}`,
    );
    state = app.outcome === 'complete' ? 'full' : app.outcome === 'partial' ? 'partial' : 'none';
  } else if (delegated !== null) {
    state = delegated === 0 ? 'none' : total !== null && delegated < total ? 'partial' : total !== null ? 'full' : 'unknown';
  }
  if (state === 'none' && delegated === null) delegated = 0;
  const nodeShare = delegated !== null && total !== null && total > 0 ? delegated / total : state === 'full' ? 1 : state === 'none' ? 0 : null;
  return { requested, state, nodeShare, delegatedNodes: delegated, totalNodes: total, evidence };
}
