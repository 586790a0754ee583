/**
 * Loads run directories into views (views.ts) through the results reader (src/results/reader.ts). The only
 * place in src/report that knows the record layout.
 *
 * A run that cannot be read (no manifest, another schema version, a corrupt line) becomes a LoadProblem with
 * a one-line message; the other runs still load, so a report or dashboard never goes blank because of one
 * bad directory.
 */
import { externalFigureLabel } from './external-label.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { loadDevice, type DeviceProfile } from '../profiles/device.js';
import { MANIFEST_FILE, MEASUREMENTS_FILE, readRun, selectMeasurements, selectUnmeasured, type RunContents } from '../results/reader.js';
import { canonicalSettings, type ManifestRecord, type MeasurementRecord } from '../results/schema.js';
import { notConvergedCodes } from './measurement.js';
import type { HostView, LoadedRuns, MeasurementView, RunView, TargetView } from './views.js';

/** Bad report input (no runs, unreadable path): one line saying what to do; the CLI exits 2. */
export class ReportInputError extends InputError {
  override name = 'ReportInputError';
}

/** Parses a workload id: `model:conv-m@256`, `block:conv-m/b05_uib@256`, `arch:...@256`, `block:uib(...)@48x64x64`. */
export function parseWorkloadId(id: string): { model: string | null; block: MeasurementView['block']; resolution: number | null } {
  const model = /^model:([^@/]+)@(\d+)$/.exec(id);
  if (model) return { model: model[1]!, block: null, resolution: Number(model[2]) };
  const block = /^block:([^@/(]+)\/(b(\d+)[^@/]*)@(\d+)$/.exec(id);
  if (block) return { model: null, block: { model: block[1]!, id: block[2]!, index: Number(block[3]) }, resolution: Number(block[4]) };
  const res = /@(\d+)$/.exec(id);
  return { model: null, block: null, resolution: res ? Number(res[1]) : null };
}

const profileCache = new Map<string, DeviceProfile | null>();
function deviceProfile(id: string): DeviceProfile | null {
  if (!profileCache.has(id)) {
    try {
      profileCache.set(id, loadDevice(id));
    } catch {
      profileCache.set(id, null);
    }
  }
  return profileCache.get(id) ?? null;
}

/** The device profile's entry for a target as run (same target id and dtype, profile settings a subset). */
export function profileEntry(device: string, target: TargetView, dtype: string): DeviceProfile['targets'][number] | undefined {
  const p = deviceProfile(device);
  if (!p) return undefined;
  return p.targets.find(
    (e) =>
      e.target === target.id &&
      e.dtype === dtype &&
      Object.entries(e.settings).every(([k, v]) => target.settings[k] === undefined || target.settings[k] === v),
  );
}

function defaultLabel(target: TargetView, dtype: string): string {
  const s = Object.entries(target.settings)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${target.id} ${dtype}${s ? ` ${s}` : ''}`;
}

export function targetLabelOf(device: string, target: TargetView, dtype: string): string {
  return profileEntry(device, target, dtype)?.label ?? defaultLabel(target, dtype);
}

export function targetKeyOf(device: string, target: TargetView, dtype: string): string {
  return `${device}|${target.id}|${dtype}|${canonicalSettings(target.settings)}`;
}

/** CPU features that change latency, in this order, when the host has them. */
const ISA_FEATURES = [
  'avx2',
  'fma',
  'avx512f',
  'avx512_vnni',
  'avx512vnni',
  'avx_vnni',
  'avxvnni',
  'avx512_bf16',
  'amx_int8',
  'amx',
  'neon',
  'asimd',
  'dotprod',
  'i8mm',
  'sve',
];

function hostView(h: ManifestRecord['host']): HostView {
  const flags = new Set(
    h.cpu.flags
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean),
  );
  return {
    hostname: h.hostname,
    platform: h.platform,
    arch: h.arch,
    cpu: h.cpu.brand || h.cpu.manufacturer,
    cores: h.cpu.cores,
    memGiB: Math.round((h.memBytes / 2 ** 30) * 10) / 10,
    os: [h.os.distro, h.os.release].filter(Boolean).join(' '),
    isa: ISA_FEATURES.filter((f) => flags.has(f)),
  };
}

function sumOps(nodes: { op: string; medianMs: number }[]): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const n of nodes) ops[n.op] = (ops[n.op] ?? 0) + n.medianMs;
  return ops;
}

/** A measurement record as a view. */
export function measurementView(rec: MeasurementRecord): MeasurementView {
  const device = rec.device.id;
  const parsed = parseWorkloadId(rec.workload.id);
  const lat = rec.latency;
  const adapter = rec.executed.adapter as { softwareAdapter?: unknown } | undefined;
  const share = (rec.executed.details as { backendShare?: unknown } | undefined)?.backendShare;
  const sessionSamples = rec.sessions.map((s) => s.samples?.values ?? []);
  return {
    runId: rec.runId,
    device,
    key: rec.key,
    workloadId: rec.workload.id,
    workloadKind: rec.workload.kind,
    model: rec.workload.kind === 'model' ? (rec.workload.model?.id ?? parsed.model) : null,
    block: parsed.block,
    resolution: rec.workload.file.resolution,
    dtype: rec.workload.file.dtype,
    macs: rec.workload.macs,
    target: rec.target,
    targetLabel: targetLabelOf(device, rec.target, rec.workload.file.dtype),
    targetKey: targetKeyOf(device, rec.target, rec.workload.file.dtype),
    provenance: lat.provenance === 'simulated' ? 'simulated' : 'measured',
    timing: rec.timing,
    ...(rec.timing === 'external' ? { externalStatistic: externalFigureLabel(rec.sessions) } : {}),
    ...(rec.sessions.some((s) => s.external?.sustained) ? { sustained: rec.sessions.map((s) => s.external?.sustained ?? []) } : {}),
    medianMs: lat.medianMs,
    ci: lat.ciMedian ? { lo: lat.ciMedian.lo, hi: lat.ciMedian.hi, method: lat.ciMedian.method, confidence: lat.ciMedian.confidence } : null,
    n: lat.stats?.n ?? rec.sessions.reduce((s, x) => s + x.n, 0),
    sessionMedians: lat.between.centersMs,
    sessionSpread: lat.between.spreadRel,
    sessionSamples,
    samples: sessionSamples.flat(),
    converged: lat.converged,
    notConverged: notConvergedCodes(rec).words,
    warnings: rec.warnings,
    executedBackend: rec.executed.backend,
    backendShare: typeof share === 'number' ? share : null,
    softwareAdapter: adapter?.softwareAdapter === true,
    profile: rec.profile
      ? {
          source: rec.profile.source,
          blocks: rec.profile.blocks.map((b) => ({ block: b.block, ms: b.ms, ops: b.ops })),
          ops: sumOps(rec.profile.nodes),
          unattributedMs: rec.profile.unattributedMs,
          coverage: rec.profile.coverage,
        }
      : null,
  };
}

function connectionText(c: ManifestRecord['devices'][number]['connection']): string {
  if (c.kind === 'local') return 'local';
  if (c.kind === 'devtools') return `DevTools ${c.endpoint}`;
  return ['adb', c.serial ?? c.model ?? '', c.adbServer ? `via ${c.adbServer.host}:${c.adbServer.port}` : ''].filter(Boolean).join(' ');
}

/** Builds a run view from what the reader returned. */
export function runView(c: RunContents): RunView {
  const m = c.manifest;
  const measurements = selectMeasurements(c).map(measurementView);
  const skipped = selectUnmeasured(c).map((r) => ({
    device: r.device.id,
    targetLabel: targetLabelOf(r.device.id, r.target, r.dtype),
    targetId: r.target.id,
    reason: r.kind === 'skipped' ? r.reason : `${r.error.name}: ${r.error.message}`,
    kind: r.kind,
    workloadId: r.workload.id,
  }));
  return {
    dir: c.runDir,
    runId: m.runId,
    createdAt: m.createdAt,
    schemaVersion: m.schemaVersion,
    devices: m.devices.map((d) => ({ id: d.id, name: d.name, connection: connectionText(d.connection) })),
    host: hostView(m.host),
    sessionsPerMeasurement: m.sessionsPerMeasurement,
    tool: { version: m.tool.version, gitCommit: m.tool.gitCommit, gitDirty: m.tool.gitDirty },
    protocol: m.protocol.name,
    command: m.command,
    measurements,
    skipped,
    notes: c.tornTail ? [`${MEASUREMENTS_FILE}: the last line was cut off (interrupted write) and is left out`] : [],
  };
}

/** Reads one run directory (throws SchemaError / ReportInputError with a one-line message). */
export async function loadRun(dir: string): Promise<RunView> {
  if (!existsSync(dir)) throw new ReportInputError(`${dir}: no such run directory; pass results/<run-id> or use --results DIR`);
  return runView(await readRun(dir));
}

/**
 * Run directories under a results folder: every sub-folder holding a manifest or a measurements file (a
 * folder with measurements but no manifest is listed so that it is reported, not silently dropped).
 */
export function listRunDirs(resultsDir: string): string[] {
  if (!existsSync(resultsDir))
    throw new ReportInputError(`${resultsDir}: no results directory; run 'mnv4-bench run --device host' first or pass --results DIR`);
  if (!statSync(resultsDir).isDirectory())
    throw new ReportInputError(`${resultsDir} is not a directory; pass the folder that holds the run directories`);
  return readdirSync(resultsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => path.join(resultsDir, d.name))
    .filter((d) => existsSync(path.join(d, MANIFEST_FILE)) || existsSync(path.join(d, MEASUREMENTS_FILE)))
    .sort();
}

/** Loads several runs; unreadable ones become problems (one line each). Runs are ordered by creation time. */
export async function loadRuns(dirs: readonly string[]): Promise<LoadedRuns> {
  const runs: RunView[] = [];
  const problems: LoadedRuns['problems'] = [];
  for (const dir of dirs) {
    try {
      runs.push(await loadRun(dir));
    } catch (e) {
      problems.push({ dir, message: (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ') });
    }
  }
  runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
  return { runs, problems };
}

/**
 * The run directories named on a command line: each argument is a run directory or a run id under
 * `resultsDir`; no argument means every run under `resultsDir` (possibly none).
 */
export function resolveRunDirs(args: readonly string[], resultsDir: string): string[] {
  if (args.length === 0) return existsSync(resultsDir) ? listRunDirs(resultsDir) : [];
  return args.map((a) => {
    if (existsSync(a) && statSync(a).isDirectory()) return a;
    const underResults = path.join(resultsDir, a);
    if (!a.includes('/') && existsSync(underResults)) return underResults;
    throw new ReportInputError(
      `no run '${a}': neither a run directory nor a run id in ${resultsDir}; list them with 'ls ${resultsDir}' or pass --results DIR`,
    );
  });
}

/** Loads runs for a command and fails with one line when none could be read. */
export async function loadRunsOrFail(dirs: readonly string[], resultsDir: string): Promise<LoadedRuns> {
  if (dirs.length === 0)
    throw new ReportInputError(`no runs in ${resultsDir}; measure one with 'mnv4-bench run --device host' or pass run directories`);
  const loaded = await loadRuns(dirs);
  if (loaded.runs.length === 0)
    throw new ReportInputError(
      loaded.problems.length === 1
        ? loaded.problems[0]!.message
        : `none of the ${dirs.length} runs could be read (first: ${loaded.problems[0]!.message})`,
    );
  return loaded;
}
