/**
 * The result schema, version 2: the ONE on-disk format of a run (validated with zod 4).
 *
 * A run directory `results/<run-id>/` holds:
 *   manifest.json       one `manifest` record (the exact command, device(s) and their connection, host,
 *                       runtime versions, git commit, protocol, sessions per measurement, targets);
 *   measurements.jsonl  records appended as the run goes:
 *     `session`      one independent session of a (device, workload, dtype, target) pair: its own session
 *                    creation, warm-up and raw samples (or an external tool's summary), written as it ends;
 *     `measurement`  the pair's result once its k sessions are done: the sessions combined
 *                    (src/results/records.ts combineSessions), each session's samples and centre kept;
 *     `skipped`      a pair that was not measured, with the reason (target not available on the device);
 *     `error`        a pair that failed, with the error.
 *
 * Rules:
 *  - every record carries `schemaVersion: 2` and a `kind`; a reader REJECTS any other schemaVersion with a
 *    clear error (it does not guess), and IGNORES unknown fields (zod objects strip them), so version 2
 *    may gain optional fields without breaking old readers;
 *  - every figure carries its unit and provenance ('measured' | 'simulated' | 'published'): single figures
 *    as `Figure {value, unit, provenance}`, groups of figures that share both with `unit` and `provenance`
 *    on the group;
 *  - `timing` says who timed a session: 'protocol' (our sampling loop, raw per-call samples kept) or
 *    'external' (a tool such as TFLite benchmark_model that prints summary statistics only);
 *  - raw samples are kept, so stats can be recomputed.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 2 as const;

/** Where a figure comes from. */
export const Provenance = z.enum(['measured', 'simulated', 'published']);
export type Provenance = z.infer<typeof Provenance>;

/** Who timed a session. */
export const Timing = z.enum(['protocol', 'external']);
export type Timing = z.infer<typeof Timing>;

/** One figure with its unit and provenance. */
export const FigureSchema = z.object({ value: z.number(), unit: z.string().min(1), provenance: Provenance });
export type Figure = z.infer<typeof FigureSchema>;

const settingValue = z.union([z.string(), z.number(), z.boolean()]);

export const TargetSchema = z.object({
  id: z.string().min(1),
  runner: z.string().min(1),
  backend: z.string().min(1),
  settings: z.record(z.string(), settingValue),
});

/** The device a record was measured on (its profile id). */
export const DeviceRefSchema = z.object({ id: z.string().min(1) });

/** How the device was reached; the same shape as the runners' DeviceConnection. */
export const ConnectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({
    kind: z.literal('adb'),
    serial: z.string().optional(),
    model: z.string().optional(),
    adbServer: z.object({ host: z.string(), port: z.number().int() }).optional(),
    devtools: z.object({ endpoint: z.string().optional(), socket: z.string().optional() }).optional(),
  }),
  z.object({ kind: z.literal('devtools'), endpoint: z.string() }),
]);

export const ProtocolSettingsSchema = z.object({
  name: z.string(),
  sessions: z.number().int().positive(),
  warmupMinIterations: z.number().int().nonnegative(),
  warmupMinMs: z.number().nonnegative(),
  warmupWindow: z.number().int().positive(),
  warmupMaxMs: z.number().nonnegative(),
  minSamples: z.number().int().positive(),
  minTimeMs: z.number().nonnegative(),
  maxSamples: z.number().int().positive(),
  maxTimeMs: z.number().nonnegative(),
  targetRelHalfWidth: z.number().positive(),
  confidence: z.number(),
  batchResolutionFactor: z.number(),
  maxBatch: z.number().int().positive(),
});

