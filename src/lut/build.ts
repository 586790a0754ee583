/**
 * Assembles a lookup table from measurements, independent of how they were made: per workload, the
 * independent sessions that measured it (raw samples, optional profile). The CLI (`lut build`) gets them
 * from the run engine; tests give synthetic ones.
 *
 * Per workload: median = median of the session medians (robust to a session that drifted), p10/p90 over
 * the pooled samples, spread = robust standard deviation of the session medians (sessionSpread). The correction method is
 * the one with the lowest leave-one-out error over the calibration architectures (src/lut/corrections.ts)
 * unless one is requested.
 */
import { percentileSorted } from '../profiles/stats.js';
import { sampleArch, encodeArch, type SearchSpace } from '../models/search-space.js';
import { fitCorrection, looRelRmse, scoreMethod } from './corrections.js';
import { chooseMethod } from './method-choice.js';
import { pairedRatio, referenceArch, unitView } from './units.js';
import { LutError } from './errors.js';
import { fitInputs, standaloneMedians } from './predict.js';
import {
  METHOD_IDS,
  sameTarget,
  signTable,
  targetText,
  type ArchMeasurement,
  type Latency,
  type LutDevice,
  type LutEntry,
  type LutOverhead,
  type LutTable,
  type LutTarget,
  type MethodId,
  type RunSummary,
} from './schema.js';
import { archConfigs, archMacs, spaceIndex, type IndexedConfig, type SpaceIndex } from './space-index.js';
import { median as medianOf } from '../util/median.js';
import type { Shape } from '../models/graph.js';

/** One profiled pass: node times (ms) with the block each node belongs to. */
export interface SessionProfile {
  source: string;
  nodes: { name: string; op: string; block: string | null; medianMs: number }[];
  blocks: { block: string; ms: number }[];
  unattributedMs: number;
}

/** One independent session of one workload. */
export interface SessionResult {
  samplesMs: readonly number[];
  profile?: SessionProfile;
}

export interface MeasuredWorkload {
  workloadId: string;
  sessions: readonly SessionResult[];
}

export interface BuildInputs {
  spaceId: string;
  resolution?: number;
  device: LutDevice;
  target: LutTarget;
  dtype: 'fp32' | 'fp16' | 'int8';
  format: 'onnx' | 'tflite';
  protocol: string;
  runs: readonly RunSummary[];
  /** by configuration key. */
  blocks: ReadonlyMap<string, MeasuredWorkload>;
  /** identity graphs by shape text `CxHxW`. */
  identities: ReadonlyMap<string, MeasuredWorkload>;
  /** whole architectures (text `<space>:<i>,...`). */
  archs: readonly { arch: string; role: 'calibration'; measured: MeasuredWorkload }[];
  /**
   * the space's reference (src/lut/units.ts referenceArch) measured in the same run: entries then also hold
   * their ratio to it, session by session (the engine's rounds), and predictions are anchored on it.
   */
  reference?: MeasuredWorkload;
  /** force a correction method instead of choosing by leave-one-out. */
  method?: MethodId;
  createdAt?: string;
  /** build cost, stored in the table. */
  cost?: { measurements: number; wallSeconds: number };
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: readonly number[]): number => percentileSorted(sorted(xs), 0.5);

/**
 * Between-session spread of a workload, ms: 1.4826 x the median absolute deviation of the session centres
 * (a standard deviation for normal data that one disturbed session cannot blow up: on a shared host one
 * session of three can run 50x slower); 0 for one session.
 */
export function sessionSpread(centers: readonly number[]): number {
  if (centers.length < 2) return 0;
  const m = median(centers);
  return 1.4826 * median(centers.map((c) => Math.abs(c - m)));
}

/** Latency of a workload from its sessions. */
export function latencyFromSessions(sessions: readonly SessionResult[], what: string): Latency {
  if (sessions.length === 0 || sessions.some((s) => s.samplesMs.length === 0)) throw new LutError(`${what}: no samples to build a table entry from`);
  const medians = sessions.map((s) => median(s.samplesMs));
  const pooled = sorted(sessions.flatMap((s) => [...s.samplesMs]));
  const m = median(medians);
  return {
    unit: 'ms',
    provenance: 'measured',
    median: m,
    p10: percentileSorted(pooled, 0.1),
    p90: percentileSorted(pooled, 0.9),
    n: pooled.length,
    sessions: sessions.length,
    sessionMedians: medians,
    spreadMs: sessionSpread(medians),
  };
}

/**
 * The layer role of a node name: `b00_uib/expand/relu` -> `expand`, `b00_uib/expand:out_nchwc` (a node ORT
 * renamed when it changed the layout) -> `expand`; null for nodes outside a block (layout reorders).
 */
export function nodeLayerRole(name: string): string | null {
  const parts = name.split('/');
  return parts.length >= 2 && /^b\d{2,}_/.test(parts[0]!) ? parts[1]!.split(':')[0]! : null;
}

