/**
 * Models tab: median latency of each model on each target (one bar chart, CI as error bars; published and
 * simulated bars styled apart), the latency table, and the efficiency table (GMAC/s, roofline share), from
 * `analysis.modelRows` and `analysis.efficiency`. To add a chart, see charts.ts.
 */
import type { Analysis, EfficiencyRow, ModelRow } from '../../../src/report/analysis.js';
import { alpha, baseOptions, chartCard, COLORS, logTick, PALETTE, type ChartSpec, type Dataset } from '../charts.js';
import type { DashboardData } from '../data.js';
import { el, note } from '../dom.js';
import { fmtMs, num, pct } from '../format.js';
import { badgeColumn, table } from '../table.js';

/** The MNv4 models in the paper's order; others after them, by id. */
const ORDER = ['conv-s', 'conv-m', 'hybrid-m', 'conv-l', 'hybrid-l'];
const rank = (m: string): number => (ORDER.indexOf(m) < 0 ? 99 : ORDER.indexOf(m));

interface TargetSeries {
  key: string;
  label: string;
  provenance: ModelRow['provenance'];
  device: string;
}

function latencyChart(rows: readonly ModelRow[]): ChartSpec {
  const models = [...new Set(rows.map((r) => r.model))].sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : 1));
  const targets: TargetSeries[] = [];
  for (const r of rows)
    if (!targets.some((t) => t.key === r.targetKey))
      targets.push({ key: r.targetKey, label: r.targetLabel, provenance: r.provenance, device: r.device });
  const names = models.map((m) => rows.find((x) => x.model === m)!.name);
  const datasets = targets.map((t, i): Dataset => {
    const color = t.provenance === 'published' ? COLORS.published : t.provenance === 'simulated' ? COLORS.simulated : PALETTE[i % PALETTE.length]!;
    const cells = models.map((m) => rows.find((r) => r.model === m && r.targetKey === t.key) ?? null);
    return {
      label: t.device + ' · ' + t.label + ' [' + t.provenance + ']',
      data: cells.map((c) => (c ? c.medianMs : null)),
      errorBars: cells.map((c) => (c && c.ciLo !== null && c.ciHi !== null ? { lo: c.ciLo, hi: c.ciHi } : null)),
      backgroundColor: t.provenance === 'simulated' ? 'rgba(255,255,255,0.6)' : alpha(color, t.provenance === 'published' ? 0.45 : 0.8),
      borderColor: color,
      borderWidth: t.provenance === 'simulated' ? 2 : 1,
      borderDash: t.provenance === 'simulated' ? [5, 3] : undefined,
    };
  });
  return {
    type: 'bar',
    data: { labels: names, datasets },
    options: baseOptions({
      scales: { y: { type: 'logarithmic', title: { display: true, text: 'median latency (ms, log scale)' }, ticks: { callback: logTick } } },
    }),
  };
}

function renderLatency(root: HTMLElement, rows: readonly ModelRow[]): void {
  if (!rows.length) {
    root.appendChild(note('No whole-model measurements in the loaded runs.'));
    return;
  }
  root.appendChild(
    chartCard(
      'models',
      'models-latency',
      'Median latency per model and target (CI of the median as error bars)',
      ['grey bars: published Table 6 figures (another device and runtime); white bars with an orange border: simulated; coloured bars: measured'],
      () => latencyChart(rows),
      true,
    ),
  );
  root.appendChild(el('h2', { text: 'Latency table' }));
  root.appendChild(
    table<ModelRow>(
      [
        { key: 'name', label: 'model' },
        { key: 'device', label: 'device' },
        { key: 'targetLabel', label: 'target' },
        badgeColumn('provenance', 'provenance'),
        { key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs },
        { key: 'ciLo', label: 'CI lo', num: true, fmt: fmtMs },
        { key: 'ciHi', label: 'CI hi', num: true, fmt: fmtMs },
        { key: 'n', label: 'n', num: true },
        { key: 'flags', label: 'flags', fmt: (v) => v.join('; '), sortValue: (r) => r.flags.join('; ') },
        { key: 'runId', label: 'run' },
      ],
      rows,
      { id: 'models' },
    ),
  );
}

