import { describe, expect, it } from 'vitest';
import { compareMeasurements } from '../../../src/report/compare.js';
import type { MeasurementView } from '../../../src/report/views.js';
import { pairRatios, summarisePaired, type PairedSession } from '../../../src/profiles/paired.js';
import { simulatePairedSessions } from '../../../src/profiles/paired-sim.js';
import { mulberry32 } from '../../../src/util/random.js';

/** A measurement view with a co-measured reference, from simulated paired sessions on a host of speed `host`. */
function view(sessions: PairedSession[], host: number): MeasurementView {
  const scaled = sessions.map((s) => ({ pairs: s.pairs.map((p) => ({ ...p, workloadMs: p.workloadMs * host, referenceMs: p.referenceMs * host })) }));
  const s = summarisePaired(scaled, { targetRelHalfWidth: 0.02 });
  return {
    key: 'host|model:conv-m@256|fp32|ort-cpu|{}',
    workloadId: 'model:conv-m@256',
    targetLabel: 'ort-cpu fp32',
    device: 'host',
    provenance: 'measured',
    medianMs: s.workloadMs,
    relative: {
      referenceId: 'model:conv-s@224',
      ratio: s.ratio,
      ci: { lo: s.ci.lo, hi: s.ci.hi, confidence: 0.95, relHalfWidth: s.ci.relHalfWidth },
      converged: s.converged,
      notConverged: s.reasons,
      sessionRatios: s.sessionRatios,
      referenceMs: s.referenceMs,
      hostChangeRel: s.host.referenceChangeRel,
      hostRangeRel: s.host.referenceRangeRel,
      sessionPairRatios: scaled.map((x) => pairRatios(x.pairs)),
    },
  } as unknown as MeasurementView;
}

describe('compare by the ratio to a co-measured reference', () => {
  const shape = { k: 3, n: 40, noise: 0.02, sessionShift: 0, drift: 0.05, burst: 0.02 };
  it('a host 25% slower in run B moves the absolute figures; the ratio decides: no regression, the host named', () => {
    const a = view(simulatePairedSessions(mulberry32(1), { ...shape, ratio: 2.4 }), 1);
    const b = view(simulatePairedSessions(mulberry32(2), { ...shape, ratio: 2.4 }), 1.25);
    const row = compareMeasurements(a, b, 0.03);
    expect(row.basis).toBe('ratio');
    expect(row.status).not.toBe('regression');
    expect(row.absoluteChange!).toBeGreaterThan(0.15);
    expect(row.hostChange!).toBeGreaterThan(0.15);
    expect(Math.abs(row.change!)).toBeLessThan(0.03);
    expect(row.notes.join(' ')).toMatch(/moved \+?2\d\.\d% with the host .*not a change of the workload/);
  });
  it('a real 8% slowdown of the workload on the same host is a regression', () => {
    const a = view(simulatePairedSessions(mulberry32(3), { ...shape, ratio: 2.4 }), 1);
    const b = view(simulatePairedSessions(mulberry32(4), { ...shape, ratio: 2.4 * 1.08 }), 1);
    const row = compareMeasurements(a, b, 0.03);
    expect(row.basis).toBe('ratio');
    expect(row.status).toBe('regression');
    expect(row.changeLo!).toBeGreaterThan(0);
  });
});