export const SampleStatsSchema = z.object({
  n: z.number().int().positive(),
  /** 'batch-means' when each sample is the mean of a batch of `batchSize` calls (its spread is of means). */
  spreadOf: z.enum(['calls', 'batch-means']),
  batchSize: z.number().int().positive(),
  median: z.number(),
  mean: z.number(),
  min: z.number(),
  max: z.number(),
  /** null where n does not support the percentile (stats.ts PERCENTILE_MIN_N) or, for p99, for batch means. */
  p10: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  stdev: z.number(),
  mad: z.number(),
  cv: z.number(),
  ciMedian: z
    .object({ method: z.literal('order-statistic'), lo: z.number(), hi: z.number(), confidence: z.number(), coverage: z.number(), relHalfWidth: z.number() })
    .nullable(),
  ciMedianBootstrap: z
    .object({ method: z.literal('bootstrap-percentile'), lo: z.number(), hi: z.number(), confidence: z.number(), resamples: z.number().int(), seed: z.number().int() })
    .nullable(),
  /** null for batch means. */
  outliers: z
    .object({ q1: z.number(), q3: z.number(), iqr: z.number(), mild: z.number().int(), severe: z.number().int(), low: z.number().int(), high: z.number().int() })
    .nullable(),
  percentileDefinition: z.literal('hyndman-fan-type7-linear'),
});

export const WarningSchema = z.object({ code: z.string(), message: z.string() });

export const ExecutedSchema = z.object({
  runtime: z.string(),
  runtimeVersion: z.string(),
  backend: z.string(),
  provider: z.string().optional(),
  adapter: z.record(z.string(), z.unknown()).optional(),
  evidence: z.string().min(1),
  details: z.record(z.string(), z.unknown()).optional(),
  /** share of the model on the requested backend (src/runners/types.ts BackendShare); < 1 is a partial fallback. */
  share: z
    .object({
      requested: z.string(),
      onRequested: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      nodeShare: z.number(),
      timeShare: z.number().nullable(),
      others: z.record(z.string(), z.number()),
      source: z.string(),
    })
    .optional(),
});

const BlockTimingSchema = z.object({ block: z.string(), ms: z.number(), nodes: z.number().int(), ops: z.record(z.string(), z.number()) });

/** Per-op / per-block profile (profiler times of a separate pass, not samples). */
export const ProfileSchema = z.object({
  unit: z.literal('ms'),
  provenance: Provenance,
  source: z.string(),
  runs: z.number().int(),
  runMedianMs: z.number().nullable(),
  nodes: z.array(z.object({ name: z.string(), op: z.string(), provider: z.string().optional(), block: z.string().nullable(), medianMs: z.number() })),
  blocks: z.array(BlockTimingSchema),
  unattributedMs: z.number(),
  coverage: z.number().nullable(),
  notes: z.array(z.string()),
});

export const WorkloadRefSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(['model', 'block', 'arch']),
  description: z.string(),
  /** MACs counted from the layer graph (src/models/cost.ts); a count, not a measurement. */
  macs: z.number().nonnegative(),
  /** for whole models: which model, at which resolution, and its native one. */
  model: z.object({ id: z.string(), resolution: z.number().int().positive(), nativeResolution: z.number().int().positive() }).optional(),
  file: z.object({
    path: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    format: z.enum(['onnx', 'tflite']),
    dtype: z.enum(['fp32', 'fp16', 'int8']),
    resolution: z.number().int().positive(),
  }),
});

/** The sampling loop's output of one session (src/profiles/protocol.ts ProtocolRun), kept whole. */
export const ProtocolRunSchema = z.object({
  settings: ProtocolSettingsSchema,
  clock: z.string(),
  timerResolutionMs: z.number(),
  timerResolutionMeasured: z.boolean(),
  /** cost of one clock read, ms (the resolution above is the clock's granularity). */
  timerReadCostMs: z.number(),
  coldMs: z.number(),
  warmupMs: z.array(z.number()),
  warmupSteady: z.boolean(),
  batchSize: z.number().int().positive(),
  /** the pilot: sets the size of the second stage only (protocol.ts). */
  pilotMs: z.array(z.number()),
  samplesMs: z.array(z.number()),
  plannedSamples: z.number().int().nonnegative(),
  converged: z.boolean(),
  stopReason: z.enum(['converged', 'trend', 'ci-too-wide', 'max-samples', 'max-time', 'aborted']),
  medianCi: z.object({ lo: z.number(), hi: z.number(), median: z.number(), relHalfWidth: z.number(), confidence: z.number() }).nullable(),
  /** trend test of the sampling phase (steady-state.ts). */
  trend: z.object({ n: z.number().int(), s: z.number(), z: z.number(), p: z.number(), drift: z.number(), trending: z.boolean() }),
  samplingMs: z.number(),
  totalMs: z.number(),
  totalCalls: z.number().int(),
});

