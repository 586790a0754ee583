/**
 * The device model's simulation view, drawn at the foot of the Pareto tab from `analysis.spaceFrontiers` and
 * `analysis.deviceModels` (src/report/simulation-input.ts): per simulated device column, a search space's
 * seeded architectures simulated by the device model (MACs vs simulated latency, with their frontier) beside
 * the models' simulated and published latencies, then the out-of-sample validation of the device model next to
 * the plain roofline and MAC counting. Everything here is labelled simulated.
 */
import type { DeviceModelValidationView, SpaceFrontierView } from '../../../src/report/simulation-input.js';
import { alpha, baseOptions, chartCard, COLORS, legendLabels, logTick, type ChartSpec, type Dataset } from '../charts.js';
import { badge, el, note } from '../dom.js';
import { num, pct } from '../format.js';
import type { Mnv4Point } from '../plugins.js';
import { table } from '../table.js';

type Row = DeviceModelValidationView['validation'][number];
type Score = Row['deviceModel'];

function scatter(label: string, data: Mnv4Point[], style: 'circle' | 'triangle' | 'rect', color: string, hollow: boolean, radius: number): Dataset {
  return {
    label,
    data,
    pointStyle: style,
    pointRadius: radius,
    backgroundColor: hollow ? 'rgba(255,255,255,0.9)' : alpha(color, 0.85),
    borderColor: color,
    borderWidth: hollow ? 1.5 : 1,
    pointLabels: true,
    pointLabelColor: color,
    legendFill: hollow ? '#ffffff' : color,
    legendStroke: color,
  };
}

function frontierChart(f: SpaceFrontierView & { frontier: { points: { arch: string; macsG: number; ms: number; frontier: boolean }[] } }): ChartSpec {
  const pts = f.frontier.points;
  const front = pts.filter((p) => p.frontier).sort((a, b) => a.ms - b.ms);
  const space = f.frontier.space;
  const datasets: Dataset[] = [
    scatter(
      `${space} sampled architectures (simulated)`,
      pts.map((p) => ({ x: p.ms, y: p.macsG, label: null })),
      'circle',
      alpha(COLORS.simulated, 0.55),
      true,
      3,
    ),
    {
      label: `${space} frontier (simulated)`,
      type: 'line',
      data: front.map((p) => ({ x: p.ms, y: p.macsG })),
      borderColor: COLORS.simulated,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: 'line',
      fill: false,
    },
    scatter(
      'models (simulated, leave-one-out)',
      f.models.map((m) => ({ x: m.simulatedMs, y: m.macsG, label: m.name.indexOf('MNv4') === 0 ? m.name : null })),
      'triangle',
      COLORS.simulated,
      true,
      6,
    ),
    scatter(
      'models (published)',
      f.models.flatMap((m) => (m.publishedMs === null ? [] : [{ x: m.publishedMs, y: m.macsG, label: null }])),
      'rect',
      COLORS.published,
      false,
      5,
    ),
  ];
  return {
    type: 'scatter',
    data: { datasets },
    options: baseOptions({
      scales: {
        x: { type: 'logarithmic', title: { display: true, text: 'latency (ms, log scale)' }, ticks: { callback: logTick, maxRotation: 0 } },
        y: { type: 'logarithmic', title: { display: true, text: 'MACs (G, counted, log scale)' }, ticks: { callback: logTick } },
      },
      plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 8, generateLabels: legendLabels } } },
    }),
  };
}

function frontierCards(list: readonly SpaceFrontierView[]): HTMLElement {
  const grid = el('div', { cls: 'grid' });
  list.forEach((f, i) => {
    const fr = f.frontier;
    const title = `${f.device} \u00b7 ${f.label} \u00b7 ${fr.space} search space, simulated`;
    if ('unavailable' in fr) {
      grid.appendChild(el('div', { cls: 'card' }, el('h3', { text: title }), note('Not simulated: ' + fr.unavailable)));
      return;
    }
    const text = `SIMULATED by the device model: ${fr.points.length} seeded architectures of ${fr.space} at ${fr.resolution}px (the skeleton first). Sampled architectures have no published accuracy, so the frontier is the most MACs within a simulated latency. Orange triangles: the models, simulated leave-one-out; grey squares: their published latencies.`;
    grid.appendChild(chartCard('pareto', 'space-frontier-' + i, title, [text], () => frontierChart({ ...f, frontier: fr })));
  });
  return grid;
}

const scoreText = (v: Score): string => (v.spearman === null ? 'n/a' : num(v.spearman, 3)) + ' / ' + pct(v.mape);

function validationCards(list: readonly DeviceModelValidationView[]): HTMLElement {
  const grid = el('div', { cls: 'grid' });
  list.forEach((d, i) => {
    const card = el(
      'div',
      { cls: 'card', 'data-device-model': d.column },
      el('h3', { text: `${d.device} \u00b7 ${d.label} \u00b7 device model, out of sample` }),
    );
    card.appendChild(badge('simulated'));
    card.appendChild(
      table<Row>(
        [
          { key: 'scheme', label: 'validation' },
          { key: 'trainN', label: 'train n', num: true },
          { key: 'deviceModel', label: 'device model r_s / MAPE', fmt: scoreText },
          { key: 'roofline', label: 'plain roofline r_s / MAPE', fmt: scoreText },
          { key: 'macs', label: 'MAC count r_s / MAPE', fmt: scoreText },
        ],
        d.validation,
        { id: 'device-model-' + i },
      ),
    );
    const terms = d.estimates.map((e) => `${e.term} ${Number(e.value.toPrecision(3))} \u00b1 ${Number(e.se.toPrecision(2))} ${e.unit}`).join('; ');
    const chip =
      'absent' in d.onChipMemory
        ? `No off-chip term: ${d.onChipMemory.absent}`
        : `On-chip memory: ${d.onChipMemory.what} (${d.onChipMemory.source}).`;
    card.appendChild(
      note(
        `Each figure predicts a model without its own published latency (leave-one-out; or from the other family only). Fitted on all ${d.n} models (${d.parameters} parameters, \u00b1 jackknife SE), used only to simulate other workloads: ${terms}; ridge point ${d.ridgePoint} MACs/B. ${chip}`,
      ),
    );
    grid.appendChild(card);
  });
  return grid;
}

/** Appends the simulation view (nothing without simulated device columns). */
export function renderSimulation(root: HTMLElement, frontiers: readonly SpaceFrontierView[], models: readonly DeviceModelValidationView[]): void {
  if (frontiers.length) root.appendChild(frontierCards(frontiers));
  if (models.length) root.appendChild(validationCards(models));
}
