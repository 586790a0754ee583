/**
 * The result schema, version 1: the ONE on-disk format of a run (validated with zod 4).
 *
 * A run directory `results/<run-id>/` holds:
 *   manifest.json       one `manifest` record (host, versions, git commit, protocol, targets);
 *   measurements.jsonl  one `measurement` or `error` record per line, appended as each workload finishes.
 *
 * Rules:
 *  - every record carries `schemaVersion: 1` and a `kind`; a reader REJECTS any other schemaVersion with a
 *    clear error (it does not guess), and IGNORES unknown fields (zod objects strip them), so version 1
 *    may gain optional fields without breaking old readers;
 *  - every figure carries its unit and provenance ('measured' | 'simulated' | 'published'): single figures
 *    as `Figure {value, unit, provenance}`, groups of figures that share both (the stats of one sample set)
 *    with `unit` and `provenance` on the group;
 *  - raw samples are kept, so stats can be recomputed.
 */
import { z } from 'zod';

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 1 as const;

/** Where a figure comes from. */
export const Provenance = z.enum(['measured', 'simulated', 'published']);
export type Provenance = z.infer<typeof Provenance>;

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

export const ProtocolSettingsSchema = z.object({
  name: z.string(),
  /** independent sessions per measurement; warm-up window and cap (absent in runs before sessions existed). */
  sessions: z.number().int().positive().optional(),
  warmupMinIterations: z.number().int().nonnegative(),
  warmupMinMs: z.number().nonnegative(),
  warmupWindow: z.number().int().positive().optional(),
  warmupMaxMs: z.number().nonnegative().optional(),
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
  /** 'batch-means' when each sample is the mean of a batch of calls (absent in older runs: calls). */
  spreadOf: z.enum(['calls', 'batch-means']).optional(),
  batchSize: z.number().int().positive().optional(),
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
    .object({ method: z.literal('order-statistic'), lo: z.number(), hi: z.number(), confidence: z.number(), coverage: z.number(), relHalfWidth: z.number().optional() })
    .nullable(),
  ciMedianBootstrap: z
    .object({ method: z.literal('bootstrap-percentile'), lo: z.number(), hi: z.number(), confidence: z.number(), resamples: z.number().int(), seed: z.number().int() })
    .nullable(),
  /** null for batch means. */
  outliers: z.object({ q1: z.number(), q3: z.number(), iqr: z.number(), mild: z.number().int(), severe: z.number().int(), low: z.number().int(), high: z.number().int() }).nullable(),
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
  file: z.object({
    path: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    format: z.enum(['onnx', 'tflite']),
    dtype: z.enum(['fp32', 'fp16', 'int8']),
    resolution: z.number().int().positive(),
  }),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  kind: z.literal('manifest'),
  runId: z.string().min(1),
  createdAt: z.string(),
  /** ISO times at which this run was resumed. */
  resumedAt: z.array(z.string()).default([]),
  tool: z.object({ name: z.string(), version: z.string(), gitCommit: z.string().nullable(), gitDirty: z.boolean().nullable() }),
  command: z.array(z.string()),
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
      /** vector ISA features int8/fp32 latency depend on (src/results/cpu-isa.ts); absent in older runs. */
      isa: z
        .object({
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
        })
        .optional(),
    }),
    memBytes: z.number(),
    os: z.object({ distro: z.string(), release: z.string(), kernel: z.string() }),
  }),
  /** package / runtime versions, null when a package is not installed. */
  runtimes: z.record(z.string(), z.string().nullable()),
  protocol: ProtocolSettingsSchema,
  targets: z.array(TargetSchema),
});
export type ManifestRecord = z.infer<typeof ManifestSchema>;

export const MeasurementSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  kind: z.literal('measurement'),
  runId: z.string(),
  /** (workload, dtype, target, settings) key; see measurementKey(). */
  key: z.string().min(1),
  recordedAt: z.string(),
  workload: WorkloadRefSchema,
  target: TargetSchema,
  executed: ExecutedSchema,
  protocol: z.object({
    name: z.string(),
    clock: z.string(),
    timerResolutionMs: z.number(),
    batchSize: z.number().int().positive(),
    converged: z.boolean(),
    stopReason: z.enum(['converged', 'trend', 'ci-too-wide', 'max-samples', 'max-time', 'aborted']),
    /** cost of one clock read, ms (the resolution above is the clock's granularity). */
    timerReadCostMs: z.number().optional(),
    warmupSteady: z.boolean().optional(),
    pilotSamples: z.number().int().optional(),
    plannedSamples: z.number().int().optional(),
    /** trend test on the samples (Mann-Kendall z, p; drift between halves). */
    trend: z.object({ z: z.number(), p: z.number(), drift: z.number(), trending: z.boolean() }).optional(),
    samplingMs: z.number(),
    totalMs: z.number(),
    totalCalls: z.number().int(),
  }),
  /** latency per inference: stats of the samples. */
  latency: z.object({ unit: z.literal('ms'), provenance: Provenance, stats: SampleStatsSchema }),
  coldStart: z.object({ unit: z.literal('ms'), provenance: Provenance, sessionCreateMs: z.number(), firstInferenceMs: z.number(), runtimeInitMs: z.number().optional() }),
  /** raw data (ms per inference) in the order taken: warm-up calls, the pilot (sets the sample size only), the samples. */
  samples: z.object({ unit: z.literal('ms'), provenance: Provenance, warmup: z.array(z.number()), pilot: z.array(z.number()).optional(), values: z.array(z.number()) }),
  /** derived figures, e.g. gmacPerSecond = MACs / median. */
  derived: z.record(z.string(), FigureSchema),
  profile: ProfileSchema.optional(),
  warnings: z.array(WarningSchema),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type MeasurementRecord = z.infer<typeof MeasurementSchema>;

export const ErrorRecordSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  kind: z.literal('error'),
  runId: z.string(),
  key: z.string().min(1),
  recordedAt: z.string(),
  workload: z.object({ id: z.string() }),
  target: TargetSchema,
  error: z.object({ name: z.string(), message: z.string() }),
});
export type ErrorRecord = z.infer<typeof ErrorRecordSchema>;

/** A line of measurements.jsonl. */
export const LineSchema = z.discriminatedUnion('kind', [MeasurementSchema, ErrorRecordSchema]);
export type LineRecord = z.infer<typeof LineSchema>;

/** A file or line the reader cannot accept; the message names the file/line and what to do. */
export class SchemaError extends Error {
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
    throw new SchemaError(`${where}: schemaVersion ${JSON.stringify(v)} is not supported (this mnv4-bench reads version ${SCHEMA_VERSION}); use the mnv4-bench version that wrote it`);
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

/** The resume key of one (workload, dtype, target + settings) combination. */
export function measurementKey(workloadId: string, dtype: string, target: { id: string; settings: Record<string, string | number | boolean> }): string {
  return `${workloadId}|${dtype}|${target.id}|${canonicalSettings(target.settings)}`;
}