/** What an external tool printed about one session (src/runners/types.ts ExternalTiming), ms. */
export const ExternalTimingSchema = z.object({
  tool: z.string().min(1),
  toolVersion: z.string().optional(),
  command: z.array(z.string()).optional(),
  summary: z.object({
    count: z.number().int().nonnegative(),
    firstMs: z.number().optional(),
    minMs: z.number(),
    maxMs: z.number(),
    meanMs: z.number(),
    stdMs: z.number(),
    medianMs: z.number().optional(),
    p5Ms: z.number().optional(),
    p95Ms: z.number().optional(),
  }),
  warmup: z.object({ count: z.number().int().nonnegative(), meanMs: z.number() }).optional(),
  initMs: z.number().optional(),
  memory: z.record(z.string(), z.number()).optional(),
  /** --sustained: each back-to-back run's latency and the thermal zones after it (ms since the session began). */
  sustained: z
    .array(
      z.object({
        tMs: z.number(),
        meanMs: z.number(),
        medianMs: z.number().optional(),
        count: z.number().int().nonnegative(),
        hottestC: z.number().nullable(),
        zones: z.record(z.string(), z.number()),
      }),
    )
    .optional(),
});

export const ColdStartSchema = z.object({
  unit: z.literal('ms'),
  provenance: Provenance,
  sessionCreateMs: z.number().optional(),
  firstInferenceMs: z.number().optional(),
  runtimeInitMs: z.number().optional(),
});

const recordHead = {
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  /** (device, workload, dtype, target, settings) key; see measurementKey(). */
  key: z.string().min(1),
  recordedAt: z.string(),
  device: DeviceRefSchema,
  target: TargetSchema,
};

const ReferenceTimingSchema = z.object({
  at: z.string(),
  medianMs: z.number(),
  ciLo: z.number().nullable(),
  ciHi: z.number().nullable(),
  cv: z.number(),
  n: z.number().int(),
  converged: z.boolean(),
  stopReason: z.string(),
});
export const NoiseFloorSchema = z.object({
  workload: z.string(),
  start: ReferenceTimingSchema,
  end: ReferenceTimingSchema.optional(),
  driftRel: z.number().optional(),
  hostLoad: z
    .object({
      otherLoad: z.number(),
      stealShare: z.number().nullable(),
      iowaitShare: z.number().nullable(),
      source: z.string(),
      elapsedMs: z.number(),
    })
    .optional(),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  kind: z.literal('manifest'),
  runId: z.string().min(1),
  createdAt: z.string(),
  /** the exact argument vector that created the run (without the node/script paths). */
  command: z.array(z.string()),
  /** each later --resume of this run: when, and its exact argument vector. */
  resumed: z.array(z.object({ at: z.string(), command: z.array(z.string()) })).default([]),
  tool: z.object({ name: z.string(), version: z.string(), gitCommit: z.string().nullable(), gitDirty: z.boolean().nullable() }),
  /** the devices measured: profile id, name and how each was reached. */
  devices: z.array(z.object({ id: z.string().min(1), name: z.string(), connection: ConnectionSchema })).min(1),
  /** the machine the tool ran on (for a remote device, not the device itself). */
  host: z.object({
    hostname: z.string(),
    platform: z.string(),
    arch: z.string(),
    cpu: z.object({
      manufacturer: z.string(),
      brand: z.string(),
      cores: z.number().int(),
      physicalCores: z.number().int(),
      /** GHz as reported by the OS; 0 when not readable (VMs). */
      speedGHz: z.number(),
      flags: z.string(),
      /** vector ISA features int8/fp32 latency depend on (src/results/cpu-isa.ts); always written, optional to read. */
      isa: z.object({
        source: z.enum(['/proc/cpuinfo', 'systeminformation', 'unknown']),
        avx2: z.boolean(),
        fma: z.boolean(),
        avx512f: z.boolean(),
        avx512bw: z.boolean(),
        avx512_vnni: z.boolean(),
        avx_vnni: z.boolean(),
        avx512_bf16: z.boolean(),
        amx: z.boolean(),
        asimddp: z.boolean(),
        i8mm: z.boolean(),
        int8Dot: z.enum(['amx', 'vnni', 'avx512bw', 'avx2', 'i8mm', 'dotprod', 'none']),
      }).optional(),
    }),
    memBytes: z.number(),
    os: z.object({ distro: z.string(), release: z.string(), kernel: z.string() }),
  }),
  /** runtime versions: node, v8, and what each target's runner declares; null when not installed. */
  runtimes: z.record(z.string(), z.string().nullable()),
  protocol: ProtocolSettingsSchema,
  /** independent sessions per measurement (k). */
  sessionsPerMeasurement: z.number().int().positive(),
  /**
   * the noise floor of each execution of the run (a resume adds one): a fixed reference workload timed at
   * the start and at the end (src/engine/noise-floor.ts), its drift, and the host load over the execution.
   */
  noiseFloor: z.array(NoiseFloorSchema).optional(),
  targets: z.array(TargetSchema),
});
export type ManifestRecord = z.infer<typeof ManifestSchema>;

