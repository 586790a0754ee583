/**
 * The measurement template (src/runners/measurement.ts) and defineRunner (src/runners/define.ts) with
 * scripted steps: no runtime, no timing. What every runner relies on: the order of the steps, one release
 * whatever happens, proof before or after the release, the abort signal, and the checks defineRunner makes
 * before a runner's own code runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProtocolRun, ProtocolSettings } from '../../../src/core/protocol-run.js';
import { defineRunner, type RunnerDefinition } from '../../../src/runners/define.js';
import { measureSession, type ExternalSessionSteps, type SessionSteps } from '../../../src/runners/measurement.js';
import { BackendMismatchError } from '../../../src/core/measurement.js';
import { localContext, SettingsError, type RunContext, type Target } from '../../../src/core/target.js';
import { type PreparedWorkload } from '../../../src/core/workload-file.js';
import { RunnerUnavailableError } from '../../../src/runners/types.js';

const dir = mkdtempSync(join(tmpdir(), 'mnv4-template-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'm.onnx');
writeFileSync(file, 'not read by these tests');

const w = {
  id: 'block:test@8',
  kind: 'block',
  description: 'test',
  graph: {},
  file: { path: file, sha256: '', bytes: 1, format: 'onnx', dtype: 'fp32', resolution: 8 },
} as unknown as PreparedWorkload;
const target: Target = { id: 'fake', runner: 'fake', backend: 'cpu', settings: {} };
const protocol = {} as ProtocolSettings;
const run = { coldMs: 3, samplesMs: [1, 1, 1] } as unknown as ProtocolRun;

/** Steps that log their calls; `fail` names a step that throws. */
function scripted(log: string[], opts: { fail?: string; proveOnTimedSession?: boolean } = {}): SessionSteps {
  const step = (name: string) => {
    log.push(name);
    if (opts.fail === name) throw new Error(`${name} failed`);
  };
  return {
    checkFile: () => step('checkFile'),
    load: async () => {
      step('load');
      return { sessionCreateMs: 7, runtimeInitMs: 2, warnings: ['from load'] };
    },
    sample: async (_p, hooks) => {
      step('sample');
      log.push(`shouldAbort=${String(hooks.shouldAbort?.())}`);
      return run;
    },
    checkOutput: () => step('checkOutput'),
    prove: async (req) => {
      step(`prove(profile=${req.profile})`);
      if (opts.fail === 'mismatch') throw new BackendMismatchError('fake', 'cpu', 'gpu', 'scripted');
      return { executed: { runtime: 'fake', runtimeVersion: '1', backend: 'cpu', evidence: 'scripted' }, warnings: ['from proof'] };
    },
    ...(opts.proveOnTimedSession ? { proveOnTimedSession: true } : {}),
    loadProbe: () => () => ({ otherLoad: 0 }),
    context: () => ({ page: 'p' }),
    finish: (r) => r.warnings.push('from finish'),
    release: async () => {
      log.push('release');
    },
  };
}

describe('measureSession', () => {
  it('runs check file, timed load, protocol, output check, release, proof, then assembles the result', async () => {
    const log: string[] = [];
    const r = await measureSession(target, w, protocol, localContext(), { profile: true }, scripted(log));
    expect(log).toEqual(['checkFile', 'load', 'sample', 'shouldAbort=false', 'checkOutput', 'release', 'prove(profile=true)']);
    expect(r.coldStart).toEqual({ sessionCreateMs: 7, firstInferenceMs: 3, runtimeInitMs: 2 });
    expect(r.protocol).toBe(run);
    expect(r.warnings).toEqual(['from load', 'from proof', 'from finish']);
    expect(r.context).toEqual({ page: 'p', load: { otherLoad: 0 } });
    expect(r.workloadId).toBe(w.id);
  });

  it('keeps the timed session open for a proof taken from it', async () => {
    const log: string[] = [];
    await measureSession(target, w, protocol, localContext(), {}, scripted(log, { proveOnTimedSession: true }));
    expect(log.slice(-2)).toEqual(['prove(profile=false)', 'release']);
  });

  it('releases exactly once when a step fails, and a backend mismatch is an error, not a result', async () => {
    for (const fail of ['load', 'sample', 'checkOutput', 'mismatch']) {
      const log: string[] = [];
      const p = measureSession(target, w, protocol, localContext(), {}, scripted(log, { fail }));
      if (fail === 'mismatch') await expect(p).rejects.toBeInstanceOf(BackendMismatchError);
      else await expect(p).rejects.toThrow(`${fail} failed`);
      expect(
        log.filter((x) => x === 'release'),
        fail,
      ).toHaveLength(1);
      if (fail !== 'mismatch')
        expect(
          log.some((x) => x.startsWith('prove')),
          fail,
        ).toBe(false);
    }
  });

  it('an aborted context stops between steps, and the sampling loop sees the signal', async () => {
    const ac = new AbortController();
    const ctx: RunContext = localContext({ signal: ac.signal });
    const log: string[] = [];
    const steps = scripted(log);
    const load = steps.load.bind(steps);
    steps.load = async () => {
      const r = await load();
      ac.abort(new Error('stopped by the user'));
      return r;
    };
    await expect(measureSession(target, w, protocol, ctx, {}, steps)).rejects.toThrow('stopped by the user');
    expect(log).toEqual(['checkFile', 'load', 'release']);

    const ac2 = new AbortController();
    const log2: string[] = [];
    const s2 = scripted(log2);
    s2.sample = async (_p, hooks) => {
      ac2.abort();
      log2.push(`shouldAbort=${String(hooks.shouldAbort?.())}`);
      return run;
    };
    await expect(measureSession(target, w, protocol, localContext({ signal: ac2.signal }), {}, s2)).rejects.toThrow();
    expect(log2).toContain('shouldAbort=true');
    expect(log2).not.toContain('checkOutput');
  });
});

