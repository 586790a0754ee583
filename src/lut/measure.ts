/**
 * Measuring for lookup tables THROUGH the run engine (src/engine): the workloads a table or a validation
 * needs become one plan on one target entry of a device profile; the engine runs k independent sessions of
 * each, interleaved round-robin (drift hits all workloads alike), appends every session as it ends (so a
 * build is resumable), and the run is read back (src/results/reader.ts) into the per-workload sessions that
 * src/lut/build.ts turns into a table.
 *
 * Workload texts: a block configuration `<block text>@CxHxW` is measured as `block:<key>` (a free-standing
 * block, block index 0), the identity graph as `block:identity()@CxHxW`, an architecture as
 * `arch:<space>:<choices>` at the table's resolution, a model as `model:<id>` at that resolution.
 */
import type { EngineEvent, ExecuteResult } from '../engine/events.js';
import { executePlan, type ExecuteOptions } from '../engine/execute.js';
import { executePlans } from '../engine/devices.js';
import { planDevice, type Job, type Plan, type PlannedDevice } from '../engine/plan.js';
import type { DeviceProfile } from '../profiles/device.js';
import { hostFacts } from '../results/hostFacts.js';
import { readRun, selectMeasurements, type RunContents } from '../results/reader.js';
import { lowerModel } from '../models/graph.js';
import { getModel } from '../models/registry.js';
import { encodeArch, sampleArch } from '../models/search-space.js';
import { compileTable, predictGraph, predictLatency } from './predict.js';
import {
  driftArchs,
  driftEntries,
  driftPoint,
  hostStateRatio,
  summarizeValidation,
  validationPoint,
  validationWarnings,
  type ValidationReport,
} from './validate.js';
import type { MeasurementRecord } from '../results/schema.js';
import { buildTable, calibrationArchs, identityShapes, sessionSpread, type MeasuredWorkload, type SessionProfile } from './build.js';
import { LutError } from './errors.js';
import { sameTarget, targetText, type LutDevice, type LutTable, type LutTarget, type MethodId, type RunSummary } from './schema.js';
import { spaceIndex, type SpaceIndex } from './space-index.js';

export const blockWorkloadText = (configKey: string): string => `block:${configKey}`;
export const identityWorkloadText = (shape: string): string => `block:identity()@${shape}`;
export const archWorkloadText = (arch: string): string => `arch:${arch.replace(/^arch:/, '')}`;

/** What the engine needs besides the plan (results folder, run id, resume, signal, events). */
export interface LutExecution {
  outDir: string;
  runId: string;
  resume: boolean;
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  /** progress lines from runners. */
  log?: (line: string) => void;
  command?: string[];
  /** tests: a prepare that does not export (see the engine). */
  prepare?: ExecuteOptions['prepare'];
  /**
   * identical phones (e.g. leased from a device farm: `lut build --stf`) to shard the workloads over, one
   * plan per phone measured in parallel into the same run; each record keeps its phone's id (`<device>@<n>`).
   */
  shards?: PlannedDevice[];
}

/** `plan` on another device (same jobs; the resume keys carry the device id). */
export function planOnDevice(plan: Plan, device: PlannedDevice): Plan {
  const prefix = plan.device.id.length;
  return { ...plan, device, jobs: plan.jobs.map((j) => ({ ...j, key: `${device.id}${j.key.slice(prefix)}` })) };
}

/** The share of shard `index` of `count`: every count-th workload of the plan (round-robin). */
export function shardPlan(plan: Plan, index: number, count: number): Plan {
  if (count <= 1) return plan;
  const mine = new Set(plan.workloads.filter((_, i) => i % count === index));
  return { ...plan, workloads: plan.workloads.filter((w) => mine.has(w)), jobs: plan.jobs.filter((j) => mine.has(j.workloadId)) };
}

/** Whether a record was measured on the plan's device or one of its shards (`<device>@<n>`). */
const onPlanDevice = (recDevice: string, plan: Plan): boolean => recDevice === plan.device.id || recDevice.startsWith(`${plan.device.id}@`);

