/**
 * The analysis behind every report view: Pareto groups (accuracy vs latency per device/target, and vs MACs
 * and params), the models across targets, efficiency (GMAC/s, share of the roofline where a peak is known),
 * per-block and per-op breakdowns, and an overview of what each run measured, simulated or skipped.
 *
 * Provenance is carried on every row: `measured`, `simulated` (a model of the device) or `published` (a
 * paper's figure, with its citation). Series of different provenance are never merged.
 */
import { notConvergedFlag } from './measurement.js';
import { graphLayerCosts, rooflineSeconds, type DType } from '../models/cost.js';
import { DEVICE_COLUMN_INFO, DEVICE_COLUMNS, TABLE6_CITATION, type DeviceColumn } from '../models/published.js';
import { getModel } from '../models/registry.js';
import { definedTable6Models } from '../models/table6-models.js';
import { resolveWorkload } from '../models/workload.js';
import { markPareto } from './pareto.js';
import { modelFacts, publishedColumnOf, ridgePointOf, type CitedValue, type ModelFacts } from './published-join.js';
import type { DeviceModelValidationView, SimulationView, SpaceFrontierView } from './simulation-input.js';
import type { LoadedRuns, MeasurementView, RunView } from './views.js';

export type SeriesProvenance = 'measured' | 'simulated' | 'published';

export interface ParetoPoint {
  model: string;
  name: string;
  /** latency (ms), MACs (G) or params (M), per the group's axis. */
  cost: number;
  /** CI of the latency median (ms), when measured. */
  costLo: number | null;
  costHi: number | null;
  accuracy: number;
  accuracySource: string;
  provenance: SeriesProvenance;
  dominated: boolean;
  /** names of the points of the same series that dominate this one. */
  dominatedBy: string[];
  runId: string | null;
  note: string | null;
}

export interface ParetoGroup {
  id: string;
  title: string;
  axis: 'latency' | 'macs' | 'params';
  unit: string;
  device: string | null;
  targetLabel: string | null;
  publishedColumn: DeviceColumn | null;
  series: Record<SeriesProvenance, ParetoPoint[]>;
  notes: string[];
}

export interface ModelRow {
  device: string;
  targetKey: string;
  targetLabel: string;
  model: string;
  name: string;
  provenance: SeriesProvenance;
  medianMs: number;
  ciLo: number | null;
  ciHi: number | null;
  n: number | null;
  runId: string | null;
  flags: string[];
  /** measured rows with a co-measured reference: latency / the reference's, with its CI (else absent). */
  relative?: { referenceId: string; ratio: number; lo: number; hi: number; converged: boolean };
}

export interface EfficiencyRow {
  runId: string;
  device: string;
  targetLabel: string;
  provenance: SeriesProvenance;
  workloadId: string;
  gmac: number;
  medianMs: number;
  gmacPerSecond: number;
  /** best GMAC/s of the dense single-convolution workloads measured in the same run on the same target. */
  peakGmacPerSecond: number | null;
  ridgePoint: { macsPerByte: number; source: string } | null;
  /**
   * roofline time (paper Eq. 1) and roofline time / measured latency: at the measured peak and the profile's
   * ridge point, or else the roofline fitted to the device's Table 6 column (a simulation file), when known.
   */
  rooflineMs: number | null;
  rooflineShare: number | null;
  rooflineSource: 'measured peak' | 'fitted roofline' | null;
}

export interface BlockRow {
  runId: string;
  device: string;
  targetLabel: string;
  provenance: SeriesProvenance;
  model: string;
  block: string;
  /** position in the model (b05 -> 5); -1 for time the profiler could not attribute to a block. */
  index: number;
  /** `standalone`: the block measured alone (with CI); `in-model profile`: profiler time inside the whole model. */
  source: 'standalone' | 'in-model profile';
  medianMs: number;
  ciLo: number | null;
  ciHi: number | null;
  n: number | null;
  gmac: number | null;
}

