/**
 * `run --device D --simulate`: the roofline simulation (src/profiles/roofline.ts) for the Table 6 columns of a
 * device, as a table of the paper's models next to their published latencies, with Spearman and MAPE per
 * column. Every simulated number is labelled `simulated`, every paper number `published`; nothing here is
 * measured.
 */
import { graphCost } from '../models/cost.js';
import { lowerModel } from '../models/graph.js';
import { DEVICE_COLUMN_INFO, loadPublished, table6Column, type DeviceColumn } from '../models/published.js';
import type { Graph } from '../models/graph.js';
import { getModel } from '../models/registry.js';
import { definedTable6Models } from '../models/table6-models.js';
import type { DeviceProfile } from '../profiles/device.js';
import { UncostableOpError } from '../profiles/device-model.js';
import { fitDeviceModel, type DeviceModelColumnReport } from '../profiles/device-model-fit.js';
import { DEVICE_MODEL_METHOD, simulateWithDeviceModel } from '../profiles/device-model-simulate.js';
import { columnInputs, fitColumn, ROOFLINE_CITATION, simulateGraph, type RooflineColumnFit, type SimulatedLatency } from '../profiles/roofline.js';
import { formatDeviceModelColumn, summarizeDeviceModel, type DeviceModelSummary } from './device-model-view.js';
import { simulateSpaceFrontier, type SpaceFrontier } from './space-frontier.js';
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
    /** the device model's figure: leave-one-out where the model has a published figure in the column. */
    simulated: SimulatedLatency;
    /** leave-one-out: true when the model's own published latency was held out of the fit that predicts it. */
    leaveOneOut: boolean;
    /** the paper's plain roofline (leave-one-out likewise), the baseline the device model is compared with. */
    roofline: SimulatedLatency;
    /** counting MACs, scaled by a fit to the other models (leave-one-out likewise); absent without a figure. */
    macCount?: SimulatedLatency;
    published: { state: 'value'; value: number; unit: 'ms'; provenance: 'published' } | { state: 'failed' | 'not_reported'; provenance: 'published' };
  }[];
}

/** One column: the device model's fit and validation, and the plain roofline's fit (for the efficiency view). */
export type SimulationColumn = Omit<RooflineColumnFit, 'points' | 'spearman' | 'mape'> & {
  /** leave-one-out Spearman and MAPE of the device model (the figures shown beside the simulated series). */
  spearman: number | null;
  mape: number;
  roofline: { spearman: number; mape: number };
  deviceModel: DeviceModelSummary;
  /** sampled architectures of a search space simulated on this column (the Pareto tab's simulated frontier). */
  spaceFrontier: SpaceFrontier;
};

export interface DeviceSimulation {
  schema: typeof SIMULATION_SCHEMA;
  device: { id: string; name: string };
  provenance: 'simulated';
  method: string;
  columns: SimulationColumn[];
  rows: SimulatedRow[];
}

const simulated = (value: number, method: string): SimulatedLatency => ({ value, unit: 'ms', provenance: 'simulated', method });

/** The cell of a model with no published figure in the column: the fits on all models, or none when uncostable. */
function unpublishedCell(
  id: string,
  dm: DeviceModelColumnReport,
  roof: RooflineColumnFit,
): Omit<SimulatedRow['cells'][number], 'column' | 'published'> | null {
  const g = lowerModel(getModel(id));
  try {
    const s = simulateWithDeviceModel(g, dm.model);
    return { simulated: s.latency, leaveOneOut: false, roofline: simulateGraph(g, roof).latency };
  } catch (e) {
    if (e instanceof UncostableOpError) return null;
    throw e;
  }
}

/**
 * Simulates every Table 6 model this project defines (the registry's, so a newly defined model is covered
 * without a change here) on each of the device's columns with the device model, the plain roofline and MAC
 * counting beside it. A model with a published latency in a column is predicted leave-one-out; one without
 * (e.g. 'Failed' on the DSP) by the fits on all models of the column, unless it has an op the column's figures
 * give no evidence for (then it has no cell there).
 */