/** Per-layer profiler times of a standalone block: median over the profiled sessions. */
function opsBreakdown(sessions: readonly SessionResult[]): LutEntry['ops'] | undefined {
  const profiles = sessions.flatMap((s) => (s.profile ? [s.profile] : []));
  if (profiles.length === 0) return undefined;
  const per = new Map<string, { op: string; values: number[] }>();
  for (const p of profiles) {
    const byLayer = new Map<string, { op: string; ms: number }>();
    for (const n of p.nodes) {
      const role = nodeLayerRole(n.name);
      if (role === null) continue;
      const have = byLayer.get(role);
      byLayer.set(role, { op: have ? (have.op === n.op ? have.op : `${have.op}+${n.op}`) : n.op, ms: (have?.ms ?? 0) + n.medianMs });
    }
    for (const [role, v] of byLayer) {
      const e = per.get(role) ?? { op: v.op, values: [] };
      e.values.push(v.ms);
      per.set(role, e);
    }
  }
  return {
    unit: 'ms',
    provenance: 'measured',
    source: profiles[0]!.source,
    layers: [...per].map(([layer, v]) => ({ layer, op: v.op, ms: median(v.values) })),
  };
}

/** Ratio of a workload to the reference, session by session (session i ran in round i, as the reference's session i). */
function relativeTo(m: MeasuredWorkload, ref: Latency | null): number | undefined {
  if (!ref) return undefined;
  return (
    pairedRatio(
      m.sessions.map((s) => medianOf([...s.samplesMs])),
      ref.sessionMedians,
    ) ?? undefined
  );
}

/** What an entry says of its block configuration, whatever measured or simulated its latency. */
export function configFields(c: IndexedConfig): Omit<LutEntry, 'workloadId' | 'latency' | 'relative' | 'ops'> {
  const s = c.spec;
  const kernels: Record<string, number> =
    s.type === 'uib'
      ? { start: s.startDw, mid: s.middleDw }
      : s.type === 'conv_bn' || s.type === 'fused_ib' || s.type === 'inverted_residual'
        ? { k: s.kernel }
        : {};
  return {
    key: c.key,
    op: s.type,
    input: c.inShape,
    output: c.outShape,
    outCh: c.outShape[0],
    stride: c.stride,
    kernels,
    expansion: s.type === 'uib' || s.type === 'fused_ib' ? s.expandRatio : null,
    searchable: c.searchable,
    stage: c.stage,
    macs: c.macs,
  };
}

function entryFor(c: IndexedConfig, m: MeasuredWorkload, ref: Latency | null): LutEntry {
  const ops = opsBreakdown(m.sessions);
  return {
    ...configFields(c),
    workloadId: m.workloadId,
    latency: latencyFromSessions(m.sessions, c.key),
    ...withRelative(relativeTo(m, ref)),
    ...(ops ? { ops } : {}),
  };
}

const withRelative = (r: number | undefined): { relative?: number } => (r === undefined ? {} : { relative: r });

/** Block times (ms per skeleton block index) from a profile of a whole architecture. */
function archProfile(p: SessionProfile, nBlocks: number): ArchMeasurement['profiles'][number] {
  const blockMs = new Array<number>(nBlocks).fill(0);
  let unattributed = p.unattributedMs;
  for (const b of p.blocks) {
    const m = /^b(\d{2,})_/.exec(b.block);
    const i = m ? Number(m[1]) : -1;
    if (i >= 0 && i < nBlocks) blockMs[i] = blockMs[i]! + b.ms;
    else if (b.block !== 'unattributed') unattributed += b.ms;
  }
  return { source: p.source, blockMs, unattributedMs: unattributed };
}

