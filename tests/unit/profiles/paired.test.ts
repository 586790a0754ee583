import { describe, expect, it } from 'vitest';
import { abVerdict, pairRatios, summarisePaired } from '../../../src/profiles/paired.js';
import { summariseSessions } from '../../../src/profiles/stats.js';
import { mulberry32 } from '../../../src/util/random.js';
import { AB_SIMULATION, simulatePairedSessions } from '../../../src/profiles/paired-sim.js';

const simulate = simulatePairedSessions;

describe('paired ratio to a co-measured reference', () => {
  it('pair ratios are workload / reference; bad times are refused with the pair named', () => {
    expect(pairRatios([{ workloadMs: 6, referenceMs: 4, referenceFirst: true }])).toEqual([1.5]);
    expect(() =>
      pairRatios([
        { workloadMs: 1, referenceMs: 1, referenceFirst: false },
        { workloadMs: 0, referenceMs: 1, referenceFirst: true },
      ]),
    ).toThrow(/pair 2/);
    expect(() => summarisePaired([], { targetRelHalfWidth: 0.02 })).toThrow(/no paired sessions/);
    expect(() => summarisePaired([{ pairs: [] }], { targetRelHalfWidth: 0.02 })).toThrow(/session 1 has no pairs/);
  });

  it('the ratio and its CI are summariseSessions of the pair ratios (one definition, reused)', () => {
    const sessions = simulate(mulberry32(7), { k: 3, n: 30, ratio: 1.3 });
    const p = summarisePaired(sessions, { targetRelHalfWidth: 0.02, seed: 11 });
    const direct = summariseSessions(
      sessions.map((s) => pairRatios(s.pairs)),
      { targetRelHalfWidth: 0.02, seed: 11 },
    );
    expect(p.ratio).toBe(direct.pooledMedian);
    expect(p.ci).toEqual(direct.ci);
    expect(p.sessionRatios).toEqual(direct.sessionMedians);
    expect(p.sessionPairs).toEqual([30, 30, 30]);
    expect(p.geometricMean).toBeGreaterThan(1.25);
    expect(p.geometricMean).toBeLessThan(1.35);
    // deterministic for a seed
    expect(summarisePaired(sessions, { targetRelHalfWidth: 0.02, seed: 11 })).toEqual(p);
  });

  it('a multiplicative drift common to both sides cancels: the ratio stays, the absolute figures and the reference move', () => {
    const rnd = mulberry32(3);
    // a host that gets 40% slower from session to session and 30% within each
    const sessions = simulate(rnd, { k: 3, n: 40, ratio: 1.2, sessionShift: 0, drift: 0, burst: 0.02, noise: 0.02 }).map((s, j) => ({
      pairs: s.pairs.map((p, i) => {
        const host = 1.4 ** j * (1 + (0.3 * i) / s.pairs.length);
        return { ...p, workloadMs: p.workloadMs * host, referenceMs: p.referenceMs * host };
      }),
    }));
    const p = summarisePaired(sessions, { targetRelHalfWidth: 0.02 });
    expect(p.ci.lo).toBeLessThanOrEqual(1.2);
    expect(p.ci.hi).toBeGreaterThanOrEqual(1.2);
    expect(Math.abs(p.ratio / 1.2 - 1)).toBeLessThan(0.01);
    expect(p.converged).toBe(true);
    // the host change is visible in the reference, not in the ratio
    expect(p.host.referenceChangeRel).toBeGreaterThan(0.8);
    expect(p.host.referenceRangeRel).toBeGreaterThan(0.5);
    expect(p.host.referenceWithinSessionRel).toBeGreaterThan(0.15);
    // the absolute figures alone disagree across sessions
    const absolute = summariseSessions(
      sessions.map((s) => s.pairs.map((q) => q.workloadMs)),
      { targetRelHalfWidth: 0.02 },
    );
    expect(absolute.sessionsAgree).toBe(false);
  });

  const coverage = (o: Parameters<typeof simulate>[1], runs: number, seed: number): number => {
    const rnd = mulberry32(seed);
    let hit = 0;
    for (let r = 0; r < runs; r++) {
      const p = summarisePaired(simulate(rnd, o), { targetRelHalfWidth: 0.02, resamples: 1000, seed: r + 1 });
      if (p.ci.lo <= o.ratio && o.ratio <= p.ci.hi) hit++;
    }
    return hit / runs;
  };

  it('coverage by simulation >= 0.93 at a nominal 0.95 on a drifting host: pair noise only, k = 3', () => {
    expect(coverage({ k: 3, n: 40, ratio: 1.25, drift: 0.3, sessionShift: 0.15 }, 300, 101)).toBeGreaterThanOrEqual(0.93);
  });

  it('coverage by simulation >= 0.93 on a drifting host with a per-session ratio offset (the between-session part), k = 3 and k = 5', () => {
    expect(coverage({ k: 3, n: 30, ratio: 0.8, drift: 0.3, ratioSession: 0.01 }, 300, 202)).toBeGreaterThanOrEqual(0.93);
    expect(coverage({ k: 5, n: 20, ratio: 0.8, drift: 0.3, ratioSession: 0.01 }, 200, 303)).toBeGreaterThanOrEqual(0.93);
  });

  it('an order effect shows as the ratio with the reference first over the ratio with the workload first', () => {
    const sessions = simulate(mulberry32(5), { k: 2, n: 60, ratio: 1, noise: 0.005, burst: 0 }).map((s) => ({
      // the second batch of a pair runs 4% faster (a warmed cache)
      pairs: s.pairs.map((p) => (p.referenceFirst ? { ...p, workloadMs: p.workloadMs * 0.96 } : { ...p, referenceMs: p.referenceMs * 0.96 })),
    }));
    const p = summarisePaired(sessions, { targetRelHalfWidth: 0.02 });
    expect(p.orderEffect).not.toBeNull();
    expect(p.orderEffect!).toBeLessThan(0.94);
    // randomized order averages it out of the geometric mean (the median of a two-humped set sits in either hump)
    expect(Math.abs(p.geometricMean - 1)).toBeLessThan(0.01);
  });
});

