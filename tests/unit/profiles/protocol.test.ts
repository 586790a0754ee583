import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { type ProtocolSettings } from '../../../src/core/protocol-run.js';
import { getPreset, medianCiRanks, PRESETS, ProtocolError, runProtocol, validateProtocol, type Clock } from '../../../src/profiles/protocol.js';
import { mulberry32 } from '../../../src/util/random.js';

/**
 * A deterministic virtual clock: `t` advances only through fake work and a tiny cost per read; `now()` is
 * quantised to `res` like a real timer.
 */
function fakeClock(res: number, readCost = 1e-6): Clock & { advance(ms: number): void; t: number } {
  const c = {
    name: 'fake',
    t: 0,
    now(): number {
      c.t += readCost;
      return Math.floor(c.t / res) * res;
    },
    advance(ms: number): void {
      c.t += ms;
    },
  };
  return c;
}

/** fn whose k-th call (0-based) takes durations(k) virtual ms. */
function fakeFn(clock: { advance(ms: number): void }, durations: (k: number) => number): { fn: () => void; calls: () => number } {
  let k = 0;
  return {
    fn: () => {
      clock.advance(durations(k++));
    },
    calls: () => k,
  };
}

const small: ProtocolSettings = {
  name: 'test',
  sessions: 1,
  warmupMinIterations: 5,
  warmupMinMs: 2,
  warmupWindow: 10,
  warmupMaxMs: 1000,
  minSamples: 20,
  minTimeMs: 10,
  maxSamples: 5000,
  maxTimeMs: 100_000,
  targetRelHalfWidth: 0.01,
  confidence: 0.95,
  batchResolutionFactor: 1000,
  maxBatch: 100_000,
};

