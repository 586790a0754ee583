/**
 * Text renderings of single records: a finished measurement (several lines), a session (one line), a
 * skipped or failed pair (one line). Every figure printed here is measured; published or simulated figures
 * are rendered elsewhere with their label.
 */
import { externalFigureLabel } from './external-label.js';
import type { NoiseFloor } from '../core/noise-floor.js';
import type { ErrorRecord, MeasurementRecord, SessionRecord, SkippedRecord } from '../results/schema.js';
import { median } from '../util/median.js';
import { PERCENTILE_MIN_N, SESSIONS_DISAGREE } from '../profiles/stats.js';
import { formatEstimate, formatPercent, formatSig } from './numbers.js';
import { fmt, textTable } from './table.js';

/** `key=value ...` of target settings. */
export function settingsText(s: Record<string, string | number | boolean>): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** True when a record ran on a software GPU adapter (SwiftShader): measured, but not a GPU latency. */
export function onSoftwareAdapter(rec: Pick<MeasurementRecord, 'executed'>): boolean {
  return rec.executed.adapter?.softwareAdapter === true;
}

/** Relative half-width of a CI around a centre (the larger one-sided distance), as ±x.x%. */
function relText(ci: { lo: number; hi: number } | null, center: number): string {
  if (!ci || !(center > 0)) return 'n too small';
  return `±${formatPercent(Math.max(center - ci.lo, ci.hi - center) / center)}`;
}

/** One line per session: centre, n, convergence. */
export function formatSessionLine(rec: SessionRecord): string {
  const s = rec.session;
  if (s.run) {
    const run = s.run;
    return `session ${s.index + 1}: median ${formatSig(median(run.samplesMs))} ms, n=${run.samplesMs.length}${run.batchSize > 1 ? ` (x${run.batchSize} calls/sample)` : ''}, ${run.converged ? 'converged' : `not converged (${run.stopReason})`}`;
  }
  const e = s.external!;
  return `session ${s.index + 1}: ${e.summary.medianMs !== undefined ? `median ${formatSig(e.summary.medianMs)}` : `mean ${formatSig(e.summary.meanMs)}`} ms over ${e.summary.count} runs (timed by ${e.tool})`;
}

/** The human summary of one measurement record. */
export function formatMeasurement(rec: MeasurementRecord): string {
  const lat = rec.latency;
  const st = lat.stats;
  const k = rec.sessions.length;
  const lines = [
    `${rec.workload.id} on ${rec.target.id} (${settingsText(rec.target.settings)}), ${rec.workload.file.format} ${rec.workload.file.dtype}, device ${rec.device.id}`,
  ];
  if (rec.timing === 'protocol' && st) {
    const ci = lat.ciMedian;
    const est = formatEstimate(lat.medianMs, ci?.lo, ci?.hi);
    const batched = st.spreadOf === 'batch-means';
    const pct = (name: 'p10' | 'p90' | 'p99', v: number | null) => `${name} ${v === null ? `- (n < ${PERCENTILE_MIN_N[name]})` : formatSig(v)}`;
    const spread = [pct('p10', st.p10), pct('p90', st.p90), ...(batched ? [] : [pct('p99', st.p99)])].join('  ');
    lines.push(
      `  median ${est.value} ms   ${Math.round((ci?.confidence ?? 0.95) * 100)}% CI [${est.lo}, ${est.hi}] (${relText(ci, lat.medianMs)}, sessions included)   ${spread}${batched ? ' (of batch means)' : ''}`,
    );
    const why = lat.notConverged.length > 0 ? lat.notConverged.join('; ') : 'see warnings';
    lines.push(
      `  CV ${formatPercent(st.cv)}   n=${st.n}${batched ? ` (batch means of x${st.batchSize} calls: spread of means)` : ''}   ${lat.converged ? 'converged' : `NOT converged (${why})`}${st.outliers ? `   outliers ${st.outliers.mild} mild / ${st.outliers.severe} severe (kept)` : ''}`,
    );
  } else {
    const tools = [...new Set(rec.sessions.map((s) => s.external?.tool).filter((t): t is string => t !== undefined))];
    const runs = rec.sessions.reduce((n, s) => n + s.n, 0);
    lines.push(
      `  ${externalFigureLabel(rec.sessions)}: ${formatSig(lat.medianMs)} ms   timed by ${tools.join(', ')} (${runs} runs; summary statistics only, no CI)`,
    );
  }
  if (k > 1) {
    lines.push(
      `  ${k} sessions: ${lat.between.centersMs.map((c) => formatSig(c)).join(', ')} ms (range ${formatPercent(lat.between.spreadRel)}, largest deviation ${formatPercent(lat.between.maxDeviationRel)})`,
    );
  }
  const cs = rec.coldStart;
  const cold = [
    cs.runtimeInitMs !== undefined ? `runtime init ${formatSig(cs.runtimeInitMs, 3)} ms` : '',
    cs.sessionCreateMs !== undefined ? `session ${formatSig(cs.sessionCreateMs, 3)} ms` : '',
    cs.firstInferenceMs !== undefined ? `first inference ${formatSig(cs.firstInferenceMs, 3)} ms` : '',
  ].filter(Boolean);
  if (cold.length) lines.push(`  cold start${k > 1 ? ' (session 1)' : ''}: ${cold.join(', ')}`);
  lines.push(
    `  ran on: ${rec.executed.runtime} ${rec.executed.runtimeVersion} ${rec.executed.provider ?? rec.executed.backend} (${rec.executed.evidence})`,
  );
  const sh = rec.executed.share;
  if (sh)
    lines.push(
      `  on ${sh.requested}: ${sh.onRequested} of ${sh.total} nodes (${formatPercent(sh.nodeShare)}${sh.timeShare !== null ? `, ${formatPercent(sh.timeShare)} of profiled time` : ''})${sh.nodeShare < 1 ? ' PARTIAL FALLBACK' : ''}`,
    );
  const g = rec.derived.gmacPerSecond;
  if (g) lines.push(`  compute: ${formatSig(rec.workload.macs / 1e9, 3)} GMAC per inference at the median -> ${formatSig(g.value, 3)} ${g.unit}`);
  for (const w of rec.warnings) lines.push(`  warning: ${w.message}`);
  if (rec.profile) {
    const p = rec.profile;
    const rows = p.blocks.map((b) => [
      b.block,
      fmt(b.ms, 4),
      String(b.nodes),
      Object.entries(b.ops)
        .sort((a, c) => c[1] - a[1])
        .map(([op, ms]) => `${op} ${fmt(ms, 3)}`)
        .join(', '),
    ]);
    lines.push(
      `  profile (${p.source}, ${p.runs} runs, run median ${p.runMedianMs === null ? '-' : fmt(p.runMedianMs, 4)} ms, nodes explain ${p.coverage === null ? '-' : `${(p.coverage * 100).toFixed(0)}%`}):`,
    );
    lines.push(
      textTable([{ header: 'block' }, { header: 'ms', right: true }, { header: 'nodes', right: true }, { header: 'ops (ms)' }], rows)
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n'),
    );
    for (const n of p.notes) lines.push(`    note: ${n}`);
  }
  return lines.join('\n');
}

