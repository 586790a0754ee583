/**
 * The Runner contract: how a Workload is run on a Target under a Protocol, on a device.
 *
 * One interface for every runtime (onnxruntime-node, onnxruntime-web in Node, browser runners in Chromium,
 * Android over adb). Every call gets a RunContext: which device (profile id and connection), an abort signal
 * and a scratch directory. A runner declares the connection kinds it can use (`connections`); the engine never
 * hands it a device it cannot reach (such targets are skipped with the reason). A runner:
 *  - says whether its target can run on the context's device (`detect`, with a reason when it cannot);
 *  - validates and completes its settings (`resolveSettings`, defaults filled in, bad values rejected with a
 *    one-line `SettingsError`);
 *  - measures one prepared workload (`measure`): creates the session (timed: `coldStart.sessionCreateMs`),
 *    calls `runProtocol` from src/profiles/protocol.ts with one inference as `fn` (in the page for browser
 *    targets), optionally runs a SEPARATE profiling pass (never during timed samples), and proves which
 *    backend executed (`executed`). A requested backend that did not run is an error
 *    (`BackendMismatchError`), never a result.
 *
 * Browser runners: bundle src/profiles/protocol.ts into the page (it has no Node imports), call
 * `runProtocol(fn, protocol, performanceClock())` (fn = one inference plus any read-back) THERE and return
 * the ProtocolRun as JSON in one round trip; `timerResolutionMs` then records the page's clock (5 µs when
 * crossOriginIsolated, ~100 µs otherwise) and batching adapts to it. Put the adapter info and
 * crossOriginIsolated into `executed.adapter` / `executed.details`; a SwiftShader/fallback adapter where
 * hardware WebGPU was requested, or a wasm fallback, is a BackendMismatchError.
 *
 * Statistics are NOT computed by runners: one `measure` call is one session; the engine (src/engine) runs k
 * of them per pair, records each, and combines them with src/results/records.ts combineSessions.
 *
 * Conventions: times in milliseconds; the target id is the runner id (`ort-cpu`, `ort-wasm`, `ort-webgpu`...);
 * common setting keys are `threads` (int), `optLevel` ('disabled'|'basic'|'extended'|'all'); runners may add
 * their own keys (listed in `settings`).
 */
import type { MeasurementResult } from '../core/measurement.js';
import type { ProtocolHooks, ProtocolSettings } from '../core/protocol-run.js';
import type { Availability, DeviceConnection, ModelFormat, RunContext, SettingSpec, TargetSettings } from '../core/target.js';
import type { PreparedWorkload } from '../core/workload-file.js';

/** Options of one `measure` call. */
export interface MeasureOptions {
  /** run a separate profiling pass after the timed samples and return `profile`. */
  profile?: boolean;
  /** profiled runs in that pass (default chosen by the runner, e.g. 10). */
  profileRuns?: number;
  /** progress hooks passed through to runProtocol (the engine adds `shouldAbort` from the context's signal). */
  hooks?: ProtocolHooks;
  /** a partial fallback (part of the model off the requested backend) is an error (--strict-backend). */
  strictBackend?: boolean;
}

/** A runner: one per target id. Factories must be cheap; heavy runtime imports happen in detect/measure. */
export interface Runner {
  /** target id, e.g. 'ort-cpu'. */
  readonly id: string;
  /** runtime package, e.g. 'onnxruntime-node'. */
  readonly runtime: string;
  /** backend it requests, e.g. 'cpu'. */
  readonly backend: string;
  /** one line for `targets`. */
  readonly describe: string;
  readonly formats: readonly ModelFormat[];
  /** settings it understands (with defaults). */
  readonly settings: readonly SettingSpec[];
  /** the connection kinds it can use; a device profile with another kind skips this target (with the reason). */
  readonly connections: readonly DeviceConnection['kind'][];
  /** version of the runtime it runs (the installed package, or the tool's version), null when unknown. */
  runtimeVersion(): string | null;
  /** validates `input` against `settings`, fills defaults; throws SettingsError naming the key and the fix. */
  resolveSettings(input: Partial<TargetSettings>): TargetSettings;
  /** can this target run on the context's device? Never throws; returns a reason when not. */
  detect(ctx: RunContext): Promise<Availability>;
  /**
   * Measures `w` in ONE session (own session creation, warm-up and samples) under `protocol` with resolved
   * `settings` on the context's device. The engine calls it k times for k independent sessions.
   * @throws BackendMismatchError when the backend that ran is not the one requested.
   * @throws RunnerUnavailableError when the target cannot run here.
   */
  measure(
    w: PreparedWorkload,
    protocol: ProtocolSettings,
    settings: TargetSettings,
    ctx: RunContext,
    options?: MeasureOptions,
  ): Promise<MeasurementResult>;
  /** releases sessions, browsers, servers. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Builds a runner; registered in src/runners/registry.ts (or browser-runners.ts). */
export type RunnerFactory = () => Runner;

/** The target cannot run on this host (package missing, no adapter...). */
export class RunnerUnavailableError extends Error {
  override name = 'RunnerUnavailableError';
  constructor(
    readonly targetId: string,
    readonly reason: string,
  ) {
    super(`target '${targetId}' is not available here: ${reason}`);
  }
}
