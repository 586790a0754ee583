/**
 * What one measured session returns (shared contract): the proof of the backend that executed and its
 * share, per-op timings, external timings (tools that time themselves), cold start, and MeasurementResult.
 */
import type { ProtocolRun } from './protocol-run.js';
import type { Target } from './target.js';

/** What actually executed, and how we know (never just what was requested). */
export interface ExecutedBackend {
  /** runtime package, e.g. 'onnxruntime-node'. */
  runtime: string;
  runtimeVersion: string;
  /** backend that ran, e.g. 'cpu', 'wasm', 'webgpu'. */
  backend: string;
  /** execution provider that ran the nodes (ORT), e.g. 'CPUExecutionProvider'. */
  provider?: string;
  /** GPU adapter facts for GPU backends (vendor, architecture, isFallbackAdapter...). */
  adapter?: Record<string, unknown>;
  /** human-readable proof naming the session each part comes from, e.g. 'timed session: ... ; profiling session ...: 57/57 nodes ...'. */
  evidence: string;
  /** further facts: threads actually used, SIMD, crossOriginIsolated, user agent... */
  details?: Record<string, unknown>;
  /** how much of the model ran on the requested backend (checkBackendShare); absent where not measurable. */
  share?: BackendShare;
}

/**
 * How much of a model ran on the requested backend, from the runtime's own node list: ORT's profiler kernel
 * events (per provider), TFLite's op profile (ops left to builtin kernels vs the model's ops).
 */
export interface BackendShare {
  /** the provider / delegate that was requested, e.g. 'CPUExecutionProvider', 'XNNPACK'. */
  requested: string;
  /** nodes (kernels, ops) that ran on it, and in all. */
  onRequested: number;
  total: number;
  /** onRequested / total. */
  nodeShare: number;
  /** share of profiled time on it (null when the profile has no times for every node). */
  timeShare: number | null;
  /** nodes per other provider / kind. */
  others: Record<string, number>;
  /** where the node list (and the placement) came from, e.g. 'node list: ORT profiler of the verification session ...; timed session: ...'. */
  source: string;
}

/**
 * The verdict on a backend share: nothing on the requested backend is a BackendMismatchError; part of the
 * model elsewhere (a partial fallback) is a warning naming the share, or, with `strict`
 * (--strict-backend), a BackendMismatchError too. Returns the warning (null for a full share).
 */
export function checkBackendShare(targetId: string, requestedBackend: string, share: BackendShare, strict: boolean): string | null {
  const others = Object.entries(share.others)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${n} on ${p}`)
    .join(', ');
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.995 ? 1 : 2)}%`;
  const what = `${share.onRequested} of ${share.total} nodes (${pct(share.nodeShare)}${share.timeShare !== null ? `, ${pct(share.timeShare)} of profiled time` : ''}) on ${share.requested}`;
  if (share.total === 0)
    throw new BackendMismatchError(targetId, requestedBackend, 'unknown', `${share.source} lists no nodes, so what ran cannot be proven`);
  if (share.onRequested === 0) throw new BackendMismatchError(targetId, requestedBackend, others || 'unknown', `${share.source}: ${what}`);
  if (share.onRequested === share.total) return null;
  if (strict)
    throw new BackendMismatchError(
      targetId,
      requestedBackend,
      `partly ${others}`,
      `${share.source}: ${what}; --strict-backend refuses a partial fallback`,
    );
  return `partial fallback: ${what}; the rest ran elsewhere (${others}); figures mix backends (--strict-backend makes this an error)`;
}

/** Time of one node (kernel) in the profiling pass: median over the profiled runs. */
export interface NodeTiming {
  name: string;
  op: string;
  provider?: string;
  /** block id via blockOfNodeName(); null when the name cannot be attributed (fused/renamed nodes). */
  block: string | null;
  medianMs: number;
}

/** Summed node medians of one block (or of the 'unattributed' bucket). */
export interface BlockTiming {
  block: string;
  ms: number;
  nodes: number;
  /** ms by op type within the block. */
  ops: Record<string, number>;
}

