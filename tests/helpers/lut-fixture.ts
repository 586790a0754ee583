/**
 * Synthetic lookup-table measurements from a known latency model (no timing): what a target would
 * measure if its latencies followed the model exactly, with a small deterministic jitter.
 *
 * Truth: a block's kernel time is MACs / RATE, times a per-stage factor in context (cache effects);
 * I(s) = ID0 + ID1 * elements(s) is what one graph costs beyond its layers; a block measured alone costs
 * its kernel time + (I(in) + I(out)) / 2; a whole architecture costs the sum of in-context kernel times +
 * (I(net in) + I(net out)) / 2. The profiler sees in-context block times inflated by PROFILER_INFLATION.
 */
import type { Shape } from '../../src/models/graph.js';
import { skeletonArch } from '../../src/models/search-space.js';
import { buildTable, calibrationArchs, identityShapes, type BuildInputs, type MeasuredWorkload, type SessionProfile } from '../../src/lut/build.js';
import type { LutTable, MethodId, RunSummary } from '../../src/lut/schema.js';
import { archConfigs, spaceIndex, type SpaceIndex } from '../../src/lut/space-index.js';

export const RATE = 3e7; // MACs per ms
export const ID0 = 0.05;
export const ID1 = 2e-7;
export const PROFILER_INFLATION = 1.1;
export const STAGE_FACTOR: Record<string, number> = { stem: 0.7, '1': 1.0, '2': 1.05, '3': 1.1, '4': 1.2, head: 2.8, classifier: 3.0 };

export const TARGET = { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: { threads: 1, optLevel: 'all' } };
export const DEVICE = { id: 'host', hostname: 'testhost', cpu: 'Test CPU' };

export const identityMs = (s: Shape): number => ID0 + ID1 * s[0] * s[1] * s[2];

export function runSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'run-1',
    createdAt: '2026-01-01T00:00:00.000Z',
    tool: { version: '0.1.0', gitCommit: null },
    hostname: DEVICE.hostname,
    cpu: DEVICE.cpu,
    target: TARGET,
    runtimes: { 'onnxruntime-node': '1.30.0' },
    protocol: 'quick',
    measurements: 0,
    ...overrides,
  };
}

/** k sessions of 20 samples around `ms` (session s is off by (s - (k-1)/2) * 0.4%). */
export function sessions(ms: number, k: number, profile?: (s: number) => SessionProfile): MeasuredWorkload['sessions'] {
  return Array.from({ length: k }, (_, s) => ({
    samplesMs: Array.from({ length: 20 }, (_, i) => ms * (1 + 0.004 * (s - (k - 1) / 2)) * (1 + 0.01 * Math.sin(i * 1.7 + s))),
    ...(profile ? { profile: profile(s) } : {}),
  }));
}

export function kernelMs(index: SpaceIndex, ci: number): number {
  return index.configs[ci]!.macs / RATE + 0.01 * index.configs[ci]!.layers.length;
}

/** True end-to-end latency of an architecture under the synthetic model. */
export function trueArchMs(index: SpaceIndex, vector: readonly number[]): number {
  const cfgs = archConfigs(index, vector);
  const first = index.configs[cfgs[0]!]!;
  const last = index.configs[cfgs[cfgs.length - 1]!]!;
  return (
    cfgs.reduce((a, ci) => a + kernelMs(index, ci) * STAGE_FACTOR[index.configs[ci]!.stage]!, 0) +
    (identityMs(first.inShape) + identityMs(last.outShape)) / 2
  );
}

export interface FixtureOptions {
  spaceId?: string;
  k?: number;
  /** profiles on standalone blocks and calibration archs (a target with a profiler). */
  profiles?: boolean;
  calibration?: number;
  /** configuration keys to leave out of the table. */
  drop?: readonly string[];
  method?: MethodId;
  identities?: boolean;
  /** measure the space's reference (its base model's choices) in every round: a table in reference units. */
  reference?: boolean;
}

export function fixtureInputs(o: FixtureOptions = {}): BuildInputs {
  const spaceId = o.spaceId ?? 'conv-m';
  const index = spaceIndex(spaceId);
  const k = o.k ?? 3;
  const blocks = new Map<string, MeasuredWorkload>();
  index.configs.forEach((c, ci) => {
    if (o.drop?.includes(c.key)) return;
    const alone = kernelMs(index, ci) + (identityMs(c.inShape) + identityMs(c.outShape)) / 2;
    const profile = o.profiles
      ? (): SessionProfile => ({
          source: 'onnxruntime-profiler',
          nodes: c.layers.map((l) => ({
            name: `b00_${c.spec.type}/${l.layer.name.split('/')[1]}`,
            op: l.layer.op.kind === 'conv' ? 'Conv' : 'Add',
            block: `b00_${c.spec.type}`,
            medianMs: (l.cost.macs / RATE + 0.01) * PROFILER_INFLATION,
          })),
          blocks: [],
          unattributedMs: 0,
        })
      : undefined;
    blocks.set(c.key, { workloadId: `block:${c.key}`, sessions: sessions(alone, k, profile) });
  });
  const identities = new Map<string, MeasuredWorkload>();
  if (o.identities !== false)
    for (const s of identityShapes(index))
      identities.set(s.join('x'), { workloadId: `block:identity()@${s.join('x')}`, sessions: sessions(identityMs(s), k) });
  const archs = calibrationArchs(spaceId, o.calibration ?? 8, 1).map((arch) => {
    const vector = arch
      .slice(arch.indexOf(':') + 1)
      .split(',')
      .map(Number);
    const cfgs = archConfigs(index, vector);
    const profile = o.profiles
      ? (): SessionProfile => ({
          source: 'onnxruntime-profiler',
          nodes: [],
          blocks: cfgs.map((ci, bi) => ({
            block: `b${String(bi).padStart(2, '0')}_${index.configs[ci]!.spec.type}`,
            ms: kernelMs(index, ci) * STAGE_FACTOR[index.configs[ci]!.stage]! * PROFILER_INFLATION,
          })),
          unattributedMs: 0.2,
        })
      : undefined;
    return {
      arch,
      role: 'calibration' as const,
      measured: { workloadId: `arch:${arch}@${index.resolution}`, sessions: sessions(trueArchMs(index, vector), k, profile) },
    };
  });
  const refVector = skeletonArch(index.space);
  return {
    ...(o.reference ? { reference: { workloadId: `arch:${spaceId}:ref`, sessions: sessions(trueArchMs(index, refVector), k) } } : {}),
    spaceId,
    device: DEVICE,
    target: TARGET,
    dtype: 'fp32',
    format: 'onnx',
    protocol: 'quick',
    runs: [runSummary()],
    blocks,
    identities,
    archs,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...(o.method ? { method: o.method } : {}),
  };
}

export function fixtureTable(o: FixtureOptions = {}): LutTable {
  return buildTable(fixtureInputs(o));
}
