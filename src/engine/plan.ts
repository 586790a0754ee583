/**
 * Planning a run: which (workload, target, dtype) pairs to measure on which device, under which protocol,
 * in how many independent sessions. Everything is validated here, before anything runs: an unknown target,
 * a bad setting, a dtype the target's file format does not come in or a workload typo is an InputError
 * (exit 2) naming the fix. Nothing is measured, exported or detected while planning.
 *
 * Two sources: a device profile (`planDevice`, the `run` command) or explicit targets and workloads on this
 * machine (`planBench`, the `bench` command).
 */
import { InputError } from '../errors.js';
import { FORMAT_DTYPES, type ExportDtype } from '../models/export/cache.js';
import { resolveWorkload } from '../models/workload.js';
import { expandWorkloadGroups } from '../models/workload-groups.js';
import type { DeviceProfile } from '../profiles/device.js';
import { type ProtocolSettings } from '../core/protocol-run.js';
import { getPreset, type PresetName } from '../profiles/protocol.js';
import { measurementKey } from '../results/schema.js';
import { getRunner } from '../runners/registry.js';
import type { SummaryLayout } from '../core/summary-layout.js';
import type { DeviceConnection, ModelFormat, Target, TargetSettings } from '../core/target.js';
import type { Runner } from '../runners/types.js';

/** Upper bound of --sessions. */
export const MAX_SESSIONS = 50;

/** A plan that cannot be made from what was given (bad input: exit 2). */
export class PlanError extends InputError {
  override name = 'PlanError';
}

/** The device a plan runs on. */
export interface PlannedDevice {
  id: string;
  name: string;
  connection: DeviceConnection;
}

/** A whole model at its native resolution or not (published figures apply only at the native one). */
export interface ModelRef {
  id: string;
  resolution: number;
  nativeResolution: number;
}

/** One column of the run: a target entry of the profile (or a bench target) with its dtype. */
export interface PlanColumn {
  /** 0-based position; jobs refer to it. */
  index: number;
  label: string;
  target: Target;
  dtype: ExportDtype;
  format: ModelFormat;
  /** the paper's Table 6 column this entry corresponds to (device profiles only). */
  publishedColumn?: string;
}

/** One (workload, target, dtype) pair to measure in k sessions. */
export interface Job {
  /** resume key: device, workload, dtype, target + settings (src/results/schema.ts measurementKey). */
  key: string;
  /** workload text as given (resolved again when the workload is prepared). */
  text: string;
  /** resolved workload id. */
  workloadId: string;
  /** set for whole models. */
  model?: ModelRef;
  runner: Runner;
  target: Target;
  column: number;
  format: ModelFormat;
  dtype: ExportDtype;
  resolution?: number;
}

export interface Plan {
  device: PlannedDevice;
  protocol: ProtocolSettings;
  /** independent sessions per pair (k). */
  sessions: number;
  columns: PlanColumn[];
  /** in plan order: workload-major within each column, columns in order. */
  jobs: Job[];
  /** workload ids in first-seen order (rows of a summary table). */
  workloads: string[];
}

/** Options shared by both planners. */
export interface PlanOptions {
  /** protocol preset name (default: the profile's, or 'default'). */
  preset?: string;
  /** sessions per measurement (default: the preset's; another k names the protocol '<preset>+custom'). */
  sessions?: number;
  /** input resolution for models/blocks/architectures (default: each model's native one). */
  resolution?: number;
}

/** The preset, with `sessions` overridden when the caller gave a k (then named '<preset>+custom'). */
function protocolOf(name: string, sessions: number | undefined): ProtocolSettings {
  if (sessions !== undefined && (!Number.isInteger(sessions) || sessions < 1 || sessions > MAX_SESSIONS))
    throw new PlanError(`sessions must be an integer from 1 to ${MAX_SESSIONS}, got ${String(sessions)}`);
  const preset = getPreset(name as PresetName); // a ProtocolError (an InputError) names the presets
  return sessions === undefined || sessions === preset.sessions ? preset : getPreset(name as PresetName, { sessions });
}

