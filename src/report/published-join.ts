/**
 * Joins measured and simulated runs with published figures (data/published): top-1 accuracy with its
 * citation, published MACs/params, and the Table 6 latency column a device target corresponds to. Published
 * latencies form their own series; they are never merged into measured or simulated ones.
 */
import { getModel } from '../models/registry.js';
import {
  DEVICE_COLUMN_INFO,
  DEVICE_COLUMNS,
  loadPublished,
  type DeviceColumn,
  type PublishedData,
  type PublishedModel,
} from '../models/published.js';
import { profileEntry } from './load.js';
import type { MeasurementView } from './views.js';

/** A published number with its citation. */
export interface CitedValue {
  value: number;
  unit: string;
  provenance: 'published';
  source: string;
  note?: string;
}

export interface ModelFacts {
  id: string;
  name: string;
  /** true for the five MobileNetV4 models and their variants. */
  mnv4: boolean;
  /** native input resolution when the model is defined here. */
  resolution: number | null;
  top1: CitedValue | null;
  macsG: CitedValue | null;
  paramsM: CitedValue | null;
  /** Table 6 latency per device column: a number, `failed` (did not run) or null (not reported / not in Table 6). */
  table6Latency: Partial<Record<DeviceColumn, number | 'failed'>>;
}

/** The first published figure of a metric, preferring Table 6, then one at the model's native resolution. */
function cited(m: PublishedModel, metric: 'top1' | 'macs' | 'params', resolution: number | null): CitedValue | null {
  const cell = m.table6?.[metric];
  if (cell?.state === 'value') {
    const notes = m.table6?.notes.filter((n) => n.column === metric).map((n) => n.note) ?? [];
    return { value: cell.value, unit: cell.unit, provenance: 'published', source: cell.source, ...(notes.length ? { note: notes.join('; ') } : {}) };
  }
  const figs = m.figures.filter((f) => f.metric === metric);
  const f = figs.find((x) => resolution !== null && x.resolution === resolution) ?? figs[0];
  if (!f) return null;
  const note = [f.note, f.checkpoint ? `checkpoint ${f.checkpoint}` : undefined, f.resolution ? `at ${f.resolution}px` : undefined]
    .filter(Boolean)
    .join('; ');
  return { value: f.value, unit: f.unit, provenance: 'published', source: f.source, ...(note ? { note } : {}) };
}

function nativeResolution(id: string): number | null {
  try {
    return getModel(id).resolution;
  } catch {
    return null;
  }
}

/** Published facts of every model in data/published. */
export function modelFacts(data: PublishedData = loadPublished()): ModelFacts[] {
  return data.models.map((m) => {
    const resolution = nativeResolution(m.id); // null for a model not in the registry
    const table6Latency: ModelFacts['table6Latency'] = {};
    if (m.table6) {
      for (const d of DEVICE_COLUMNS) {
        const c = m.table6.latency[d];
        if (c.state === 'value') table6Latency[d] = c.value;
        else if (c.state === 'failed') table6Latency[d] = 'failed';
      }
    }
    return {
      id: m.id,
      name: m.name,
      mnv4: m.name.startsWith('MNv4'),
      resolution,
      top1: cited(m, 'top1', resolution),
      macsG: cited(m, 'macs', resolution),
      paramsM: cited(m, 'params', resolution),
      table6Latency,
    };
  });
}

/** The Table 6 column a measured target corresponds to (from its device profile), if any. */
export function publishedColumnOf(m: Pick<MeasurementView, 'device' | 'target' | 'dtype'>): DeviceColumn | null {
  const col = profileEntry(m.device, m.target, m.dtype)?.publishedColumn;
  return col && (DEVICE_COLUMNS as readonly string[]).includes(col) ? (col as DeviceColumn) : null;
}

/** Ridge point (MACs per byte) of a target from its device profile, with its source. */
export function ridgePointOf(m: Pick<MeasurementView, 'device' | 'target' | 'dtype'>): { macsPerByte: number; source: string } | null {
  return profileEntry(m.device, m.target, m.dtype)?.ridgePoint ?? null;
}

export const TABLE6_COLUMNS_INFO = DEVICE_COLUMNS.map((d) => DEVICE_COLUMN_INFO[d]);
