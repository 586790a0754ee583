import { describe, expect, it } from 'vitest';
import { quantile } from 'simple-statistics';
import { medianCi, medianCiRanks } from '../../../src/profiles/protocol.js';
import {
  bootstrapMedianCi,
  computeStats,
  seededRandom,
  smallSessionFactor,
  statsWarnings,
  studentTCdf,
  studentTQuantile,
  summariseSessions,
} from '../../../src/profiles/stats.js';
import { halfDrift, mannKendall, normalCdf, trendTest } from '../../../src/profiles/steady-state.js';
import { decimalsFor, formatEstimate, formatPercent, formatSig } from '../../../src/report/numbers.js';

const oneToTen = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];
// numpy.random.default_rng(3).lognormal(2.0, 0.1, 120), rounded to 3 decimals
const DATA120 = [
  9.062, 5.723, 7.705, 6.981, 7.062, 7.231, 6.038, 7.22, 6.777, 10.302, 7.558, 7.133, 7.184, 6.912, 6.649, 7.106, 7.754, 7.215, 8.132, 7.243, 7.407,
  8.624, 7.803, 7.025, 7.255, 7.799, 8.967, 7.192, 7.211, 8.168, 6.762, 7.177, 8.071, 7.831, 7.457, 7.901, 5.569, 8.184, 6.713, 6.253, 7.596, 7.925,
  7.068, 6.635, 7.408, 7.35, 8.504, 7.962, 7.534, 8.258, 7.239, 6.736, 7.833, 7.832, 7.232, 6.833, 7.56, 5.758, 7.917, 7.761, 6.272, 7.435, 6.71,
  7.97, 6.029, 6.743, 7.932, 8.295, 5.955, 7.03, 7.635, 6.952, 8.663, 6.559, 7.656, 6.654, 8.505, 7.373, 7.119, 6.223, 8.742, 7.967, 7.967, 8.28,
  7.652, 6.931, 6.821, 6.821, 8.474, 6.385, 6.961, 7.155, 7.557, 7.827, 6.521, 6.215, 7.386, 8.342, 7.97, 7.55, 7.158, 7.609, 7.211, 8.018, 6.825,
  7.489, 7.308, 7.802, 7.557, 9.535, 8.584, 8.582, 6.026, 7.142, 6.953, 7.793, 5.883, 8.31, 8.221, 6.487,
];

