/**
 * The `benchmark_model` of the test adb server (tests/helpers/adb-server.ts): it runs the .tflite file it is
 * given on THIS host with a real TFLite interpreter, LiteRT.js (@litertjs/core, TFLite's runtime compiled to
 * WebAssembly, CPU kernels through XNNPACK; src/models/export/tflite/litert-node.ts loads it headless in Node),
 * times every invocation with performance.now(), and prints what TF 2.x's benchmark_model prints
 * (benchmark_model.cc, benchmark_tflite_model.cc, stats_calculator.h; verbose parameter log), with those
 * timings. Why LiteRT.js: it is the only TFLite interpreter that runs headless in Node here (tfjs-tflite
 * needs a browser page; no native TFLite or benchmark_model comes from Debian; runtimes.md).
 *
 * What it honours: --graph, --num_runs, --warmup_runs, --min_secs, --warmup_min_secs, --max_secs (the phase
 * rules of BenchmarkModel::Run), --num_threads (passed to LiteRT's CPU options; the Node build of LiteRT.js is
 * single-threaded, so the work itself runs on one thread whatever is asked), --use_xnnpack / --use_gpu /
 * --use_nnapi / --nnapi_accelerator_name / --external_delegate_path (no GPU or NPU exists here: the phone's
 * `delegates` script says what each delegate takes, and the graph is executed by LiteRT.js's CPU kernels
 * whatever it says), --enable_op_profiling (the op profile is what TFLite prints when one delegate partition
 * takes the whole graph: one node per partition, timed per invocation).
 *
 * Scriptable faults (the phone's `faults`): an echoed graph other than the one given, run counts ignored,
 * a delegate that takes no node, and printing nothing.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readTflite } from '../../src/models/export/tflite.js';
import { loadLiteRtNode } from '../../src/models/export/tflite/litert-node.js';

/** What a delegate takes of the graph on the stand-in phone. */
export type DelegateTake = 'all' | 'none';

export interface BenchmarkFaults {
  /** echo this graph path instead of the one given. */
  echoGraph?: string;
  /** run this many timed runs (and 1 warm-up) whatever --num_runs / --warmup_runs say, and echo 1 / 1. */
  ignoreRunCounts?: number;
  /** every delegate asked for takes no node. */
  delegateTakesNothing?: boolean;
  /** print nothing at all (exit 0). */
  silent?: boolean;
}

export interface BenchmarkContext {
  /** bytes of a file on the phone, or undefined. */
  readFile(path: string): Buffer | undefined;
  delegates: { GPU?: DelegateTake; NNAPI?: DelegateTake; XNNPACK?: DelegateTake };
  nnapiAccelerators: string[];
  faults: BenchmarkFaults;
  /** called with each line as it is printed (the server streams it to adb). */
  print(line: string): void;
}

const KERNEL: Record<string, string> = { XNNPACK: 'TfLiteXNNPackDelegate', GPU: 'TfLiteGpuDelegateV2', NNAPI: 'TfLiteNnapiDelegate' };

function flags(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of argv) {
    const x = /^--([a-z0-9_]+)=(.*)$/.exec(a);
    if (x) m.set(x[1] as string, x[2] as string);
  }
  return m;
}
const isTrue = (v: string | undefined): boolean => v !== undefined && /^(1|true)$/i.test(v);

/** `Stat<int64_t>::OutputToStream` + percentiles, from per-run microseconds. */
export function statLine(us: number[]): string {
  if (us.length === 0) return 'count=0';
  const ints = us.map((v) => Math.round(v));
  const sorted = [...ints].sort((a, b) => a - b);
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
  const tail = ` p5=${pct(5)} median=${pct(50)} p95=${pct(95)}`;
  const last = ints[ints.length - 1] as number;
  if (ints.length === 1 || sorted[0] === sorted[sorted.length - 1])
    return `count=${ints.length} curr=${last}${ints.length > 1 ? '(all same)' : ''}${tail}`;
  const avg = ints.reduce((a, b) => a + b, 0) / ints.length;
  const std = Math.trunc(Math.sqrt(ints.reduce((a, b) => a + (b - avg) ** 2, 0) / ints.length));
  return `count=${ints.length} first=${ints[0]} curr=${last} min=${sorted[0]} max=${sorted[sorted.length - 1]} avg=${cpp6(avg)} std=${std}${tail}`;
}

/** A double as a C++ ostream prints it by default (6 significant digits). */
export function cpp6(v: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -5 || exp >= 6) {
    const [m, e] = v.toExponential(5).split('e') as [string, string];
    const mant = m.replace(/\.?0+$/, '');
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(6)));
}

interface Phase {
  minRuns: number;
  minSecs: number;
  maxSecs: number;
}

