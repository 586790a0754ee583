/**
 * The latency lookup table file: one versioned JSON per (search space, resolution, device, target + settings,
 * dtype), validated with zod on read.
 *
 * {
 *   "kind": "mnv4-bench-lut", "schemaVersion": 1,
 *   "space": {"id": "conv-m", "resolution": 256, "fingerprint": sha256 of its configuration keys},
 *   "device": {"id": "host", "hostname", "cpu"}, "target": {id, runner, backend, settings},
 *   "dtype": "fp32", "format": "onnx", "protocol": "quick", "sessions": 3,
 *   "runs": [run manifest summaries: runId, createdAt, tool version + git commit, host, runtimes],
 *   "entries": [one per block configuration: key, op, shapes, kernels, expansion, stride, latency stats
 *               (median of the session medians, pooled p10/p90, n samples, between-session spread),
 *               optional per-op breakdown (profiler), optional in-context time],
 *   "overhead": [identity-graph measurements by shape],
 *   "archs": [whole architectures measured to fit and choose the additivity correction],
 *   "method": {the correction in use, its parameters, and the leave-one-out comparison of all methods},
 *   "integrity": {"sha256": of the JSON of everything else}
 * }
 * Every latency is measured ('provenance' on each group), or, in a table with "provenance": "simulated", every
 * one is simulated (never a mix); in-context times are profiler times scaled to
 * unprofiled time. Reading rejects another kind or schema version, a truncated or hand-edited file (the
 * integrity hash), entries that are not configurations of the space, and a table whose runs come from
 * another target or device than the table's.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LutError } from './errors.js';

export const LUT_KIND = 'mnv4-bench-lut';
export const LUT_SCHEMA_VERSION = 1 as const;

const settingValue = z.union([z.string(), z.number(), z.boolean()]);
export const LutTargetSchema = z.object({
  id: z.string().min(1),
  runner: z.string().min(1),
  backend: z.string().min(1),
  settings: z.record(z.string(), settingValue),
});
export type LutTarget = z.infer<typeof LutTargetSchema>;

export const LutDeviceSchema = z.object({
  /** device profile id (devices/<id>.json). */
  id: z.string().min(1),
  hostname: z.string(),
  cpu: z.string(),
});
export type LutDevice = z.infer<typeof LutDeviceSchema>;

/** Latency of one workload measured as k independent sessions (or, in a simulated table, the device model's figure). */
export const LatencySchema = z.object({
  unit: z.literal('ms'),
  /**
   * 'estimated': an entry of a transferred table that was not measured on its target (src/lut/transfer.ts);
   * 'simulated': every entry of a table built from the device model (lut build --simulate).
   */
  provenance: z.enum(['measured', 'estimated', 'simulated']),
  /** median of the per-session medians. */
  median: z.number().positive(),
  /** pooled samples of all sessions, type-7 percentiles. */
  p10: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  /** samples, all sessions. */
  n: z.number().int().positive(),
  sessions: z.number().int().positive(),
  sessionMedians: z.array(z.number().positive()).min(1),
  /** robust standard deviation of the session medians: 1.4826 x their MAD (0 for one session). */
  spreadMs: z.number().nonnegative(),
});
export type Latency = z.infer<typeof LatencySchema>;

/** A latency that is one figure, not a distribution of samples (a simulated or an estimated entry). */
export function pointLatency(ms: number, provenance: 'simulated' | 'estimated', spreadMs = 0): Latency {
  return { unit: 'ms', provenance, median: ms, p10: ms, p90: ms, n: 1, sessions: 1, sessionMedians: [ms], spreadMs };
}

/** Profiler time of one layer of a block measured on its own (median over profiled runs, summed over its nodes). */
export const OpTimeSchema = z.object({ layer: z.string(), op: z.string(), ms: z.number().nonnegative() });

export const EntrySchema = z.object({
  key: z.string().min(1),
  /** block type: conv_bn, fused_ib, uib, global_pool, linear... */
  op: z.string(),
  input: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  output: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  outCh: z.number().int(),
  stride: z.number().int(),
  /** kernel sizes: UIB start/middle DW (0 = absent), conv/fused kernel as `k`. */
  kernels: z.record(z.string(), z.number().int()),
  expansion: z.number().nullable(),
  searchable: z.boolean(),
  stage: z.string(),
  macs: z.number().nonnegative(),
  workloadId: z.string(),
  latency: LatencySchema,
  /** median over sessions of (this session's median / the reference's median in the same round): reference units. */
  relative: z.number().positive().optional(),
  /** per-op breakdown of the standalone block (profiler times, not samples). */
  ops: z.object({ unit: z.literal('ms'), provenance: z.literal('measured'), source: z.string(), layers: z.array(OpTimeSchema) }).optional(),
});
export type LutEntry = z.infer<typeof EntrySchema>;

