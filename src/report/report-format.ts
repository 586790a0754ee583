/**
 * `report` output: the tables a paper or a pull request uses, as Markdown, CSV or JSON.
 *
 * - md: runs, the model x target latency table (median [CI], provenance marked), the Pareto frontiers,
 *   efficiency, what was skipped or failed, and the published accuracy with its sources;
 * - csv: one row per measurement (latest per target and workload) and per published Table 6 latency of the
 *   models shown, with provenance, CI, top-1 and its source, GMAC/s and the Pareto mark;
 * - json: the whole analysis (src/report/analysis.ts) plus those rows.
 */
import { notConvergedFlag } from './measurement.js';
import { TABLE6_CITATION } from '../models/published.js';
import { analyse, latestMeasurements, type Analysis, type ParetoGroup } from './analysis.js';
import type { ModelFacts } from './published-join.js';
import { fmt, markdownTable } from './table.js';
import type { LoadedRuns } from './views.js';

export const REPORT_FORMATS = ['md', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportRow {
  run: string;
  device: string;
  target: string;
  workload: string;
  model: string;
  provenance: string;
  medianMs: number;
  ciLo: number | null;
  ciHi: number | null;
  n: number | null;
  gmacPerSecond: number | null;
  top1: number | null;
  top1Source: string;
  pareto: string;
  flags: string;
}

const short = (source: string): string => (source === TABLE6_CITATION ? 'arXiv 2404.10518 Table 6' : source);

/** One row per latest measurement, then the published rows of the models' Table 6 columns. */
export function reportRows(loaded: LoadedRuns, a: Analysis): ReportRow[] {
  const facts = new Map<string, ModelFacts>(a.models.map((m) => [m.id, m]));
  const paretoMark = (device: string | null, target: string | null, model: string, provenance: string): string => {
    const g = a.pareto.find((x) => x.axis === 'latency' && x.device === device && x.targetLabel === target);
    const p = g?.series[provenance as keyof ParetoGroup['series']]?.find((x) => x.model === model);
    return p ? (p.dominated ? `dominated by ${p.dominatedBy.join(' / ')}` : 'frontier') : '';
  };
  const rows: ReportRow[] = latestMeasurements(loaded.runs).map((m) => {
    const f = m.model ? facts.get(m.model) : undefined;
    return {
      run: m.runId,
      device: m.device,
      target: m.targetLabel,
      workload: m.workloadId,
      model: f?.name ?? m.model ?? '',
      provenance: m.provenance,
      medianMs: m.medianMs,
      ciLo: m.ci?.lo ?? null,
      ciHi: m.ci?.hi ?? null,
      n: m.n,
      gmacPerSecond: m.medianMs > 0 ? m.macs / (m.medianMs * 1e-3) / 1e9 : null,
      top1: f?.top1?.value ?? null,
      top1Source: f?.top1 ? short(f.top1.source) : '',
      pareto: m.model ? paretoMark(m.device, m.targetLabel, m.model, m.provenance) : '',
      flags: [
        !m.converged ? notConvergedFlag(m.notConverged) : '',
        m.softwareAdapter ? 'software adapter' : '',
        m.timing === 'external' ? `externally timed: ${m.externalStatistic ?? 'median over sessions'}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    };
  });
  // roofline simulations and published Table 6 latencies (rows without a run)
  for (const r of a.modelRows.filter((x) => x.runId === null)) {
    const f = facts.get(r.model);
    rows.push({
      run: '',
      device: r.device,
      target: r.targetLabel,
      workload: `model:${r.model}`,
      model: r.name,
      provenance: r.provenance,
      medianMs: r.medianMs,
      ciLo: null,
      ciHi: null,
      n: null,
      gmacPerSecond: null,
      top1: f?.top1?.value ?? null,
      top1Source: f?.top1 ? short(f.top1.source) : '',
      pareto: '',
      flags: r.provenance === 'published' ? `latency: ${short(TABLE6_CITATION)}` : ['roofline simulation', ...r.flags].join('; '),
    });
  }
  return rows;
}

/** RFC 4180 CSV cell: quoted when it holds a comma, quote or line break; formula-leading cells are prefixed. */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : '') : v;
  // a cell starting with = + - @ is run as a formula by spreadsheets (CSV injection); numbers are exempt.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(rows: readonly ReportRow[]): string {
  const cols: (keyof ReportRow)[] = [
    'run',
    'device',
    'target',
    'workload',
    'model',
    'provenance',
    'medianMs',
    'ciLo',
    'ciHi',
    'n',
    'gmacPerSecond',
    'top1',
    'top1Source',
    'pareto',
    'flags',
  ];
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

const md = (s: string): string => s.replace(/[\r\n]+/g, ' ');

/** The Markdown report. Long on purpose (about 130 lines): its sections, one after another, in the order a reader sees them. */
export function reportMarkdown(loaded: LoadedRuns, a: Analysis, rows: readonly ReportRow[]): string {
  const out: string[] = ['# mnv4-bench report', ''];
  const simulated = a.targets.some((t) => t.status === 'simulated');
  if (a.runs.length === 0) out.push(`No runs loaded: only ${simulated ? 'simulated and ' : ''}published figures are listed.`, '');
  else {
    out.push('## Runs', '');
    out.push(
      markdownTable(
        [
          { header: 'run' },
          { header: 'created' },
          { header: 'device' },
          { header: 'host' },
          { header: 'preset' },
          { header: 'measured', right: true },
          { header: 'simulated', right: true },
          { header: 'failed', right: true },
        ],
        a.runs.map((r) => [
          r.runId,
          r.createdAt,
          r.deviceName,
          md(`${r.host.cpu}, ${r.host.cores} cores, ${r.host.os}`),
          r.protocol,
          String(r.measured),
          String(r.simulated),
          String(r.failed),
        ]),
      ),
      '',
    );
  }
  for (const p of a.problems) out.push(`- skipped ${md(p.dir)}: ${md(p.message)}`);
  if (a.problems.length) out.push('');
  const modelRows = rows.filter((r) => r.model !== '' && r.workload.startsWith('model:'));
  if (modelRows.length) {
    out.push(
      '## Latency of the models (ms)',
      '',
      'median [95% CI of the median]; provenance: measured here, simulated by a device model, or published (cited).',
      '',
    );
    const targets = [...new Set(modelRows.map((r) => `${r.device} · ${r.target} (${r.provenance})`))];
    const models = [...new Set(modelRows.map((r) => r.model))];
    out.push(
      markdownTable(
        [{ header: 'model' }, { header: 'top-1 %', right: true }, ...targets.map((t) => ({ header: md(t), right: true }))],
        models.map((m) => {
          const any = modelRows.find((r) => r.model === m)!;
          return [
            m,
            any.top1 === null ? '-' : String(any.top1),
            ...targets.map((t) => {
              const r = modelRows.find((x) => x.model === m && `${x.device} · ${x.target} (${x.provenance})` === t);
              if (!r) return '';
              return `${fmt(r.medianMs, 2)}${r.ciLo !== null && r.ciHi !== null ? ` [${fmt(r.ciLo, 2)}, ${fmt(r.ciHi, 2)}]` : ''}${r.flags && r.run !== '' ? ` (${r.flags})` : ''}`;
            }),
          ];
        }),
      ),
      '',
    );
  }
  const latencyGroups = a.pareto.filter((g) => g.axis === 'latency' && g.device !== null);
  if (latencyGroups.length) {
    out.push('## Pareto frontier (top-1 vs median latency)', '');
    for (const g of latencyGroups) {
      for (const prov of ['measured', 'simulated', 'published'] as const) {
        const pts = g.series[prov];
        if (!pts.length) continue;
        const front = pts.filter((p) => !p.dominated).sort((x, y) => x.cost - y.cost);
        const dom = pts.filter((p) => p.dominated);
        out.push(
          `- **${md(g.title)}**, ${prov}: frontier ${front.map((p) => `${p.name} (${fmt(p.cost, 2)} ms, ${p.accuracy}%)`).join(' → ')}${dom.length ? `; dominated: ${dom.map((p) => p.name).join(', ')}` : ''}`,
        );
      }
    }
    out.push('');
  }
  const eff = a.efficiency.filter((e) => e.provenance === 'measured');
  if (eff.length) {
    out.push(
      '## Efficiency',
      '',
      'GMAC/s = counted MACs / median; roofline share = roofline time / median, at a peak the run measured on that target or the roofline fitted to the device column (--simulation), where known.',
      '',
    );
    out.push(
      markdownTable(
        [
          { header: 'workload' },
          { header: 'target' },
          { header: 'GMAC', right: true },
          { header: 'median ms', right: true },
          { header: 'GMAC/s', right: true },
          { header: 'roofline share', right: true },
        ],
        eff.map((e) => [
          e.workloadId,
          md(`${e.device} · ${e.targetLabel}`),
          fmt(e.gmac, 3),
          fmt(e.medianMs, 2),
          fmt(e.gmacPerSecond, 1),
          e.rooflineShare === null ? '-' : `${(e.rooflineShare * 100).toFixed(0)}%`,
        ]),
      ),
      '',
    );
  }
  const notRun = a.targets.filter((t) => t.status === 'skipped' || t.status === 'error');
  if (notRun.length) {
    out.push('## Skipped or failed', '');
    for (const t of notRun) out.push(`- ${t.status}: ${md(`${t.device} · ${t.targetLabel}`)}: ${md(t.reason ?? '')}`);
    out.push('');
  }
  out.push('## Published accuracy', '');
  const shown = new Set(rows.map((r) => r.model));
  const facts = a.models.filter((m) => shown.has(m.name) || m.mnv4);
  out.push(
    markdownTable(
      [{ header: 'model' }, { header: 'top-1 %', right: true }, { header: 'source' }],
      facts.map((m) => [
        m.name,
        m.top1 ? String(m.top1.value) : '-',
        m.top1 ? md(short(m.top1.source) + (m.top1.note ? ` (${m.top1.note})` : '')) : '',
      ]),
    ),
    '',
    `Published latencies: ${TABLE6_CITATION}.`,
    '',
  );
  return out.join('\n');
}

/** The report text in a format. */
export function renderReport(loaded: LoadedRuns, format: ReportFormat, a: Analysis = analyse(loaded)): string {
  const rows = reportRows(loaded, a);
  if (format === 'csv') return reportCsv(rows);
  if (format === 'json') return `${JSON.stringify({ rows, analysis: a }, null, 2)}\n`;
  return reportMarkdown(loaded, a, rows);
}