export interface OpRow {
  runId: string;
  device: string;
  targetLabel: string;
  workloadId: string;
  op: string;
  ms: number;
  share: number;
}

export interface TargetStatus {
  device: string;
  targetLabel: string;
  status: 'measured' | 'simulated' | 'published' | 'skipped' | 'error';
  count: number;
  reason: string | null;
  runId: string | null;
}

export interface RunSummary {
  runId: string;
  dir: string;
  createdAt: string;
  device: string;
  deviceName: string;
  sessionsPerMeasurement: number;
  host: RunView['host'];
  tool: RunView['tool'];
  protocol: string;
  command: string;
  measured: number;
  simulated: number;
  failed: number;
  notes: string[];
}

export interface Analysis {
  runs: RunSummary[];
  problems: LoadedRuns['problems'];
  targets: TargetStatus[];
  models: ModelFacts[];
  pareto: ParetoGroup[];
  modelRows: ModelRow[];
  efficiency: EfficiencyRow[];
  blocks: BlockRow[];
  ops: OpRow[];
  /** per simulated device column: the device model's out-of-sample validation beside the roofline and MACs. */
  deviceModels: DeviceModelValidationView[];
  /** per simulated device column: a search space's sampled architectures, simulated (Pareto tab). */
  spaceFrontiers: SpaceFrontierView[];
  citation: string;
  /** --sustained measurements: latency and the hottest zone against time, per session. */
  sustained: { device: string | null; target: string; workload: string; label: string; sessions: NonNullable<MeasurementView['sustained']> }[];
}

const modelName = (facts: ModelFacts[], id: string): string => facts.find((f) => f.id === id)?.name ?? id;

/** The latest measurement of each (target, workload), latest run first wins. */
export function latestMeasurements(runs: readonly RunView[], keep: (m: MeasurementView) => boolean = () => true): MeasurementView[] {
  const byKey = new Map<string, MeasurementView>();
  for (const r of runs) for (const m of r.measurements) if (keep(m)) byKey.set(`${m.targetKey}|${m.workloadId}`, m); // runs are in time order
  return [...byKey.values()];
}

function point(
  facts: ModelFacts,
  cost: number,
  provenance: SeriesProvenance,
  extra: Partial<ParetoPoint> = {},
): Omit<ParetoPoint, 'dominated' | 'dominatedBy'> | null {
  if (!facts.top1) return null;
  return {
    model: facts.id,
    name: facts.name,
    cost,
    costLo: null,
    costHi: null,
    accuracy: facts.top1.value,
    accuracySource: facts.top1.source,
    provenance,
    runId: null,
    note: null,
    ...extra,
  };
}

function marked(points: (Omit<ParetoPoint, 'dominated' | 'dominatedBy'> | null)[]): ParetoPoint[] {
  const ps = points.filter((p): p is Omit<ParetoPoint, 'dominated' | 'dominatedBy'> => p !== null);
  return markPareto(ps.map((p) => ({ ...p, cost: p.cost, accuracy: p.accuracy }))).map((p) => ({
    ...p,
    dominatedBy: p.dominatedBy.map((j) => ps[j]!.name),
  }));
}

function publishedLatencyPoints(facts: ModelFacts[], column: DeviceColumn): ParetoPoint[] {
  return marked(
    facts.map((f) => {
      const v = f.table6Latency[column];
      return typeof v === 'number' ? point(f, v, 'published', { accuracySource: TABLE6_CITATION }) : null;
    }),
  );
}

function measuredPoints(facts: ModelFacts[], ms: MeasurementView[], provenance: 'measured' | 'simulated'): ParetoPoint[] {
  return marked(
    ms
      .filter((m) => m.provenance === provenance && m.model !== null)
      .map((m) => {
        const f = facts.find((x) => x.id === m.model);
        if (!f) return null;
        const note =
          f.resolution !== null && f.resolution !== m.resolution ? `run at ${m.resolution}px; the published top-1 is at ${f.resolution}px` : null;
        return point(f, m.medianMs, provenance, { costLo: m.ci?.lo ?? null, costHi: m.ci?.hi ?? null, runId: m.runId, note });
      }),
  );
}