/** standard normal draw (Box-Muller) from a seeded uniform source. */
function gauss(rnd: () => number): number {
  let u = 0;
  while (u === 0) u = rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

describe('computeStats on known data', () => {
  const s = computeStats(oneToTen);
  it('median, mean, extremes', () => {
    expect(s.n).toBe(10);
    expect(s.median).toBe(5.5);
    expect(s.mean).toBe(5.5);
    expect(s.min).toBe(1);
    expect(s.max).toBe(10);
  });
  it('percentiles are type 7 (numpy default): p10 1.9, p90 9.1; no p99 from 10 samples', () => {
    expect(s.p10).toBeCloseTo(1.9, 12);
    expect(s.p90).toBeCloseTo(9.1, 12);
    expect(s.p99).toBeNull();
    // simple-statistics' own quantile() uses the same definition
    expect(quantile(oneToTen, 0.9)).toBeCloseTo(9.1, 12);
    expect(s.percentileDefinition).toBe('hyndman-fan-type7-linear');
    expect(s.spreadOf).toBe('calls');
  });
  it('matches numpy.percentile (type 7) on fixed data (values computed with numpy 2.4)', () => {
    const x = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6, 12.5, 0.5, 3.3];
    const st = computeStats(x);
    expect(st.p10).toBeCloseTo(1.2, 12);
    expect(st.outliers!.q1).toBeCloseTo(3.0, 12);
    expect(st.median).toBeCloseTo(5.0, 12);
    expect(st.outliers!.q3).toBeCloseTo(8.0, 12);
    expect(st.p90).toBeCloseTo(9.8, 12);
    // 120 lognormal draws (numpy default_rng(3), rounded to 3 decimals): numpy p10, p50, p90, p99
    const st120 = computeStats(DATA120);
    expect(st120.p10).toBeCloseTo(6.3737, 10);
    expect(st120.median).toBeCloseTo(7.3795, 10);
    expect(st120.p90).toBeCloseTo(8.3552, 10);
    expect(st120.p99).toBeCloseTo(9.44513, 10);
  });
  it('percentiles only where n supports them: p10/p90 from n = 10, p99 from n = 100', () => {
    const nine = computeStats([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([nine.p10, nine.p90, nine.p99]).toEqual([null, null, null]);
    const ninetyNine = computeStats(Array.from({ length: 99 }, (_, i) => i));
    expect(ninetyNine.p90).toBeCloseTo(88.2, 12);
    expect(ninetyNine.p99).toBeNull();
    expect(computeStats(Array.from({ length: 100 }, (_, i) => i)).p99).toBeCloseTo(98.01, 12);
  });
  it('batch means say so: no p99, no outlier counts', () => {
    const b = computeStats(
      Array.from({ length: 200 }, (_, i) => 1 + (i % 7) * 0.01),
      { batchSize: 50 },
    );
    expect(b.spreadOf).toBe('batch-means');
    expect(b.batchSize).toBe(50);
    expect(b.p99).toBeNull();
    expect(b.outliers).toBeNull();
    expect(b.p90).not.toBeNull();
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
  it('order-statistic ranks match binomial tables (1-based ranks and coverage from scipy.stats.binom)', () => {
    const table: [number, number, number, number][] = [
      [10, 2, 9, 0.978515625],
      [20, 6, 15, 0.9586105346679688],
      [30, 10, 21, 0.9572260547429323],
      [50, 18, 33, 0.9671608624357315],
      [1000, 469, 532, 0.9537088026395019],
    ];
    for (const [n, lo1, hi1, cov] of table) {
      const r = medianCiRanks(n)!;
      expect([r.lo + 1, r.hi + 1], `n=${n}`).toEqual([lo1, hi1]);
      expect(r.coverage).toBeCloseTo(cov, 10);
    }
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
    // relative half-width is the larger one-sided distance, not half the width
    expect(ci.relHalfWidth).toBe(Math.max(ci.median - ci.lo, ci.hi - ci.median) / ci.median);
    expect(s.ciMedian!.relHalfWidth).toBe(ci.relHalfWidth);
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
    expect(statsWarnings(clean, { converged: true, timerResolutionMs: 0.001, batchSize: 1, otherLoad: 0.01, stealShare: 0 })).toEqual([]);
  });
  it('each condition raises its code', () => {
    const codes = (s: ReturnType<typeof computeStats>, ctx = {}) => statsWarnings(s, ctx).map((w) => w.code);
    const noisy = computeStats([...Array.from({ length: 50 }, () => 1), ...Array.from({ length: 50 }, () => 3)]);
    expect(codes(noisy)).toContain('high-cv');
    expect(codes(computeStats([1, 10, 10, 10, 10]))).toContain('min-below-half-median');
    expect(codes(computeStats([1, 1, 1]))).toContain('too-few-samples');
    expect(codes(clean, { converged: false, stopReason: 'max-time' })).toEqual(['not-converged']);
    expect(codes(clean, { timerResolutionMs: 1, batchSize: 1 })).toEqual(['timer-resolution']);
    // a fine clock that is slow to read is resolution-bound too
    expect(codes(clean, { timerResolutionMs: 1e-6, timerReadCostMs: 0.5, batchSize: 1 })).toEqual(['timer-resolution']);
    expect(codes(clean, { otherLoad: 0.5 })).toEqual(['high-load']);
    expect(codes(clean, { stealShare: 0.05 })).toEqual(['high-steal']);
    expect(codes(clean, { stealShare: null })).toEqual([]);
    expect(codes(clean, { trend: { trending: true, drift: -0.04, p: 1e-5 } })).toEqual(['trend']);
    expect(codes(clean, { warmupSteady: false })).toEqual(['warmup-not-steady']);
    for (const w of statsWarnings(noisy, { converged: false, otherLoad: 0.9 })) expect(w.message).not.toMatch(/\n/);
  });
  it('sessions that disagree, and a single session, are named', () => {
    const disagree = summariseSessions(
      [
        [10, 10.1, 9.9, 10, 10],
        [11, 11.1, 10.9, 11, 11],
        [10, 10, 10.1, 9.9, 10],
      ],
      { targetRelHalfWidth: 0.01, resamples: 200 },
    );
    const w = statsWarnings(clean, { converged: disagree.converged, sessions: disagree });
    expect(w.map((x) => x.code)).toEqual(['not-converged', 'sessions-disagree']);
    expect(w[0]!.message).toMatch(/session medians differ from the pooled median by up to 10\.00%/);
    const one = summariseSessions([[10, 10, 10, 10, 10, 10]], { targetRelHalfWidth: 0.01, resamples: 200 });
    expect(statsWarnings(clean, { sessions: one }).map((x) => x.code)).toEqual(['single-session']);
  });
});

describe('relative half-width is the larger one-sided distance (the documented convergence test)', () => {
  it('an asymmetric CI: 3% below the median fails a 2.5% target though (hi - lo) / 2 is only 2%', () => {
    // 100 sorted samples: x(40) and x(61) (1-based) bound the 95% CI, the median is (x(50) + x(51)) / 2
    const x = [
      ...Array<number>(39).fill(90),
      97.5,
      ...Array<number>(9).fill(99),
      100,
      ...Array<number>(10).fill(101),
      ...Array<number>(40).fill(101.5),
    ];
    expect(x.length).toBe(100);
    const ci = medianCi(x)!;
    expect([ci.lo, ci.hi, ci.median]).toEqual([97.5, 101.5, 100.5]);
    expect((ci.hi - ci.lo) / 2 / ci.median).toBeLessThan(0.025);
    expect(ci.relHalfWidth).toBeCloseTo(3 / 100.5, 12);
    expect(ci.relHalfWidth).toBeGreaterThan(0.025);
  });
});

describe('Mann-Kendall trend test against reference values', () => {
  // S, Var S (tie-corrected) and p with continuity correction computed by a direct O(n^2) Python loop
  it('a falling series with ties (warm-up like)', () => {
    const r = mannKendall([5.1, 4.9, 4.8, 4.9, 4.7, 4.6, 4.6, 4.5, 4.6, 4.4, 4.3, 4.4]);
    expect(r.s).toBe(-55);
    expect(r.varS).toBe(207);
    expect(r.z).toBeCloseTo(-3.7532594530273458, 9);
    expect(r.p).toBeCloseTo(0.00017455002670346034, 7);
  });
  it('a rising series', () => {
    const r = mannKendall([10, 12, 11, 14, 13, 15, 16, 15, 18, 17]);
    expect(r.s).toBe(36);
    expect(r.varS).toBe(124);
    expect(r.p).toBeCloseTo(0.0016717283964848024, 7);
  });
  it('normal CDF matches scipy.stats.norm.cdf to 1e-7', () => {
    const ref: [number, number][] = [
      [-3, 0.0013499],
      [-1.96, 0.0249979],
      [-0.5, 0.30853754],
      [0, 0.5],
      [1, 0.84134475],
      [2.5, 0.99379033],
    ];
    for (const [x, p] of ref) expect(Math.abs(normalCdf(x) - p)).toBeLessThan(1e-7);
  });
  it('S counted in O(n log n) equals the pairwise definition on random data with ties', () => {
    const rnd = seededRandom(5);
    const x = Array.from({ length: 400 }, () => Math.floor(rnd() * 50));
    let s = 0;
    for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) s += Math.sign(x[j]! - x[i]!);
    expect(mannKendall(x).s).toBe(s);
  });
  it('trend needs significance AND a drift of at least the target; constant data has none', () => {
    const rnd = seededRandom(9);
    const steady = Array.from({ length: 2000 }, () => 10 * (1 + 0.005 * gauss(rnd)));
    expect(trendTest(steady, { alpha: 0.01, minDrift: 0.01 }).trending).toBe(false);
    // +0.4% over the series: significant with n = 2000 but smaller than a 1% target
    const tiny = steady.map((v, i) => v * (1 + (0.004 * i) / 2000));
    const t1 = trendTest(tiny, { alpha: 0.01, minDrift: 0.01 });
    expect(t1.p).toBeLessThan(0.01);
    expect(t1.trending).toBe(false);
    // -5% over the series: a trend
    const falling = steady.map((v, i) => v * (1 - (0.05 * i) / 2000));
    const t2 = trendTest(falling, { alpha: 0.01, minDrift: 0.01 });
    expect(t2.trending).toBe(true);
    expect(t2.drift).toBeLessThan(-0.02);
    expect(mannKendall([3, 3, 3, 3, 3]).p).toBe(1);
    expect(halfDrift([1, 1, 2, 2])).toBeCloseTo(1 / 1.5, 12);
  });
});

describe('Student t (for the small-k correction) against scipy.stats.t', () => {
  it('quantiles and CDF', () => {
    const q: [number, number][] = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [4, 2.7764451051977934],
      [9, 2.262157162798205],
      [30, 2.0422724563012378],
    ];
    for (const [df, v] of q) expect(studentTQuantile(0.975, df)).toBeCloseTo(v, 8);
    expect(studentTCdf(1.5, 3)).toBeCloseTo(0.8847080673775886, 10);
    expect(studentTCdf(-2.2, 7)).toBeCloseTo(0.03186550765131839, 10);
    expect(smallSessionFactor(3, 0.95)).toBeCloseTo((4.302652729749462 / 1.959963984540054) * Math.sqrt(1.5), 6);
    expect(smallSessionFactor(1, 0.95)).toBe(1);
  });
});

describe('summariseSessions', () => {
  it('pooled median weighs every session the same; session medians and spread', () => {
    // session 2 has 3x the samples of session 1; unweighted pooling would give 2
    const s = summariseSessions(
      [
        [1, 1, 1],
        [2, 2, 2, 2, 2, 2, 2, 2, 2],
        [3, 3, 3],
      ],
      { targetRelHalfWidth: 0.01, resamples: 200 },
    );
    expect(s.pooledMedian).toBe(2);
    expect(s.sessionMedians).toEqual([1, 2, 3]);
    expect(s.sessionSamples).toEqual([3, 9, 3]);
    expect(s.between.rangeRel).toBe(1);
    expect(s.between.maxDeviationRel).toBe(0.5);
    expect(s.between.stdevRel).toBeCloseTo(0.5, 12);
    const uneven = summariseSessions(
      [
        [1, 1, 1, 1],
        [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
      ],
      { targetRelHalfWidth: 0.01, resamples: 200 },
    );
    expect(uneven.pooledMedian).toBe(3); // half the weight each side: the mean of 1 and 5
  });
  it('equal sizes: the pooled median is the ordinary median of all samples', () => {
    const rnd = seededRandom(4);
    const sessions = [0, 1, 2].map(() => Array.from({ length: 51 }, () => rnd()));
    const all = sessions.flat().sort((a, b) => a - b);
    expect(summariseSessions(sessions, { targetRelHalfWidth: 0.01, resamples: 200 }).pooledMedian).toBe(all[76]);
    const even = sessions.map((x) => x.slice(1));
    const allEven = even.flat().sort((a, b) => a - b);
    expect(summariseSessions(even, { targetRelHalfWidth: 0.01, resamples: 200 }).pooledMedian).toBe((allEven[74]! + allEven[75]!) / 2);
  });
  it('deterministic for a seed; the CI contains the pooled median', () => {
    const rnd = seededRandom(8);
    const sessions = [0, 1, 2].map((j) => Array.from({ length: 80 }, () => 10 + j * 0.05 + gauss(rnd) * 0.3));
    const a = summariseSessions(sessions, { targetRelHalfWidth: 0.01, seed: 3, resamples: 500 });
    expect(summariseSessions(sessions, { targetRelHalfWidth: 0.01, seed: 3, resamples: 500 })).toEqual(a);
    expect(a.ci.lo).toBeLessThan(a.pooledMedian);
    expect(a.ci.hi).toBeGreaterThan(a.pooledMedian);
    expect(a.ci.resamples).toBe(500);
    expect(a.ci.smallSessionFactor).toBeCloseTo(smallSessionFactor(3, 0.95), 12);
  });
  it('converged needs every session converged AND agreement within the target', () => {
    const rnd = seededRandom(1);
    const mk = (m: number) => Array.from({ length: 200 }, () => m * (1 + 0.005 * gauss(rnd)));
    const agree = summariseSessions([mk(10), mk(10.02), mk(9.99)], { targetRelHalfWidth: 0.01, resamples: 200 });
    expect(agree.sessionsAgree).toBe(true);
    expect(agree.converged).toBe(true);
    expect(agree.reasons).toEqual([]);
    const offOne = summariseSessions([mk(10), mk(10.5), mk(10)], { targetRelHalfWidth: 0.01, resamples: 200 });
    expect(offOne.sessionsAgree).toBe(false);
    expect(offOne.converged).toBe(false);
    const oneUnconverged = summariseSessions(
      [{ samplesMs: mk(10) }, { samplesMs: mk(10), converged: false, stopReason: 'trend' }, { samplesMs: mk(10) }],
      { targetRelHalfWidth: 0.01, resamples: 200 },
    );
    expect(oneUnconverged.sessionsAgree).toBe(true);
    expect(oneUnconverged.converged).toBe(false);
    expect(oneUnconverged.reasons).toEqual(['1 of 3 sessions did not converge (#2: trend)']);
    const single = summariseSessions([mk(10)], { targetRelHalfWidth: 0.01, resamples: 200 });
    expect(single.converged).toBe(false);
    expect(single.reasons[0]).toMatch(/one session only/);
  });
  it('the CI grows with between-session spread (it covers what a new session would see)', () => {
    const rnd = seededRandom(2);
    const base = [0, 1, 2].map(() => Array.from({ length: 100 }, () => 1 + 0.02 * gauss(rnd)));
    const shifted = base.map((s, j) => s.map((v) => v * (1 + [-0.03, 0, 0.03][j]!)));
    const tight = summariseSessions(base, { targetRelHalfWidth: 0.01, resamples: 400 });
    const wide = summariseSessions(shifted, { targetRelHalfWidth: 0.01, resamples: 400 });
    expect(wide.ci.relHalfWidth).toBeGreaterThan(2 * tight.ci.relHalfWidth);
    // the between part alone: t(2) sqrt(s^2 / k) with s = 0.03 -> 4.30 * 0.0173 = 7.5%, give or take the bootstrap
    expect(wide.ci.relHalfWidth).toBeGreaterThan(0.05);
    // sessions far apart (a busy host): very wide, but a latency interval stays above zero
    const apart = summariseSessions([base[0]!, base[1]!.map((v) => v * 3), base[2]!.map((v) => v * 10)], {
      targetRelHalfWidth: 0.01,
      resamples: 400,
    });
    expect(apart.ci.lo).toBeGreaterThan(0);
    expect(apart.ci.lo).toBeLessThan(1);
    expect(apart.ci.hi).toBeGreaterThan(10);
  });

  /** Share of simulated measurements whose CI contains the true median (1). */
  function sessionsCoverage(reps: number, k: number, n: number, sigmaBetween: number, sigmaWithin: number, seed: number): number {
    const rnd = seededRandom(seed);
    let covered = 0;
    for (let r = 0; r < reps; r++) {
      // log-normal within and between: the mixture's median is exactly 1
      const sessions = Array.from({ length: k }, () => {
        const b = sigmaBetween * gauss(rnd);
        return Array.from({ length: n }, () => Math.exp(b + sigmaWithin * gauss(rnd)));
      });
      const s = summariseSessions(sessions, { targetRelHalfWidth: 0.01, resamples: 200, seed: r + 1 });
      if (s.ci.lo <= 1 && s.ci.hi >= 1) covered++;
    }
    return covered / reps;
  }
  it('coverage by simulation >= 0.94 at a nominal 0.95: between-session spread dominant, k = 3', () => {
    expect(sessionsCoverage(600, 3, 30, 0.03, 0.02, 11)).toBeGreaterThanOrEqual(0.94);
  });
  it('coverage by simulation >= 0.94: within-session noise dominant, k = 3; both, k = 5', () => {
    expect(sessionsCoverage(300, 3, 30, 0, 0.05, 12)).toBeGreaterThanOrEqual(0.94);
    expect(sessionsCoverage(300, 5, 30, 0.01, 0.03, 13)).toBeGreaterThanOrEqual(0.94);
  });
});

describe('numbers for people', () => {
  it('significant digits without exponents or trailing zeros', () => {
    expect(formatSig(7.3612)).toBe('7.361');
    expect(formatSig(123.456)).toBe('123.5');
    expect(formatSig(0.0123456)).toBe('0.01235');
    expect(formatSig(1234567)).toBe('1234567');
    expect(formatSig(2.5)).toBe('2.5');
    expect(formatSig(0)).toBe('0');
    expect(formatSig(null)).toBe('-');
    expect(formatSig(Number.NaN)).toBe('-');
  });
  it('a CI sets the decimals: two significant digits of its half-width', () => {
    expect(decimalsFor(0.05)).toBe(3);
    expect(decimalsFor(0.5)).toBe(2);
    expect(decimalsFor(5)).toBe(1);
    expect(decimalsFor(50)).toBe(0);
    expect(formatEstimate(7.3612, 7.3101, 7.4203)).toEqual({ value: '7.361', lo: '7.310', hi: '7.420', decimals: 3 });
    expect(formatEstimate(7.3612, null, 8)).toMatchObject({ value: '7.361', lo: '-', hi: '-' });
  });
  it('percentages', () => {
    expect(formatPercent(0.01234)).toBe('1.2%');
    expect(formatPercent(0.0001234)).toBe('0.012%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(undefined)).toBe('-');
  });
});