function renderEfficiency(root: HTMLElement, a: Analysis): void {
  root.appendChild(el('h2', { text: 'Efficiency' }));
  if (!a.efficiency.length) {
    root.appendChild(note('No model or architecture measurements.'));
    return;
  }
  root.appendChild(
    note(
      'GMAC/s = counted MACs / median latency. Roofline share = the paper\u2019s roofline time (Eq. 1: per layer max(MACs / peak, bytes / bandwidth)) over the measured latency: at a peak the run measured on that target (dense single convolutions) with the device profile\u2019s ridge point, or else the roofline fitted to the device\u2019s Table 6 column (--simulation); empty where neither is known.',
    ),
  );
  root.appendChild(
    table<EfficiencyRow>(
      [
        { key: 'workloadId', label: 'workload' },
        { key: 'device', label: 'device' },
        { key: 'targetLabel', label: 'target' },
        badgeColumn('provenance', 'provenance'),
        { key: 'gmac', label: 'GMAC', num: true, fmt: (v) => num(v, 3) },
        { key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs },
        { key: 'gmacPerSecond', label: 'GMAC/s', num: true, fmt: (v) => num(v, 1) },
        { key: 'peakGmacPerSecond', label: 'peak GMAC/s', num: true, fmt: (v) => num(v, 1) },
        { key: 'rooflineShare', label: 'roofline share', num: true, fmt: (v) => pct(v) },
        { key: 'rooflineSource', label: 'roofline from' },
        {
          key: 'ridgePoint',
          label: 'ridge point',
          sortValue: (r) => (r.ridgePoint ? r.ridgePoint.macsPerByte : null),
          fmt: (v) => (v ? v.macsPerByte + ' MAC/B (' + v.source + ')' : ''),
        },
        { key: 'runId', label: 'run' },
      ],
      a.efficiency,
      { id: 'efficiency' },
    ),
  );
}

/** --sustained runs: each run's latency and the hottest thermal zone after it, against time (session 1 of each). */
function renderSustained(root: HTMLElement, a: Analysis): void {
  a.sustained.forEach((s, i) => {
    const pts = s.sessions[0] ?? [];
    const title = `Sustained: ${s.workload} on ${s.target}${s.device ? ` (${s.device})` : ''}`;
    const notes = [
      `Back-to-back benchmark_model runs without cool-down (--sustained): each run\u2019s mean latency and the hottest thermal zone after it, against time; session 1 of ${s.sessions.length}.`,
    ];
    root.appendChild(
      chartCard('models', `sustained-${i}`, title, notes, () => ({
        type: 'scatter',
        data: {
          datasets: [
            { label: 'mean latency (ms)', type: 'line', data: pts.map((p) => ({ x: p.tMs / 1000, y: p.meanMs })), yAxisID: 'y' },
            {
              label: 'hottest zone (\u00b0C)',
              type: 'line',
              data: pts.flatMap((p) => (p.hottestC === null ? [] : [{ x: p.tMs / 1000, y: p.hottestC }])),
              yAxisID: 'y1',
            },
          ],
        },
        options: baseOptions({
          scales: {
            x: { type: 'linear', title: { display: true, text: 'time (s)' } },
            y: { title: { display: true, text: 'ms' } },
            y1: { position: 'right', title: { display: true, text: '\u00b0C' }, grid: { drawOnChartArea: false } },
          },
        }),
      })),
    );
  });
}

export function renderModels(root: HTMLElement, data: DashboardData): void {
  renderLatency(root, data.analysis.modelRows);
  renderSustained(root, data.analysis);
  renderEfficiency(root, data.analysis);
}