/**
 * Resolves workload texts once per dtype (a typo, a size out of range or a workload too large for this
 * machine's memory fails here, before anything runs: src/models/workload-limits.ts).
 */
function workloadResolver(resolution: number | undefined): (text: string, dtype: ExportDtype) => { id: string; model?: ModelRef } {
  const seen = new Map<string, { id: string; model?: ModelRef }>();
  return (text, dtype) => {
    let r = seen.get(`${dtype}|${text}`);
    if (!r) {
      const w = resolveWorkload(text, { dtype, ...(resolution !== undefined ? { resolution } : {}) });
      r = { id: w.id, ...(w.model ? { model: w.model } : {}) };
      seen.set(`${dtype}|${text}`, r);
    }
    return r;
  };
}

function checkFormat(where: string, runner: Runner, format: ModelFormat, dtype: ExportDtype): void {
  if (!runner.formats.includes(format)) throw new PlanError(`${where}: ${runner.id} runs ${runner.formats.join('/')} files, not ${format}`);
  if (!FORMAT_DTYPES[format].includes(dtype))
    throw new PlanError(`${where}: ${runner.id} runs ${format} files, which come in ${FORMAT_DTYPES[format].join(', ')}, not ${dtype}`);
}

function buildPlan(
  device: PlannedDevice,
  protocol: ProtocolSettings,
  sessions: number,
  columns: PlanColumn[],
  workloadsOf: (c: PlanColumn) => readonly string[],
  resolution: number | undefined,
): Plan {
  const resolve = workloadResolver(resolution);
  const jobs: Job[] = [];
  const keys = new Set<string>();
  for (const c of columns) {
    const runner = getRunner(c.target.runner);
    // a group (`group:table6`) stands for the registry's models of it at planning time
    for (const text of expandWorkloadGroups(workloadsOf(c))) {
      const w = resolve(text, c.dtype);
      const key = measurementKey(device.id, w.id, c.dtype, c.target);
      if (keys.has(key)) continue; // the same pair listed twice is measured once
      keys.add(key);
      jobs.push({
        key,
        text,
        workloadId: w.id,
        ...(w.model ? { model: w.model } : {}),
        runner,
        target: c.target,
        column: c.index,
        format: c.format,
        dtype: c.dtype,
        ...(resolution !== undefined ? { resolution } : {}),
      });
    }
  }
  if (jobs.length === 0) throw new PlanError(`device ${device.id}: nothing to run (no workloads)`);
  return { device, protocol, sessions, columns, jobs, workloads: [...new Set(jobs.map((j) => j.workloadId))] };
}

/** Narrows the profile to a subset of targets and/or overrides its workloads. */
export interface DevicePlanOptions extends PlanOptions {
  /** only these target ids of the profile. */
  targets?: readonly string[];
  /** these workloads instead of the profile's (and instead of per-target workload lists). */
  workloads?: readonly string[];
}

