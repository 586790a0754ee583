/**
 * What a run records of the host's noise floor (manifest `noiseFloor`): a fixed reference timed at both ends of
 * the run and the host load between (shared contract: the engine writes it, results and report read it).
 */
import type { LoadWindow } from './host-load.js';

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