/** Adds roofline simulations as the `simulated` series of the group of their device and Table 6 column. */
function addSimulatedSeries(groups: ParetoGroup[], facts: ModelFacts[], sims: readonly SimulationView[]): void {
  for (const sim of sims) {
    for (const col of sim.columns) {
      const g =
        groups.find((x) => x.axis === 'latency' && x.publishedColumn === col.column && x.device === sim.device.id) ??
        groups.find((x) => x.id === `latency|table6|${col.column}`) ??
        groups.find((x) => x.axis === 'latency' && x.publishedColumn === col.column);
      if (!g) continue;
      if (g.device === null) {
        g.device = sim.device.id;
        g.title = `${sim.device.id} · ${col.label} · simulated and published (Table 6)`;
      }
      const fit = [
        col.spearman !== null ? `Spearman r_s ${col.spearman.toFixed(3)}` : '',
        col.mape !== null ? `MAPE ${(col.mape * 100).toFixed(1)}%` : '',
      ]
        .filter(Boolean)
        .join(', ');
      g.notes.push(`simulated series: ${sim.method}${fit ? ` (leave-one-out against Table 6: ${fit})` : ''}; from ${sim.source}`);
      const added = sim.points
        .filter((p) => p.column === col.column)
        .map((p) => {
          const f = facts.find((x) => x.id === p.model);
          return f
            ? point(f, p.valueMs, 'simulated', { note: p.leaveOneOut === false ? 'no published latency in this column: fitted on all models' : null })
            : null;
        });
      const strip = (p: ParetoPoint): Omit<ParetoPoint, 'dominated' | 'dominatedBy'> => {
        const { dominated: _d, dominatedBy: _b, ...rest } = p;
        return rest;
      };
      g.series.simulated = marked([...g.series.simulated.map(strip), ...added]);
    }
  }
}

/**
 * A note for a measured chart that lacks some Table 6 models defined here (so a missing baseline reads as not
 * measured, not as absent from the comparison); on this host it names the profile that measures them all.
 */
function unmeasuredNote(ms: readonly MeasurementView[], table6Ids: readonly { id: string; name: string }[]): string | null {
  const measured = new Set(ms.filter((m) => m.provenance === 'measured').map((m) => m.model));
  const missing = table6Ids.filter((m) => !measured.has(m.id));
  if (missing.length === 0 || measured.size === 0) return null;
  const hint = ms[0]!.device.startsWith('host') ? '; mnv4-bench run --device host-table6 measures them all on this host' : '';
  return `measured ${table6Ids.length - missing.length} of the ${table6Ids.length} Table 6 models defined here; not measured on this target: ${missing.map((m) => m.name).join(', ')}${hint}`;
}