/** Plans a device profile's run: every target entry on its workloads. */
export function planDevice(profile: DeviceProfile, o: DevicePlanOptions = {}): Plan {
  if (profile.connection.kind === 'none') {
    throw new PlanError(
      `device ${profile.id} cannot be reached from here (${profile.connection.reason}); its roofline estimate: mnv4-bench run --device ${profile.id} --simulate`,
    );
  }
  if (o.targets) {
    if (o.targets.length === 0) throw new PlanError('--targets is empty; name at least one target of the profile');
    const unknown = o.targets.filter((t) => !profile.targets.some((e) => e.target === t));
    if (unknown.length)
      throw new PlanError(
        `--targets: device ${profile.id} has no target ${unknown.join(', ')}; it has ${[...new Set(profile.targets.map((e) => e.target))].join(', ')}`,
      );
  }
  if (o.workloads && o.workloads.length === 0) throw new PlanError('--workloads is empty; name at least one workload');
  const protocol = protocolOf(o.preset ?? profile.preset, o.sessions);
  const columns: PlanColumn[] = [];
  const entries = new Map<number, DeviceProfile['targets'][number]>();
  for (const [i, entry] of profile.targets.entries()) {
    if (o.targets && !o.targets.includes(entry.target)) continue;
    const where = `device ${profile.id}, targets[${i}]`;
    let runner: Runner;
    try {
      runner = getRunner(entry.target);
    } catch (e) {
      throw new PlanError(
        `${where}: this mnv4-bench has no runner for target '${entry.target}' (${(e as Error).message.replace(/^unknown target '[^']*'; /, '')}); use --targets to pick others or edit the device file`,
      );
    }
    let settings: TargetSettings;
    try {
      settings = runner.resolveSettings(entry.settings);
    } catch (e) {
      throw new PlanError(`${where}: ${(e as Error).message}`);
    }
    const format = runner.formats[0]!;
    checkFormat(where, runner, format, entry.dtype);
    const index = columns.length;
    entries.set(index, entry);
    columns.push({
      index,
      label: entry.label ?? `${entry.target} ${entry.dtype}`,
      target: { id: runner.id, runner: runner.id, backend: runner.backend, settings },
      dtype: entry.dtype,
      format,
      ...(entry.publishedColumn ? { publishedColumn: entry.publishedColumn } : {}),
    });
  }
  if (columns.length === 0) throw new PlanError(`device ${profile.id}: nothing to run (no targets)`);
  return buildPlan(
    { id: profile.id, name: profile.name, connection: profile.connection },
    protocol,
    protocol.sessions,
    columns,
    (c) => o.workloads ?? entries.get(c.index)!.workloads ?? profile.workloads,
    o.resolution,
  );
}

/** The device `bench` measures: this machine. */
export const HOST_DEVICE: PlannedDevice = { id: 'host', name: 'This machine', connection: { kind: 'local' } };

export interface BenchPlanOptions extends PlanOptions {
  targets: readonly string[];
  /** workload texts (model:, block:, arch: or bare model/block references). */
  workloads: readonly string[];
  /** requested settings, applied to every target (each validates them). */
  settings?: TargetSettings;
  dtype?: ExportDtype;
  /** file format (default: each target's first). */
  format?: ModelFormat;
}

/** Plans explicit targets x workloads on this machine. */
export function planBench(o: BenchPlanOptions): Plan {
  if (o.targets.length === 0) throw new PlanError('--target is required (see mnv4-bench targets)');
  if (o.workloads.length === 0)
    throw new PlanError('nothing to measure: give --model <id>, --block <model/bNN>, --arch <space:...> or --workload <text>');
  const protocol = protocolOf(o.preset ?? 'default', o.sessions);
  const dtype = o.dtype ?? 'fp32';
  const columns: PlanColumn[] = [];
  for (const id of [...new Set(o.targets)]) {
    const runner = getRunner(id); // UnknownTargetError (an InputError) lists the known targets
    const settings = runner.resolveSettings(o.settings ?? {});
    const format = o.format ?? runner.formats[0]!;
    checkFormat(`--target ${id}`, runner, format, dtype);
    columns.push({
      index: columns.length,
      label: `${runner.id} ${dtype}`,
      target: { id: runner.id, runner: runner.id, backend: runner.backend, settings },
      dtype,
      format,
    });
  }
  return buildPlan(HOST_DEVICE, protocol, protocol.sessions, columns, () => o.workloads, o.resolution);
}

/** The summary-table layout of a plan: its columns, its workloads as rows, its pairs as the planned cells. */
export function summaryLayout(plan: Plan): SummaryLayout {
  const models = new Map(plan.jobs.filter((j) => j.model).map((j) => [j.workloadId, j.model!]));
  return {
    deviceId: plan.device.id,
    columns: plan.columns.map((c) => ({
      label: c.label,
      target: c.target,
      dtype: c.dtype,
      ...(c.publishedColumn ? { publishedColumn: c.publishedColumn } : {}),
    })),
    rows: plan.workloads.map((id) => ({ workloadId: id, ...(models.has(id) ? { model: models.get(id)! } : {}) })),
    planned: new Set(plan.jobs.map((j) => j.key)),
  };
}