export interface LutPlanRequest {
  device: DeviceProfile;
  target: string;
  /** which entry of the target (default: its first entry in the profile). */
  dtype?: 'fp32' | 'fp16' | 'int8';
  preset?: string;
  sessions: number;
  resolution: number;
  workloads: readonly string[];
}

/** Plans workloads on ONE target entry of a device profile (a table never mixes targets or dtypes). */
export function planLut(req: LutPlanRequest): Plan {
  const plan = planDevice(req.device, {
    targets: [req.target],
    workloads: [...req.workloads],
    sessions: req.sessions,
    resolution: req.resolution,
    ...(req.preset !== undefined ? { preset: req.preset } : {}),
  });
  const column = plan.columns.find((c) => req.dtype === undefined || c.dtype === req.dtype);
  if (!column) {
    throw new LutError(
      `device ${req.device.id} has no ${req.target} entry with dtype ${req.dtype}; its ${req.target} entries: ${plan.columns.map((c) => c.dtype).join(', ')}`,
    );
  }
  return { ...plan, columns: [column], jobs: plan.jobs.filter((j) => j.column === column.index) };
}

/** Runs a plan through the engine; returns the result and the whole run read back (resumed runs included). */
export async function executeLut(plan: Plan, x: LutExecution): Promise<{ result: ExecuteResult; run: RunContents }> {
  if (x.shards && x.shards.length > 1) {
    const n = x.shards.length;
    const plans = x.shards.map((d, i) => shardPlan(planOnDevice(plan, d), i, n));
    const results = await executePlans(plans, {
      outDir: x.outDir,
      runId: x.runId,
      resume: x.resume,
      profile: true,
      onUnavailable: 'fail',
      ...(x.signal ? { signal: x.signal } : {}),
      ...(x.onEvent ? { onEventFor: () => x.onEvent! } : {}),
      ...(x.log ? { log: x.log } : {}),
      ...(x.command ? { command: x.command } : {}),
      ...(x.prepare ? { prepare: x.prepare } : {}),
    });
    const result: ExecuteResult = {
      runId: results[0]!.runId,
      runDir: results[0]!.runDir,
      measured: results.flatMap((r) => r.measured),
      failed: results.flatMap((r) => r.failed),
      skipped: results.flatMap((r) => r.skipped),
      alreadyMeasured: results.reduce((a, r) => a + r.alreadyMeasured, 0),
      sessionsRun: results.reduce((a, r) => a + r.sessionsRun, 0),
      interrupted: results.some((r) => r.interrupted),
    };
    return { result, run: await readRun(result.runDir) };
  }
  const result = await executePlan(plan, {
    outDir: x.outDir,
    runId: x.runId,
    resume: x.resume,
    profile: true,
    onUnavailable: 'fail',
    ...(x.signal ? { signal: x.signal } : {}),
    ...(x.onEvent ? { onEvent: x.onEvent } : {}),
    ...(x.log ? { log: x.log } : {}),
    ...(x.command ? { command: x.command } : {}),
    ...(x.prepare ? { prepare: x.prepare } : {}),
  });
  return { result, run: await readRun(result.runDir) };
}

/** The sessions of a measurement record (the profile belongs to the session it was taken in). */
export function measuredWorkload(rec: MeasurementRecord): MeasuredWorkload {
  const profile: SessionProfile | undefined = rec.profile
    ? { source: rec.profile.source, nodes: rec.profile.nodes, blocks: rec.profile.blocks, unattributedMs: rec.profile.unattributedMs }
    : undefined;
  return {
    workloadId: rec.workload.id,
    sessions: rec.sessions.map((s, i) => ({ samplesMs: s.samples?.values ?? [s.centerMs], ...(i === 0 && profile ? { profile } : {}) })),
  };
}

