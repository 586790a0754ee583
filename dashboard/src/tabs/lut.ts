/**
 * LUT tab: a lookup table's predicted latency (estimated) against the measured latency, from `data.lut` (the
 * `--lut FILE` of `mnv4-bench dashboard`): headline statistics, the scatter with y = x and +-10% lines, and
 * the table of every architecture. To add a chart, see charts.ts.
 */
import type { TooltipItem } from 'chart.js';
import type { LutPoint, LutValidation } from '../../../src/report/lut-validation.js';
import { alpha, baseOptions, chartCard, COLORS, type ChartSpec, type Dataset } from '../charts.js';
import type { DashboardData } from '../data.js';
import { el, note, stats } from '../dom.js';
import { fmtMs, num, pct, signedPct } from '../format.js';
import { table } from '../table.js';

interface LutDatum {
  x: number;
  y: number;
  arch: string;
  err: number;
  label: string | null;
}

/** A straight reference line from (lo, lo * k) to (hi, hi * k). */
function refLine(label: string, lo: number, hi: number, k: number, dashed: boolean): Dataset {
  return {
    label,
    type: 'line',
    data: [
      { x: lo, y: lo * k },
      { x: hi, y: hi * k },
    ],
    borderColor: dashed ? '#999' : '#333',
    borderDash: dashed ? [4, 4] : undefined,
    borderWidth: 1,
    pointRadius: 0,
  };
}

function lutChart(lut: LutValidation): ChartSpec {
  const all = lut.points.map((p) => p.measuredMs).concat(lut.points.map((p) => p.predictedMs));
  const lo = Math.min(...all) * 0.95;
  const hi = Math.max(...all) * 1.05;
  const series = (kind: LutPoint['kind']): LutDatum[] =>
    lut.points
      .filter((p) => p.kind === kind)
      .map((p) => ({ x: p.measuredMs, y: p.predictedMs, arch: p.arch, err: p.error, label: kind === 'model' ? p.arch : null }));
  const tooltipLabel = (ctx: TooltipItem<'scatter'>): string => {
    const r = ctx.raw as Partial<LutDatum>;
    return r.arch ? r.arch + ': ' + signedPct(r.err) : (ctx.dataset.label ?? '');
  };
  return {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'sampled architectures', data: series('arch'), backgroundColor: alpha(COLORS.measured, 0.7), pointRadius: 4 },
        {
          label: 'MNv4 models',
          data: series('model'),
          backgroundColor: alpha(COLORS.simulated, 0.9),
          pointStyle: 'rectRot',
          pointRadius: 6,
          pointLabels: true,
          pointLabelColor: COLORS.simulated,
        },
        refLine('y = x', lo, hi, 1, false),
        refLine('+10%', lo, hi, 1.1, true),
        refLine('\u221210%', lo, hi, 0.9, true),
      ],
    },
    options: baseOptions({
      scales: { x: { title: { display: true, text: 'measured (ms)' } }, y: { title: { display: true, text: 'predicted (ms, estimated)' } } },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: tooltipLabel as (ctx: TooltipItem<'bar' | 'scatter'>) => string } },
      },
    }),
  };
}

export function renderLut(root: HTMLElement, data: DashboardData): void {
  const lut = data.lut;
  if (!lut) {
    root.appendChild(note('No LUT validation given: build the dashboard with --lut FILE (a JSON array of {arch, predictedMs, measuredMs}).'));
    return;
  }
  const s = lut.stats;
  root.appendChild(
    note('Source: ' + lut.source + (lut.context ? ' (' + lut.context + ')' : '') + '. Predictions are estimated; measurements measured.'),
  );
  for (const w of lut.warnings) root.appendChild(el('p', { cls: 'problem', text: w }));
  root.appendChild(
    stats([
      [String(s.n), 'architectures'],
      [pct(s.mape), 'MAPE'],
      [num(s.rmseMs, 3) + ' ms', 'RMSE'],
      [pct(s.within5), 'within \u00b15%'],
      [pct(s.within10), 'within \u00b110%'],
      [signedPct(s.bias), 'mean signed error'],
      [pct(s.maxAbsError), 'largest error'],
      [s.noiseFloor === null ? 'n/a' : pct(s.noiseFloor), 'noise floor (session spread)'],
    ]),
  );
  root.appendChild(
    chartCard(
      'lut',
      'lut',
      'Predicted vs measured latency',
      ['solid line: prediction = measurement; dashed: \u00b110%; statistics over the sampled architectures (the MNv4 models are shown apart)'],
      () => lutChart(lut),
      true,
    ),
  );
  root.appendChild(
    table<LutPoint>(
      [
        { key: 'arch', label: 'architecture' },
        { key: 'kind', label: 'kind' },
        { key: 'predictedMs', label: 'predicted ms (estimated)', num: true, fmt: fmtMs },
        { key: 'measuredMs', label: 'measured ms', num: true, fmt: fmtMs },
        { key: 'error', label: 'error', num: true, fmt: signedPct },
        { key: 'spreadMs', label: 'session spread ms', num: true, fmt: fmtMs },
      ],
      lut.points,
      { id: 'lut' },
    ),
  );
}
