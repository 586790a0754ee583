/**
 * The per-run noise floor: a fixed reference workload timed at the start and at the end of every run, so a
 * later comparison knows how fast and how steady the host was, and whether it changed during the run.
 *
 * The reference is pure JavaScript (no runtime, no model file), so it means the same on every host and in
 * every version of the runtimes: C = A x B for 48 x 48 float64 matrices, with B's input changed a little
 * after every call so the JIT cannot drop the work. Each timing runs in a fresh worker thread (its own V8
 * isolate) on a fixed schedule: warm-up, then samples for a fixed time. Timed in the run's own process, the
 * kernel's speed depended on what the JIT had seen before (which closures, which call sites): the second and
 * later timings of one process were 1.5-3x slower than the first on a steady host, which read as host drift.
 * A fresh isolate starts from the same state at both ends. `driftRel` = (end median - start median) / start
 * median; host load (other processes, hypervisor steal) is read from /proc/stat over the whole run, with this
 * process's descendants (Chromium of the browser targets) counted as the run's own work.
 */
import { Worker } from 'node:worker_threads';
import { computeStats } from '../profiles/stats.js';
import { processTreeCpuMs, startLoadProbe } from '../core/host-load.js';
import type { NoiseFloor, ReferenceTiming } from '../core/noise-floor.js';

/** Name of the reference workload (recorded; change it when the kernel or the way it is timed changes). */
export const REFERENCE_WORKLOAD = 'js-matmul-48-f64-worker';

/** The reference's fixed schedule (about 1.1 s per end, worker start included). */
export const REFERENCE_SCHEDULE = { warmupMs: 300, sampleMs: 700, minSamples: 30, maxSamples: 100_000 } as const;

/** The relative half-width of the CI of the median below which a timing counts as converged. */
const REFERENCE_TARGET = 0.01;

/** A reference run: returns the timing (the engine calls it at both ends; tests pass a fake). */
export type ReferenceRunner = (signal: AbortSignal) => Promise<ReferenceTiming>;

/** What the worker sends back. */
interface WorkerReply {
  samplesMs: number[];
  sink: number;
  aborted: boolean;
}

/**
 * The worker's whole program. Self-contained (it is sent as source text: no imports, no outer names): the
 * kernel, warm-up for `warmupMs`, then one sample per call for `sampleMs` (at least `minSamples`), stopping
 * early (after one sample at least) when the main thread sets the shared abort flag.
 */
function referenceWorkerMain(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const o = workerData as { warmupMs: number; sampleMs: number; minSamples: number; maxSamples: number; abort: SharedArrayBuffer };
  const flag = new Int32Array(o.abort);
  const n = 48;
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * n);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    a[i] = ((i * 7) % 13) / 13;
    b[i] = ((i * 5) % 11) / 11;
  }
  let k = 0;
  const call = (): number => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += a[i * n + p]! * b[p * n + j]!;
        c[i * n + j] = s;
      }
    }
    b[k++ % (n * n)]! += 1e-9;
    return c[(k * 31) % (n * n)]!;
  };
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < o.warmupMs && Atomics.load(flag, 0) === 0) sink += call();
  const samplesMs: number[] = [];
  const t1 = performance.now();
  // at least one sample, even when interrupted: the timing is then marked aborted
  while (
    samplesMs.length === 0 ||
    ((performance.now() - t1 < o.sampleMs || samplesMs.length < o.minSamples) && samplesMs.length < o.maxSamples && Atomics.load(flag, 0) === 0)
  ) {
    const t = performance.now();
    sink += call();
    samplesMs.push(performance.now() - t);
  }
  parentPort!.postMessage({ samplesMs, sink, aborted: Atomics.load(flag, 0) !== 0 });
}

/** Times the reference workload once, in a fresh worker thread (about 1.1 s). */
export const timeReference: ReferenceRunner = async (signal) => {
  const abort = new SharedArrayBuffer(4);
  const stop = () => Atomics.store(new Int32Array(abort), 0, 1);
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  let reply: WorkerReply;
  try {
    reply = await new Promise<WorkerReply>((resolve, reject) => {
      // CommonJS eval: `require` is defined there. Run from TypeScript through esbuild (tsx, vitest), the
      // function's text can call esbuild's keep-names helper `__name`, which the worker lacks: defined there.
      const source = `const __name = (f) => f;\n(${referenceWorkerMain.toString()})();`;
      const w = new Worker(source, { eval: true, workerData: { ...REFERENCE_SCHEDULE, abort } });
      w.once('message', (m: WorkerReply) => resolve(m));
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the noise floor's reference worker exited (code ${code}) before it answered`)));
    });
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (!Number.isFinite(reply.sink)) throw new Error('reference workload produced a non-finite value');
  const st = computeStats(reply.samplesMs);
  const rel = st.ciMedian ? st.ciMedian.relHalfWidth : Infinity;
  return {
    at: new Date().toISOString(),
    medianMs: st.median,
    ciLo: st.ciMedian?.lo ?? null,
    ciHi: st.ciMedian?.hi ?? null,
    cv: st.cv,
    n: st.n,
    converged: !reply.aborted && rel <= REFERENCE_TARGET,
    stopReason: reply.aborted ? 'aborted' : rel <= REFERENCE_TARGET ? 'fixed-time' : 'ci-too-wide',
  };
};

/** Starts the run's noise floor: times the reference and opens the host-load window. */
export async function startNoiseFloor(
  reference: ReferenceRunner,
  signal: AbortSignal,
): Promise<{ start: ReferenceTiming; finish: () => Promise<NoiseFloor> }> {
  // this process's children (the browser targets' Chromium) are the run's own work, not other load
  const probe = startLoadProbe(() => processTreeCpuMs(process.pid, { descendantsOnly: true }));
  const start = await reference(signal);
  return {
    start,
    finish: async () => {
      const end = await reference(signal);
      const load = probe();
      return {
        workload: REFERENCE_WORKLOAD,
        start,
        end,
        driftRel: start.medianMs > 0 ? (end.medianMs - start.medianMs) / start.medianMs : 0,
        hostLoad: {
          otherLoad: load.otherLoad,
          stealShare: load.stealShare,
          iowaitShare: load.iowaitShare,
          source: load.source,
          elapsedMs: load.elapsedMs,
        },
      };
    },
  };
}