describe('runProtocol with a fake clock', () => {
  it('converges on a stable fn; the cold call is separate', async () => {
    const clock = fakeClock(1e-4);
    // first call 50 ms (cold), then 1 ms with a small deterministic wobble.
    const f = fakeFn(clock, (k) => (k === 0 ? 50 : 1 + 0.002 * ((k * 7) % 5)));
    const phases: string[] = [];
    const run = await runProtocol(f.fn, small, clock, { onPhase: (p) => phases.push(p) });
    expect(phases).toEqual(['cold', 'resolution', 'warmup', 'sampling', 'done']);
    expect(run.converged).toBe(true);
    expect(run.stopReason).toBe('converged');
    expect(run.coldMs).toBeGreaterThan(49.9);
    expect(Math.max(...run.samplesMs)).toBeLessThan(1.1);
    expect(Math.max(...run.warmupMs)).toBeLessThan(1.1);
    expect(run.warmupMs.length).toBeGreaterThanOrEqual(5);
    expect(run.batchSize).toBe(1);
    expect(run.warmupSteady).toBe(true);
    // two stages: the pilot (>= minSamples and minTimeMs) only sets the size of the second, which is the sample
    expect(run.pilotMs.length).toBeGreaterThanOrEqual(20);
    expect(run.samplesMs.length).toBe(run.plannedSamples);
    expect(run.samplesMs.length).toBeGreaterThanOrEqual(20);
    expect(run.samplingMs).toBeGreaterThanOrEqual(10);
    expect(run.medianCi!.relHalfWidth).toBeLessThanOrEqual(0.01);
    expect(run.trend.trending).toBe(false);
    expect(run.totalCalls).toBe(f.calls());
    expect(run.timerResolutionMs).toBeCloseTo(1e-4, 9);
    expect(run.timerResolutionMeasured).toBe(true);
  });

  it('min samples and min time hold even when the CI is tight at once', async () => {
    const clock = fakeClock(1e-4);
    const f = fakeFn(clock, () => 1); // constant: CI width 0 from the first check
    const run = await runProtocol(f.fn, { ...small, minSamples: 30, minTimeMs: 80 }, clock);
    expect(run.converged).toBe(true);
    expect(run.pilotMs.length).toBeGreaterThanOrEqual(80);
    expect(run.samplesMs.length).toBe(30); // second stage: at least minSamples
    expect(run.samplingMs).toBeGreaterThanOrEqual(110);
  });

  it('max-samples cap -> converged false', async () => {
    const clock = fakeClock(1e-4);
    const f = fakeFn(clock, (k) => (k % 2 ? 1 : 3)); // bimodal: the median CI spans 1..3
    const run = await runProtocol(f.fn, { ...small, maxSamples: 60 }, clock);
    expect(run.converged).toBe(false);
    expect(run.stopReason).toBe('max-samples');
    expect(run.samplesMs.length).toBe(60);
  });

  it('max-time cap -> converged false', async () => {
    const clock = fakeClock(1e-4);
    const f = fakeFn(clock, (k) => (k % 2 ? 1 : 3));
    const run = await runProtocol(f.fn, { ...small, minTimeMs: 0, maxTimeMs: 200 }, clock);
    expect(run.stopReason).toBe('max-time');
    expect(run.converged).toBe(false);
    expect(run.samplingMs).toBeGreaterThanOrEqual(200);
    expect(run.samplingMs).toBeLessThan(204);
  });

  it('batches calls that are below the timer resolution and divides', async () => {
    const res = 1 / 1024; // ~1 µs tick, exact in binary
    const clock = fakeClock(res, 1e-7);
    const f = fakeFn(clock, () => 0.0005); // 0.5 µs per call: below one tick
    const run = await runProtocol(f.fn, small, clock);
    expect(run.timerResolutionMs).toBeCloseTo(res, 12);
    // 1000 ticks / 0.5 µs = ~1953 calls per sample
    expect(run.batchSize).toBeGreaterThanOrEqual(1900);
    expect(run.batchSize).toBeLessThanOrEqual(2000);
    for (const s of run.samplesMs) expect(Math.abs(s - 0.0005) / 0.0005).toBeLessThan(0.002);
    expect(run.totalCalls).toBe(f.calls());
  });

  it('rejects a clock that never advances', async () => {
    const frozen: Clock = { name: 'frozen', now: () => 5 };
    await expect(runProtocol(() => undefined, small, frozen)).rejects.toThrow(/did not advance/);
  });

  it('timer resolution is the clock granularity, not the cost of reading it', async () => {
    // 1 ns grid, 30 ns per read: consecutive reads differ by ~30 ns, the grid is 1 ns
    const clock = fakeClock(1e-6, 3e-5);
    const f = fakeFn(clock, () => 1);
    const run = await runProtocol(f.fn, { ...small, minSamples: 10, minTimeMs: 0 }, clock);
    expect(run.timerResolutionMs).toBeCloseTo(1e-6, 10);
    expect(run.timerReadCostMs).toBeCloseTo(3e-5, 7);
  });

  it('batches by read cost too: a fine clock that is slow to read', async () => {
    const clock = fakeClock(1e-6, 1e-3); // 1 µs per read
    const f = fakeFn(clock, () => 0.1); // 100 µs calls: 1000 x 1 µs = 1 ms per sample wanted
    const run = await runProtocol(f.fn, { ...small, minSamples: 10, minTimeMs: 0 }, clock);
    expect(run.batchSize).toBe(10);
  });

  it('warm-up lasts until the calls stop getting faster, not just the minimum', async () => {
    const clock = fakeClock(1e-4);
    // 3 ms falling to 1 ms over the first 150 calls, then steady with a small wobble
    const f = fakeFn(clock, (k) => 1 + 2 * Math.max(0, 1 - k / 150) + 0.002 * ((k * 7) % 5));
    const run = await runProtocol(f.fn, small, clock);
    expect(run.warmupSteady).toBe(true);
    expect(run.warmupMs.length).toBeGreaterThan(100);
    expect(Math.max(...run.samplesMs)).toBeLessThan(1.02);
    expect(run.converged).toBe(true);
  });

  it('warm-up stops at its cap while still trending; a trend in the samples is not converged', async () => {
    const clock = fakeClock(1e-4);
    const f = fakeFn(clock, (k) => 1 + k * 0.01); // slower and slower, forever
    const run = await runProtocol(f.fn, { ...small, warmupMaxMs: 200, maxTimeMs: 2000 }, clock);
    expect(run.warmupSteady).toBe(false);
    const warmupTime = run.warmupMs.reduce((a, b) => a + b, 0);
    expect(warmupTime).toBeGreaterThanOrEqual(200);
    expect(warmupTime).toBeLessThan(205);
    expect(run.trend.trending).toBe(true);
    expect(run.trend.drift).toBeGreaterThan(0.01);
    expect(run.stopReason).toBe('trend');
    expect(run.converged).toBe(false);
  });

  it('uses a clock-stated resolution without measuring', async () => {
    const inner = fakeClock(1e-4);
    const c2: Clock = { name: 'stated', now: () => inner.now(), resolutionMs: 0.1 };
    const f = fakeFn(inner, () => 1);
    const run = await runProtocol(f.fn, small, c2);
    expect(run.timerResolutionMeasured).toBe(false);
    expect(run.timerResolutionMs).toBe(0.1);
    expect(run.batchSize).toBe(100); // 1000 x 0.1 ms / 1 ms
  });

  it('stops on abort with the samples taken so far', async () => {
    const clock = fakeClock(1e-4);
    const f = fakeFn(clock, (k) => (k % 2 ? 1 : 3));
    let n = 0;
    const run = await runProtocol(f.fn, small, clock, { onSample: (k) => (n = k), shouldAbort: () => n >= 7 });
    expect(run.stopReason).toBe('aborted');
    expect(run.samplesMs.length).toBe(7);
  });

  it('awaits async fns', async () => {
    const clock = fakeClock(1e-4);
    let calls = 0;
    const run = await runProtocol(
      async () => {
        await Promise.resolve();
        clock.advance(2);
        calls++;
      },
      { ...small, minSamples: 10, minTimeMs: 0 },
      clock,
    );
    expect(run.samplesMs.every((s) => Math.abs(s - 2) < 1e-3)).toBe(true);
    expect(run.totalCalls).toBe(calls);
  });
});

