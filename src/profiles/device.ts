/**
 * Device profiles: devices/<id>.json describes a machine or phone, how to reach it, which targets to run
 * there, and the facts that later stages need (the paper's published column for it, roofline ridge points).
 *
 * File format (schemaVersion 1; unknown fields are ignored, an unknown schemaVersion is rejected):
 * {
 *   "schemaVersion": 1, "id": "pixel6", "name": "Google Pixel 6",
 *   "connection": {"kind": "local"}
 *               | {"kind": "adb", "serial": "optional", "model": "optional ro.product.model",
 *                  "adbServer": {"host": "127.0.0.1", "port": 5037} (optional, e.g. a device farm),
 *                  "devtools": {"endpoint": "optional ws:// or http://", "socket": "optional abstract socket"}}
 *               | {"kind": "devtools", "endpoint": "ws://... or http://host:port"}
 *               | {"kind": "none", "reason": "why it cannot be reached"}  (published figures and --simulate only),
 *   "benchmarkModel": "optional path to TFLite's benchmark_model for Android (--benchmark-model overrides it)",
 *   "publishedColumns": ["iphone13_coreml"]   (optional: Table 6 columns for --simulate beyond the targets'),
 *   "soc": "Google Tensor G1", "notes": "...",
 *   "targets": [{"target": "ort-cpu", "label": "optional", "dtype": "fp32"|"fp16"|"int8",
 *                "settings": {"threads": 1}, "publishedColumn": "pixel6_cpu",
 *                "ridgePoint": {"macsPerByte": 31.2, "source": "arXiv 2404.10518 Table 16"},
 *                "workloads": ["conv-s"]   (optional: this target runs only these)}],
 *   "workloads": ["conv-s", "conv-m", ...], "preset": "quick"|"default"|"rigorous"
 * }
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { withFsErrorsSync } from '../util/fs-errors.js';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { devicesDir } from '../paths.js';
import { DEVICE_COLUMNS } from '../models/published.js';
import type { DeviceConnection } from '../core/target.js';

export const DEVICE_SCHEMA_VERSION = 1;

/** A device profile that cannot be found or read: bad input (exit 2). */
export class DeviceProfileError extends InputError {
  override name = 'DeviceProfileError';
}

const settingValue = z.union([z.string(), z.number(), z.boolean()]);

export const DeviceTargetSchema = z.object({
  target: z.string().min(1),
  label: z.string().optional(),
  dtype: z.enum(['fp32', 'fp16', 'int8']).default('fp32'),
  settings: z.record(z.string(), settingValue).default({}),
  publishedColumn: z.enum(DEVICE_COLUMNS).optional(),
  ridgePoint: z.object({ macsPerByte: z.number().positive(), source: z.string() }).optional(),
  /** overrides the profile's workloads for this target (e.g. only small models on a software GPU). */
  workloads: z.array(z.string().min(1)).min(1).optional(),
});

const endpoint = z.string().regex(/^(wss?|https?):\/\/[^\s]+$/, 'a ws://, wss://, http:// or https:// URL');

/** How to reach the device; the same shape as the runners' DeviceConnection. */
export const DeviceConnectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }).strict(),
  z
    .object({
      kind: z.literal('adb'),
      serial: z.string().min(1).optional(),
      model: z.string().min(1).optional(),
      adbServer: z
        .object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) })
        .strict()
        .optional(),
      devtools: z
        .object({ endpoint: endpoint.optional(), socket: z.string().min(1).optional() })
        .strict()
        .optional(),
    })
    .strict(),
  z.object({ kind: z.literal('devtools'), endpoint }).strict(),
]);

/** A device that cannot be reached from here at all (no runner for it): its published figures and the roofline
 * simulation still work. A profile-only kind: it never reaches a runner. */
const UnreachableSchema = z.object({ kind: z.literal('none'), reason: z.string().min(1) }).strict();

export const DeviceProfileSchema = z
  .object({
    schemaVersion: z.literal(DEVICE_SCHEMA_VERSION),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    name: z.string().min(1),
    connection: z.union([DeviceConnectionSchema, UnreachableSchema]),
    soc: z.string().optional(),
    notes: z.string().optional(),
    /** the TFLite benchmark_model binary for this phone (Android targets; --benchmark-model overrides it). */
    benchmarkModel: z.string().min(1).optional(),
    /** Table 6 columns this device stands for beyond its targets' own (for --simulate). */
    publishedColumns: z.array(z.enum(DEVICE_COLUMNS)).optional(),
    /** empty only for a device with connection kind 'none' (published figures and simulation only). */
    targets: z.array(DeviceTargetSchema),
    workloads: z.array(z.string().min(1)).min(1),
    preset: z.enum(['quick', 'default', 'rigorous', 'paper']).default('default'),
  })
  .superRefine((p, ctx) => {
    if (p.targets.length === 0 && p.connection.kind !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'needs at least one target (only a device with connection kind "none" may have none)',
      });
    }
    if (p.connection.kind === 'none' && p.targets.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'a device with connection kind "none" cannot run targets; list its Table 6 columns in "publishedColumns"',
      });
    }
  });

export type DeviceProfile = z.infer<typeof DeviceProfileSchema>;
// the profile's connection must stay assignable to the runners' type (a compile-time check).
const _connectionShape: (c: Exclude<DeviceProfile['connection'], { kind: 'none' }>) => DeviceConnection = (c) => c;
void _connectionShape;
export type DeviceTarget = z.infer<typeof DeviceTargetSchema>;

/** The connection a runner gets, or the reason the device cannot be reached from here. */
export function reachableConnection(p: DeviceProfile): { connection: DeviceConnection } | { unreachable: string } {
  return p.connection.kind === 'none' ? { unreachable: p.connection.reason } : { connection: p.connection };
}

/** Ids of the profiles in devices/. */
export function listDeviceIds(dir = devicesDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Parses profile text; `where` names the file in errors. */
export function parseDeviceProfile(text: string, where: string): DeviceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DeviceProfileError(`${where} is not valid JSON (${(e as Error).message}); fix the file or pick another --device`);
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== DEVICE_SCHEMA_VERSION) {
    throw new DeviceProfileError(`${where} has schemaVersion ${JSON.stringify(version)}; this mnv4-bench reads version ${DEVICE_SCHEMA_VERSION}`);
  }
  const parsed = DeviceProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceProfileError(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Loads `devices/<id>.json`, or a path to a .json file. */
export function loadDevice(idOrPath: string, dir = devicesDir()): DeviceProfile {
  const isPath = idOrPath.endsWith('.json') || idOrPath.includes('/');
  const file = isPath ? idOrPath : join(dir, `${idOrPath}.json`);
  if (!existsSync(file)) {
    if (isPath) throw new DeviceProfileError(`device file ${file} does not exist`);
    throw new DeviceProfileError(`unknown device '${idOrPath}'; known devices: ${listDeviceIds(dir).join(', ') || '(none)'} (files in ${dir})`);
  }
  const text = withFsErrorsSync(file, { doing: 'read the device profile', flag: '--device' }, () => readFileSync(file, 'utf8'));
  const profile = parseDeviceProfile(text, file);
  if (!isPath && profile.id !== idOrPath) throw new DeviceProfileError(`${file} declares id '${profile.id}'; rename the file or fix the id`);
  return profile;
}