function paretoGroups(facts: ModelFacts[], latest: MeasurementView[], sims: readonly SimulationView[]): ParetoGroup[] {
  const groups: ParetoGroup[] = [];
  const table6Ids = definedTable6Models().map((m) => ({ id: m.spec.id, name: m.published.name }));
  const byTarget = new Map<string, MeasurementView[]>();
  for (const m of latest) if (m.model !== null) byTarget.set(m.targetKey, [...(byTarget.get(m.targetKey) ?? []), m]);
  const shownColumns = new Set<DeviceColumn>();
  for (const [key, ms] of byTarget) {
    const first = ms[0]!;
    const column = publishedColumnOf(first);
    if (column) shownColumns.add(column);
    const notes: string[] = [];
    if (ms.some((m) => m.softwareAdapter)) notes.push('software GPU adapter (SwiftShader): measured, but not a GPU latency');
    const unmeasured = unmeasuredNote(ms, table6Ids);
    if (unmeasured) notes.push(unmeasured);
    if (column)
      notes.push(
        `published series: ${DEVICE_COLUMN_INFO[column].label} column of ${TABLE6_CITATION} (${DEVICE_COLUMN_INFO[column].runtime}, ${DEVICE_COLUMN_INFO[column].precision})`,
      );
    groups.push({
      id: `latency|${key}`,
      title: `${first.device} · ${first.targetLabel}`,
      axis: 'latency',
      unit: 'ms',
      device: first.device,
      targetLabel: first.targetLabel,
      publishedColumn: column,
      series: {
        measured: measuredPoints(facts, ms, 'measured'),
        simulated: measuredPoints(facts, ms, 'simulated'),
        published: column ? publishedLatencyPoints(facts, column) : [],
      },
      notes,
    });
  }
  for (const column of DEVICE_COLUMNS) {
    if (shownColumns.has(column)) continue;
    const info = DEVICE_COLUMN_INFO[column];
    groups.push({
      id: `latency|table6|${column}`,
      title: `${info.label} · published (Table 6)`,
      axis: 'latency',
      unit: 'ms',
      device: null,
      targetLabel: null,
      publishedColumn: column,
      series: { measured: [], simulated: [], published: publishedLatencyPoints(facts, column) },
      notes: [`${info.device}, ${info.processor}, ${info.runtime}, ${info.precision}; ${TABLE6_CITATION}`],
    });
  }
  addSimulatedSeries(groups, facts, sims);
  for (const axis of ['macs', 'params'] as const) {
    const pts = marked(
      facts.map((f) => {
        const c = axis === 'macs' ? f.macsG : f.paramsM;
        return c ? point(f, c.value, 'published', { note: `${axis === 'macs' ? 'MACs' : 'params'}: ${c.source}` }) : null;
      }),
    );
    groups.push({
      id: `${axis}|published`,
      title: `top-1 vs ${axis === 'macs' ? 'MACs' : 'parameters'} (published)`,
      axis,
      unit: axis === 'macs' ? 'G' : 'M',
      device: null,
      targetLabel: null,
      publishedColumn: null,
      series: { measured: [], simulated: [], published: pts },
      notes: ['device-independent: the cost axis is a count, not a latency'],
    });
  }
  return groups;
}

function flagsOf(m: MeasurementView): string[] {
  const f: string[] = [];
  if (!m.converged) f.push(notConvergedFlag(m.notConverged));
  if (m.softwareAdapter) f.push('software adapter');
  if (m.backendShare !== null && m.backendShare < 1) f.push(`partial fallback: ${(m.backendShare * 100).toFixed(0)}% on ${m.target.backend}`);
  if (m.timing === 'external') f.push(`externally timed: ${m.externalStatistic ?? 'median over sessions'}`);
  return f;
}