/** Per-op / per-block breakdown from a separate profiling pass. Its times are profiler times, not samples. */
export interface OpProfile {
  /** e.g. 'onnxruntime-profiler', 'tflite-profiling-summary', 'webgpu-timestamp-query'. */
  source: string;
  /** profiled runs (after the runtime's own warm-up). */
  runs: number;
  /** median of whole-run time as reported by the profiler (e.g. ORT model_run), ms; null if not reported. */
  runMedianMs: number | null;
  nodes: NodeTiming[];
  /** blocks in graph order, then the 'unattributed' bucket when it is not empty. */
  blocks: BlockTiming[];
  /** ms of node time that could not be mapped to a block (honest remainder). */
  unattributedMs: number;
  /** sum of node medians / runMedianMs (how much of a run the nodes explain); null if runMedianMs null. */
  coverage: number | null;
  notes: string[];
}

/**
 * Timing of a session by an external tool that prints summary statistics only (TFLite `benchmark_model`:
 * its `count/first/curr/min/max/avg/std` line and `Inference timings in us` line). Times in ms.
 */
export interface ExternalTiming {
  /** e.g. 'tflite-benchmark_model'. */
  tool: string;
  toolVersion?: string;
  /** the exact argument vector that ran (no shell string). */
  command?: string[];
  summary: {
    count: number;
    firstMs?: number;
    minMs: number;
    maxMs: number;
    meanMs: number;
    stdMs: number;
    medianMs?: number;
    p5Ms?: number;
    p95Ms?: number;
  };
  warmup?: { count: number; meanMs: number };
  /** the tool's own initialisation time (model load + delegate), ms. */
  initMs?: number;
  /** memory figures the tool printed, e.g. {initFootprintMb: 12.3, overallFootprintMb: 20.1}. */
  memory?: Record<string, number>;
  /** --sustained: each back-to-back run's latency and the thermal zones after it, against time. */
  sustained?: { tMs: number; meanMs: number; medianMs?: number; count: number; hottestC: number | null; zones: Record<string, number> }[];
}

/** The cold-start figures of one session. */
export interface ColdStart {
  /** creating the session from model bytes already in memory (graph optimisation, kernel/shader
   * preparation included), ms. */
  sessionCreateMs: number;
  /** the first inference after creation, ms (= protocol.coldMs). */
  firstInferenceMs: number;
  /**
   * one-time runtime initialisation in this process (WASM compile, browser/page start...), ms; present only
   * when this measurement paid it, and then NOT included in sessionCreateMs.
   */
  runtimeInitMs?: number;
}

/** Fields shared by both kinds of MeasurementResult. */
interface MeasurementResultBase {
  workloadId: string;
  target: Target;
  executed: ExecutedBackend;
  profile?: OpProfile;
  /** runner-level warnings (stats warnings are added by stats.ts). */
  warnings: string[];
  /** runner-specific context facts worth keeping (e.g. os load before/after, page URL). */
  context?: Record<string, unknown>;
}

/**
 * Everything a runner measured in ONE session (its own session creation, warm-up and samples) of one
 * workload on one target. Raw: stats come later. Exactly one of `protocol` (timed by our protocol, raw
 * samples) or `external` (timed by an external tool, summary statistics only).
 */
export type MeasurementResult = MeasurementResultBase &
  (
    | {
        /** the sampling loop's output: raw samples, warm-up, batch size, timer resolution, stop reason. */
        protocol: ProtocolRun;
        external?: undefined;
        coldStart: ColdStart;
      }
    | {
        protocol?: undefined;
        external: ExternalTiming;
        /** what the tool reports of the cold start, when it does. */
        coldStart?: Partial<ColdStart>;
      }
  );

/** The protocol run of a result timed by our protocol; throws for an externally timed one. */
export function protocolRunOf(r: MeasurementResult): ProtocolRun {
  if (!r.protocol) throw new Error(`${r.target.id}: ${r.workloadId} was timed by ${r.external.tool}, not by the protocol (no per-call samples)`);
  return r.protocol;
}

/** A requested backend did not execute (fallback, wrong provider, software adapter where hardware asked). */
export class BackendMismatchError extends Error {
  override name = 'BackendMismatchError';
  constructor(
    readonly targetId: string,
    readonly requested: string,
    readonly executed: string,
    readonly evidence: string,
  ) {
    super(`${targetId}: requested backend '${requested}' but '${executed}' executed (${evidence}); refusing to record a result`);
  }
}
