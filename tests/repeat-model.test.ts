/**
 * bench/repeat-model.ts: the comparison bench:repeat prints, and its steady-host reference rates. Seeded, so
 * deterministic; the bands come from theory, not from a previous run: B's median carries its own noise, so it
 * falls inside A's 95% CI less often than 95% (83% for an exact CI and equal precision, more for the tool's
 * widened small-k CI), while the joint check (implied by B inside A) should hold about 95% of the time or more.
 */
import { describe, expect, it } from 'vitest';
import { compareRuns, steadyHostRates } from '../bench/repeat-model.js';
import { seededRandom } from '../src/profiles/stats.js';

describe('compareRuns', () => {
  it('B inside A', () => {
    const c = compareRuns({ median: 100, lo: 95, hi: 105 }, { median: 104, lo: 99, hi: 109 });
    expect(c).toMatchObject({ inside: true, agree: true });
    // the sides facing each other: ln(105/100) for A, ln(104/99) for B
    expect(c.jointMarginRel).toBeCloseTo(Math.exp(Math.hypot(Math.log(1.05), Math.log(104 / 99))) - 1, 12);
  });

  it('B outside A but within the joint uncertainty, and B far off', () => {
    expect(compareRuns({ median: 100, lo: 95, hi: 105 }, { median: 107, lo: 101, hi: 113 })).toMatchObject({ inside: false, agree: true });
    expect(compareRuns({ median: 100, lo: 95, hi: 105 }, { median: 90, lo: 89, hi: 91 })).toMatchObject({ inside: false, agree: false });
  });
});

describe('steadyHostRates', () => {
  // three sessions of 60 lognormal samples, 3% within-session noise, sessions 2% apart
  const rnd = seededRandom(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const sessions = [1, 1.02, 0.99].map((c) => Array.from({ length: 60 }, () => 10 * c * Math.exp(0.03 * gauss())));

  it('gives rates a steady host should give: inside A below 95%, the joint check near or above it', () => {
    const r = steadyHostRates(sessions, { trials: 120, seed: 3, targetRelHalfWidth: 0.02 });
    expect(r.inside).toBeGreaterThan(0.6);
    expect(r.inside).toBeLessThan(0.97);
    expect(r.agree).toBeGreaterThanOrEqual(0.9);
    // deterministic for a seed
    expect(steadyHostRates(sessions, { trials: 120, seed: 3, targetRelHalfWidth: 0.02 })).toEqual(r);
  });

  it('needs two sessions of run A', () => {
    expect(() => steadyHostRates([sessions[0]!], { trials: 10, seed: 1, targetRelHalfWidth: 0.02 })).toThrow(/at least 2 sessions/);
  });
});