/** Between-session spread of a measurement (robust, as in table entries), ms. */
export function sessionSpreadMs(r: MeasurementRecord): number {
  return sessionSpread(r.sessions.map((s) => s.centerMs));
}

/** The run's measurements of the plan's target, by workload id. */
export function measurementsByWorkload(run: RunContents, plan: Plan): Map<string, MeasurementRecord> {
  const col = plan.columns[0]!;
  const recs = selectMeasurements(run, { target: col.target.id, dtype: col.dtype }).filter(
    (r) => onPlanDevice(r.device.id, plan) && sameTarget(r.target, col.target),
  );
  return new Map(recs.map((r) => [r.workload.id, r]));
}

export function runSummary(run: RunContents, measurements: number): RunSummary {
  const m = run.manifest;
  return {
    runId: m.runId,
    createdAt: m.createdAt,
    tool: { version: m.tool.version, gitCommit: m.tool.gitCommit },
    hostname: m.host.hostname,
    cpu: m.host.cpu.brand,
    target: m.targets[0]!,
    runtimes: m.runtimes,
    protocol: m.protocol.name,
    measurements,
  };
}

export function lutDevice(run: RunContents, plan: Plan): LutDevice {
  return { id: plan.device.id, hostname: run.manifest.host.hostname, cpu: run.manifest.host.cpu.brand };
}

export interface BuildRequest extends Omit<LutPlanRequest, 'workloads' | 'resolution'> {
  space: string;
  resolution?: number;
  /** whole architectures measured for the correction (default 10). */
  calibration?: number;
  seed?: number;
  method?: MethodId;
}

/** The workloads a table needs: every configuration, the identity graphs, the calibration architectures. */
export function buildWorkloads(
  index: SpaceIndex,
  calibration: number,
  seed: number,
): { blocks: Map<string, string>; identities: Map<string, string>; archs: Map<string, string> } {
  const blocks = new Map(index.configs.map((c) => [blockWorkloadText(c.key), c.key]));
  const identities = new Map(identityShapes(index).map((s) => [identityWorkloadText(s.join('x')), s.join('x')]));
  const archs = new Map(calibrationArchs(index.space.id, calibration, seed, index.resolution).map((a) => [archWorkloadText(a), a]));
  return { blocks, identities, archs };
}

export interface BuildOutcome {
  table: LutTable | null;
  result: ExecuteResult;
  plan: Plan;
  /** workloads of the plan that have no measurement (failed or interrupted). */
  missing: string[];
}

/**
 * Measures what a table needs and builds it. Entries that failed are left out (the predictor falls back to
 * the regression for them); the table is null when the run was interrupted (resume it).
 */
export async function measureAndBuild(req: BuildRequest, x: LutExecution): Promise<BuildOutcome> {
  const index = spaceIndex(req.space, req.resolution);
  const w = buildWorkloads(index, req.calibration ?? 10, req.seed ?? 1);
  const plan = planLut({ ...req, resolution: index.resolution, workloads: [...w.blocks.keys(), ...w.identities.keys(), ...w.archs.keys()] });
  const { result, run } = await executeLut(plan, x);
  const byId = measurementsByWorkload(run, plan);
  const jobOf = new Map(plan.jobs.map((j: Job) => [j.text, j]));
  const get = (text: string): MeasurementRecord | undefined => byId.get(jobOf.get(text)!.workloadId);
  const missing = plan.jobs.filter((j) => !byId.has(j.workloadId)).map((j) => j.workloadId);
  if (result.interrupted) return { table: null, result, plan, missing };
  const blocks = new Map<string, MeasuredWorkload>();
  for (const [text, key] of w.blocks) {
    const r = get(text);
    if (r) blocks.set(key, measuredWorkload(r));
  }
  const identities = new Map<string, MeasuredWorkload>();
  for (const [text, shape] of w.identities) {
    const r = get(text);
    if (r) identities.set(shape, measuredWorkload(r));
  }
  const archs: { arch: string; role: 'calibration'; measured: MeasuredWorkload }[] = [];
  for (const [text, arch] of w.archs) {
    const r = get(text);
    if (r) archs.push({ arch, role: 'calibration', measured: measuredWorkload(r) });
  }
  const sessions = run.records.filter((r) => r.kind === 'session').length;
  const last = run.records.reduce((t, r) => (r.recordedAt > t ? r.recordedAt : t), run.manifest.createdAt);
  const wallSeconds = Math.max(0, (Date.parse(last) - Date.parse(run.manifest.createdAt)) / 1000);
  const col = plan.columns[0]!;
  const table = buildTable({
    spaceId: index.space.id,
    resolution: index.resolution,
    device: lutDevice(run, plan),
    target: col.target as LutTarget,
    dtype: col.dtype,
    format: col.format,
    protocol: plan.protocol.name,
    runs: [runSummary(run, byId.size)],
    blocks,
    identities,
    archs,
    cost: { measurements: sessions, wallSeconds },
    ...(req.method ? { method: req.method } : {}),
  });
  return { table, result, plan, missing };
}

