/**
 * A fake runner for engine, report and CLI tests: no runtime, no real time. Its latency is derived from the
 * workload's MACs (FAKE_MS_PER_GMAC per GMAC plus FAKE_BASE_MS), with a deterministic per-call jitter, and
 * the real sampling protocol (src/profiles/protocol.ts) runs against a virtual clock that the "inference"
 * advances, so a session of the quick preset takes milliseconds and always gives the same samples.
 *
 * Registered only in tests: `installFakeRunners()` adds them to the registry and returns the undo.
 */
import { graphCost } from '../../src/models/cost.js';
import { resolveWorkload } from '../../src/models/workload.js';
import { type ProtocolSettings } from '../../src/core/protocol-run.js';
import { runProtocol, type Clock } from '../../src/profiles/protocol.js';
import { preparedFrom } from '../../src/runners/prepare.js';
import { registerTestRunner } from '../../src/runners/registry.js';
import { type MeasurementResult, checkBackendShare, type ExecutedBackend } from '../../src/core/measurement.js';
import {
  resolveSettingsFromSpecs,
  type Availability,
  type DeviceConnection,
  type RunContext,
  type SettingSpec,
  type TargetSettings,
} from '../../src/core/target.js';
import { type PreparedWorkload } from '../../src/core/workload-file.js';
import { type MeasureOptions, type Runner } from '../../src/runners/types.js';
import { mulberry32 } from '../../src/util/random.js';
import type { Job } from '../../src/engine/plan.js';

export const FAKE_MS_PER_GMAC = 20;
export const FAKE_BASE_MS = 0.05;

/** The fake's true per-call latency of a workload, before jitter (ms). */
export function fakeLatencyMs(w: Pick<PreparedWorkload, 'graph'>, threads = 1): number {
  return FAKE_BASE_MS + (graphCost(w.graph).macs / 1e9) * (FAKE_MS_PER_GMAC / threads);
}

/** A string hash for seeding (FNV-1a). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface FakeRunnerOptions {
  id?: string;
  connections?: DeviceConnection['kind'][];
  /** availability to report (default: available). */
  unavailable?: string;
  /** throw in this session of this workload (an error record is expected). */
  failWhen?: (workloadId: string, call: number) => boolean;
  /** every measure call, in order (for asserting the interleaving). */
  calls?: { workloadId: string; deviceId: string; threads: number }[];
  /** session-to-session drift: session s of a pair runs (1 + drift * s) slower. */
  drift?: number;
  /**
   * time like an external tool that prints summary statistics only (TFLite benchmark_model): `count` runs,
   * the summary of the same jittered latencies, no per-call samples.
   */
  external?: boolean;
  /**
   * a partial fallback: this many of 10 nodes run on the requested backend (checked with checkBackendShare,
   * so --strict-backend turns it into an error as in the real runners).
   */
  nodesOnRequested?: number;
}

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: 8, default: 1, describe: 'fake threads (divide the latency)' },
  { key: 'mask', type: 'string', pattern: /[0-9a-f]+/, patternText: 'a hex CPU mask such as f0', default: 'ff', describe: 'fake CPU mask' },
];