export function simulateDevice(device: DeviceProfile, columns = deviceColumns(device)): DeviceSimulation {
  const data = loadPublished();
  const graphs = new Map<string, Graph>();
  const fits = columns.map((c) => ({ roof: fitColumn(c, columnInputs(c, data, graphs)), dm: fitDeviceModel(c, data, graphs) }));
  const rowsById = new Map<string, SimulatedRow>();
  // paper order of Table 6, MNv4 first
  const order = definedTable6Models(data);
  const sorted = [...order.filter((m) => m.spec.family === 'mnv4'), ...order.filter((m) => m.spec.family !== 'mnv4')];
  for (const { spec, published } of sorted) {
    const g = graphs.get(spec.id) ?? lowerModel(spec);
    rowsById.set(spec.id, { id: spec.id, name: published.name, mnv4: spec.family === 'mnv4', macsG: graphCost(g).macs / 1e9, cells: [] });
  }
  for (const { roof, dm } of fits) {
    const column = roof.column;
    const dmMethod = `${DEVICE_MODEL_METHOD}, leave-one-out against ${roof.label} (Table 6)`;
    for (const r of table6Column(column, data)) {
      const row = rowsById.get(r.id);
      if (!row) continue;
      const published =
        r.cell.state === 'value'
          ? { state: 'value' as const, value: r.cell.value, unit: 'ms' as const, provenance: 'published' as const }
          : { state: r.cell.state, provenance: 'published' as const };
      const point = roof.points.find((p) => p.id === r.id);
      const held = dm.leaveOneOut.points.find((p) => p.id === r.id);
      if (point && held && held.deviceModel !== null) {
        row.cells.push({
          column,
          simulated: simulated(held.deviceModel, dmMethod),
          leaveOneOut: true,
          roofline: point.simulated,
          macCount: simulated(held.macs, 'MAC count, scale fitted leave-one-out'),
          published,
        });
        continue;
      }
      const cell = point || held ? null : unpublishedCell(r.id, dm, roof);
      if (cell) row.cells.push({ column, ...cell, published });
    }
  }
  return {
    schema: SIMULATION_SCHEMA,
    device: { id: device.id, name: device.name },
    provenance: 'simulated',
    method: `${DEVICE_MODEL_METHOD}, fitted to the paper's published Table 6 latencies of each column; beside it the paper's plain roofline (${ROOFLINE_CITATION}) and MAC counting`,
    columns: fits.map(({ roof, dm }) => {
      const { points: _p, spearman: rs, mape: rm, ...rest } = roof;
      return {
        ...rest,
        spearman: dm.leaveOneOut.deviceModel.spearman,
        mape: dm.leaveOneOut.deviceModel.mape,
        roofline: { spearman: rs, mape: rm },
        deviceModel: summarizeDeviceModel(dm),
        spaceFrontier: simulateSpaceFrontier(dm.model),
      };
    }),
    rows: [...rowsById.values()],
  };
}

/** The terminal table: the device model next to the roofline, MAC counting and published, then each column's validation. */
export function formatSimulation(sim: DeviceSimulation): string {
  const cols: { header: string; right?: boolean }[] = [{ header: 'model' }, { header: 'MACs G', right: true }];
  for (const c of sim.columns) {
    cols.push(
      { header: `${c.label} ms SIMULATED`, right: true },
      { header: 'roofline', right: true },
      { header: 'MACs', right: true },
      { header: 'ms published', right: true },
      { header: 'error', right: true },
    );
  }
  const rows = sim.rows.map((r) => {
    const out = [r.name, fmt(r.macsG, 2)];
    for (const c of sim.columns) {
      const cell = r.cells.find((x) => x.column === c.column);
      if (!cell) {
        out.push('cannot cost', '', '', '', '');
        continue;
      }
      const p = cell.published;
      const plus = cell.leaveOneOut ? '' : '+';
      out.push(
        `${fmt(cell.simulated.value, 2)}${plus}`,
        `${fmt(cell.roofline.value, 2)}${plus}`,
        cell.macCount ? fmt(cell.macCount.value, 2) : '',
        p.state === 'value' ? fmt(p.value, 2) : p.state === 'failed' ? 'Failed' : '-',
        p.state === 'value' ? `${fmt((100 * (cell.simulated.value - p.value)) / p.value, 0)}%` : '',
      );
    }
    return out;
  });
  const lines = [
    `${sim.device.name}: SIMULATED latencies (device model, with the paper's plain roofline and MAC counting beside it; not measurements) next to the paper's PUBLISHED ones (arXiv 2404.10518 Table 6)`,
    textTable(cols, rows),
    "Each simulated figure is leave-one-out: predicted by fits to the OTHER models' published latencies of that column. + = the model has no published figure there, so the fits use every model. 'cannot cost' = the model has an op no model with a figure in that column has (e.g. attention where the hybrids 'Failed').",
  ];
  for (const c of sim.columns) {
    lines.push('', formatDeviceModelColumn(c.deviceModel));
    const ridge =
      c.ridgeSource === 'table16'
        ? `ridge point ${c.ridgePoint} MACs/B from Table 16`
        : `ridge point ${c.ridgePoint} MACs/B fitted here (Table 16 gives none)`;
    lines.push(
      `  plain roofline: ${ridge}; PeakMACs fitted ${fmt((c.peakMacsPerMs * 1000) / 1e9, 1)} GMAC/s (${DEVICE_COLUMN_INFO[c.column].precision}).`,
    );
    for (const n of c.notes) lines.push(`  note: ${n}`);
  }
  return lines.join('\n');
}