/**
 * Refuses to measure a table's target with different settings, or on another device: another profile id, or
 * (for a local device) another machine than the one the table was measured on.
 */
export async function checkSameTarget(table: LutTable, plan: Plan): Promise<void> {
  const col = plan.columns[0]!;
  if (!sameTarget(col.target as LutTarget, table.target) || col.dtype !== table.dtype) {
    throw new LutError(
      `the table is for ${targetText(table.target)} ${table.dtype}; device ${plan.device.id} gives ${targetText(col.target as LutTarget)} ${col.dtype}: use the device profile and target the table was built with`,
    );
  }
  if (plan.device.id !== table.device.id)
    throw new LutError(`the table was built on device ${table.device.id}, not ${plan.device.id}: validate it where it was built`);
  if (plan.device.connection.kind === 'local') {
    const h = await hostFacts();
    if (h.hostname !== table.device.hostname || h.cpu.brand !== table.device.cpu) {
      throw new LutError(
        `the table was measured on ${table.device.hostname} (${table.device.cpu}), this is ${h.hostname} (${h.cpu.brand}): a table never mixes devices; build one here`,
      );
    }
  }
}

/** The five MNv4 models validation also predicts (by regression where their blocks are not in the table). */
export const MNV4_MODELS = ['conv-s', 'conv-m', 'conv-l', 'hybrid-m', 'hybrid-l'] as const;

export interface ValidateRequest extends Omit<LutPlanRequest, 'workloads' | 'resolution' | 'target' | 'dtype'> {
  table: LutTable;
  tableFile: string;
  n: number;
  seed: number;
  /** table entries re-measured to see drift (default 4). */
  driftCount?: number;
  /** calibration architectures re-measured to see drift of whole networks (default 2). */
  driftArchCount?: number;
  /** also the five MNv4 models (default true). */
  models?: boolean;
}

/**
 * Measures N seeded random architectures of the table's space end to end on its target (with a few table
 * entries and the MNv4 models in the same interleaved run) and compares them with the predictions.
 */