function modelRows(facts: ModelFacts[], latest: MeasurementView[], sims: readonly SimulationView[]): ModelRow[] {
  const rows: ModelRow[] = [];
  const columnsSeen = new Map<DeviceColumn, string>();
  // roofline simulations: the MNv4 models and whatever was run, per simulated column (after the measured rows)
  const simRows: ModelRow[] = [];
  const measuredModels = new Set(latest.flatMap((m) => (m.model ? [m.model] : [])));
  for (const sim of sims) {
    for (const p of sim.points) {
      const f = facts.find((x) => x.id === p.model);
      if (!f || !(f.mnv4 || measuredModels.has(p.model))) continue;
      const label = sim.columns.find((c) => c.column === p.column)?.label ?? DEVICE_COLUMN_INFO[p.column].label;
      simRows.push({
        device: sim.device.id,
        targetKey: `simulated|${sim.device.id}|${p.column}`,
        targetLabel: `${label} (${sim.kind} simulation)`,
        model: p.model,
        name: f.name,
        provenance: 'simulated',
        medianMs: p.valueMs,
        ciLo: null,
        ciHi: null,
        n: null,
        runId: null,
        flags: p.leaveOneOut === false ? ['fitted on all models (no published figure here)'] : [],
      });
      columnsSeen.set(p.column, sim.device.id);
    }
  }
  for (const m of latest) {
    if (m.model === null) continue;
    rows.push({
      device: m.device,
      targetKey: m.targetKey,
      targetLabel: m.targetLabel,
      model: m.model,
      name: modelName(facts, m.model),
      provenance: m.provenance,
      medianMs: m.medianMs,
      ciLo: m.ci?.lo ?? null,
      ciHi: m.ci?.hi ?? null,
      n: m.n,
      runId: m.runId,
      flags: flagsOf(m),
      ...(m.relative
        ? {
            relative: {
              referenceId: m.relative.referenceId,
              ratio: m.relative.ratio,
              lo: m.relative.ci.lo,
              hi: m.relative.ci.hi,
              converged: m.relative.converged,
            },
          }
        : {}),
    });
    const col = publishedColumnOf(m);
    if (col) columnsSeen.set(col, m.device);
  }
  rows.push(...simRows);
  // the published column of each device target shown, for the models that were run or simulated
  const modelsRun = new Set(rows.map((r) => r.model));
  for (const [col, device] of columnsSeen) {
    for (const f of facts) {
      const v = f.table6Latency[col];
      if (!modelsRun.has(f.id) || typeof v !== 'number') continue;
      rows.push({
        device,
        targetKey: `published|${col}`,
        targetLabel: `${DEVICE_COLUMN_INFO[col].label} (Table 6)`,
        model: f.id,
        name: f.name,
        provenance: 'published',
        medianMs: v,
        ciLo: null,
        ciHi: null,
        n: null,
        runId: null,
        flags: [],
      });
    }
  }
  return rows;
}

/** Text a workload id resolves from (`model:conv-m@256` -> `model:conv-m` at 256). */
function resolveId(id: string): ReturnType<typeof resolveWorkload> | null {
  try {
    const m = /^((?:model|arch|block):.+)@(\d+)$/.exec(id);
    return m ? resolveWorkload(m[1]!, { resolution: Number(m[2]) }) : resolveWorkload(id);
  } catch {
    return null;
  }
}

function nativeResolutionOf(model: string): number | null {
  try {
    return getModel(model).resolution;
  } catch {
    return null;
  }
}

/** Workloads whose best GMAC/s is taken as a target's practical peak: dense single convolutions. */
const isPeakWorkload = (id: string): boolean => id.startsWith('block:conv_bn(');

function efficiencyRows(runs: readonly RunView[], sims: readonly SimulationView[]): EfficiencyRow[] {
  const rows: EfficiencyRow[] = [];
  for (const run of runs) {
    const peaks = new Map<string, number>();
    for (const m of run.measurements) {
      if (!isPeakWorkload(m.workloadId) || m.provenance !== 'measured' || !(m.medianMs > 0)) continue;
      peaks.set(m.targetKey, Math.max(peaks.get(m.targetKey) ?? 0, m.macs / (m.medianMs * 1e-3) / 1e9));
    }
    for (const m of run.measurements) {
      if (m.workloadKind === 'block' || !(m.medianMs > 0)) continue;
      const gmacPerSecond = m.macs / (m.medianMs * 1e-3) / 1e9;
      const peak = peaks.get(m.targetKey) ?? null;
      const ridge = ridgePointOf(m);
      let rooflineMs: number | null = null;
      let rooflineSource: EfficiencyRow['rooflineSource'] = null;
      if (peak !== null && m.provenance === 'measured') {
        const w = resolveId(m.workloadId);
        if (w) {
          const peakMacs = peak * 1e9;
          rooflineMs = rooflineSeconds(graphLayerCosts(w.graph), m.dtype as DType, peakMacs, ridge ? peakMacs / ridge.macsPerByte : Infinity) * 1e3;
          rooflineSource = 'measured peak';
        }
      }
      const column = rooflineMs === null && m.provenance === 'measured' && m.model !== null ? publishedColumnOf(m) : null;
      if (column) {
        // the roofline fitted to the paper's latencies of this device column, for this model at its native size
        const fitted = sims
          .filter((x) => x.device.id === m.device)
          .flatMap((x) => x.points)
          .find((p) => p.column === column && p.model === m.model);
        const native = m.model ? nativeResolutionOf(m.model) : null;
        if (fitted && native === m.resolution) {
          rooflineMs = fitted.rooflineMs;
          rooflineSource = 'fitted roofline';
        }
      }
      rows.push({
        runId: run.runId,
        device: m.device,
        targetLabel: m.targetLabel,
        provenance: m.provenance,
        workloadId: m.workloadId,
        gmac: m.macs / 1e9,
        medianMs: m.medianMs,
        gmacPerSecond,
        peakGmacPerSecond: peak,
        ridgePoint: ridge,
        rooflineMs,
        rooflineShare: rooflineMs !== null ? rooflineMs / m.medianMs : null,
        rooflineSource,
      });
    }
  }
  return rows;
}

