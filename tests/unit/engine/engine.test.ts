/**
 * The run engine with the fake runner (no runtime, virtual clock): planning, k sessions interleaved
 * round-robin, resume after an abort mid-run, skipped targets, failures as error records, and the summary
 * table built from the records. Runs in well under a second of CPU.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { executePlan, TargetUnavailableError, type ExecuteOptions } from '../../../src/engine/execute.js';
import { planBench, planDevice, summaryLayout, type Plan } from '../../../src/engine/plan.js';
import { publishedLatency } from '../../../src/models/published.js';
import { parseDeviceProfile } from '../../../src/profiles/device.js';
import { formatMeasurement, formatNoiseFloor, notConvergedCodes } from '../../../src/report/measurement.js';
import { layoutFromRecords, summaryCells, summaryTable } from '../../../src/report/summary.js';
import { readRun, selectMeasurements, selectSessions, selectUnmeasured } from '../../../src/results/reader.js';
import type { MeasurementRecord, SessionRecord } from '../../../src/results/schema.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import { cacheSandbox } from '../../helpers/cache-sandbox.js';
import { createFakeRunner, fakeLatencyMs, fakePrepare, installFakeRunners } from '../../helpers/fake-runner.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import type { ReferenceRunner } from '../../../src/engine/noise-floor.js';

const tmp = cacheSandbox('mnv4-engine-');

let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
  clearTargetsMemoryCache();
});

let runCounter = 0;
function options(over: Partial<ExecuteOptions> = {}): ExecuteOptions & { events: EngineEvent[] } {
  const events: EngineEvent[] = [];
  return {
    outDir: tmp,
    runId: `run-${++runCounter}`,
    prepare: fakePrepare,
    command: ['test'],
    onEvent: (e) => events.push(e),
    events,
    reference: fakeReference(),
    ...over,
  };
}

/** A reference timing without timing anything: 2 ms at the start of a run, 2.1 ms at its end. */
function fakeReference(): ReferenceRunner {
  let calls = 0;
  return () => {
    const medianMs = calls++ % 2 === 0 ? 2 : 2.1;
    return Promise.resolve({
      at: new Date().toISOString(),
      medianMs,
      ciLo: medianMs * 0.99,
      ciHi: medianMs * 1.01,
      cv: 0.01,
      n: 100,
      converged: true,
      stopReason: 'converged',
    });
  };
}

const B03 = resolveWorkload('conv-s/b03').id;
const B05 = resolveWorkload('conv-s/b05').id;

const profile = (body: Record<string, unknown>) =>
  parseDeviceProfile(
    JSON.stringify({
      schemaVersion: 1,
      id: 'dev',
      name: 'Test device',
      connection: { kind: 'local' },
      preset: 'quick',
      workloads: ['conv-s/b03'],
      ...body,
    }),
    'dev.json',
  );