export async function measureAndValidate(req: ValidateRequest, x: LutExecution): Promise<{ report: ValidationReport | null; result: ExecuteResult }> {
  const t = req.table;
  const c = compileTable(t);
  const space = c.index.space;
  // held out: seeds seed, seed+1, ..., skipping any architecture the table was calibrated on
  const seen = new Set(t.archs.map((a) => a.arch));
  const archs: string[] = [];
  for (let i = 0; archs.length < req.n && i < req.n * 100; i++) {
    const a = encodeArch(space, sampleArch(space, req.seed + i));
    if (!seen.has(a)) archs.push(a);
    seen.add(a);
  }
  const drift = driftEntries(t, req.driftCount ?? 4);
  // anchors never double as validation architectures (a held-out architecture must not be one the table saw)
  const anchors = driftArchs(t, req.driftArchCount ?? 2).filter((a) => !archs.includes(a));
  const models = req.models === false ? [] : [...MNV4_MODELS];
  const plan = planLut({
    device: req.device,
    target: t.target.id,
    dtype: t.dtype,
    sessions: req.sessions,
    resolution: t.space.resolution,
    ...(req.preset !== undefined ? { preset: req.preset } : {}),
    workloads: [
      ...archs.map(archWorkloadText),
      ...drift.map(blockWorkloadText),
      ...anchors.map(archWorkloadText),
      ...models.map((m) => `model:${m}`),
    ],
  });
  await checkSameTarget(t, plan);
  const { result, run } = await executeLut(plan, x);
  if (result.interrupted) return { report: null, result };
  const byId = measurementsByWorkload(run, plan);
  const byText = (text: string): MeasurementRecord | undefined => {
    const j = plan.jobs.find((job) => job.text === text);
    return j ? byId.get(j.workloadId) : undefined;
  };
  const points = archs.flatMap((a) => {
    const r = byText(archWorkloadText(a));
    return r ? [validationPoint(a, predictLatency(a, c).medianMs, r.latency.medianMs, sessionSpreadMs(r))] : [];
  });
  const modelPoints = models.flatMap((m) => {
    const r = byText(`model:${m}`);
    if (!r) return [];
    const p = predictGraph(lowerModel(getModel(m), t.space.resolution), c);
    return [{ ...validationPoint(r.workload.id, p.medianMs, r.latency.medianMs, sessionSpreadMs(r)), source: p.source }];
  });
  const summary = summarizeValidation(points);
  const entryMs = new Map(t.entries.map((e) => [e.key, e.latency.median]));
  const archMs = new Map(t.archs.map((a) => [a.arch, a.latency.median]));
  const driftPoints = [
    ...drift.flatMap((k) => {
      const r = byText(blockWorkloadText(k));
      return r ? [driftPoint(k, entryMs.get(k)!, r.latency.medianMs, 'entry')] : [];
    }),
    ...anchors.flatMap((a) => {
      const r = byText(archWorkloadText(a));
      return r ? [driftPoint(a, archMs.get(a)!, r.latency.medianMs, 'arch')] : [];
    }),
  ];
  const ratio = hostStateRatio(driftPoints);
  return {
    result,
    report: {
      table: {
        file: req.tableFile,
        space: t.space.id,
        resolution: t.space.resolution,
        target: targetText(t.target),
        device: t.device.id,
        method: t.method.id,
        digest: t.integrity.digest,
      },
      seed: req.seed,
      archs: points,
      summary,
      models: modelPoints,
      drift: driftPoints,
      hostState: { ratio, archs: driftPoints.filter((d) => d.kind === 'arch').length },
      warnings: validationWarnings(summary, driftPoints),
      runId: result.runId,
      provenance: { predicted: 'estimated', measured: 'measured' },
    },
  };
}

/** Measures architectures (e.g. a search frontier) on the table's target; median and spread by arch text. */
export async function measureArchs(
  table: LutTable,
  archs: readonly string[],
  req: Omit<LutPlanRequest, 'workloads' | 'resolution' | 'target' | 'dtype'>,
  x: LutExecution,
): Promise<{ measured: Map<string, { medianMs: number; spreadMs: number }>; result: ExecuteResult }> {
  const plan = planLut({
    ...req,
    target: table.target.id,
    dtype: table.dtype,
    resolution: table.space.resolution,
    workloads: archs.map(archWorkloadText),
  });
  await checkSameTarget(table, plan);
  const { result, run } = await executeLut(plan, x);
  const byId = measurementsByWorkload(run, plan);
  const measured = new Map<string, { medianMs: number; spreadMs: number }>();
  for (const a of archs) {
    const j = plan.jobs.find((job) => job.text === archWorkloadText(a));
    const r = j ? byId.get(j.workloadId) : undefined;
    if (r) measured.set(a, { medianMs: r.latency.medianMs, spreadMs: sessionSpreadMs(r) });
  }
  return { measured, result };
}
