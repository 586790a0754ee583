/**
 * The per-run noise floor: a fixed reference workload timed at the start and at the end of every run, so a
 * later comparison knows how fast and how steady the host was, and whether it changed during the run.
 *
 * The reference is pure JavaScript (no runtime, no model file), so it means the same on every host and in
 * every version of the runtimes: C = A x B for 48 x 48 float64 matrices, with B's input changed a little
 * after every call so the JIT cannot drop the work. It is timed with the same protocol loop as everything
 * else (one session, REFERENCE_PROTOCOL). `driftRel` = (end median - start median) / start median; host load
 * (other processes, hypervisor steal) is read from /proc/stat over the whole run.
 */
import { performanceClock, runProtocol, type ProtocolSettings } from '../profiles/protocol.js';
import { computeStats } from '../profiles/stats.js';
import { startLoadProbe, type LoadWindow } from '../runners/host-load.js';

/** Name of the reference workload (recorded; change it when the kernel changes). */
export const REFERENCE_WORKLOAD = 'js-matmul-48-f64';

/** The protocol of the reference: short (about 1-2 s per end), one session. */
export const REFERENCE_PROTOCOL: ProtocolSettings = {
  name: 'noise-floor',
  sessions: 1,
  warmupMinIterations: 20,
  warmupMinMs: 100,
  warmupWindow: 20,
  warmupMaxMs: 1_000,
  minSamples: 30,
  minTimeMs: 200,
  maxSamples: 5_000,
  maxTimeMs: 1_000,
  targetRelHalfWidth: 0.01,
  confidence: 0.95,
  batchResolutionFactor: 1000,
  maxBatch: 10_000,
};

/** One timing of the reference. */
export interface ReferenceTiming {
  at: string;
  medianMs: number;
  ciLo: number | null;
  ciHi: number | null;
  cv: number;
  n: number;
  converged: boolean;
  stopReason: string;
}

/** What a run records (manifest `noiseFloor`). */
export interface NoiseFloor {
  workload: string;
  start: ReferenceTiming;
  end?: ReferenceTiming;
  /** (end - start) / start of the medians; absent until the run ends. */
  driftRel?: number;
  /** host load over the run (start of the first reference to the end of the last). */
  hostLoad?: Pick<LoadWindow, 'otherLoad' | 'stealShare' | 'iowaitShare' | 'source' | 'elapsedMs'>;
}

/** A reference run: returns the timing (the engine calls it at both ends; tests pass a fake). */
export type ReferenceRunner = (signal: AbortSignal) => Promise<ReferenceTiming>;

const N = 48;

/** The reference kernel's state: matrices allocated once. */
function referenceKernel(): () => number {
  const a = new Float64Array(N * N);
  const b = new Float64Array(N * N);
  const c = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) {
    a[i] = ((i * 7) % 13) / 13;
    b[i] = ((i * 5) % 11) / 11;
  }
  let k = 0;
  return () => {
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let p = 0; p < N; p++) s += a[i * N + p]! * b[p * N + j]!;
        c[i * N + j] = s;
      }
    }
    b[k++ % (N * N)]! += 1e-9;
    return c[(k * 31) % (N * N)]!;
  };
}

/** Times the reference workload once (about 1-2 s). */
export const timeReference: ReferenceRunner = async (signal) => {
  const fn = referenceKernel();
  let sink = 0;
  const run = await runProtocol(
    () => {
      sink += fn();
    },
    REFERENCE_PROTOCOL,
    performanceClock(),
    { shouldAbort: () => signal.aborted },
  );
  if (!Number.isFinite(sink)) throw new Error('reference workload produced a non-finite value');
  const st = computeStats(run.samplesMs, { batchSize: run.batchSize });
  return {
    at: new Date().toISOString(),
    medianMs: st.median,
    ciLo: st.ciMedian?.lo ?? null,
    ciHi: st.ciMedian?.hi ?? null,
    cv: st.cv,
    n: st.n,
    converged: run.converged,
    stopReason: run.stopReason,
  };
};

/** Starts the run's noise floor: times the reference and opens the host-load window. */
export async function startNoiseFloor(
  reference: ReferenceRunner,
  signal: AbortSignal,
): Promise<{ start: ReferenceTiming; finish: () => Promise<NoiseFloor> }> {
  const probe = startLoadProbe();
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
