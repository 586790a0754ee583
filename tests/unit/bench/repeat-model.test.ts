/**
 * bench/repeat-model.ts: the steady-host reference rates bench:repeat prints. Seeded, so deterministic; the
 * bands come from theory, not from a previous run: B's median carries its own noise, so it falls inside A's
 * 95% CI less often than 95% (83% for an exact CI and equal precision, more for the tool's widened small-k
 * CI); `mnv4-bench compare`'s test on 3 vs 3 sessions is a CI of the change that keeps its nominal 95% (widened for
 * few sessions, erring wide), so on a steady host it finds no change at least 95% of the time.
 */
import { describe, expect, it } from 'vitest';
import { steadyHostRates } from '../../../bench/repeat-model.js';
import { seededRandom } from '../../../src/profiles/stats.js';
import { standardNormal } from '../../../src/util/random.js';

describe('steadyHostRates', () => {
  // three sessions of 60 lognormal samples, 3% within-session noise, sessions 2% apart
  const rnd = seededRandom(7);
  const gauss = () => standardNormal(rnd);
  const sessions = [1, 1.02, 0.99].map((c) => Array.from({ length: 60 }, () => 10 * c * Math.exp(0.03 * gauss())));

  it('gives rates a steady host should give: inside A below 95%, no significant change most of the time', () => {
    const r = steadyHostRates(sessions, { trials: 120, seed: 3, targetRelHalfWidth: 0.02 });
    expect(r.inside).toBeGreaterThan(0.6);
    expect(r.inside).toBeLessThan(0.97);
    expect(r.agree).toBeGreaterThanOrEqual(0.95);
    // deterministic for a seed
    expect(steadyHostRates(sessions, { trials: 120, seed: 3, targetRelHalfWidth: 0.02 })).toEqual(r);
  });

  it('needs two sessions of run A', () => {
    expect(() => steadyHostRates([sessions[0]!], { trials: 10, seed: 1, targetRelHalfWidth: 0.02 })).toThrow(/at least 2 sessions/);
  });
});
