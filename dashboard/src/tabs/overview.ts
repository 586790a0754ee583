/**
 * Overview tab: the loaded runs (host, preset, counts), inputs that could not be read, every target with its
 * status, and the published figures with their sources. Tables only, no charts (see charts.ts to add one).
 */
import type { ModelFacts } from '../../../src/report/published-join.js';
import type { Analysis, RunSummary, TargetStatus } from '../../../src/report/analysis.js';
import type { DashboardData } from '../data.js';
import { badge, el, note } from '../dom.js';
import { isoShort } from '../format.js';
import { badgeColumn, table } from '../table.js';

interface RunRow {
  runId: string;
  createdAt: string;
  deviceName: string;
  cpu: string;
  cores: number;
  memGiB: number;
  os: string;
  isa: string;
  protocol: string;
  sessions: number;
  tool: string;
  measured: number;
  simulated: number;
  failed: number;
  notes: string;
}

function runRow(r: RunSummary): RunRow {
  const git = r.tool.gitCommit ? ' ' + r.tool.gitCommit.slice(0, 8) + (r.tool.gitDirty ? ' (dirty)' : '') : '';
  return {
    runId: r.runId,
    createdAt: isoShort(r.createdAt),
    deviceName: r.deviceName,
    isa: r.host.isa.join(' '),
    sessions: r.sessionsPerMeasurement,
    cpu: r.host.cpu + ' · ' + r.host.hostname,
    cores: r.host.cores,
    memGiB: r.host.memGiB,
    os: r.host.os + ' ' + r.host.platform + '/' + r.host.arch,
    protocol: r.protocol,
    tool: r.tool.version + git,
    measured: r.measured,
    simulated: r.simulated,
    failed: r.failed,
    notes: r.notes.join('; '),
  };
}

function runsTable(a: Analysis): HTMLElement {
  if (a.runs.length === 0)
    return note('No runs were loaded: only published figures are shown. Measure with `mnv4-bench run --device host`, then rebuild the dashboard.');
  return table<RunRow>(
    [
      { key: 'runId', label: 'run' },
      { key: 'createdAt', label: 'created (UTC)' },
      { key: 'deviceName', label: 'device' },
      { key: 'cpu', label: 'host CPU' },
      { key: 'cores', label: 'cores', num: true },
      { key: 'memGiB', label: 'memory GiB', num: true },
      { key: 'os', label: 'OS' },
      { key: 'isa', label: 'ISA' },
      { key: 'protocol', label: 'preset' },
      { key: 'sessions', label: 'sessions', num: true },
      { key: 'tool', label: 'mnv4-bench' },
      { key: 'measured', label: 'measured', num: true },
      { key: 'simulated', label: 'simulated', num: true },
      { key: 'failed', label: 'failed', num: true },
      { key: 'notes', label: 'notes' },
    ],
    a.runs.map(runRow),
    { id: 'runs' },
  );
}

interface PublishedRow {
  name: string;
  top1: number | null;
  top1Source: string;
  macs: number | null;
  params: number | null;
  costSource: string;
}

function publishedRow(m: ModelFacts, cite: (s: string) => string): PublishedRow {
  const costSources = [m.macsG && cite(m.macsG.source), m.paramsM && cite(m.paramsM.source)].filter((s): s is string => Boolean(s));
  return {
    name: m.name,
    top1: m.top1 ? m.top1.value : null,
    top1Source: m.top1 ? cite(m.top1.source) + (m.top1.note ? ' (' + m.top1.note + ')' : '') : '',
    macs: m.macsG ? m.macsG.value : null,
    params: m.paramsM ? m.paramsM.value : null,
    costSource: costSources.filter((s, i, arr) => arr.indexOf(s) === i).join('; '),
  };
}

export function renderOverview(root: HTMLElement, data: DashboardData): void {
  const a = data.analysis;
  root.appendChild(el('h2', { text: 'Runs' }));
  root.appendChild(runsTable(a));
  if (a.problems.length) {
    root.appendChild(el('h2', { text: 'Skipped inputs' }));
    root.appendChild(
      el('ul', { cls: 'problems' }, ...a.problems.map((p) => el('li', { cls: 'problem' }, badge('skipped'), ' ', p.dir + ': ' + p.message))),
    );
  }
  root.appendChild(el('h2', { text: 'Targets' }));
  root.appendChild(
    table<TargetStatus>(
      [
        { key: 'device', label: 'device' },
        { key: 'targetLabel', label: 'target' },
        badgeColumn('status', 'status'),
        { key: 'count', label: 'records', num: true },
        { key: 'reason', label: 'reason / source' },
        { key: 'runId', label: 'run' },
      ],
      a.targets,
      { id: 'targets' },
    ),
  );
  root.appendChild(el('h2', { text: 'Published figures' }));
  root.appendChild(
    note(
      'Top-1 (ImageNet-1k), MACs and params as published, each with its source. [T6] = ' +
        a.citation +
        ' (also the source of every published latency).',
    ),
  );
  const cite = (s: string): string => (s === a.citation ? '[T6]' : s);
  root.appendChild(
    table<PublishedRow>(
      [
        { key: 'name', label: 'model' },
        { key: 'top1', label: 'top-1 %', num: true },
        { key: 'top1Source', label: 'top-1 source' },
        { key: 'macs', label: 'MACs G', num: true },
        { key: 'params', label: 'params M', num: true },
        { key: 'costSource', label: 'MACs / params source' },
      ],
      a.models.map((m) => publishedRow(m, cite)),
      { id: 'published' },
    ),
  );
}