describe('planning', () => {
  it('bench: targets x workloads on the host, keys by device, workload, dtype and settings', () => {
    undo = installFakeRunners(createFakeRunner());
    const plan = planBench({
      targets: ['fake-cpu'],
      workloads: ['conv-s/b03', 'model:conv-s', 'conv-s/b03'],
      settings: { threads: '2' },
      preset: 'quick',
      sessions: 3,
    });
    expect(plan.device).toEqual({ id: 'host', name: 'This machine', connection: { kind: 'local' } });
    expect(plan.sessions).toBe(3);
    expect(plan.jobs.map((j) => j.workloadId)).toEqual([B03, 'model:conv-s@224']);
    expect(plan.jobs[0]!.target.settings).toEqual({ threads: 2, mask: 'ff' });
    expect(plan.jobs[0]!.key).toBe(`host|${B03}|fp32|fake-cpu|{"mask":"ff","threads":2}`);
    expect(plan.jobs[1]!.model).toEqual({ id: 'conv-s', resolution: 224, nativeResolution: 224 });
  });

  it('device: per-target workloads, labels, published column; bad input is an InputError naming the fix', () => {
    undo = installFakeRunners(createFakeRunner());
    const plan = planDevice(
      profile({
        targets: [
          { target: 'fake-cpu', label: 'one', settings: { mask: 'f0' }, publishedColumn: 'pixel6_cpu' },
          { target: 'fake-cpu', label: 'two', dtype: 'int8', workloads: ['conv-s'] },
        ],
      }),
    );
    expect(plan.columns.map((c) => [c.label, c.dtype, c.publishedColumn])).toEqual([
      ['one', 'fp32', 'pixel6_cpu'],
      ['two', 'int8', undefined],
    ]);
    expect(plan.jobs.map((j) => `${j.workloadId} ${j.dtype}`)).toEqual([`${B03} fp32`, 'model:conv-s@224 int8']);
    expect(plan.protocol.name).toBe('quick');
    const bad =
      (body: Record<string, unknown>, o = {}) =>
      () =>
        planDevice(profile(body), o);
    expect(bad({ targets: [{ target: 'nope' }] })).toThrow(InputError);
    expect(bad({ targets: [{ target: 'nope' }] })).toThrow(/targets\[0\]: this mnv4-bench has no runner for target 'nope'.*fake-cpu/);
    expect(bad({ targets: [{ target: 'fake-cpu', settings: { mask: 'xyz' } }] })).toThrow(
      /fake-cpu: mask must be a hex CPU mask such as f0, got 'xyz'/,
    );
    expect(bad({ targets: [{ target: 'fake-cpu', dtype: 'fp16' }] })).toThrow(/onnx files, which come in fp32, int8, not fp16/);
    expect(bad({ targets: [{ target: 'fake-cpu' }] }, { targets: ['other'] })).toThrow(/has no target other; it has fake-cpu/);
    expect(bad({ targets: [{ target: 'fake-cpu' }] }, { workloads: [] })).toThrow(/--workloads is empty/);
    expect(bad({ targets: [{ target: 'fake-cpu' }] }, { sessions: 0 })).toThrow(/sessions must be an integer from 1/);
    expect(bad({ targets: [{ target: 'fake-cpu' }], workloads: ['conv-q'] })).toThrow(InputError);
  });
});