export const OverheadSchema = z.object({
  /** `identity()@CxHxW` */
  key: z.string(),
  shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  workloadId: z.string(),
  latency: LatencySchema,
  relative: z.number().positive().optional(),
});
export type LutOverhead = z.infer<typeof OverheadSchema>;

/** Block times from the profiler over a whole architecture (one profiled session). */
export const ArchProfileSchema = z.object({
  source: z.string(),
  /** ms per skeleton block index (profiler time, not scaled). */
  blockMs: z.array(z.number().nonnegative()),
  unattributedMs: z.number().nonnegative(),
});

export const ArchMeasurementSchema = z.object({
  arch: z.string(),
  /** what the architecture was measured for: fitting and choosing the correction. */
  role: z.literal('calibration'),
  workloadId: z.string(),
  macs: z.number().nonnegative(),
  latency: LatencySchema,
  relative: z.number().positive().optional(),
  profiles: z.array(ArchProfileSchema),
});
export type ArchMeasurement = z.infer<typeof ArchMeasurementSchema>;

export const METHOD_IDS = ['sum', 'overhead', 'in-context', 'learned'] as const;
export type MethodId = (typeof METHOD_IDS)[number];

export const MethodScoreSchema = z.object({
  method: z.enum(METHOD_IDS),
  /** null when the method could not be fitted (e.g. no profiler on this target). */
  looMape: z.number().nullable(),
  looMaxAbsErr: z.number().nullable(),
  within5: z.number().nullable(),
  within10: z.number().nullable(),
  note: z.string(),
});
export type MethodScore = z.infer<typeof MethodScoreSchema>;

export const MethodSchema = z.object({
  /** the correction the predictor applies. */
  id: z.enum(METHOD_IDS),
  /** how it was chosen: 'leave-one-out' over the calibration architectures, or 'requested'. */
  chosenBy: z.enum(['leave-one-out', 'requested']),
  /**
   * the calibration architectures' noise (median relative between-session spread): a method had to beat a
   * simpler one by more than this to be chosen; null without calibration architectures.
   */
  noiseFloor: z.number().nullable().optional(),
  /** relative RMS error of the chosen method in leave-one-out (the predictor's model uncertainty), null if unknown. */
  looRelRmse: z.number().nullable(),
  comparison: z.array(MethodScoreSchema),
  /** why this method: the paired held-out test that kept or replaced the simplest one (src/lut/method-choice.ts). */
  why: z.string().optional(),
  /** true when predictions are anchored on the measured reference (prediction = reference + sum of block differences). */
  anchored: z.boolean().optional(),
});
export type LutMethod = z.infer<typeof MethodSchema>;

