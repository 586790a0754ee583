/**
 * Simulated latencies from `mnv4-bench run --device D --simulate --json` (schema `mnv4-bench/simulation@1`):
 * the device model per Table 6 column of the device (older files: the fitted roofline), with its validation,
 * every figure labelled `simulated`. Reports
 * and the dashboard show them as their own series beside measured and published ones, never merged.
 *
 * Accepted: one simulation object or an array of them (`--simulate` with several devices). Only the fields
 * read here are checked; others are ignored.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_COLUMNS, type DeviceColumn } from '../models/published.js';
import { loadDevice } from '../profiles/device.js';
import { ReportInputError } from './load.js';
import { deviceColumns, simulateDevice } from './simulation.js';

export const SIMULATION_INPUT_SCHEMA = 'mnv4-bench/simulation@1';

const Column = z.enum(DEVICE_COLUMNS);
const ScoreSchema = z.object({ n: z.number(), spearman: z.number().nullable(), mape: z.number() });
/** The device model's fit and validation per column (absent in files of the roofline-only simulator). */
const DeviceModelSchema = z.object({
  label: z.string(),
  n: z.number(),
  parameters: z.number(),
  ridgePoint: z.number(),
  onChipMemory: z.union([z.object({ bytes: z.number(), what: z.string(), source: z.string() }), z.object({ absent: z.string() })]),
  estimates: z.array(z.object({ term: z.string(), value: z.number(), se: z.number(), unit: z.string() })),
  validation: z.array(
    z.object({
      scheme: z.string(),
      trainN: z.number(),
      deviceModel: ScoreSchema,
      macs: ScoreSchema,
      roofline: ScoreSchema,
      excluded: z.array(z.object({ id: z.string(), reason: z.string() })),
    }),
  ),
});
const FrontierSchema = z.union([
  z.object({
    space: z.string(),
    resolution: z.number(),
    seed: z.number(),
    provenance: z.literal('simulated'),
    points: z.array(z.object({ arch: z.string(), macsG: z.number(), ms: z.number(), frontier: z.boolean() })),
  }),
  z.object({ space: z.string(), unavailable: z.string() }),
]);

/** A search space's sampled architectures simulated on a column, with the paper's models beside them. */
export interface SpaceFrontierView {
  device: string;
  column: DeviceColumn;
  label: string;
  frontier: z.infer<typeof FrontierSchema>;
  /** the defined Table 6 models: counted MACs, the simulated (leave-one-out) and the published latency. */
  models: { id: string; name: string; macsG: number; simulatedMs: number; publishedMs: number | null }[];
}

export type DeviceModelValidationView = z.infer<typeof DeviceModelSchema> & { column: DeviceColumn; device: string };
const SimulationSchema = z.object({
  schema: z.literal(SIMULATION_INPUT_SCHEMA),
  device: z.object({ id: z.string().min(1), name: z.string() }),
  provenance: z.literal('simulated'),
  method: z.string(),
  columns: z.array(
    z.object({
      column: Column,
      label: z.string(),
      spearman: z.number().optional(),
      mape: z.number().optional(),
      ridgePoint: z.number().optional(),
      ridgeSource: z.string().optional(),
      deviceModel: DeviceModelSchema.optional(),
      spaceFrontier: FrontierSchema.optional(),
    }),
  ),
  rows: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      macsG: z.number().optional(),
      cells: z.array(
        z.object({
          column: Column,
          simulated: z.object({ value: z.number().positive(), unit: z.literal('ms'), provenance: z.literal('simulated') }),
          leaveOneOut: z.boolean().optional(),
          roofline: z.object({ value: z.number().positive(), provenance: z.literal('simulated') }).optional(),
          published: z.object({ state: z.string(), value: z.number().optional() }).optional(),
        }),
      ),
    }),
  ),
});