/** One line for a pair that was not measured. */
export function formatUnmeasured(rec: SkippedRecord | ErrorRecord): string {
  const what = `${rec.workload.id} ${rec.dtype} on ${rec.target.id}`;
  return rec.kind === 'skipped'
    ? `${what}: skipped: ${rec.reason}`
    : `${what}: FAILED${rec.sessionIndex !== undefined ? ` in session ${rec.sessionIndex + 1}` : ''}: ${rec.error.name}: ${rec.error.message.split('\n')[0]}`;
}

/** Threshold of the noise-floor drift warning (relative change of the reference median over the run). */
export const NOISE_FLOOR_DRIFT_WARNING = 0.02;

/** One line (two with a warning) about the run's noise floor (src/engine/noise-floor.ts). */
export function formatNoiseFloor(nf: NoiseFloor): string {
  const t = (x: NoiseFloor['start']) => `${formatSig(x.medianMs)} ms (CV ${formatPercent(x.cv)})`;
  const load = nf.hostLoad
    ? `; other processes ${formatPercent(nf.hostLoad.otherLoad)}, steal ${nf.hostLoad.stealShare === null ? 'unknown' : formatPercent(nf.hostLoad.stealShare)} of the CPU over the run`
    : '';
  const head = `noise floor (${nf.workload}): start ${t(nf.start)}${nf.end ? `, end ${t(nf.end)}, drift ${nf.driftRel! >= 0 ? '+' : ''}${formatPercent(nf.driftRel)}` : ''}${load}`;
  if (nf.driftRel !== undefined && Math.abs(nf.driftRel) > NOISE_FLOOR_DRIFT_WARNING) {
    return `${head}\nwarning: the reference workload's speed changed by ${formatPercent(nf.driftRel)} during the run: the host was not steady; compare this run's figures with care or re-run on a quiet host`;
  }
  return head;
}

/**
 * Why a measurement did not converge, as short codes (the run table's mark after `*`) with their words:
 * `d` the session medians disagree beyond the target, `t` a session's samples trended, `w` a session's CI
 * stayed wider than the target when its caps (time, samples) ended it. Read from the record's sessions and
 * `latency.notConverged` (stats.ts summariseSessions).
 */
export function notConvergedCodes(m: MeasurementRecord): { codes: string; words: string[] } {
  if (m.latency.converged) return { codes: '', words: [] };
  const words: string[] = [];
  let codes = '';
  if (m.sessions.length > 1 && m.latency.notConverged.some((r) => r.startsWith(SESSIONS_DISAGREE))) {
    codes += 'd';
    words.push(`sessions differ by up to ${(m.latency.between.maxDeviationRel * 100).toFixed(1)}%`);
  }
  const reasons = new Set(m.sessions.map((x) => x.stopReason));
  if (reasons.has('trend')) {
    codes += 't';
    words.push('samples trended');
  }
  if (['ci-too-wide', 'max-samples', 'max-time'].some((r) => reasons.has(r))) {
    codes += 'w';
    words.push('CI wider than the target at the caps');
  }
  if (m.sessions.length === 1) words.push('one session only');
  return { codes, words };
}

/** The flag a table shows for a measurement that did not converge, with its reasons when known. */
export function notConvergedFlag(reasons: readonly string[]): string {
  return reasons.length ? `not converged: ${reasons.join(', ')}` : 'not converged';
}
