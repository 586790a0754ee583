/**
 * `defineRunner`: the one way a Runner object is made. A runner file states what it is (id, runtime, backend,
 * formats, settings, connections) and fills in two things: `detect` (can it run on this device?) and `session`
 * (the steps of one measurement, src/runners/measurement.ts). Everything else is the same for every runner and
 * lives here: settings validation, the connection check, the file format and existence check, the
 * never-throwing detect, and an idempotent dispose.
 */
import { existsSync } from 'node:fs';
import type { ProtocolSettings } from '../core/protocol-run.js';
import { measureSession, type RunnerSteps } from './measurement.js';
import { type MeasurementResult } from '../core/measurement.js';
import {
  connectionMismatch,
  resolveSettingsFromSpecs,
  type Availability,
  type DeviceConnection,
  type ModelFormat,
  type RunContext,
  type SettingSpec,
  type Target,
  type TargetSettings,
} from '../core/target.js';
import { type PreparedWorkload } from '../core/workload-file.js';
import { RunnerUnavailableError, type MeasureOptions, type Runner } from './types.js';

/** What a runner file states and provides. */
export interface RunnerDefinition {
  id: string;
  runtime: string;
  backend: string;
  describe: string;
  formats: readonly ModelFormat[];
  settings: readonly SettingSpec[];
  connections: readonly DeviceConnection['kind'][];
  runtimeVersion(): string | null;
  /**
   * Can the target run on the context's device (the connection kind is already known to fit)? May throw: the
   * first line of the message becomes the reason.
   */
  detect(ctx: RunContext): Promise<Availability>;
  /**
   * A cheap check made before anything else in `measure` (no launch, no I/O beyond stat): the reason the
   * target cannot run on this device (measure then throws RunnerUnavailableError), or null.
   */
  precheck?(ctx: RunContext): string | null;
  /**
   * The steps of one measurement of `w` with resolved `settings` (format, file and connection already checked):
   * protocol-timed `SessionSteps`, or `ExternalSessionSteps` for a tool that times itself.
   * Throw RunnerUnavailableError when the target cannot run here.
   */
  session(w: PreparedWorkload, target: Target, ctx: RunContext, options: MeasureOptions): RunnerSteps | Promise<RunnerSteps>;
  /** releases what the runner holds between measurements (browsers, servers); must be safe to call twice. */
  dispose?(): Promise<void>;
}

/** Checks that `w`'s file is one the runner reads and that it exists; one clear line otherwise. */
export function checkWorkloadFile(id: string, formats: readonly ModelFormat[], w: PreparedWorkload): void {
  if (!formats.includes(w.file.format))
    throw new Error(`${id} runs ${formats.map((f) => f.toUpperCase()).join('/')} files; workload ${w.id} was prepared as ${w.file.format}`);
  if (!existsSync(w.file.path))
    throw new Error(`${id}: model file ${w.file.path} of workload ${w.id} does not exist (was the export cache cleared?)`);
}

/** Builds the Runner of a definition. */
export function defineRunner(def: RunnerDefinition): Runner {
  return {
    id: def.id,
    runtime: def.runtime,
    backend: def.backend,
    describe: def.describe,
    formats: def.formats,
    settings: def.settings,
    connections: def.connections,
    runtimeVersion: () => def.runtimeVersion(),
    resolveSettings(input) {
      return resolveSettingsFromSpecs(def.id, def.settings, input);
    },
    async detect(ctx: RunContext): Promise<Availability> {
      const problem = connectionMismatch(def, ctx);
      if (problem !== null) return { available: false, reason: problem };
      try {
        return await def.detect(ctx);
      } catch (e) {
        return { available: false, reason: (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'unknown error' };
      }
    },
    async measure(
      w: PreparedWorkload,
      protocol: ProtocolSettings,
      settings: TargetSettings,
      ctx: RunContext,
      options: MeasureOptions = {},
    ): Promise<MeasurementResult> {
      const resolved = resolveSettingsFromSpecs(def.id, def.settings, settings);
      const problem = connectionMismatch(def, ctx);
      if (problem !== null) throw new RunnerUnavailableError(def.id, problem);
      const unavailable = def.precheck?.(ctx) ?? null;
      if (unavailable !== null) throw new RunnerUnavailableError(def.id, unavailable);
      checkWorkloadFile(def.id, def.formats, w);
      const target: Target = { id: def.id, runner: def.id, backend: def.backend, settings: resolved };
      const steps = await def.session(w, target, ctx, options);
      return measureSession(target, w, protocol, ctx, options, steps);
    },
    async dispose() {
      await def.dispose?.();
    },
  };
}