/** BenchmarkModel::Run's loop: at least minRuns AND at least minSecs, stopped at maxSecs. */
async function runPhase(invoke: () => Promise<void>, p: Phase): Promise<number[]> {
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const elapsed = (performance.now() - start) / 1000;
    if (times.length >= p.minRuns && elapsed >= p.minSecs) break;
    if (elapsed > p.maxSecs) break;
    const t0 = performance.now();
    await invoke();
    times.push((performance.now() - t0) * 1000);
  }
  return times;
}

/** Runs one benchmark_model invocation; returns its exit status (output goes through ctx.print). */
export async function standInBenchmarkModel(argv: readonly string[], ctx: BenchmarkContext): Promise<number> {
  if (ctx.faults.silent) return 0;
  const f = flags(argv);
  const out = (l: string): void => ctx.print(`INFO: ${l}`);
  const graph = f.get('graph') ?? '';
  const ignore = ctx.faults.ignoreRunCounts;
  const phases: [Phase, Phase] = [
    {
      minRuns: ignore !== undefined ? 1 : Number(f.get('warmup_runs') ?? 1),
      minSecs: ignore !== undefined ? 0 : Number(f.get('warmup_min_secs') ?? 0.5),
      maxSecs: Number(f.get('max_secs') ?? 150),
    },
    {
      minRuns: ignore ?? Number(f.get('num_runs') ?? 50),
      minSecs: ignore !== undefined ? 0 : Number(f.get('min_secs') ?? 1),
      maxSecs: Number(f.get('max_secs') ?? 150),
    },
  ];
  const threads = Number(f.get('num_threads') ?? 1);
  const asked: string[] = [];
  if (isTrue(f.get('use_gpu'))) asked.push('GPU');
  if (isTrue(f.get('use_nnapi'))) asked.push('NNAPI');
  if (isTrue(f.get('use_xnnpack')) || asked.length === 0) asked.unshift('XNNPACK');
  out('STARTING!');
  out('Log parameter values verbosely: [1]');
  out(`Min num runs: [${ignore !== undefined ? 1 : phases[1].minRuns}]`);
  out(`Min runs duration (seconds): [${phases[1].minSecs}]`);
  out(`Max runs duration (seconds): [${phases[1].maxSecs}]`);
  out(`Num threads: [${threads}]`);
  out(`Min warmup runs: [${phases[0].minRuns}]`);
  out(`Min warmup runs duration (seconds): [${phases[0].minSecs}]`);
  out(`Graph: [${ctx.faults.echoGraph ?? graph}]`);
  out(`Enable op profiling: [${isTrue(f.get('enable_op_profiling')) ? 1 : 0}]`);
  out(`#threads used for CPU inference: [${threads}]`);
  if (f.has('use_gpu')) out(`Use gpu: [${isTrue(f.get('use_gpu')) ? 1 : 0}]`);
  if (f.has('use_nnapi')) {
    out(`Use NNAPI: [${isTrue(f.get('use_nnapi')) ? 1 : 0}]`);
    if (f.has('nnapi_accelerator_name')) out(`NNAPI accelerator name: [${f.get('nnapi_accelerator_name')}]`);
    out(`NNAPI accelerators available: [${ctx.nnapiAccelerators.join(',')}]`);
  }
  if (f.has('use_xnnpack')) out(`Use xnnpack: [${isTrue(f.get('use_xnnpack')) ? 1 : 0}]`);
  const bytes = ctx.readFile(graph);
  if (!bytes) {
    ctx.print(`ERROR: Could not open '${graph}'.`);
    ctx.print('ERROR: Benchmarking failed.');
    return 1;
  }
  out(`Loaded model ${graph}`);
  return runModel(new Uint8Array(bytes), graph, phases, asked, f, ctx, out);
}