function blockRows(latest: MeasurementView[]): BlockRow[] {
  const rows: BlockRow[] = [];
  for (const m of latest) {
    if (m.block) {
      rows.push({
        runId: m.runId,
        device: m.device,
        targetLabel: m.targetLabel,
        provenance: m.provenance,
        model: m.block.model,
        block: m.block.id,
        index: m.block.index,
        source: 'standalone',
        medianMs: m.medianMs,
        ciLo: m.ci?.lo ?? null,
        ciHi: m.ci?.hi ?? null,
        n: m.n,
        gmac: m.macs / 1e9,
      });
    } else if (m.model && m.profile && m.profile.blocks.length > 0) {
      for (const b of m.profile.blocks) {
        // block ids are b<NN>_<type> (ONNX/TFLite node names); the profiler's remainder bucket has no position
        const idx = /^b(\d+)/.exec(b.block);
        rows.push({
          runId: m.runId,
          device: m.device,
          targetLabel: m.targetLabel,
          provenance: m.provenance,
          model: m.model,
          block: b.block,
          index: idx ? Number(idx[1]) : -1,
          source: 'in-model profile',
          medianMs: b.ms,
          ciLo: null,
          ciHi: null,
          n: null,
          gmac: null,
        });
      }
    }
  }
  return rows.sort(
    (a, b) => a.targetLabel.localeCompare(b.targetLabel) || a.model.localeCompare(b.model) || a.source.localeCompare(b.source) || a.index - b.index,
  );
}

function opRows(latest: MeasurementView[]): OpRow[] {
  const rows: OpRow[] = [];
  for (const m of latest) {
    if (!m.profile) continue;
    const total = Object.values(m.profile.ops).reduce((s, v) => s + v, 0);
    for (const [op, ms] of Object.entries(m.profile.ops).sort((a, b) => b[1] - a[1])) {
      rows.push({
        runId: m.runId,
        device: m.device,
        targetLabel: m.targetLabel,
        workloadId: m.workloadId,
        op,
        ms,
        share: total > 0 ? ms / total : 0,
      });
    }
  }
  return rows;
}

