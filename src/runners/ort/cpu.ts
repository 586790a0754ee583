/**
 * `ort-cpu`: onnxruntime-node, native CPU execution provider.
 *
 * Settings (all recorded with every measurement):
 *  - threads: intraOpNumThreads (default 1; 1 = the calling thread only, no pool);
 *  - optLevel: graphOptimizationLevel disabled|basic|extended|all (default all);
 *  - allowSpinning: intra-op pool threads spin while waiting (ORT's default true), set through
 *    `extra.session.intra_op.allow_spinning` ('1'|'0');
 *  - interOpThreads: interOpNumThreads (default 1; only matters for executionMode 'parallel', kept sequential).
 *
 * Proof of what ran (ort-common.ts): the timed session is created with `executionProviders: ['cpu']` only, so
 * the CPU EP is the only provider registered in it, and ORT refuses to create a session with a node no
 * registered provider implements: every node of the timed session ran on CPUExecutionProvider. The node count
 * (and, with `profile`, the per-op breakdown) comes from a separate profiling session after the timed one
 * (same options + enableProfiling, file under a unique prefix, found by that prefix because endProfiling()
 * returns nothing; onnxruntime-node's startProfiling() does nothing, so the timed session cannot profile);
 * its kernel events must name CPUExecutionProvider too.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { installedVersion } from '../../util/packages.js';
import { defineRunner } from '../define.js';
import { ortSteps, startRuntimeOnce, type OrtModuleLike, type OrtSessionLike } from './common.js';
import { parseOrtTrace, type OrtTraceEvent } from './profile.js';
import { type SettingSpec, type TargetSettings } from '../../core/target.js';
import { RunnerUnavailableError, type Runner } from '../types.js';

export const OPT_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

const SETTINGS: readonly SettingSpec[] = [
  { key: 'threads', type: 'int', min: 1, max: 256, default: 1, describe: 'intra-op threads (intraOpNumThreads)' },
  { key: 'optLevel', type: 'enum', values: OPT_LEVELS, default: 'all', describe: 'graph optimization level' },
  { key: 'allowSpinning', type: 'bool', default: true, describe: 'intra-op threads spin while idle (ORT default: true)' },
  { key: 'interOpThreads', type: 'int', min: 1, max: 256, default: 1, describe: 'inter-op threads (interOpNumThreads)' },
];

async function loadOrtNode(): Promise<OrtModuleLike & { listSupportedBackends?: () => { name: string }[] }> {
  const mod = (await import('onnxruntime-node')) as unknown as OrtModuleLike & { default?: OrtModuleLike };
  return mod.InferenceSession ? mod : (mod.default as OrtModuleLike);
}

/** Session options for resolved settings. */
export function ortCpuSessionOptions(s: TargetSettings): Record<string, unknown> {
  const spin = s.allowSpinning ? '1' : '0';
  return {
    executionProviders: ['cpu'],
    executionMode: 'sequential',
    intraOpNumThreads: s.threads,
    interOpNumThreads: s.interOpThreads,
    graphOptimizationLevel: s.optLevel,
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}

/** Reads ORT profiler files written under `dir` whose name starts with `prefix`. */
async function takeProfileFiles(dir: string, prefix: string): Promise<OrtTraceEvent[]> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
  if (files.length === 0) throw new Error(`ORT wrote no profile file with prefix '${prefix}' in ${dir}`);
  const events: OrtTraceEvent[] = [];
  for (const f of files) {
    events.push(...parseOrtTrace(await readFile(path.join(dir, f), 'utf8')));
  }
  return events;
}

/** Creates the ort-cpu runner. */
export function createOrtCpuRunner(): Runner {
  return defineRunner({
    id: 'ort-cpu',
    runtime: 'onnxruntime-node',
    backend: 'cpu',
    describe: 'ONNX Runtime native (onnxruntime-node), CPU execution provider',
    formats: ['onnx'],
    settings: SETTINGS,
    connections: ['local'],
    runtimeVersion: () => installedVersion('onnxruntime-node'),
    async detect() {
      try {
        const ort = await loadOrtNode();
        const backends = ort.listSupportedBackends?.().map((b) => b.name) ?? [];
        if (!backends.includes('cpu'))
          return { available: false, reason: `onnxruntime-node lists no cpu backend (has: ${backends.join(', ') || 'none'})` };
        return {
          available: true,
          details: { version: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown', backends, cpus: os.cpus().length },
        };
      } catch (e) {
        return { available: false, reason: `onnxruntime-node cannot be loaded: ${(e as Error).message.split('\n')[0]}` };
      }
    },
    async session(w, target, ctx) {
      let ort: OrtModuleLike;
      try {
        ort = await loadOrtNode();
      } catch (e) {
        throw new RunnerUnavailableError('ort-cpu', `onnxruntime-node cannot be loaded: ${(e as Error).message}`);
      }
      const s = target.settings;
      const sessionOptions = ortCpuSessionOptions(s);
      return ortSteps(
        {
          target,
          ort,
          runtime: 'onnxruntime-node',
          runtimeVersion: ort.env.versions.node ?? 'unknown',
          sessionOptions,
          initRuntime: () => startRuntimeOnce(ort, sessionOptions),
          expectedProvider: 'CPUExecutionProvider',
          evidencePrefix: 'onnxruntime-node',
          profileSource: 'onnxruntime-profiler',
          // a profiling session with its own file prefix in a fresh folder: endProfiling() returns no path.
          async profileEvents(bytes, runs, runOnce) {
            const dir = await mkdtemp(path.join(ctx.scratchDir, 'mnv4-ortprof-'));
            const prefix = 'ort-cpu-profile';
            try {
              const sess: OrtSessionLike = await ort.InferenceSession.create(bytes, {
                ...sessionOptions,
                enableProfiling: true,
                profileFilePrefix: path.join(dir, prefix),
              });
              try {
                for (let i = 0; i < runs; i++) await runOnce(sess);
                sess.endProfiling();
              } finally {
                await sess.release();
              }
              return await takeProfileFiles(dir, prefix);
            } finally {
              await rm(dir, { recursive: true, force: true });
            }
          },
          details: () => ({ executionMode: 'sequential' }),
          finish(result) {
            const cpus = os.cpus().length;
            if (Number(s.threads) > cpus)
              result.warnings.push(`threads=${s.threads} exceeds the ${cpus} CPUs of this host: threads compete for cores`);
          },
        },
        w,
      );
    },
  });
}
