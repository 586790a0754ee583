/**
 * What the engine tells its caller while a plan runs. The CLI renders these (a progress bar with an ETA on
 * a terminal, plain lines otherwise); a LUT builder or a test consumes them directly.
 */
import type { NoiseFloor } from '../core/noise-floor.js';
import type { ErrorRecord, MeasurementRecord, SessionRecord, SkippedRecord } from '../results/schema.js';
import type { Job, PlannedDevice } from './plan.js';

export interface ExecuteResult {
  runId: string;
  runDir: string;
  /** measurement records written by this execution. */
  measured: MeasurementRecord[];
  /** error records written by this execution. */
  failed: ErrorRecord[];
  /** pairs skipped because their target cannot run on the device. */
  skipped: SkippedRecord[];
  /** pairs the run already held a measurement for (resume). */
  alreadyMeasured: number;
  /** sessions measured and recorded by this execution. */
  sessionsRun: number;
  /** stopped by the abort signal; what finished is saved. */
  interrupted: boolean;
  /** this execution's noise floor (absent when the caller turned it off). */
  noiseFloor?: NoiseFloor;
}

export type EngineEvent =
  /** the run directory is open and the work is counted. */
  | {
      type: 'planned';
      runId: string;
      runDir: string;
      device: PlannedDevice;
      pairs: number;
      sessionsPerPair: number;
      /** pairs already measured in this run (resume). */
      alreadyMeasured: number;
      /** sessions of unfinished pairs already recorded (resume). */
      sessionsDone: number;
      /** sessions this execution will run if nothing fails. */
      sessionsToRun: number;
      /** pairs whose target cannot run on the device. */
      unavailable: number;
    }
  /** a session starts (session = its 0-based index within the pair). */
  | { type: 'started'; job: Job; session: number; round: number; sessions: number }
  /** protocol progress inside a session. */
  | { type: 'progress'; job: Job; session: number; phase: string; samples?: number; elapsedMs?: number; relHalfWidth?: number }
  /** a session ended and its record is on disk. */
  | { type: 'session'; job: Job; record: SessionRecord }
  /** a pair's k-th session ended: its measurement record is on disk. */
  | { type: 'record'; job: Job; record: MeasurementRecord }
  /** a pair will not be measured (its target cannot run on the device). */
  | { type: 'skipped'; job: Job; reason: string; record: SkippedRecord }
  /** a session failed; the pair gets an error record and no more sessions in this execution. */
  | { type: 'failed'; job: Job; record: ErrorRecord; error: unknown }
  /** the end (also after an interrupt). */
  | { type: 'finished'; result: ExecuteResult };