/** One independent session of a pair, written as soon as it ends (a crash loses at most the session in flight). */
export const SessionRecordSchema = z.object({
  ...recordHead,
  kind: z.literal('session'),
  workload: WorkloadRefSchema,
  executed: ExecutedSchema,
  session: z.object({
    /** 0-based index of the session within its pair. */
    index: z.number().int().nonnegative(),
    /** the round of the run it ran in (sessions of all pairs interleave round by round). */
    round: z.number().int().nonnegative(),
    timing: Timing,
    unit: z.literal('ms'),
    provenance: Provenance,
    /** timing 'protocol': the sampling loop's output, raw samples included. */
    run: ProtocolRunSchema.optional(),
    /** timing 'external': the tool's summary. */
    external: ExternalTimingSchema.optional(),
  }),
  coldStart: ColdStartSchema,
  profile: ProfileSchema.optional(),
  /** runner warnings of this session. */
  warnings: z.array(z.string()),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

/** A session as summarised in its measurement record. */
export const SessionSummarySchema = z.object({
  index: z.number().int().nonnegative(),
  round: z.number().int().nonnegative(),
  timing: Timing,
  /** the session's centre: its sample median (protocol), or the tool's median, else its mean (external). */
  centerMs: z.number(),
  centerStatistic: z.enum(['median', 'mean']),
  /** samples (protocol) or timed runs (external). */
  n: z.number().int().nonnegative(),
  converged: z.boolean().nullable(),
  stopReason: z.string().nullable(),
  batchSize: z.number().int().positive().nullable(),
  timerResolutionMs: z.number().nullable(),
  clock: z.string().nullable(),
  /** raw per-call samples (protocol only) in the order taken: warm-up, pilot (sets the sample size only), samples. */
  samples: z.object({ warmup: z.array(z.number()), pilot: z.array(z.number()), values: z.array(z.number()) }).optional(),
  external: ExternalTimingSchema.optional(),
  coldStart: ColdStartSchema,
  recordedAt: z.string(),
});
export type SessionSummary = z.infer<typeof SessionSummarySchema>;

export const MeasurementSchema = z.object({
  ...recordHead,
  kind: z.literal('measurement'),
  workload: WorkloadRefSchema,
  /** what executed (of the last session; sessions that disagree are a warning). */
  executed: ExecutedSchema,
  timing: Timing,
  protocol: z.object({ name: z.string(), sessions: z.number().int().positive() }),
  /** latency per inference: the sessions combined. */
  latency: z.object({
    unit: z.literal('ms'),
    provenance: Provenance,
    /** the figure tables show. */
    medianMs: z.number(),
    /** CI of the figure (protocol: hierarchical bootstrap over sessions, then samples; stats.ts summariseSessions). */
    ciMedian: z.object({ method: z.string(), lo: z.number(), hi: z.number(), confidence: z.number(), relHalfWidth: z.number() }).nullable(),
    /** every session converged and the session medians agree within the target. */
    converged: z.boolean(),
    /** why not converged, one line each (empty when converged). */
    notConverged: z.array(z.string()),
    /** stats of the pooled per-call samples (timing 'protocol'); null for external timing. */
    stats: SampleStatsSchema.nullable(),
    /**
     * agreement between sessions: each session's centre; (max - min), the largest |centre - figure| and the
     * standard deviation of the centres, each relative to the figure.
     */
    between: z.object({ centersMs: z.array(z.number()), spreadRel: z.number(), maxDeviationRel: z.number(), stdevRel: z.number() }),
  }),
  sessions: z.array(SessionSummarySchema).min(1),
  /** cold start of the first session. */
  coldStart: ColdStartSchema,
  /** derived figures, e.g. gmacPerSecond = MACs / median. */
  derived: z.record(z.string(), FigureSchema),
  profile: ProfileSchema.optional(),
  warnings: z.array(WarningSchema),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type MeasurementRecord = z.infer<typeof MeasurementSchema>;

export const SkippedRecordSchema = z.object({
  ...recordHead,
  kind: z.literal('skipped'),
  workload: z.object({ id: z.string() }),
  dtype: z.string(),
  reason: z.string().min(1),
});
export type SkippedRecord = z.infer<typeof SkippedRecordSchema>;

export const ErrorRecordSchema = z.object({
  ...recordHead,
  kind: z.literal('error'),
  workload: z.object({ id: z.string() }),
  dtype: z.string(),
  /** the session that failed (sessions before it stay recorded and count on resume). */
  sessionIndex: z.number().int().nonnegative().optional(),
  error: z.object({ name: z.string(), message: z.string() }),
});
export type ErrorRecord = z.infer<typeof ErrorRecordSchema>;

/** A line of measurements.jsonl. */
export const LineSchema = z.discriminatedUnion('kind', [SessionRecordSchema, MeasurementSchema, SkippedRecordSchema, ErrorRecordSchema]);
export type LineRecord = z.infer<typeof LineSchema>;

/** A file or line the reader cannot accept; the message names the file/line and what to do. */
export class SchemaError extends InputError {
  override name = 'SchemaError';
}

function issuesText(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Checks `schemaVersion` before anything else, so a newer file gets a version error, not field errors. */
function checkVersion(obj: unknown, where: string): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new SchemaError(`${where}: expected a JSON object`);
  const v = (obj as { schemaVersion?: unknown }).schemaVersion;
  if (v === undefined) throw new SchemaError(`${where}: no schemaVersion; not an mnv4-bench result file`);
  if (v !== SCHEMA_VERSION) {
    const older = typeof v === 'number' && v < SCHEMA_VERSION ? ', written by an older mnv4-bench' : '';
    throw new SchemaError(
      `${where}: schemaVersion ${JSON.stringify(v)} is not supported (this mnv4-bench reads version ${SCHEMA_VERSION}${older}); read it with the mnv4-bench version that wrote it, or measure again`,
    );
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SchemaError(`${where}: malformed JSON (${(e as Error).message})`);
  }
}

/** Validates a manifest object (already parsed). */
export function parseManifest(obj: unknown, where = 'manifest'): ManifestRecord {
  checkVersion(obj, where);
  const r = ManifestSchema.safeParse(obj);
  if (!r.success) throw new SchemaError(`${where}: invalid manifest: ${issuesText(r.error)}`);
  return r.data;
}

/** Parses manifest.json text. */
export function parseManifestText(text: string, where = 'manifest.json'): ManifestRecord {
  return parseManifest(parseJson(text, where), where);
}

/** Validates one measurements.jsonl record (already parsed). */
export function parseLineRecord(obj: unknown, where = 'record'): LineRecord {
  checkVersion(obj, where);
  const r = LineSchema.safeParse(obj);
  if (!r.success) throw new SchemaError(`${where}: invalid record: ${issuesText(r.error)}`);
  return r.data;
}

/** Parses one line of measurements.jsonl. */
export function parseLine(text: string, where = 'line'): LineRecord {
  return parseLineRecord(parseJson(text, where), where);
}

/** Stable JSON of settings with sorted keys (for keys and comparisons). */
export function canonicalSettings(settings: Record<string, string | number | boolean>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(settings).sort().map((k) => [k, settings[k]])));
}

/** The resume key of one (device, workload, dtype, target + settings) pair. */
export function measurementKey(deviceId: string, workloadId: string, dtype: string, target: { id: string; settings: Record<string, string | number | boolean> }): string {
  return `${deviceId}|${workloadId}|${dtype}|${target.id}|${canonicalSettings(target.settings)}`;
}
