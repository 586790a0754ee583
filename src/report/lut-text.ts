/**
 * The text of `mnv4-bench lut`: a table described with how its correction methods scored, predictions,
 * the search frontier (predicted next to measured) and the validation report. Predictions are estimates
 * and every line that shows one says so.
 */
import type { Prediction } from '../lut/predict.js';
import { targetText, type LutTable } from '../lut/schema.js';
import type { SearchResult } from '../lut/search.js';
import type { ValidationReport } from '../lut/validate.js';
import { fmt, textTable } from './table.js';
import { tableNotes } from '../lut/describe.js';

const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(digits)}%`;
const signedPct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** A paragraph describing a table and how its correction methods scored. */
export function describeTable(t: LutTable): string {
  const lines = [
    `${t.space.id} at ${t.space.resolution}x${t.space.resolution} on ${targetText(t.target)}, ${t.format} ${t.dtype}, device ${t.device.id} (${t.device.hostname}, ${t.device.cpu})`,
    `  ${t.entries.length} block configurations, ${t.overhead.length} identity graphs, ${t.archs.length} whole architectures; ${t.sessions} session${t.sessions === 1 ? '' : 's'} each, preset ${t.protocol}; ${t.provenance === 'simulated' ? 'SIMULATED by the device model: nothing was measured' : `run ${t.runs.map((r) => r.runId).join(', ')}`}`,
    `  correction: ${t.method.id} (${t.method.why ?? (t.method.chosenBy === 'leave-one-out' ? `simplest within the calibration noise (${pct(t.method.noiseFloor ?? null)}) of the lowest leave-one-out error` : 'requested')}), model uncertainty ${pct(t.method.looRelRmse)} (relative RMS)`,
    ...tableNotes(t),
  ];
  if (t.build) lines.push(`  build cost: ${t.build.measurements} sessions measured, ${fmt(t.build.wallSeconds / 60, 1)} min wall`);
  lines.push(
    textTable(
      [
        { header: 'method' },
        { header: 'LOO MAPE', right: true },
        { header: 'max |err|', right: true },
        { header: '±5%', right: true },
        { header: '±10%', right: true },
        { header: 'note' },
      ],
      t.method.comparison.map((s) => [
        s.method + (s.method === t.method.id ? ' *' : ''),
        pct(s.looMape, 2),
        pct(s.looMaxAbsErr),
        pct(s.within5, 0),
        pct(s.within10, 0),
        s.note,
      ]),
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  return lines.join('\n');
}

export function formatPrediction(p: Prediction): string {
  const reg =
    p.regressionConfigs.length > 0
      ? `; ${p.regressionConfigs.length} configuration(s) not in the table, by regression: ${p.regressionConfigs.join(' ')}`
      : '';
  return `${p.arch}: ${fmt(p.medianMs, 3)} ms ± ${fmt(p.uncertaintyMs, 3)} (1 sd), estimated by the ${p.method} correction from ${p.source}${reg}`;
}

export function formatFrontier(r: SearchResult, measured?: ReadonlyMap<string, { medianMs: number; predictedMs?: number }>): string {
  const rows = r.frontier.map((p) => {
    const m = measured?.get(p.arch);
    return [
      p.arch,
      fmt(p.macs / 1e6, 1),
      fmt(p.predictedMs, 3),
      m ? fmt(m.medianMs, 3) : '-',
      // measured paired with the reference: the prediction at the reference's median of that run
      m ? signedPct(((m.predictedMs ?? p.predictedMs) - m.medianMs) / m.medianMs) : '-',
    ];
  });
  return textTable(
    [
      { header: 'architecture' },
      { header: 'MMACs', right: true },
      { header: 'predicted ms (estimated)', right: true },
      { header: 'measured ms', right: true },
      { header: 'error', right: true },
    ],
    rows,
  );
}

export function formatValidation(r: ValidationReport): string {
  const s = r.summary;
  const row = (p: { arch: string; predictedMs: number; measuredMs: number; spreadMs: number; error: number }): string[] => [
    p.arch,
    fmt(p.predictedMs, 3),
    fmt(p.measuredMs, 3),
    signedPct(p.error),
    pct(p.spreadMs / p.measuredMs, 2),
  ];
  const cols = [
    { header: 'architecture' },
    { header: 'predicted ms (est.)', right: true },
    { header: 'measured ms', right: true },
    { header: 'error', right: true },
    { header: 'session spread', right: true },
  ];
  const lines = [
    `table ${r.table.file}: ${r.table.space}@${r.table.resolution} on ${r.table.target}, device ${r.table.device}, method ${r.table.method}; run ${r.runId}`,
    textTable(cols, r.archs.map(row)),
    '',
    `${s.n} architectures (seed ${r.seed}): MAPE ${pct(s.mape, 2)} (mean error ${signedPct(s.bias)}), RMSE ${fmt(s.rmseMs, 3)} ms, within ±5% ${pct(s.within5, 0)}, within ±10% ${pct(s.within10, 0)}, max |error| ${pct(s.maxAbsError)}; noise floor (median between-session spread of the architectures) ${pct(s.noiseFloor, 2)}`,
  ];
  if (r.models.length > 0) {
    lines.push('', 'MNv4 models (blocks outside the space predicted by regression):');
    lines.push(
      textTable(
        [...cols, { header: 'source' }],
        r.models.map((m) => [...row(m), m.source]),
      ),
    );
  }
  if (r.drift.length > 0) {
    lines.push('', 'table entries and calibration architectures re-measured in the same run (drift of the host since the build):');
    lines.push(
      textTable(
        [
          { header: 'entry' },
          { header: 'kind' },
          { header: 'table ms', right: true },
          { header: 'now ms', right: true },
          { header: 'change', right: true },
        ],
        r.drift.map((d) => [d.key, d.kind === 'arch' ? 'whole arch' : 'block', fmt(d.tableMs, 4), fmt(d.nowMs, 4), signedPct(d.change)]),
      ),
    );
  }
  const ratio = r.hostState?.ratio;
  if (r.paired)
    lines.push(
      `every item measured in pairs with the reference ${r.paired.reference} in random order (${r.paired.referenceSessions} reference sessions); errors are of ${r.paired.units === 'reference' ? 'ratios to the reference, shown in ms at its median now' : 'ms (the table has no reference)'}`,
    );
  if (ratio !== null && ratio !== undefined)
    lines.push(
      r.paired?.referenceMsTable
        ? `the reference now vs the build: x${fmt(ratio, 3)} (${fmt(r.paired.referenceMsNow, 3)} ms vs ${fmt(r.paired.referenceMsTable, 3)} ms); ratios to it are what the table predicts`
        : `whole networks now vs the build: x${fmt(ratio, 3)} (median over ${r.hostState.archs} re-measured calibration architectures)`,
    );
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** What `lut search` prints: how many were evaluated, then the frontier (or the fastest seen when none fits). */
export function formatSearch(r: SearchResult, budgetMs: number, measured?: ReadonlyMap<string, { medianMs: number; predictedMs?: number }>): string {
  const head = `${r.evaluated} distinct architectures evaluated, ${r.feasible} within ${budgetMs} ms (predicted, estimated)`;
  if (r.frontier.length === 0)
    return `${head}\nnone meets the budget; the fastest seen: ${r.fastest!.arch} at ${fmt(r.fastest!.predictedMs, 3)} ms (estimated)`;
  return `${head}\n${formatFrontier(r, measured)}`;
}

/** `lut search --json`: the search with every frontier point labelled estimated (predicted) and measured. */
export function searchJson(r: SearchResult, measured?: ReadonlyMap<string, { medianMs: number; spreadMs: number }>): unknown {
  const frontier = r.frontier.map((p) => ({
    ...p,
    predicted: 'estimated',
    measuredMs: measured?.get(p.arch)?.medianMs ?? null,
    spreadMs: measured?.get(p.arch)?.spreadMs ?? null,
  }));
  return { ...r, frontier, provenance: { predicted: 'estimated', measured: 'measured' } };
}