describe('executing a plan', () => {
  it('runs k sessions per pair, interleaved round-robin, and combines them', async () => {
    const calls: { workloadId: string; deviceId: string; threads: number }[] = [];
    undo = installFakeRunners(createFakeRunner({ calls }));
    const plan = planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03', 'conv-s/b05'], preset: 'quick', sessions: 3 });
    const o = options();
    const result = await executePlan(plan, o);
    expect(result.interrupted).toBe(false);
    expect(calls.map((c) => c.workloadId)).toEqual([B03, B05, B03, B05, B03, B05]);
    expect(o.events.map((e) => e.type).filter((t) => t !== 'progress')).toEqual([
      'planned',
      ...Array(4).fill(['started', 'session']).flat(),
      'started',
      'session',
      'record',
      'started',
      'session',
      'record',
      'finished',
    ]);
    const run = await readRun(result.runDir);
    expect(run.records.map((r) => r.kind)).toEqual(['session', 'session', 'session', 'session', 'session', 'measurement', 'session', 'measurement']);
    const sessions = run.records.filter((r): r is SessionRecord => r.kind === 'session');
    expect(sessions.map((s) => [s.session.index, s.session.round])).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 1],
      [2, 2],
      [2, 2],
    ]);
    const [m3, m5] = selectMeasurements(run);
    for (const [m, text] of [
      [m3!, 'conv-s/b03'],
      [m5!, 'conv-s/b05'],
    ] as const) {
      const truth = fakeLatencyMs({ graph: resolveWorkload(text).graph });
      expect(m.sessions).toHaveLength(3);
      expect(m.protocol).toEqual({ name: 'quick', sessions: 3 });
      expect(m.timing).toBe('protocol');
      expect(Math.abs(m.latency.medianMs / truth - 1)).toBeLessThan(0.006);
      expect(m.latency.stats!.n).toBe(m.sessions.reduce((n, s) => n + s.samples!.values.length, 0));
      expect(m.latency.between.centersMs).toHaveLength(3);
      expect(m.device).toEqual({ id: 'host' });
    }
    expect(run.manifest.devices).toEqual([{ id: 'host', name: 'This machine', connection: { kind: 'local' } }]);
    expect(run.manifest.command).toEqual(['test']);
    expect(run.manifest.sessionsPerMeasurement).toBe(3);
    expect(run.manifest.runtimes['fake-runtime']).toBe('9.9.9');
  });

  it('the noise floor is timed before the first and after the last session, its drift in the manifest', async () => {
    undo = installFakeRunners(createFakeRunner());
    const o = options();
    const r = await executePlan(planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 1 }), o);
    expect(r.noiseFloor!.driftRel).toBeCloseTo(0.05, 12);
    const run = await readRun(r.runDir);
    expect(run.manifest.noiseFloor).toHaveLength(1);
    expect(run.manifest.noiseFloor![0]).toMatchObject({ workload: 'js-matmul-48-f64-worker', start: { medianMs: 2 }, end: { medianMs: 2.1 } });
    expect(formatNoiseFloor(r.noiseFloor!)).toMatch(/drift \+5\.0%.*\nwarning: the reference workload's speed changed by 5\.0%/s);
    // a resume adds the second execution's entry and keeps the first
    const again = await executePlan(planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03', 'conv-s/b05'], preset: 'quick', sessions: 1 }), {
      ...options(),
      runId: o.runId,
      resume: true,
    });
    expect(again.noiseFloor).toBeDefined();
    expect((await readRun(r.runDir)).manifest.noiseFloor).toHaveLength(2);
  });

  it('a partial fallback is marked in the table with its share and named in the warnings; --strict-backend makes it an error', async () => {
    undo = installFakeRunners(createFakeRunner({ nodesOnRequested: 7 }));
    const plan = planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 1 });
    const r = await executePlan(plan, options());
    const m = r.measured[0]!;
    expect(m.executed.share).toMatchObject({ onRequested: 7, total: 10, nodeShare: 0.7 });
    expect(m.warnings.map((w) => w.message).join('\n')).toMatch(/partial fallback: 7 of 10 nodes \(70\.0%, 70\.0% of profiled time\) on FakeEP/);
    const text = summaryTable(summaryLayout(plan), (await readRun(r.runDir)).records);
    expect(text).toMatch(/ fb70%/);
    expect(text).toContain('fbNN% = partial fallback');
    expect(formatMeasurement(m)).toContain('on FakeEP: 7 of 10 nodes (70.0%, 70.0% of profiled time) PARTIAL FALLBACK');
    const strict = await executePlan(plan, options({ strictBackend: true }));
    expect(strict.measured).toEqual([]);
    expect(strict.failed[0]!.error.message).toMatch(/--strict-backend refuses a partial fallback/);
  });

  it('sessions that drift apart are flagged', async () => {
    undo = installFakeRunners(createFakeRunner({ drift: 0.2 }));
    const plan = planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 2 });
    const result = await executePlan(plan, options());
    const m = result.measured[0]!;
    expect(m.latency.between.spreadRel).toBeCloseTo(0.2 / 1.1, 2);
    expect(m.warnings.map((w) => w.code)).toContain('sessions-disagree');
    // the run table marks it not converged with the reason's code, and the legend says what the code means
    expect(notConvergedCodes(m).codes).toContain('d');
    expect(notConvergedCodes(m).words[0]).toMatch(/^sessions differ by up to \d+\.\d%$/);
    const text = summaryTable(summaryLayout(plan), (await readRun(result.runDir)).records);
    expect(text).toMatch(/\*d\w*/);
    expect(text).toContain("d = the sessions' medians disagree beyond the target");
  });

  it('an abort mid-run keeps every finished session; --resume runs only the missing ones', async () => {
    const calls: { workloadId: string; deviceId: string; threads: number }[] = [];
    undo = installFakeRunners(createFakeRunner({ calls }));
    const plan = planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03', 'conv-s/b05'], preset: 'quick', sessions: 3 });
    const ac = new AbortController();
    let sessions = 0;
    const first = options({
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'session' && ++sessions === 3) ac.abort();
      },
    });
    const r1 = await executePlan(plan, first);
    expect(r1.interrupted).toBe(true);
    expect(r1.sessionsRun).toBe(3);
    expect(r1.measured).toHaveLength(0);
    const afterAbort = await readRun(r1.runDir);
    expect(afterAbort.records.map((r) => r.kind)).toEqual(['session', 'session', 'session']);

    calls.length = 0;
    const second = options({ runId: first.runId, resume: true, command: ['test', '--resume'] });
    const r2 = await executePlan(plan, second);
    expect(r2.interrupted).toBe(false);
    expect(second.events.find((e) => e.type === 'planned')).toMatchObject({ sessionsDone: 3, sessionsToRun: 3, alreadyMeasured: 0 });
    // b03 had 2 sessions, b05 had 1: round 1 runs b05, round 2 runs both
    expect(calls.map((c) => c.workloadId)).toEqual([B05, B03, B05]);
    const run = await readRun(r2.runDir);
    const ms = selectMeasurements(run);
    expect(ms.map((m) => m.sessions.map((s) => s.index))).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(run.manifest.resumed).toHaveLength(1);
    expect(run.manifest.resumed[0]!.command).toEqual(['test', '--resume']);

    // a third execution has nothing left to do
    calls.length = 0;
    const r3 = await executePlan(plan, options({ runId: first.runId, resume: true }));
    expect(calls).toHaveLength(0);
    expect(r3.alreadyMeasured).toBe(2);
  });

  it('a target that cannot use the device connection is skipped with the reason, never measured', async () => {
    const localCalls: { workloadId: string; deviceId: string; threads: number }[] = [];
    const phoneCalls: typeof localCalls = [];
    undo = installFakeRunners(
      createFakeRunner({ calls: localCalls }),
      createFakeRunner({ id: 'fake-phone', connections: ['adb'], calls: phoneCalls }),
    );
    const phone = profile({ id: 'dev', connection: { kind: 'adb', serial: 'NOPE' }, targets: [{ target: 'fake-cpu' }, { target: 'fake-phone' }] });
    const o = options();
    const r = await executePlan(planDevice(phone, { sessions: 1 }), o);
    expect(localCalls).toHaveLength(0);
    expect(r.skipped.map((s) => [s.target.id, s.reason])).toEqual([
      ['fake-cpu', "fake-cpu runs over local connections, and device 'dev' is reached over adb"],
    ]);
    expect(phoneCalls.map((c) => c.deviceId)).toEqual(['dev']);
    const run = await readRun(r.runDir);
    expect(run.manifest.devices[0]!.connection).toEqual({ kind: 'adb', serial: 'NOPE' });
    expect(selectUnmeasured(run).map((x) => x.kind)).toEqual(['skipped']);
    expect(o.events.filter((e) => e.type === 'skipped')).toHaveLength(1);
    // a resume reports the skip again but does not write the same record a second time
    const again = options({ runId: o.runId, resume: true });
    const r2 = await executePlan(planDevice(phone, { sessions: 1 }), again);
    expect(r2.skipped).toHaveLength(1);
    expect((await readRun(r.runDir)).records.filter((x) => x.kind === 'skipped')).toHaveLength(1);
  });

  it('an unavailable target is skipped (run) or stops the run before it starts (bench)', async () => {
    undo = installFakeRunners(createFakeRunner({ id: 'fake-gone', unavailable: 'no such thing here' }), createFakeRunner());
    const plan = planBench({ targets: ['fake-gone', 'fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick' });
    const r = await executePlan(plan, options());
    expect(r.skipped.map((s) => s.reason)).toEqual(['no such thing here']);
    expect(r.measured.map((m) => m.target.id)).toEqual(['fake-cpu']);
    const o = options({ onUnavailable: 'fail' });
    await expect(executePlan(plan, o)).rejects.toThrow(TargetUnavailableError);
    await expect(readRun(path.join(tmp, o.runId))).rejects.toThrow(/no manifest/);
  });

  it('a failing session becomes an error record, the run goes on, and a resume retries it keeping its sessions', async () => {
    let failing = true;
    const calls: { workloadId: string; deviceId: string; threads: number }[] = [];
    undo = installFakeRunners(createFakeRunner({ calls, failWhen: (w, s) => failing && w.includes('b05') && s === 1 }));
    const plan = planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03', 'conv-s/b05'], preset: 'quick', sessions: 2 });
    const first = options();
    const r1 = await executePlan(plan, first);
    expect(r1.failed).toHaveLength(1);
    expect(r1.failed[0]!.sessionIndex).toBe(1);
    expect(r1.failed[0]!.error.message).toBe(`fake failure in ${B05} session 2`);
    expect(r1.measured.map((m) => m.workload.id)).toEqual([B03]);
    failing = false;
    calls.length = 0;
    const r2 = await executePlan(plan, options({ runId: first.runId, resume: true }));
    expect(calls.map((c) => c.workloadId)).toEqual([B05]);
    expect(r2.measured[0]!.sessions.map((s) => s.index)).toEqual([0, 1]);
    const run = await readRun(r2.runDir);
    expect(selectUnmeasured(run)).toEqual([]);
    expect(selectMeasurements(run, { workload: B05 })).toHaveLength(1);
    expect(selectMeasurements(run, { target: 'other' })).toHaveLength(0);
    expect(selectMeasurements(run, { device: 'host', dtype: 'fp32' })).toHaveLength(2);
  });

  it('resuming with another number of sessions is refused', async () => {
    undo = installFakeRunners(createFakeRunner());
    const o = options();
    await executePlan(planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 1 }), o);
    const again = planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 2 });
    await expect(executePlan(again, options({ runId: o.runId, resume: true }))).rejects.toThrow(
      /takes 1 sessions per measurement; resume it with --sessions 1/,
    );
  });
});