describe('measureSession with a tool that times itself', () => {
  it('checks, runs the tool, checks, proves, releases; the result is externally timed with the tool summary', async () => {
    const log: string[] = [];
    const steps: ExternalSessionSteps = {
      timing: 'external',
      checkFile: () => {
        log.push('push model');
      },
      run: async (_p, signal) => {
        log.push(`run tool (aborted=${signal.aborted})`);
        return {
          external: { tool: 'benchmark_model', summary: { count: 50, minMs: 1.1, maxMs: 1.9, meanMs: 1.3, stdMs: 0.1 } },
          coldStart: { sessionCreateMs: 40 },
          warnings: ['thermal'],
        };
      },
      prove: async () => {
        log.push('prove');
        return { executed: { runtime: 'tflite', runtimeVersion: '2.16', backend: 'cpu', evidence: 'op profile' } };
      },
      release: async () => {
        log.push('remove from device');
      },
    };
    const r = await measureSession(target, w, protocol, localContext(), {}, steps);
    expect(log).toEqual(['push model', 'run tool (aborted=false)', 'prove', 'remove from device']);
    expect(r.protocol).toBeUndefined();
    expect(r.external?.summary.count).toBe(50);
    expect(r.coldStart).toEqual({ sessionCreateMs: 40 });
    expect(r.warnings).toEqual(['thermal']);

    log.length = 0;
    steps.prove = async () => {
      throw new BackendMismatchError('fake', 'gpu', 'cpu', 'op profile shows CPU kernels only');
    };
    await expect(measureSession(target, w, protocol, localContext(), {}, steps)).rejects.toBeInstanceOf(BackendMismatchError);
    expect(log.at(-1)).toBe('remove from device');
  });
});

describe('defineRunner', () => {
  const base = (over: Partial<RunnerDefinition> = {}): RunnerDefinition => ({
    id: 'fake',
    runtime: 'fake-runtime',
    backend: 'cpu',
    describe: 'scripted',
    formats: ['onnx'],
    settings: [{ key: 'threads', type: 'int', min: 1, max: 4, default: 1, describe: 'threads' }],
    connections: ['local'],
    runtimeVersion: () => '1.0',
    detect: async () => ({ available: true, details: {} }),
    session: () => scripted([]),
    ...over,
  });

  it('resolves settings, checks format, file and connection before the runner code runs', async () => {
    let opened = 0;
    const r = defineRunner(
      base({
        session: (_w, t) => {
          opened++;
          expect(t.settings).toEqual({ threads: 2 });
          return scripted([]);
        },
      }),
    );
    expect(r.resolveSettings({})).toEqual({ threads: 1 });
    expect(() => r.resolveSettings({ threads: 9 })).toThrow(SettingsError);
    const res = await r.measure(w, protocol, { threads: '2' }, localContext());
    expect(res.target).toEqual({ id: 'fake', runner: 'fake', backend: 'cpu', settings: { threads: 2 } });
    await expect(r.measure({ ...w, file: { ...w.file, format: 'tflite' } }, protocol, {}, localContext())).rejects.toThrow(
      /fake runs ONNX files; workload block:test@8 was prepared as tflite/,
    );
    await expect(r.measure({ ...w, file: { ...w.file, path: join(dir, 'gone.onnx') } }, protocol, {}, localContext())).rejects.toThrow(
      /gone\.onnx of workload block:test@8 does not exist/,
    );
    const adb: RunContext = { ...localContext(), deviceId: 'pixel6', connection: { kind: 'adb', serial: 'X' } };
    await expect(r.measure(w, protocol, {}, adb)).rejects.toBeInstanceOf(RunnerUnavailableError);
    expect(await r.detect(adb)).toEqual({ available: false, reason: "fake runs over local connections, and device 'pixel6' is reached over adb" });
    expect(opened).toBe(1);
  });

  it('a precheck failure is RunnerUnavailableError before any file check; detect never throws', async () => {
    const r = defineRunner(
      base({
        precheck: () => 'no browser here',
        detect: async () => {
          throw new Error('probe exploded\nstack...');
        },
      }),
    );
    await expect(r.measure({ ...w, file: { ...w.file, format: 'tflite' } }, protocol, {}, localContext())).rejects.toThrow(
      /not available here: no browser here/,
    );
    expect(await r.detect(localContext())).toEqual({ available: false, reason: 'probe exploded' });
    await r.dispose();
    await r.dispose();
  });
});
