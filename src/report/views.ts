/**
 * What the report code reads: runs and measurements as plain views, independent of the on-disk record
 * layout. `load.ts` builds them from run directories; everything else in src/report (Pareto, comparison,
 * tables, the dashboard) works on these views only.
 */
import type { MeasurementRecord } from '../results/schema.js';
import type { Provenance } from '../results/schema.js';

export type SettingValue = string | number | boolean;

/** A target as run: runner + backend + resolved settings, with the device profile's label when known. */
export interface TargetView {
  id: string;
  runner: string;
  backend: string;
  settings: Record<string, SettingValue>;
}

/** Per-op / per-block profile of one measurement (a separate profiling pass). */
export interface ProfileView {
  source: string;
  /** per block in model order: profiler median ms and ms per op type. */
  blocks: { block: string; ms: number; ops: Record<string, number> }[];
  /** ms per op type over the whole graph. */
  ops: Record<string, number>;
  unattributedMs: number;
  coverage: number | null;
}

/** One workload on one target in one run. */
export interface MeasurementView {
  runId: string;
  /** device profile id (e.g. `host`, `pixel6`). */
  device: string;
  /** (workload, dtype, target, settings) key: equal keys in two runs are the same measurement. */
  key: string;
  workloadId: string;
  workloadKind: 'model' | 'block' | 'arch';
  /** model id when the workload is a whole model (`model:conv-m@256` -> `conv-m`). */
  model: string | null;
  /** block of a model (`block:conv-m/b05@256`). */
  block: { model: string; id: string; index: number } | null;
  resolution: number;
  dtype: 'fp32' | 'fp16' | 'int8';
  macs: number;
  target: TargetView;
  /** `<target id> <dtype>` plus settings; the device profile's label where it has one. */
  targetLabel: string;
  /** groups measurements of one target of one device: `device|target|dtype|settings`. */
  targetKey: string;
  provenance: Exclude<Provenance, 'published'>;
  /** `protocol`: timed by our protocol (per-call samples); `external`: summary statistics of another tool. */
  timing: 'protocol' | 'external';
  /** external timing: what the figure is (e.g. 'mean per session, median over sessions'; external-label.ts). */
  externalStatistic?: string;
  /** --sustained: per session, each back-to-back run's latency and thermal zones against time. */
  sustained?: NonNullable<NonNullable<MeasurementRecord['sessions'][number]['external']>['sustained']>[];
  medianMs: number;
  /** CI of the median (ms), null when there is none. */
  ci: { lo: number; hi: number; method: string; confidence: number } | null;
  n: number;
  /** centres (medians) of the independent sessions, in session order. */
  sessionMedians: number[];
  /** (max - min) / median of the session centres (0 with one session). */
  sessionSpread: number;
  /** raw per-call samples of each session in ms (empty arrays for external timing). */
  sessionSamples: number[][];
  /** all sessions' samples pooled. */
  samples: number[];
  converged: boolean;
  /** why not converged, in a few words each (empty when converged). */
  notConverged: string[];
  warnings: { code: string; message: string }[];
  /** the backend that actually executed (runtime evidence). */
  executedBackend: string;
  /** share of the work that ran on the requested backend, when the record states it (1 = all). */
  backendShare: number | null;
  softwareAdapter: boolean;
  profile: ProfileView | null;
}

/** A target a run did not measure, with why. */
export interface SkippedView {
  device: string;
  targetLabel: string;
  targetId: string;
  reason: string;
  /** `skipped`: not run (not available here); `error`: it ran and failed. */
  kind: 'skipped' | 'error';
  workloadId: string | null;
}

export interface HostView {
  hostname: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  memGiB: number;
  os: string;
  /** SIMD / int8 features that change latency (avx2, avx512f, avx512_vnni, avx_vnni, amx...). */
  isa: string[];
}

export interface RunView {
  dir: string;
  runId: string;
  createdAt: string;
  schemaVersion: number;
  /** the devices the run measured (profile id, name, how it was reached). */
  devices: { id: string; name: string; connection: string }[];
  host: HostView;
  sessionsPerMeasurement: number;
  tool: { version: string; gitCommit: string | null; gitDirty: boolean | null };
  protocol: string;
  command: string[];
  measurements: MeasurementView[];
  skipped: SkippedView[];
  /** things the reader tolerated (e.g. a torn last line), shown beside the run. */
  notes: string[];
}

/** A run directory that could not be read: shown as a "skipped" note, never silently dropped. */
export interface LoadProblem {
  dir: string;
  message: string;
}

export interface LoadedRuns {
  runs: RunView[];
  problems: LoadProblem[];
}
