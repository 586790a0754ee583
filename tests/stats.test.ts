import { describe, expect, it } from 'vitest';
import { quantile } from 'simple-statistics';
import { medianCi, medianCiRanks } from '../src/profiles/protocol.js';
import { bootstrapMedianCi, computeStats, seededRandom, statsWarnings } from '../src/profiles/stats.js';

const oneToTen = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];

describe('computeStats on known data', () => {
  const s = computeStats(oneToTen);
  it('median, mean, extremes', () => {
    expect(s.n).toBe(10);
    expect(s.median).toBe(5.5);
    expect(s.mean).toBe(5.5);
    expect(s.min).toBe(1);
    expect(s.max).toBe(10);
  });
  it('percentiles are type 7 (numpy default): p10 1.9, p90 9.1, p99 9.91', () => {
    expect(s.p10).toBeCloseTo(1.9, 12);
    expect(s.p90).toBeCloseTo(9.1, 12);
    expect(s.p99).toBeCloseTo(9.91, 12);
    // simple-statistics' own quantile() uses the same definition
    expect(quantile(oneToTen, 0.9)).toBeCloseTo(9.1, 12);
    expect(s.percentileDefinition).toBe('hyndman-fan-type7-linear');
  });
  it('stdev (n-1), MAD (raw), CV', () => {
    expect(s.stdev).toBeCloseTo(Math.sqrt(82.5 / 9), 12);
    expect(s.mad).toBe(2.5);
    expect(s.cv).toBeCloseTo(Math.sqrt(82.5 / 9) / 5.5, 12);
  });
  it('odd n median is the middle value', () => {
    expect(computeStats([3, 1, 2]).median).toBe(2);
  });
  it('rejects empty and non-finite samples', () => {
    expect(() => computeStats([])).toThrow(/no samples/);
    expect(() => computeStats([1, NaN])).toThrow(/non-finite/);
  });
});

describe('Tukey outliers (reported, never dropped)', () => {
  // 1..100 plus -100, 200, 500: q1 25.5, q3 76.5, IQR 51; mild fences [-51, 153], severe [-127.5, 229.5].
  const base = Array.from({ length: 100 }, (_, i) => i + 1);
  it('counts mild and severe on each side', () => {
    const s = computeStats([...base, -100, 200, 500]);
    expect(s.outliers.q1).toBe(25.5);
    expect(s.outliers.q3).toBe(76.5);
    expect(s.outliers.iqr).toBe(51);
    // -100: below q1 by 125.5 (> 76.5, < 153) mild; 200: above q3 by 123.5 mild; 500: by 423.5 severe.
    expect(s.outliers.mild).toBe(2);
    expect(s.outliers.severe).toBe(1);
    expect(s.outliers.low).toBe(1);
    expect(s.outliers.high).toBe(2);
    expect(s.n).toBe(103); // kept
    expect(s.max).toBe(500);
  });
  it('no outliers in uniform data', () => {
    const s = computeStats(base);
    expect(s.outliers.mild + s.outliers.severe).toBe(0);
  });
});

describe('CI of the median', () => {
  it('order-statistic ranks match the binomial table', () => {
    expect(medianCiRanks(5)).toBeNull(); // 2/32 > 5%
    const r6 = medianCiRanks(6)!;
    expect([r6.lo, r6.hi]).toEqual([0, 5]);
    expect(r6.coverage).toBeCloseTo(1 - 2 / 64, 12);
    const r100 = medianCiRanks(100)!; // x(40), x(61) 1-based
    expect([r100.lo, r100.hi]).toEqual([39, 60]);
    expect(r100.coverage).toBeGreaterThanOrEqual(0.95);
    expect(r100.coverage).toBeLessThan(0.97);
    const big = medianCiRanks(100_000)!;
    // normal approximation: n/2 -+ 1.96 sqrt(n)/2 = 50000 -+ 310
    expect(Math.abs(big.lo - (50_000 - 310))).toBeLessThanOrEqual(2);
  });

  const rnd = seededRandom(42);
  const draws = Array.from({ length: 501 }, () => 2 * rnd()); // uniform(0,2): true median 1

  it('bootstrap CI is deterministic for a seed and contains the true median', () => {
    const a = bootstrapMedianCi(draws, { seed: 7 })!;
    const b = bootstrapMedianCi(draws, { seed: 7 })!;
    expect(a).toEqual(b);
    expect(a.resamples).toBe(2000);
    expect(a.lo).toBeLessThan(1);
    expect(a.hi).toBeGreaterThan(1);
    const c = bootstrapMedianCi(draws, { seed: 8 })!;
    expect(c.lo !== a.lo || c.hi !== a.hi).toBe(true);
  });

  it('order-statistic CI contains the true median and agrees roughly with the bootstrap', () => {
    const ci = medianCi(draws)!;
    expect(ci.lo).toBeLessThan(1);
    expect(ci.hi).toBeGreaterThan(1);
    const s = computeStats(draws);
    expect(s.ciMedian!.lo).toBe(ci.lo);
    expect(Math.abs(s.ciMedianBootstrap!.hi - s.ciMedianBootstrap!.lo - (ci.hi - ci.lo))).toBeLessThan(0.1);
  });

  it('bootstrap of a constant sample is that constant', () => {
    const ci = bootstrapMedianCi([4, 4, 4, 4, 4])!;
    expect([ci.lo, ci.hi]).toEqual([4, 4]);
  });
});

describe('warnings', () => {
  const clean = computeStats(Array.from({ length: 100 }, (_, i) => 10 + (i % 10) * 0.01));
  it('none for clean, converged, well-resolved data', () => {
    expect(statsWarnings(clean, { converged: true, timerResolutionMs: 0.001, batchSize: 1, otherLoad: 0.01 })).toEqual([]);
  });
  it('each condition raises its code', () => {
    const codes = (s: ReturnType<typeof computeStats>, ctx = {}) => statsWarnings(s, ctx).map((w) => w.code);
    const noisy = computeStats([...Array.from({ length: 50 }, () => 1), ...Array.from({ length: 50 }, () => 3)]);
    expect(codes(noisy)).toContain('high-cv');
    expect(codes(computeStats([1, 10, 10, 10, 10]))).toContain('min-below-half-median');
    expect(codes(computeStats([1, 1, 1]))).toContain('too-few-samples');
    expect(codes(clean, { converged: false, stopReason: 'max-time' })).toEqual(['not-converged']);
    expect(codes(clean, { timerResolutionMs: 1, batchSize: 1 })).toEqual(['timer-resolution']);
    expect(codes(clean, { otherLoad: 0.5 })).toEqual(['high-load']);
    for (const w of statsWarnings(noisy, { converged: false, otherLoad: 0.9 })) expect(w.message).not.toMatch(/\n/);
  });
});
