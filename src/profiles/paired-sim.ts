/**
 * A simulated drifting host for paired measurements (figures from it are labelled `simulated`): each session
 * starts at its own host speed (log sd `sessionShift`), drifts linearly within the session by up to `drift`
 * (random sign and size), and every pair sees a common burst (log sd `burst`); both batches of a pair see the
 * same host factor. Each batch adds its own noise (log sd `noise`), and each session its own true ratio offset
 * (log sd `ratioSession`: memory placement and the like). Used by the tests of paired.ts and by bench/ab.ts.
 */
import { referenceFirst, type PairedSession } from './paired.js';
import { standardNormal } from '../util/random.js';

export interface DriftingHost {
  k: number;
  n: number;
  /** true ratio workload / reference. */
  ratio: number;
  refMs?: number;
  noise?: number;
  sessionShift?: number;
  drift?: number;
  burst?: number;
  ratioSession?: number;
}

/** k sessions of n pairs on a drifting host (module comment), drawn from `rnd`. */
export function simulatePairedSessions(rnd: () => number, o: DriftingHost): PairedSession[] {
  const refMs = o.refMs ?? 5;
  const noise = o.noise ?? 0.03;
  return Array.from({ length: o.k }, () => {
    const shift = (o.sessionShift ?? 0.1) * standardNormal(rnd);
    const drift = (o.drift ?? 0.2) * (2 * rnd() - 1);
    const offset = (o.ratioSession ?? 0) * standardNormal(rnd);
    const pairs = Array.from({ length: o.n }, (_, i) => {
      const host = Math.exp(shift + (drift * i) / o.n + (o.burst ?? 0.05) * standardNormal(rnd));
      return {
        workloadMs: refMs * o.ratio * Math.exp(offset) * host * Math.exp(noise * standardNormal(rnd)),
        referenceMs: refMs * host * Math.exp(noise * standardNormal(rnd)),
        referenceFirst: referenceFirst(rnd),
      };
    });
    return { pairs };
  });
}

/** The A/B conditions of the seeded simulation (10 sessions of 20 pairs, the A/B default). */
export const AB_SIMULATION: Omit<DriftingHost, 'ratio'> = { k: 10, n: 20, noise: 0.02, drift: 0.3, ratioSession: 0.005 * Math.SQRT2 };