/** Assembles, scores and signs a table. Throws LutError when measurements are missing or mixed. */
export function buildTable(inp: BuildInputs): LutTable {
  const index = spaceIndex(inp.spaceId, inp.resolution);
  for (const r of inp.runs) {
    if (!sameTarget(r.target, inp.target))
      throw new LutError(`run ${r.runId} measured ${targetText(r.target)}, not ${targetText(inp.target)}: a table never mixes targets`);
    if (r.hostname !== inp.device.hostname || r.cpu !== inp.device.cpu)
      throw new LutError(`run ${r.runId} ran on ${r.hostname} (${r.cpu}), not on ${inp.device.hostname}: a table never mixes devices`);
  }
  const refLatency = inp.reference && inp.reference.sessions.length > 0 ? latencyFromSessions(inp.reference.sessions, 'reference') : null;
  const entries: LutEntry[] = [];
  for (const c of index.configs) {
    const m = inp.blocks.get(c.key);
    if (m && m.sessions.length > 0) entries.push(entryFor(c, m, refLatency));
  }
  if (entries.length === 0) throw new LutError(`no block configuration of ${index.space.id} was measured: nothing to build a table from`);
  const overhead: LutOverhead[] = [...inp.identities].map(([shape, m]) => ({
    key: `identity()@${shape}`,
    shape: shape.split('x').map(Number) as Shape,
    workloadId: m.workloadId,
    latency: latencyFromSessions(m.sessions, `identity()@${shape}`),
    ...withRelative(relativeTo(m, refLatency)),
  }));
  const archs: ArchMeasurement[] = inp.archs.map((a) => {
    const vector = a.arch
      .slice(a.arch.indexOf(':') + 1)
      .split(',')
      .map(Number);
    return {
      arch: a.arch,
      role: a.role,
      workloadId: a.measured.workloadId,
      macs: archMacs(index, vector),
      latency: latencyFromSessions(a.measured.sessions, a.arch),
      ...withRelative(relativeTo(a.measured, refLatency)),
      profiles: a.measured.sessions.flatMap((s) => (s.profile ? [archProfile(s.profile, index.blocks.length)] : [])),
    };
  });
  const draft: Omit<LutTable, 'integrity'> = {
    kind: 'mnv4-bench-lut',
    schemaVersion: 1,
    createdAt: inp.createdAt ?? new Date().toISOString(),
    space: { id: index.space.id, resolution: index.resolution, fingerprint: index.fingerprint },
    device: inp.device,
    target: inp.target,
    dtype: inp.dtype,
    format: inp.format,
    protocol: inp.protocol,
    sessions: Math.max(...entries.map((e) => e.latency.sessions)),
    runs: [...inp.runs],
    entries,
    overhead,
    archs,
    method: { id: 'sum', chosenBy: 'requested', looRelRmse: null, comparison: [] },
    ...(refLatency && inp.reference ? { reference: { arch: referenceArch(index), workloadId: inp.reference.workloadId, latency: refLatency } } : {}),
    ...(inp.cost ? { build: inp.cost } : {}),
  };
  const { view: asTable } = unitView(draft as LutTable);
  const { standalone } = standaloneMedians(asTable, index);
  const fi = fitInputs(asTable, index, standalone);
  const comparison = METHOD_IDS.map((m) => scoreMethod(m, fi));
  const spreads = archs.map((a) => a.latency.spreadMs / a.latency.median).sort((x, y) => x - y);
  const noiseFloor = spreads.length ? percentileSorted(spreads, 0.5) : null;
  let id: MethodId;
  let chosenBy: 'leave-one-out' | 'requested';
  let why: string;
  if (inp.method) {
    const fit = fitCorrection(inp.method, fi);
    if ('unavailable' in fit) throw new LutError(`method '${inp.method}' cannot be used for this table: ${fit.unavailable}`);
    id = inp.method;
    chosenBy = 'requested';
    why = 'requested with --method';
  } else {
    const choice = chooseMethod(fi);
    id = choice?.id ?? (fi.overhead.length > 0 ? 'overhead' : 'sum');
    why = choice?.why ?? 'no whole architectures to compare the methods on: the default';
    chosenBy = 'leave-one-out';
  }
  draft.method = { id, chosenBy, noiseFloor, looRelRmse: looRelRmse(id, fi), comparison, why, anchored: fi.anchor !== undefined };
  return signTable(draft);
}

/**
 * The architectures a build measures to fit and choose the correction: `n` seeded random ones, chosen greedily from a larger seeded pool
 * so that together they contain as many distinct configurations as possible (every configuration seen in
 * context at least once when n allows), then the skeleton's own choices.
 */
export function calibrationArchs(space: SearchSpace | string, n: number, seed = 1, resolution?: number): string[] {
  const index: SpaceIndex = spaceIndex(typeof space === 'string' ? space : space.id, resolution);
  const pool = Array.from({ length: Math.max(200, n * 20) }, (_, i) => sampleArch(index.space, seed * 7919 + i));
  const seen = new Set<number>();
  const chosen: number[][] = [];
  while (chosen.length < n) {
    let best = -1;
    let bestGain = -1;
    pool.forEach((v, i) => {
      const gain = new Set(archConfigs(index, v).filter((ci) => !seen.has(ci))).size;
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    });
    if (best < 0) break;
    const v = pool.splice(best, 1)[0]!;
    for (const ci of archConfigs(index, v)) seen.add(ci);
    chosen.push(v);
  }
  return chosen.map((v) => encodeArch(index.space, v));
}

/** The shapes whose identity graph the `overhead` method needs: every block input and output, and the net's. */
export function identityShapes(index: SpaceIndex): Shape[] {
  const shapes = new Map<string, Shape>();
  for (const c of index.configs) {
    shapes.set(c.inShape.join('x'), c.inShape);
    shapes.set(c.outShape.join('x'), c.outShape);
  }
  return [...shapes.values()];
}