function targetStatuses(runs: readonly RunView[], latest: MeasurementView[], sims: readonly SimulationView[]): TargetStatus[] {
  const out: TargetStatus[] = [];
  const byTarget = new Map<string, MeasurementView[]>();
  for (const m of latest) byTarget.set(`${m.targetKey}|${m.provenance}`, [...(byTarget.get(`${m.targetKey}|${m.provenance}`) ?? []), m]);
  const columns = new Map<DeviceColumn, string>();
  for (const ms of byTarget.values()) {
    const m = ms[0]!;
    out.push({
      device: m.device,
      targetLabel: m.targetLabel,
      status: m.provenance,
      count: ms.length,
      reason: null,
      runId: [...new Set(ms.map((x) => x.runId))].join(', '),
    });
    const col = publishedColumnOf(m);
    if (col) columns.set(col, m.device);
  }
  for (const sim of sims) {
    for (const c of sim.columns) {
      out.push({
        device: sim.device.id,
        targetLabel: `${c.label} (${sim.kind} simulation)`,
        status: 'simulated',
        count: sim.points.filter((p) => p.column === c.column).length,
        reason: `${sim.method}${c.mape !== null ? `; leave-one-out MAPE ${(c.mape * 100).toFixed(1)}% against Table 6` : ''} (${sim.source})`,
        runId: null,
      });
      if (!columns.has(c.column)) columns.set(c.column, sim.device.id);
    }
  }
  for (const [col, device] of columns) {
    const info = DEVICE_COLUMN_INFO[col];
    out.push({
      device,
      targetLabel: `${info.label}: ${info.runtime}, ${info.precision}`,
      status: 'published',
      count: 0,
      reason: `${TABLE6_CITATION}`,
      runId: null,
    });
  }
  for (const r of runs) {
    for (const s of r.skipped) {
      const k = `${s.device}|${s.targetLabel}|${s.kind}|${s.reason}`;
      const prev = out.find((o) => `${o.device}|${o.targetLabel}|${o.status}|${o.reason ?? ''}` === k);
      if (prev) {
        prev.count++;
        continue;
      }
      out.push({
        device: s.device,
        targetLabel: s.targetLabel,
        status: s.kind,
        count: 1,
        reason: s.workloadId ? `${s.workloadId}: ${s.reason}` : s.reason,
        runId: r.runId,
      });
    }
  }
  return out;
}

function runSummary(r: RunView): RunSummary {
  return {
    runId: r.runId,
    dir: r.dir,
    createdAt: r.createdAt,
    device: r.devices.map((d) => d.id).join(', '),
    deviceName: r.devices.map((d) => `${d.name} (${d.id}, ${d.connection})`).join('; '),
    sessionsPerMeasurement: r.sessionsPerMeasurement,
    host: r.host,
    tool: r.tool,
    protocol: r.protocol,
    command: r.command.join(' '),
    measured: r.measurements.filter((m) => m.provenance === 'measured').length,
    simulated: r.measurements.filter((m) => m.provenance === 'simulated').length,
    failed: r.skipped.filter((s) => s.kind === 'error').length,
    notes: r.notes,
  };
}

/** Everything the reports and the dashboard show, from loaded runs, roofline simulations and the published data. */
export function analyse(loaded: LoadedRuns, opts: { simulations?: readonly SimulationView[]; facts?: ModelFacts[] } = {}): Analysis {
  const facts = opts.facts ?? modelFacts();
  const sims = opts.simulations ?? [];
  const latest = latestMeasurements(loaded.runs);
  const latestProfiled = latestMeasurements(loaded.runs, (m) => m.profile !== null);
  return {
    runs: loaded.runs.map(runSummary),
    problems: loaded.problems,
    targets: targetStatuses(loaded.runs, latest, sims),
    models: facts,
    pareto: paretoGroups(facts, latest, sims),
    modelRows: modelRows(facts, latest, sims),
    efficiency: efficiencyRows(loaded.runs, sims),
    // breakdowns: the latest standalone blocks, and the latest profile of each model (a later unprofiled run does not hide it)
    blocks: blockRows([...latest.filter((m) => m.block !== null), ...latestProfiled.filter((m) => m.block === null)]),
    ops: opRows(latestProfiled),
    deviceModels: sims.flatMap((s) => s.deviceModels),
    spaceFrontiers: sims.flatMap((s) => s.spaceFrontiers),
    citation: TABLE6_CITATION,
    sustained: latest
      .filter((m) => m.sustained)
      .map((m) => ({ device: m.device, target: m.targetLabel, workload: m.workloadId, label: m.externalStatistic ?? '', sessions: m.sustained! })),
  };
}

export type { CitedValue };