export function createFakeRunner(o: FakeRunnerOptions = {}): Runner {
  const id = o.id ?? 'fake-cpu';
  const perPair = new Map<string, number>();
  return {
    id,
    runtime: 'fake-runtime',
    backend: 'cpu',
    describe: 'a fake runner for tests (latency from MACs, virtual clock)',
    formats: ['onnx'],
    settings: SETTINGS,
    connections: o.connections ?? ['local'],
    runtimeVersion: () => '9.9.9',
    resolveSettings: (input) => resolveSettingsFromSpecs(id, SETTINGS, input),
    async detect(_ctx: RunContext): Promise<Availability> {
      return o.unavailable ? { available: false, reason: o.unavailable } : { available: true, details: { fake: true } };
    },
    async measure(
      w: PreparedWorkload,
      protocol: ProtocolSettings,
      settings: TargetSettings,
      ctx: RunContext,
      options: MeasureOptions = {},
    ): Promise<MeasurementResult> {
      const s = resolveSettingsFromSpecs(id, SETTINGS, settings);
      const threads = Number(s.threads);
      o.calls?.push({ workloadId: w.id, deviceId: ctx.deviceId, threads });
      const pairKey = `${ctx.deviceId}|${w.id}|${w.file.dtype}|${JSON.stringify(s)}`;
      const session = perPair.get(pairKey) ?? 0;
      perPair.set(pairKey, session + 1);
      if (o.failWhen?.(w.id, session)) throw new Error(`fake failure in ${w.id} session ${session + 1}`);
      const base = fakeLatencyMs(w, threads) * (1 + (o.drift ?? 0) * session);
      const rnd = mulberry32(hash(`${pairKey}#${session}`));
      const executed: ExecutedBackend = { runtime: 'fake-runtime', runtimeVersion: '9.9.9', backend: 'cpu', evidence: 'fake: no runtime' };
      const warnings: string[] = [];
      if (o.nodesOnRequested !== undefined) {
        const on = o.nodesOnRequested;
        executed.share = {
          requested: 'FakeEP',
          onRequested: on,
          total: 10,
          nodeShare: on / 10,
          timeShare: on / 10,
          others: { OtherEP: 10 - on },
          source: 'fake node list',
        };
        const fallback = checkBackendShare(id, 'cpu', executed.share, options.strictBackend === true);
        if (fallback) warnings.push(fallback);
      }
      if (o.external) {
        const runs = Array.from({ length: 50 }, () => base * (1 + 0.01 * (rnd() - 0.5)));
        const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
        const std = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs.length - 1));
        return {
          workloadId: w.id,
          target: { id, runner: id, backend: 'cpu', settings: s },
          external: {
            tool: 'fake-benchmark_model',
            command: ['fake-benchmark_model', `--graph=${w.file.path}`, '--num_runs=50'],
            summary: { count: runs.length, firstMs: runs[0], minMs: Math.min(...runs), maxMs: Math.max(...runs), meanMs: mean, stdMs: std },
            warmup: { count: 1, meanMs: base * 2 },
            initMs: 3,
          },
          coldStart: { sessionCreateMs: 3 },
          executed,
          warnings: [],
        };
      }
      let now = 0;
      const clock: Clock = { name: 'virtual', now: () => now, resolutionMs: 0.001 };
      const run = await runProtocol(
        () => {
          now += base * (1 + 0.01 * (rnd() - 0.5));
        },
        protocol,
        clock,
        { ...options.hooks, shouldAbort: () => ctx.signal.aborted || (options.hooks?.shouldAbort?.() ?? false) },
      );
      return {
        workloadId: w.id,
        target: { id, runner: id, backend: 'cpu', settings: s },
        protocol: run,
        coldStart: { sessionCreateMs: 1 + base, firstInferenceMs: run.coldMs },
        executed,
        warnings,
      };
    },
    async dispose() {},
  };
}

/** Adds fake runners to the registry; returns the function that removes them. */
export function installFakeRunners(...runners: Runner[]): () => void {
  const undo = runners.map((r) => registerTestRunner(() => r));
  return () => undo.forEach((u) => u());
}

/** A `prepare` for the engine that resolves the workload but exports nothing (the fake never reads files). */
export async function fakePrepare(job: Job): Promise<PreparedWorkload> {
  const r = resolveWorkload(job.text, job.resolution !== undefined ? { resolution: job.resolution } : {});
  return preparedFrom(r, {
    path: `/fake/${encodeURIComponent(r.id)}.${job.format}`,
    sha256: 'f'.repeat(64),
    bytes: 1,
    format: job.format,
    dtype: job.dtype,
  });
}