async function runModel(
  bytes: Uint8Array,
  graph: string,
  phases: [Phase, Phase],
  asked: string[],
  f: Map<string, string>,
  ctx: BenchmarkContext,
  out: (l: string) => void,
): Promise<number> {
  const summary = readTflite(bytes);
  const nodes = Object.values(summary.opCounts).reduce((a, b) => a + b, 0);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const lrt = await loadLiteRtNode();
  const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: Number(f.get('num_threads') ?? 1) } });
  let details: ReturnType<typeof model.getInputDetails>;
  try {
    details = model.getInputDetails();
  } catch (e) {
    // LiteRT.js's JS API feeds float32, int32 and uint8 tensors only: an int8-I/O model cannot run here
    model.delete();
    ctx.print(`ERROR: the stand-in's interpreter (LiteRT.js) cannot run ${graph}: ${(e as Error).message}`);
    ctx.print('ERROR: Benchmarking failed.');
    return 1;
  }
  try {
    const inputs = details.map((d) => {
      const shape = Array.from(d.shape);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = Math.sin(i * 12.9898) * 0.5; // benchmark_model feeds random inputs
      return new lrt.Tensor(data, shape);
    });
    // the delegate that ends up with the graph (the last one asked that takes it), as benchmark_tflite_model.cc applies them in order
    let owner: string | null = null;
    for (const d of asked) {
      const take = ctx.faults.delegateTakesNothing ? 'none' : (ctx.delegates[d as keyof BenchmarkContext['delegates']] ?? 'all');
      out(`Created TensorFlow Lite ${d === 'XNNPACK' ? 'XNNPACK delegate for CPU' : `delegate for ${d}`}.`);
      if (take === 'all') {
        ctx.print(
          `VERBOSE: Replacing ${nodes} out of ${nodes} node(s) with delegate (${KERNEL[d]}) node, yielding 1 partitions for the whole graph.`,
        );
        if (d !== 'XNNPACK' || asked.length === 1)
          out(`Explicitly applied ${d} delegate, and the model graph will be completely executed by the delegate.`);
        owner = d;
      } else {
        out(`Though ${d} delegate is explicitly applied, the model graph will not be executed by the delegate.`);
      }
    }
    out(`The input model file size (MB): ${cpp6(bytes.length / 1e6)}`);
    const initUs = (performance.now() - t0) * 1000;
    out(`Initialized session in ${cpp6(initUs / 1000)}ms.`);
    const rssInit = process.memoryUsage().rss;
    const invoke = async (): Promise<void> => {
      for (const t of await model.run(inputs)) t.delete();
    };
    const stats: number[][] = [];
    for (const p of phases) {
      out(
        `Running benchmark for at least ${p.minRuns} iterations and at least ${p.minSecs} seconds but terminate if exceeding ${p.maxSecs} seconds.`,
      );
      const times = await runPhase(invoke, p);
      stats.push(times);
      out(statLine(times));
      ctx.print('');
    }
    const [w, r] = stats as [number[], number[]];
    // the final line repeats the phases' Stat averages (of integer microseconds)
    const mean = (a: number[]): number => a.reduce((x, y) => x + Math.round(y), 0) / a.length;
    out(
      `Inference timings in us: Init: ${Math.round(initUs)}, First inference: ${Math.round(w[0] ?? 0)}, Warmup (avg): ${cpp6(mean(w))}, Inference (avg): ${cpp6(mean(r))}`,
    );
    out(
      'Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.',
    );
    const mb = (b: number): string => cpp6(Math.max(0, b) / 1048576);
    out(`Memory footprint delta from the start of the tool (MB): init=${mb(rssInit - rss0)} overall=${mb(process.memoryUsage().rss - rss0)}`);
    if (isTrue(f.get('enable_op_profiling'))) printProfile(r, owner, nodes, ctx);
    for (const t of inputs) t.delete();
    return 0;
  } finally {
    model.delete();
  }
}

/** The op profile of a graph taken whole by one delegate partition (or, without one, one node per op kind). */
function printProfile(runs: number[], owner: string | null, nodes: number, ctx: BenchmarkContext): void {
  const avgMs = runs.reduce((a, b) => a + b, 0) / runs.length / 1000;
  const firstMs = (runs[0] ?? 0) / 1000;
  const row = (type: string, name: string): string =>
    `\t${type.padStart(40)}\t${firstMs.toFixed(3).padStart(9)}\t${avgMs.toFixed(3).padStart(9)}\t${'100.000%'.padStart(8)}\t${'100.000%'.padStart(8)}\t${'0.000'.padStart(10)}\t${'1'.padStart(9)}\t${name}`;
  const header = `\t${'[node type]'.padStart(40)}\t${'[first]'.padStart(9)}\t${'[avg ms]'.padStart(9)}\t${'[%]'.padStart(8)}\t${'[cdf%]'.padStart(8)}\t${'[mem KB]'.padStart(10)}\t[times called]\t[Name]`;
  const type = owner ? (KERNEL[owner] as string) : 'Subgraph';
  const name = owner ? `[${type}]:${nodes}` : '[whole graph]:0';
  ctx.print('INFO: Operator-wise Profiling Info for Regular Benchmark Runs:');
  ctx.print('============================== Run Order ==============================');
  ctx.print(header);
  ctx.print(row(type, name));
  ctx.print('');
  ctx.print('Number of nodes executed: 1');
  ctx.print(`Timings (microseconds): ${statLine(runs).replace(/ p5=.*$/, '')}`);
  ctx.print('Memory (bytes): count=0');
  ctx.print('1 nodes observed');
}

/** Reads a local .tflite (for tests that want the op count the stand-in will report). */
export function opCountOf(path: string): number {
  return Object.values(readTflite(new Uint8Array(readFileSync(path))).opCounts).reduce((a, b) => a + b, 0);
}