describe('coverage of the CI of the median under the stopping rule (simulation, seeded)', () => {
  /** standard normal draw (Box-Muller). */
  const gauss = (rnd: () => number): number => {
    let u = 0;
    while (u === 0) u = rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  // log-normal calls with median exactly 1 ms, 5% spread: a pilot of 30, target +-1%
  const sim: ProtocolSettings = {
    ...small,
    warmupMinIterations: 0,
    warmupMinMs: 0,
    warmupMaxMs: 0,
    minSamples: 30,
    minTimeMs: 0,
    maxSamples: 5000,
    maxTimeMs: 1e12,
    batchResolutionFactor: 1,
    maxBatch: 1,
  };
  const REPS = 1000;
  const SIGMA = 0.05;

  it('two-stage rule (runProtocol): coverage >= 0.94 at a nominal 0.95', async () => {
    const rnd = mulberry32(7);
    let covered = 0;
    let converged = 0;
    for (let r = 0; r < REPS; r++) {
      let t = 0;
      const clock: Clock = { name: 'virtual', now: () => (t += 1e-9), resolutionMs: 1e-6 };
      const run = await runProtocol(() => void (t += Math.exp(SIGMA * gauss(rnd))), sim, clock);
      if (run.medianCi && run.medianCi.lo <= 1 && run.medianCi.hi >= 1) covered++;
      if (run.converged) converged++;
    }
    expect(covered / REPS).toBeGreaterThanOrEqual(0.94);
    // and the planned size is enough for most sessions to meet the target on a steady host
    expect(converged / REPS).toBeGreaterThanOrEqual(0.85);
  });

  it('the old rule (check after every sample, stop once narrow enough) does not reach it: the simulation can fail', () => {
    const rnd = mulberry32(7);
    let covered = 0;
    for (let r = 0; r < REPS; r++) {
      const sorted: number[] = [];
      let lo = NaN;
      let hi = NaN;
      for (let n = 1; n <= sim.maxSamples; n++) {
        const v = Math.exp(SIGMA * gauss(rnd));
        let i = sorted.length;
        while (i > 0 && sorted[i - 1]! > v) i--;
        sorted.splice(i, 0, v);
        if (n < sim.minSamples) continue;
        const ranks = medianCiRanks(n)!;
        const med = n % 2 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
        [lo, hi] = [sorted[ranks.lo]!, sorted[ranks.hi]!];
        if (Math.max(med - lo, hi - med) / med <= sim.targetRelHalfWidth) break;
      }
      if (lo <= 1 && hi >= 1) covered++;
    }
    expect(covered / REPS).toBeLessThan(0.94);
  });
});

describe('presets and validation', () => {
  it('rigorous follows MLPerf Mobile minimums over its sessions; default and rigorous have k >= 3', () => {
    const r = PRESETS.rigorous;
    expect(r.sessions * r.minSamples).toBeGreaterThanOrEqual(1024); // second stages alone
    expect(r.sessions * r.minTimeMs).toBeGreaterThanOrEqual(60_000);
    expect(PRESETS.default.sessions).toBeGreaterThanOrEqual(3);
    expect(r.sessions).toBeGreaterThanOrEqual(3);
    for (const p of Object.values(PRESETS)) expect(() => validateProtocol({ ...p })).not.toThrow();
  });
  it('overrides rename the preset; bad names and settings are rejected clearly', () => {
    expect(getPreset('quick').name).toBe('quick');
    expect(getPreset('quick', { maxTimeMs: 9000 }).name).toBe('quick+custom');
    expect(() => getPreset('fast')).toThrow(ProtocolError);
    expect(() => getPreset('fast')).toThrow(/unknown preset 'fast'; use one of: quick, default, rigorous/);
    expect(() => getPreset('quick', { maxSamples: 5 })).toThrow(/maxSamples \(5\) must be >= minSamples/);
    expect(() => getPreset('quick', { targetRelHalfWidth: 0 })).toThrow(/targetRelHalfWidth/);
  });
});

describe('browser-safe module', () => {
  it('has no Node imports and bundles for the browser', async () => {
    const src = readFileSync(new URL('../../../src/profiles/protocol.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/from ['"]node:|require\(|from ['"](fs|os|path|perf_hooks)['"]/);
    const out = await build({
      entryPoints: [new URL('../../../src/profiles/protocol.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(out.errors).toEqual([]);
    expect(out.outputFiles[0]!.text).toContain('runProtocol');
  });
});
