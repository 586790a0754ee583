/**
 * The device model's fit and its out-of-sample validation as the JSON, the terminal and the dashboard show
 * them: per column, the fitted terms with their jackknife errors, and one row per validation scheme with the
 * device model, the plain roofline and MAC counting side by side. Every figure is out of sample; the fit on
 * all models appears only as parameters (for simulating other workloads), never as a prediction.
 */
import type { DeviceColumn } from '../models/published.js';
import type { OnChipFact } from '../profiles/device-facts.js';
import type { DeviceModelColumnReport, FittedDeviceModel, HeldOutPoint, SchemeScores, Score, TermEstimate } from '../profiles/device-model-fit.js';
import { TABLE16_SPEARMAN } from '../profiles/roofline.js';
import { fmt, textTable } from './table.js';

export type ValidationScheme = 'leave-one-out' | 'MNv4 from baselines' | 'baselines from MNv4' | 'leave-family-out, both';

export interface ValidationRow {
  scheme: ValidationScheme;
  /** models each prediction was fitted to (leave-one-out: n - 1). */
  trainN: number;
  deviceModel: Score;
  macs: Score;
  roofline: Score;
  excluded: SchemeScores['excluded'];
}

export interface DeviceModelSummary {
  column: DeviceColumn;
  label: string;
  provenance: 'simulated';
  n: number;
  families: { mnv4: number; baseline: number };
  parameters: number;
  minPublishedFigures: number;
  ridgePoint: number;
  onChipMemory: OnChipFact;
  estimates: TermEstimate[];
  validation: ValidationRow[];
  /** the paper's own Table 16 correlations (its larger model set), when it gives them. */
  paper: { roofline: number; macs: number } | null;
  /** out-of-sample predictions per model: leave-one-out and leave-family-out, ms, simulated. */
  points: (Pick<HeldOutPoint, 'id' | 'name' | 'family' | 'published'> & {
    leaveOneOut: { deviceModel: number | null; macs: number; roofline: number };
    leaveFamilyOut: { deviceModel: number | null; macs: number; roofline: number };
  })[];
  model: FittedDeviceModel;
  /** models with a published figure left out of the fit: an op the device model cannot cost. */
  skipped: { id: string; reason: string }[];
}

const row = (scheme: ValidationScheme, trainN: number, s: SchemeScores): ValidationRow => ({
  scheme,
  trainN,
  deviceModel: s.deviceModel,
  macs: s.macs,
  roofline: s.roofline,
  excluded: s.excluded,
});

export function summarizeDeviceModel(r: DeviceModelColumnReport): DeviceModelSummary {
  const lofo = r.leaveFamilyOut;
  const preds = (q: HeldOutPoint): { deviceModel: number | null; macs: number; roofline: number } => ({
    deviceModel: q.deviceModel,
    macs: q.macs,
    roofline: q.roofline,
  });
  return {
    column: r.column,
    label: r.label,
    provenance: 'simulated',
    n: r.n,
    families: r.families,
    parameters: r.parameters,
    minPublishedFigures: r.minPublishedFigures,
    ridgePoint: r.ridgePoint,
    onChipMemory: r.onChipMemory,
    estimates: r.estimates,
    validation: [
      row('leave-one-out', r.n - 1, r.leaveOneOut),
      row('MNv4 from baselines', lofo.mnv4FromBaselines.trainN, lofo.mnv4FromBaselines),
      row('baselines from MNv4', lofo.baselinesFromMnv4.trainN, lofo.baselinesFromMnv4),
      row('leave-family-out, both', 0, lofo.combined),
    ],
    paper: TABLE16_SPEARMAN[r.column] ?? null,
    points: r.leaveOneOut.points.map((q, i) => ({
      id: q.id,
      name: q.name,
      family: q.family,
      published: q.published,
      leaveOneOut: preds(q),
      leaveFamilyOut: preds(lofo.combined.points[i]!),
    })),
    model: r.model,
    skipped: r.skipped ?? [],
  };
}

const rs = (s: Score): string => (s.spearman === null ? 'n/a' : s.spearman.toFixed(3));
const pct = (s: Score): string => `${fmt(s.mape * 100, 1)}%`;

/** The column's validation table and fitted terms, for the terminal. */
export function formatDeviceModelColumn(d: DeviceModelSummary): string {
  const header = [{ header: 'validation (out of sample)' }, { header: 'train n', right: true }, { header: 'scored n', right: true }];
  for (const m of ['device model', 'plain roofline', 'MAC count']) header.push({ header: `${m} r_s`, right: true }, { header: 'MAPE', right: true });
  const rows = d.validation.map((v) => [
    v.scheme,
    v.scheme === 'leave-family-out, both' ? 'other family' : String(v.trainN),
    String(v.deviceModel.n),
    rs(v.deviceModel),
    pct(v.deviceModel),
    rs(v.roofline),
    pct(v.roofline),
    rs(v.macs),
    pct(v.macs),
  ]);
  const excluded = d.validation.flatMap((v) => v.excluded.map((e) => `${e.id} in '${v.scheme}' (${e.reason})`));
  const terms = d.estimates.map((e) => `${e.term} ${fmt(e.value, 3)} ± ${fmt(e.se, 2)} ${e.unit}`).join('; ');
  const chip =
    'bytes' in d.onChipMemory
      ? `on-chip memory ${fmt(d.onChipMemory.bytes / 2 ** 20, 2)} MiB (${d.onChipMemory.what}; ${d.onChipMemory.source})`
      : `no off-chip term: ${d.onChipMemory.absent}`;
  const lines = [
    `${d.label}: device model vs the paper's plain roofline vs MAC counting, over ${d.n} models with a published figure (${d.families.mnv4} MNv4, ${d.families.baseline} baselines). SIMULATED figures, each predicted without its own published latency:`,
    textTable(header, rows),
  ];
  if (d.skipped.length) lines.push(`  left out of the fit: ${d.skipped.map((x) => `${x.id} (${x.reason})`).join('; ')}`);
  if (excluded.length) lines.push(`  not scored (the device model cannot cost them from that fold): ${excluded.join('; ')}`);
  if (d.paper)
    lines.push(
      `  the paper's Table 16 (its own, larger model set): roofline r_s ${d.paper.roofline.toFixed(3)}, MAC count ${d.paper.macs.toFixed(3)}`,
    );
  lines.push(
    `  fitted on all ${d.n} (${d.parameters} parameters, ± jackknife SE; used only to simulate other workloads): ${terms}; ridge point ${d.ridgePoint} MACs/B (chosen per fold); ${chip}`,
  );
  return lines.join('\n');
}