export interface SimulatedPoint {
  model: string;
  name: string;
  column: DeviceColumn;
  valueMs: number;
  /** predicted by a fit that held the model's own published latency out. */
  leaveOneOut: boolean | null;
  /** the plain roofline's figure (in files of the roofline-only simulator, valueMs is that figure). */
  rooflineMs: number;
}

export interface SimulationView {
  source: string;
  device: { id: string; name: string };
  method: string;
  /** what produced `valueMs`: the device model, or the plain roofline (files written before it existed). */
  kind: 'device model' | 'roofline';
  columns: { column: DeviceColumn; label: string; spearman: number | null; mape: number | null; ridge: string | null }[];
  points: SimulatedPoint[];
  deviceModels: DeviceModelValidationView[];
  spaceFrontiers: SpaceFrontierView[];
}

/** Validates parsed simulation JSON (one object or an array); one-line ReportInputError otherwise. */
export function parseSimulations(json: unknown, source: string): SimulationView[] {
  const list = Array.isArray(json) ? json : [json];
  return list.map((item, i) => {
    const r = SimulationSchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = `${Array.isArray(json) ? `[${i}].` : ''}${issue?.path.join('.') ?? ''}`;
      throw new ReportInputError(
        `${source}: not a simulation file (${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}); expected the JSON of 'mnv4-bench run --device D --simulate --json'`,
      );
    }
    const s = r.data;
    return {
      source,
      device: s.device,
      method: s.method,
      kind: s.columns.some((c) => c.deviceModel) ? ('device model' as const) : ('roofline' as const),
      deviceModels: s.columns.flatMap((c) => (c.deviceModel ? [{ ...c.deviceModel, column: c.column, device: s.device.id }] : [])),
      spaceFrontiers: s.columns.flatMap((c) =>
        c.spaceFrontier
          ? [
              {
                device: s.device.id,
                column: c.column,
                label: c.label,
                frontier: c.spaceFrontier,
                models: s.rows.flatMap((row) =>
                  row.cells
                    .filter((x) => x.column === c.column && row.macsG !== undefined)
                    .map((x) => ({
                      id: row.id,
                      name: row.name,
                      macsG: row.macsG!,
                      simulatedMs: x.simulated.value,
                      publishedMs: x.published?.state === 'value' && x.published.value !== undefined ? x.published.value : null,
                    })),
                ),
              },
            ]
          : [],
      ),
      columns: s.columns.map((c) => ({
        column: c.column,
        label: c.label,
        spearman: c.spearman ?? null,
        mape: c.mape ?? null,
        ridge: c.ridgePoint !== undefined ? `${c.ridgePoint} MACs/B${c.ridgeSource ? ` (${c.ridgeSource})` : ''}` : null,
      })),
      points: s.rows.flatMap((row) =>
        row.cells.map((c) => ({
          model: row.id,
          name: row.name,
          column: c.column,
          valueMs: c.simulated.value,
          leaveOneOut: c.leaveOneOut ?? null,
          rooflineMs: c.roofline?.value ?? c.simulated.value,
        })),
      ),
    };
  });
}

/** Reads simulation files; one-line ReportInputError when one is missing or malformed. */
export function loadSimulations(files: readonly string[]): SimulationView[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ReportInputError(`cannot read simulation file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ReportInputError(
        `${file}: not valid JSON (${(e as Error).message}); write it with 'mnv4-bench run --device D --simulate --json > ${file}'`,
      );
    }
    return parseSimulations(json, file);
  });
}

/** Simulates devices in-process (what `run --device D --simulate` computes), as report input. */
export function simulateForReport(deviceIds: readonly string[]): SimulationView[] {
  return deviceIds.flatMap((id) => {
    const device = loadDevice(id);
    if (deviceColumns(device).length === 0)
      throw new ReportInputError(`--simulate ${id}: device ${device.id} names no Table 6 column to fit a roofline to`);
    return parseSimulations(JSON.parse(JSON.stringify(simulateDevice(device))), `mnv4-bench run --device ${device.id} --simulate`);
  });
}
