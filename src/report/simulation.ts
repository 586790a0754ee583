/**
 * `run --device D --simulate`: the roofline simulation (src/profiles/roofline.ts) for the Table 6 columns of a
 * device, as a table of the paper's models next to their published latencies, with Spearman and MAPE per
 * column. Every simulated number is labelled `simulated`, every paper number `published`; nothing here is
 * measured.
 */
import { graphCost } from '../models/cost.js';
import { lowerModel } from '../models/graph.js';
import { DEVICE_COLUMN_INFO, loadPublished, table6Column, type DeviceColumn } from '../models/published.js';
import { getModel } from '../models/registry.js';
import { definedTable6Models } from '../models/table6-models.js';
import type { DeviceProfile } from '../profiles/device.js';
import { columnInputs, fitColumn, ROOFLINE_CITATION, simulateGraph, type RooflineColumnFit, type SimulatedLatency } from '../profiles/roofline.js';
import { fmt, textTable } from './table.js';

export const SIMULATION_SCHEMA = 'mnv4-bench/simulation@1';

/** The Table 6 columns a device stands for: its targets' columns, then the profile's own list. */
export function deviceColumns(device: DeviceProfile): DeviceColumn[] {
  const cols = [...device.targets.flatMap((t) => (t.publishedColumn ? [t.publishedColumn] : [])), ...(device.publishedColumns ?? [])];
  return [...new Set(cols)];
}

export interface SimulatedRow {
  id: string;
  name: string;
  mnv4: boolean;
  macsG: number;
  cells: {
    column: DeviceColumn;
    simulated: SimulatedLatency;
    /** leave-one-out: true when the model's own published latency was held out of the fit that predicts it. */
    leaveOneOut: boolean;
    published: { state: 'value'; value: number; unit: 'ms'; provenance: 'published' } | { state: 'failed' | 'not_reported'; provenance: 'published' };
  }[];
}

export interface DeviceSimulation {
  schema: typeof SIMULATION_SCHEMA;
  device: { id: string; name: string };
  provenance: 'simulated';
  method: string;
  columns: Omit<RooflineColumnFit, 'points'>[];
  rows: SimulatedRow[];
}

/**
 * Simulates every Table 6 model this project defines (the registry's, so a newly defined model is covered
 * without a change here) on each of the device's columns. A model with a
 * published latency in a column is predicted leave-one-out; one without (e.g. 'Failed' on the DSP) is
 * predicted by the fit on all models of the column.
 */
export function simulateDevice(device: DeviceProfile, columns = deviceColumns(device)): DeviceSimulation {
  const data = loadPublished();
  const fits = columns.map((c) => fitColumn(c, columnInputs(c, data)));
  const rowsById = new Map<string, SimulatedRow>();
  // paper order of Table 6, MNv4 first
  const order = definedTable6Models(data);
  const sorted = [...order.filter((m) => m.spec.family === 'mnv4'), ...order.filter((m) => m.spec.family !== 'mnv4')];
  for (const { spec, published } of sorted) {
    const g = lowerModel(spec);
    rowsById.set(spec.id, { id: spec.id, name: published.name, mnv4: spec.family === 'mnv4', macsG: graphCost(g).macs / 1e9, cells: [] });
  }
  fits.forEach((fit) => {
    const column = fit.column;
    for (const r of table6Column(column, data)) {
      const row = rowsById.get(r.id);
      if (!row) continue;
      const point = fit.points.find((p) => p.id === r.id);
      const published =
        r.cell.state === 'value'
          ? { state: 'value' as const, value: r.cell.value, unit: 'ms' as const, provenance: 'published' as const }
          : { state: r.cell.state, provenance: 'published' as const };
      const simulated = point ? point.simulated : simulateGraph(lowerModel(getModel(r.id)), fit).latency;
      row.cells.push({ column, simulated, leaveOneOut: point !== undefined, published });
    }
  });
  return {
    schema: SIMULATION_SCHEMA,
    device: { id: device.id, name: device.name },
    provenance: 'simulated',
    method: `empirically fitted roofline (${ROOFLINE_CITATION}); PeakMACs fitted to the paper's published Table 6 latencies of each column`,
    columns: fits.map(({ points: _points, ...rest }) => rest),
    rows: [...rowsById.values()],
  };
}

/** The terminal table: simulated next to published per column, then the per-column fit quality. */
export function formatSimulation(sim: DeviceSimulation): string {
  const cols: { header: string; right?: boolean }[] = [{ header: 'model' }, { header: 'MACs G', right: true }];
  for (const c of sim.columns) {
    cols.push({ header: `${c.label} ms SIMULATED`, right: true }, { header: 'ms published', right: true }, { header: 'error', right: true });
  }
  const rows = sim.rows.map((r) => {
    const out = [r.name, fmt(r.macsG, 2)];
    for (const c of sim.columns) {
      const cell = r.cells.find((x) => x.column === c.column);
      if (!cell) {
        out.push('', '', '');
        continue;
      }
      const p = cell.published;
      out.push(
        `${fmt(cell.simulated.value, 2)}${cell.leaveOneOut ? '' : '+'}`,
        p.state === 'value' ? fmt(p.value, 2) : p.state === 'failed' ? 'Failed' : '-',
        p.state === 'value' ? `${fmt((100 * (cell.simulated.value - p.value)) / p.value, 0)}%` : '',
      );
    }
    return out;
  });
  const lines = [
    `${sim.device.name}: SIMULATED latencies (roofline model, not measurements) next to the paper's PUBLISHED ones (arXiv 2404.10518 Table 6)`,
    textTable(cols, rows),
    "Each simulated figure is leave-one-out: predicted by a fit to the OTHER models' published latencies of that column. + = the model has no published figure there, so the fit uses every model.",
  ];
  for (const c of sim.columns) {
    const ridge =
      c.ridgeSource === 'table16'
        ? `ridge point ${c.ridgePoint} MACs/B from Table 16`
        : `ridge point ${c.ridgePoint} MACs/B fitted here (Table 16 gives none for this column)`;
    const paper = c.paper
      ? `; the paper's roofline: r_s ${c.paper.roofline.toFixed(3)}, its MAC count ${c.paper.macs.toFixed(3)} (over its own, larger model set)`
      : '';
    lines.push(
      `${c.label} (${DEVICE_COLUMN_INFO[c.column].precision}): Spearman r_s ${c.spearman.toFixed(3)} (MAC count alone: ${c.spearmanMacs.toFixed(3)}), MAPE ${fmt(c.mape * 100, 1)}%${paper}. ${ridge}; fitted PeakMACs ${fmt((c.peakMacsPerMs * 1000) / 1e9, 1)} GMAC/s${Number.isFinite(c.peakBytesPerMs) ? `, PeakMemBW ${fmt((c.peakBytesPerMs * 1000) / 1e9, 2)} GB/s` : ''}.`,
    );
    for (const n of c.notes) lines.push(`  note: ${n}`);
  }
  return lines.join('\n');
}
