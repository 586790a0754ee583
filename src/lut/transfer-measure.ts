/**
 * `lut transfer` measuring: the transfer plan's workloads (src/lut/transfer.ts) on the new target through the
 * run engine (k sessions each, interleaved round-robin with the reference first in every round; resumable),
 * then the transferred table.
 */
import type { MeasurementRecord } from '../results/schema.js';
import { latencyFromSessions } from './build.js';
import { LutError } from './errors.js';
import {
  archWorkloadText,
  blockWorkloadText,
  executeLut,
  lutDevice,
  measuredWorkload,
  measurementsByWorkload,
  planLut,
  runSummary,
  type LutExecution,
  type LutPlanRequest,
} from './measure.js';
import { sameTarget, targetText, type LutTable, type LutTarget } from './schema.js';
import { spaceIndex } from './space-index.js';
import { planTransfer, transferTable, type TransferPlan } from './transfer.js';
import { pairedRatio, referenceArch } from './units.js';

export interface TransferRequest extends Omit<LutPlanRequest, 'workloads' | 'resolution'> {
  source: LutTable;
  sourceFile: string;
  budget: number;
  /** when given, must be the source table's (a transfer never changes space or resolution). */
  space?: string;
  resolution?: number;
}

/** Refuses a transfer between spaces or resolutions, or to the source's own target and dtype. */
export function checkTransferRequest(req: Pick<TransferRequest, 'source' | 'space' | 'resolution' | 'target' | 'dtype'>): void {
  const s = req.source;
  if (req.space !== undefined && req.space.trim().toLowerCase() !== s.space.id)
    throw new LutError(
      `cannot transfer between spaces: the table is for ${s.space.id}, --space is ${req.space}; build a table of ${req.space} first`,
    );
  if (req.resolution !== undefined && req.resolution !== s.space.resolution)
    throw new LutError(
      `cannot transfer between resolutions: the table is at ${s.space.resolution}, --resolution is ${req.resolution}; build a table at ${req.resolution} first`,
    );
  if (req.target === s.target.id && (req.dtype === undefined || req.dtype === s.dtype))
    throw new LutError(`the table is already for ${s.target.id} ${s.dtype}: transfer to another target or --dtype`);
}

export async function measureAndTransfer(
  req: TransferRequest,
  x: LutExecution,
): Promise<{ table: LutTable | null; plan: TransferPlan; runId: string }> {
  checkTransferRequest(req);
  const src = req.source;
  const index = spaceIndex(src.space.id, src.space.resolution);
  const reference = src.reference?.arch ?? referenceArch(index);
  const tp = planTransfer(src, index, req.budget, reference);
  const refText = archWorkloadText(reference);
  const plan = planLut({
    ...req,
    resolution: src.space.resolution,
    workloads: [refText, ...tp.blocks.map((b) => blockWorkloadText(b.key)), ...tp.archs.map((a) => archWorkloadText(a.arch))],
  });
  const col = plan.columns[0]!;
  if (sameTarget(col.target as LutTarget, src.target) && col.dtype === src.dtype)
    throw new LutError(`the table is already for ${targetText(src.target)} ${src.dtype}: transfer to another target or --dtype`);
  const { result, run } = await executeLut(plan, x);
  if (result.interrupted) return { table: null, plan: tp, runId: result.runId };
  const byId = measurementsByWorkload(run, plan);
  const get = (text: string): MeasurementRecord | undefined => {
    const j = plan.jobs.find((job) => job.text === text);
    return j ? byId.get(j.workloadId) : undefined;
  };
  const refRec = get(refText);
  if (!refRec) throw new LutError(`the reference ${reference} could not be measured on ${col.target.id} (see ${result.runDir}/measurements.jsonl)`);
  const ref = measuredWorkload(refRec);
  const refLatency = latencyFromSessions(ref.sessions, 'reference');
  const measure = (rec: MeasurementRecord) => {
    const m = measuredWorkload(rec);
    const latency = latencyFromSessions(m.sessions, rec.workload.id);
    const relative = pairedRatio(latency.sessionMedians, refLatency.sessionMedians) ?? latency.median / refLatency.median;
    return { workloadId: m.workloadId, latency, relative };
  };
  const blocks = new Map(
    tp.blocks.flatMap((b) => (get(blockWorkloadText(b.key)) ? [[b.key, measure(get(blockWorkloadText(b.key))!)] as const] : [])),
  );
  const archs = new Map(tp.archs.flatMap((a) => (get(archWorkloadText(a.arch)) ? [[a.arch, measure(get(archWorkloadText(a.arch))!)] as const] : [])));
  if (blocks.size < tp.blocks.length)
    throw new LutError(
      `${tp.blocks.length - blocks.size} of the chosen blocks could not be measured on ${col.target.id}: retry with --resume ${result.runId}`,
    );
  const sessions = run.records.filter((r) => r.kind === 'session').length;
  const last = run.records.reduce((t, r) => (r.recordedAt > t ? r.recordedAt : t), run.manifest.createdAt);
  const table = transferTable({
    source: src,
    sourceFile: req.sourceFile,
    index,
    plan: tp,
    budget: req.budget,
    device: lutDevice(run, plan),
    target: col.target as LutTarget,
    dtype: col.dtype,
    format: col.format,
    protocol: plan.protocol.name,
    runs: [runSummary(run, byId.size)],
    reference: { workloadId: ref.workloadId, latency: refLatency },
    blocks,
    archs,
    cost: { measurements: sessions, wallSeconds: Math.max(0, (Date.parse(last) - Date.parse(run.manifest.createdAt)) / 1000) },
  });
  return { table, plan: tp, runId: result.runId };
}
