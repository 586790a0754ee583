/**
 * The noise floor's reference timing (src/engine/noise-floor.ts): a fresh worker thread per timing, on a fixed
 * schedule. Only facts that hold on any host are checked (no speed).
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_SCHEDULE, startNoiseFloor, timeReference } from '../../../src/engine/noise-floor.js';

describe('timeReference', () => {
  it('times the kernel in a worker on its fixed schedule', async () => {
    const t = await timeReference(new AbortController().signal);
    expect(t.n).toBeGreaterThanOrEqual(REFERENCE_SCHEDULE.minSamples);
    expect(t.medianMs).toBeGreaterThan(0);
    expect(['fixed-time', 'ci-too-wide']).toContain(t.stopReason);
    expect(t.converged).toBe(t.stopReason === 'fixed-time');
    if (t.ciLo !== null) expect(t.ciLo).toBeLessThanOrEqual(t.medianMs);
  });

  it('an interrupt stops it at once, with one sample at least, marked aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const t = await timeReference(ac.signal);
    expect(t.stopReason).toBe('aborted');
    expect(t.converged).toBe(false);
    expect(t.n).toBeGreaterThanOrEqual(1);
    expect(t.n).toBeLessThan(REFERENCE_SCHEDULE.minSamples);
  });

  it('startNoiseFloor: both ends, their drift and the host load over the run', async () => {
    let call = 0;
    const fake = async () => ({
      at: 'x',
      medianMs: [2, 2.5][call++]!,
      ciLo: null,
      ciHi: null,
      cv: 0,
      n: 30,
      converged: true,
      stopReason: 'fixed-time',
    });
    const floor = await startNoiseFloor(fake, new AbortController().signal);
    const nf = await floor.finish();
    expect(nf.driftRel).toBeCloseTo(0.25, 12);
    expect(nf.workload).toBe('js-matmul-48-f64-worker');
    expect(nf.hostLoad?.elapsedMs).toBeGreaterThanOrEqual(0);
  });
});
