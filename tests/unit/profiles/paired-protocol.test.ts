import { describe, expect, it } from 'vitest';
import { runPairedProtocol } from '../../../src/profiles/paired-protocol.js';
import { getPreset, type Clock } from '../../../src/profiles/protocol.js';
import { mulberry32, standardNormal } from '../../../src/util/random.js';

/** A virtual clock that calls advance; stated resolution so no clock probing is needed. */
function virtualClock(): Clock & { advance(ms: number): void; t: number } {
  const c = {
    name: 'virtual',
    t: 0,
    resolutionMs: 1e-6,
    now: () => c.t,
    advance(ms: number) {
      c.t += ms;
    },
  };
  return c;
}

/**
 * Workload and reference on a host whose speed follows `host(t)` (a factor on every call), each call with its
 * own log-normal noise of `noise`.
 */
function pairOnHost(o: { workMs: number; refMs: number; host: (t: number) => number; noise: number; seed: number }) {
  const clock = virtualClock();
  const rnd = mulberry32(o.seed);
  const callOf = (ms: number) => () => clock.advance(ms * o.host(clock.t) * Math.exp(o.noise * standardNormal(rnd)));
  return { clock, fn: callOf(o.workMs), refFn: callOf(o.refMs) };
}

describe('a session with a co-measured reference', () => {
  const settings = getPreset('quick', { warmupMinMs: 0, minTimeMs: 0, maxTimeMs: 60_000, maxSamples: 5000 });

  it('a host that slows down by half during the session: the absolute samples trend, the ratio converges on the truth', async () => {
    // the host gets slower all the time, by 25% per second of virtual time
    const { clock, fn, refFn } = pairOnHost({ workMs: 12, refMs: 5, host: (t) => 1 + t / 4_000, noise: 0.01, seed: 1 });
    const run = await runPairedProtocol(fn, refFn, settings, { referenceId: 'model:conv-s@224', clock, seed: 9 });
    const ref = run.reference!;
    expect(ref.workloadId).toBe('model:conv-s@224');
    expect(ref.samplesMs).toHaveLength(run.samplesMs.length);
    expect(ref.referenceFirst).toHaveLength(run.samplesMs.length);
    expect(run.converged).toBe(true);
    expect(run.stopReason).toBe('converged');
    expect(ref.ratioCi!.lo).toBeLessThanOrEqual(2.4);
    expect(ref.ratioCi!.hi).toBeGreaterThanOrEqual(2.4);
    expect(ref.ratioCi!.relHalfWidth).toBeLessThanOrEqual(settings.targetRelHalfWidth);
    expect(ref.ratioTrend.trending).toBe(false);
    // the absolute figure drifted with the host
    expect(run.trend.drift).toBeGreaterThan(0.05);
    expect(run.trend.trending).toBe(true);
  });

  it('randomizes the order within pairs with a seeded coin (both orders, about half each; same seed, same order)', async () => {
    const mk = () => pairOnHost({ workMs: 3, refMs: 3, host: () => 1, noise: 0.05, seed: 2 });
    const a = mk();
    const r1 = await runPairedProtocol(a.fn, a.refFn, settings, { referenceId: 'r', clock: a.clock, seed: 5 });
    const b = mk();
    const r2 = await runPairedProtocol(b.fn, b.refFn, settings, { referenceId: 'r', clock: b.clock, seed: 5 });
    const first = r1.reference!.referenceFirst;
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expect(r2.reference!.referenceFirst).toEqual(first);
  });

  it('batches each side by the clock rule: a call far below the timer is batched, a long one is not', async () => {
    const clock = virtualClock();
    (clock as { resolutionMs: number }).resolutionMs = 0.001;
    const run = await runPairedProtocol(
      () => clock.advance(0.0001),
      () => clock.advance(2),
      { ...settings, maxSamples: 100 },
      { referenceId: 'r', clock },
    );
    expect(run.batchSize).toBeGreaterThan(1);
    expect(run.reference!.batchSize).toBe(1);
    expect(run.samplesMs[0]!).toBeCloseTo(0.0001, 6);
  });

  it('stops on abort with stopReason aborted and keeps what it took', async () => {
    const { clock, fn, refFn } = pairOnHost({ workMs: 3, refMs: 3, host: () => 1, noise: 0.05, seed: 3 });
    let n = 0;
    const run = await runPairedProtocol(fn, refFn, settings, { referenceId: 'r', clock, hooks: { onSample: () => n++, shouldAbort: () => n >= 7 } });
    expect(run.stopReason).toBe('aborted');
    expect(run.samplesMs).toHaveLength(7);
    expect(run.reference!.samplesMs).toHaveLength(7);
  });
});