describe('A/B verdict from a paired ratio', () => {
  it('claims a change only when the CI excludes 1 and the change is at least the minimum effect', () => {
    const ci = (lo: number, hi: number) => ({
      method: 'hierarchical-bootstrap' as const,
      lo,
      hi,
      confidence: 0.95,
      relHalfWidth: 0,
      resamples: 0,
      seed: 0,
      smallSessionFactor: 1,
    });
    expect(abVerdict({ ratio: 1.02, ci: ci(1.01, 1.03) }).verdict).toBe('slower');
    expect(abVerdict({ ratio: 0.97, ci: ci(0.96, 0.98) }).verdict).toBe('faster');
    expect(abVerdict({ ratio: 1.02, ci: ci(0.99, 1.05) }).verdict).toBe('no-change');
    expect(abVerdict({ ratio: 1.005, ci: ci(1.002, 1.008) }).verdict).toBe('no-change');
    expect(abVerdict({ ratio: 1.005, ci: ci(1.002, 1.008) }, 0.001).verdict).toBe('slower');
  });

  // Seeded simulation of `bench --ab` on a drifting host: 10 sessions of 20 pairs (the A/B default), batch noise
  // 2%, a host that shifts 10% between sessions and drifts up to 30% within one, a per-session offset of 0.5% per
  // side. With 3 sessions of 40 pairs the CI is ~2% wide (t with 2 degrees of freedom) and finds a 2% change in
  // only ~40% of runs: A/B needs many short sessions.
  const rate = (ratio: number, want: 'slower' | 'no-change', runs: number, seed: number): number => {
    const rnd = mulberry32(seed);
    let hit = 0;
    for (let r = 0; r < runs; r++) {
      const s = simulate(rnd, { ...AB_SIMULATION, ratio });
      if (abVerdict(summarisePaired(s, { targetRelHalfWidth: 0.02, resamples: 500, seed: r + 1 })).verdict === want) hit++;
    }
    return hit / runs;
  };
  it('detects a 2% and a 5% slowdown >= 95% of the time; the same workload on both sides: no change >= 95%', () => {
    expect(rate(1.02, 'slower', 150, 41)).toBeGreaterThanOrEqual(0.95);
    expect(rate(1.05, 'slower', 60, 42)).toBeGreaterThanOrEqual(0.95);
    expect(rate(1, 'no-change', 150, 43)).toBeGreaterThanOrEqual(0.95);
  });
});