export const RunSummarySchema = z.object({
  runId: z.string(),
  createdAt: z.string(),
  tool: z.object({ version: z.string(), gitCommit: z.string().nullable() }),
  hostname: z.string(),
  cpu: z.string(),
  target: LutTargetSchema,
  runtimes: z.record(z.string(), z.string().nullable()),
  protocol: z.string(),
  measurements: z.number().int().nonnegative(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const TableSchema = z.object({
  kind: z.literal(LUT_KIND),
  schemaVersion: z.literal(LUT_SCHEMA_VERSION),
  createdAt: z.string(),
  space: z.object({ id: z.string(), resolution: z.number().int().positive(), fingerprint: z.string().regex(/^[0-9a-f]{64}$/) }),
  device: LutDeviceSchema,
  target: LutTargetSchema,
  dtype: z.enum(['fp32', 'fp16', 'int8']),
  format: z.enum(['onnx', 'tflite']),
  protocol: z.string(),
  sessions: z.number().int().positive(),
  /** 'simulated': every figure comes from the device model (src/lut/simulate.ts), nothing was measured. */
  provenance: z.enum(['measured', 'simulated']).optional(),
  /** a simulated table: the device model it came from and its out-of-sample validation. */
  simulation: z.record(z.string(), z.unknown()).optional(),
  runs: z.array(RunSummarySchema),
  entries: z.array(EntrySchema).min(1),
  overhead: z.array(OverheadSchema),
  archs: z.array(ArchMeasurementSchema),
  method: MethodSchema,
  /**
   * The space's reference (its base model's own choices) measured in the same run, interleaved round by round
   * with every entry: entries' `relative` are in its units, and a prediction is a ratio to it turned into ms by
   * the reference's median (this one, or one measured at prediction time). Absent in tables built before.
   */
  reference: z.object({ arch: z.string(), workloadId: z.string(), latency: LatencySchema }).optional(),
  /** a table made by `lut transfer` from another target's table (src/lut/transfer.ts). */
  transfer: z
    .object({
      from: z.object({ file: z.string(), target: LutTargetSchema, dtype: z.string(), digest: z.string(), device: z.string() }),
      budget: z.number().int().positive(),
      /** what was measured on the new target, and why (the op classes it covers). */
      measured: z.array(z.object({ workload: z.string(), kind: z.enum(['reference', 'block', 'arch']), why: z.string() })),
      /** per op class: new-target time / source-target time, from the measured blocks. */
      factors: z.record(z.string(), z.number().positive()),
      note: z.string(),
    })
    .optional(),
  /** what building cost: measurements (sessions) made, and wall time of the measuring, when known. */
  build: z.object({ measurements: z.number().int().nonnegative(), wallSeconds: z.number().nonnegative() }).optional(),
  integrity: z.object({ algorithm: z.literal('sha256'), digest: z.string().regex(/^[0-9a-f]{64}$/) }),
});
export type LutTable = z.infer<typeof TableSchema>;
export type UnsignedTable = Omit<LutTable, 'integrity'>;

/** sha256 of the compact JSON of the table without its integrity block (key order as written). */
export function tableDigest(table: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(table).filter(([k]) => k !== 'integrity'));
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** Adds the integrity block. */
export function signTable(table: UnsignedTable): LutTable {
  return { ...table, integrity: { algorithm: 'sha256', digest: tableDigest(table as unknown as Record<string, unknown>) } };
}

/** The JSON text written to disk. */
export function serializeTable(table: LutTable): string {
  return `${JSON.stringify(table, null, 1)}\n`;
}

function settingsText(s: Record<string, string | number | boolean>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(s)
        .sort()
        .map((k) => [k, s[k]]),
    ),
  );
}

/** Same target id and the same resolved settings. */
export function sameTarget(a: LutTarget, b: LutTarget): boolean {
  return a.id === b.id && a.backend === b.backend && settingsText(a.settings) === settingsText(b.settings);
}

export function targetText(t: LutTarget): string {
  const s = Object.entries(t.settings)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return s ? `${t.id} (${s})` : t.id;
}

/**
 * Parses and checks table text; `where` names the file in messages. Structural checks only: that the
 * entries belong to the space is checked when the table is compiled (src/lut/predict.ts).
 */
export function parseTable(text: string, where = 'table'): LutTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new LutError(`${where} is truncated or not JSON: rebuild it with 'mnv4-bench lut build'`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || (raw as { kind?: unknown }).kind !== LUT_KIND) {
    throw new LutError(`${where} is not an mnv4-bench latency table (no "kind": "${LUT_KIND}")`);
  }
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (version !== LUT_SCHEMA_VERSION) {
    throw new LutError(
      `${where} has table schemaVersion ${JSON.stringify(version)}; this mnv4-bench reads version ${LUT_SCHEMA_VERSION}: rebuild the table or use the version that wrote it`,
    );
  }
  const r = TableSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new LutError(
      `${where} is not a valid table (${i.path.join('.') || '(root)'}: ${i.message}); it was edited or written by another tool: rebuild it`,
    );
  }
  const digest = tableDigest(raw as Record<string, unknown>);
  if (digest !== r.data.integrity.digest) {
    throw new LutError(`${where} was changed after it was written (integrity hash mismatch): rebuild it, or restore the original file`);
  }
  const t = r.data;
  const provenance = t.provenance ?? 'measured';
  if (provenance === 'measured' && t.runs.length === 0) throw new LutError(`${where} names no measuring run: rebuild it`);
  if (provenance === 'simulated' && t.runs.length > 0) throw new LutError(`${where} is simulated but names measuring runs: rebuild it`);
  // a simulated table is simulated throughout; a measured one holds no simulated figure, and 'estimated'
  // entries (not measured on this target) only when `lut transfer` made it
  const allowed = provenance === 'simulated' ? ['simulated'] : t.transfer ? ['measured', 'estimated'] : ['measured'];
  const mixed = [...t.entries, ...t.overhead, ...t.archs].find((e) => !allowed.includes(e.latency.provenance));
  if (mixed) throw new LutError(`${where} mixes ${provenance} and ${mixed.latency.provenance} figures: a table is one or the other; rebuild it`);
  for (const run of t.runs) {
    if (!sameTarget(run.target, t.target)) {
      throw new LutError(`${where} mixes targets: run ${run.runId} measured ${targetText(run.target)}, the table is for ${targetText(t.target)}`);
    }
    if (run.hostname !== t.device.hostname || run.cpu !== t.device.cpu) {
      throw new LutError(
        `${where} mixes devices: run ${run.runId} ran on ${run.hostname} (${run.cpu}), the table is for ${t.device.hostname} (${t.device.cpu})`,
      );
    }
  }
  const seen = new Set<string>();
  for (const e of t.entries) {
    if (seen.has(e.key)) throw new LutError(`${where} has two entries for ${e.key}: rebuild it`);
    seen.add(e.key);
  }
  return t;
}
