/**
 * Public hardware facts per Table 6 column (data/device-facts.json), each with its source. The device model
 * reads the on-chip memory size from here; a column without a cited figure has none, and says why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEVICE_COLUMNS, type DeviceColumn } from '../models/published.js';
import { packageRoot } from '../paths.js';

export const DEVICE_FACTS_SCHEMA = 'mnv4-bench/device-facts@1';

const FactsSchema = z.object({
  schema: z.literal(DEVICE_FACTS_SCHEMA),
  columns: z.record(
    z.enum(DEVICE_COLUMNS),
    z.union([
      z.object({ onChipMemory: z.object({ bytes: z.number().int().positive(), what: z.string().min(1), source: z.string().min(1) }) }),
      z.object({ absent: z.string().min(1) }),
    ]),
  ),
});

export type OnChipFact = { bytes: number; what: string; source: string } | { absent: string };

let cached: Partial<Record<DeviceColumn, OnChipFact>> | undefined;

/** Parses the facts file's JSON (a one-line error names the field when it is malformed). */
export function parseDeviceFacts(json: unknown, where: string): Partial<Record<DeviceColumn, OnChipFact>> {
  const r = FactsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const out: Partial<Record<DeviceColumn, OnChipFact>> = {};
  for (const [col, fact] of Object.entries(r.data.columns) as [DeviceColumn, (typeof r.data.columns)[DeviceColumn]][]) {
    if (fact) out[col] = 'onChipMemory' in fact ? fact.onChipMemory : { absent: fact.absent };
  }
  return out;
}

/** The on-chip memory fact of a column (or why there is none). */
export function onChipFact(column: DeviceColumn): OnChipFact {
  if (!cached) {
    const file = join(packageRoot(), 'data', 'device-facts.json');
    cached = parseDeviceFacts(JSON.parse(readFileSync(file, 'utf8')), file);
  }
  return cached[column] ?? { absent: 'no entry in data/device-facts.json' };
}