describe('externally timed sessions', () => {
  it('combine into a measurement of timing external: centres, no per-call stats, labelled in the table', async () => {
    undo = installFakeRunners(createFakeRunner({ id: 'fake-ext', external: true }));
    const plan = planBench({ targets: ['fake-ext'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 3 });
    const r = await executePlan(plan, options());
    const run = await readRun(r.runDir);
    const sessions = run.records.filter((x): x is SessionRecord => x.kind === 'session');
    expect(sessions.map((x) => [x.session.timing, x.session.run, x.session.external?.summary.count])).toEqual([
      ['external', undefined, 50],
      ['external', undefined, 50],
      ['external', undefined, 50],
    ]);
    const m = selectMeasurements(run)[0]!;
    expect(m.timing).toBe('external');
    expect(m.latency.stats).toBeNull();
    expect(m.latency.ciMedian).toBeNull();
    expect(m.latency.converged).toBe(false);
    expect(m.latency.provenance).toBe('measured');
    const means = sessions.map((x) => x.session.external!.summary.meanMs).sort((a, b) => a - b);
    expect(m.latency.medianMs).toBe(means[1]);
    expect(m.sessions.map((x) => [x.centerStatistic, x.n, x.samples])).toEqual(Array(3).fill(['mean', 50, undefined]));
    expect(m.warnings.map((w) => w.code)).toContain('external-summary');
    expect(m.coldStart).toEqual({ unit: 'ms', provenance: 'measured', sessionCreateMs: 3 });
    const text = summaryTable(summaryLayout(plan), run.records);
    expect(text).toMatch(new RegExp(`\\s${m.latency.medianMs.toFixed(3).replace('.', '\\.')} ext$`, 'm'));
    expect(text).toContain(
      'ext = timed by an external tool such as benchmark_model: mean per session, median over sessions (summary statistics only: no CI, convergence not judged)',
    );
    expect(text).not.toContain('did not converge');
    expect(formatMeasurement(m)).toMatch(
      /mean per session, median over sessions: [\d.]+ ms {3}timed by fake-benchmark_model \(150 runs; summary statistics only, no CI\)/,
    );
  });
});

describe('summary table', () => {
  async function deviceRun(): Promise<{ plan: Plan } & Awaited<ReturnType<typeof readRun>>> {
    undo = installFakeRunners(createFakeRunner({ failWhen: (w) => w.includes('b03') }), createFakeRunner({ id: 'fake-phone', connections: ['adb'] }));
    const plan = planDevice(
      profile({
        workloads: ['conv-s', 'conv-s/b03'],
        targets: [
          { target: 'fake-cpu', label: 'fake CPU', publishedColumn: 'pixel6_cpu' },
          { target: 'fake-phone', label: 'fake phone' },
        ],
      }),
      { sessions: 1 },
    );
    const r = await executePlan(plan, options());
    return { plan, ...(await readRun(r.runDir)) };
  }

  it('cells come from structured keys: measured, failed, skipped; published beside its column', async () => {
    const { plan, records } = await deviceRun();
    const layout = summaryLayout(plan);
    const { cells, published } = summaryCells(layout, records);
    expect(cells.map((row) => row.map((c) => c.state))).toEqual([
      ['measured', 'skipped'],
      ['failed', 'skipped'],
    ]);
    const conv = cells[0]![0]!;
    expect(conv.state === 'measured' && conv.record.workload.id).toBe('model:conv-s@224');
    const pub = publishedLatency('conv-s', 'pixel6_cpu');
    expect(published[0]![0]).toEqual(pub);
    expect(published[1]![0]).toBeUndefined(); // a block has no published latency
    expect(published[0]![1]).toBeUndefined(); // no published column named

    const text = summaryTable(layout, records);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^workload\s+\[1\] ms measured\s+pixel6_cpu ms published\s+\[2\] ms measured$/);
    const m = conv.state === 'measured' ? conv.medianMs : NaN;
    expect(lines[2]).toMatch(
      new RegExp(
        `^model:conv-s@224\\s+${m.toFixed(3).replace('.', '\\.')}\\*?\\s+${pub?.state === 'value' ? pub.value.toFixed(1).replace('.', '\\.') : '\\S+'}\\s+skipped$`,
      ),
    );
    expect(lines[3]).toMatch(new RegExp(`^${B03.replace(/[/()@]/g, '\\$&')}\\s+failed\\s+-\\s+skipped$`));
    expect(text).toContain('[1] fake CPU: fake-cpu fp32 threads=1 mask=ff');
    expect(text).toContain("    skipped: fake-phone runs over adb connections, and device 'dev' is reached over local");
    expect(text).toContain('published = arXiv 2404.10518 Table 6');
  });

  it('a run read back from disk alone (no plan) gives the same table', async () => {
    const { plan, records, manifest } = await deviceRun();
    const fromDisk = layoutFromRecords('dev', records, manifest.targets);
    expect(fromDisk.columns.map((c) => [c.target.id, c.dtype])).toEqual(plan.columns.map((c) => [c.target.id, c.dtype]));
    expect(fromDisk.rows.map((r) => [r.workloadId, r.model?.id])).toEqual([
      ['model:conv-s@224', 'conv-s'],
      [B03, undefined],
    ]);
    expect(summaryCells(fromDisk, records).cells.map((row) => row.map((c) => c.state))).toEqual(
      summaryCells(summaryLayout(plan), records).cells.map((row) => row.map((c) => c.state)),
    );
    expect(selectSessions({ records }, { workload: 'model:conv-s@224' }).map((x) => x.session.index)).toEqual([0]);
    expect(layoutFromRecords('other-device', records).rows).toEqual([]);
  });

  it('a model at another resolution gets no published figure', async () => {
    undo = installFakeRunners(createFakeRunner());
    const plan = planDevice(profile({ workloads: ['conv-s'], targets: [{ target: 'fake-cpu', publishedColumn: 'pixel6_cpu' }] }), {
      resolution: 160,
    });
    const r = await executePlan(plan, options());
    const { published } = summaryCells(summaryLayout(plan), (await readRun(r.runDir)).records);
    expect(published[0]![0]).toBeUndefined();
  });
});

describe('records on disk', () => {
  it('measurement records keep every session and their samples', async () => {
    undo = installFakeRunners(createFakeRunner());
    const r = await executePlan(planBench({ targets: ['fake-cpu'], workloads: ['conv-s/b03'], preset: 'quick', sessions: 2 }), options());
    const lines = readFileSync(path.join(r.runDir, 'measurements.jsonl'), 'utf8').trim().split('\n');
    const m = JSON.parse(lines[lines.length - 1]!) as MeasurementRecord;
    expect(m.schemaVersion).toBe(3);
    expect(m.sessions.map((s) => s.samples!.values.length)).toEqual(
      lines.slice(0, 2).map((l) => (JSON.parse(l) as SessionRecord).session.run!.samplesMs.length),
    );
  });
});
