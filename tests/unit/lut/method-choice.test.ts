/** Which correction a table keeps: a paired held-out test, anchored on the reference when the table has one. */
import { describe, expect, it } from 'vitest';
import { chooseMethod, pairedInterval, t95 } from '../../../src/lut/method-choice.js';
import { compileTable, fitInputs, predictLatency, standaloneMedians } from '../../../src/lut/predict.js';
import { spaceIndex } from '../../../src/lut/space-index.js';
import { referenceArch, unitView } from '../../../src/lut/units.js';
import { encodeArch, sampleArch } from '../../../src/models/search-space.js';
import { fixtureTable, trueArchMs } from '../../helpers/lut-fixture.js';

describe('paired interval of differences', () => {
  it('is a t interval around the mean, infinite for fewer than two', () => {
    const r = pairedInterval([0.01, 0.03, 0.02, 0.04]);
    expect(r.mean).toBeCloseTo(0.025, 12);
    const sd = Math.sqrt((0.015 ** 2 + 0.005 ** 2 + 0.005 ** 2 + 0.015 ** 2) / 3);
    expect(r.lo).toBeCloseTo(0.025 - t95(3) * (sd / 2), 12);
    expect(pairedInterval([0.1]).lo).toBe(-Infinity);
  });
});

describe('method choice', () => {
  it('keeps the simplest method when the held-out errors cannot separate them', () => {
    // three architectures only: no paired test can show anything, whatever the errors
    const t = fixtureTable({ calibration: 3, reference: true });
    expect(t.method.id).toBe('sum');
    expect(t.method.why).toMatch(/not shown better/);
  });

  it('takes a fitted method when it is better on every held-out architecture (stage-dependent context costs)', () => {
    const t = fixtureTable({ calibration: 12, reference: true });
    expect(t.method.anchored).toBe(true);
    expect(t.method.id).toBe('learned');
    expect(t.method.why).toMatch(/learned vs (sum|overhead).*better, taken/);
    const index = spaceIndex('conv-m');
    const { view } = unitView(t);
    const fi = fitInputs(view, index, standaloneMedians(view, index).standalone);
    expect(chooseMethod(fi)!.id).toBe('learned');
  });

  it('anchors predictions on the reference: it predicts exactly its own measured median, ratios in between', () => {
    const t = fixtureTable({ calibration: 12, reference: true });
    const c = compileTable(t);
    const ref = predictLatency(referenceArch(c.index), c);
    expect(ref.ratio).toBeCloseTo(1, 12);
    expect(ref.medianMs).toBeCloseTo(t.reference!.latency.median, 9);
    // a reference median measured now turns the same ratio into other ms
    const a = encodeArch(c.index.space, sampleArch(c.index.space, 5));
    const now = predictLatency(a, c, t.reference!.latency.median * 1.2);
    expect(now.medianMs).toBeCloseTo(predictLatency(a, c).medianMs * 1.2, 9);
    const truth = trueArchMs(c.index, sampleArch(c.index.space, 5));
    expect(Math.abs(predictLatency(a, c).medianMs / truth - 1)).toBeLessThan(0.01);
  });
});

describe('method choice on equal predictions', () => {
  it('does not take a method whose errors differ from the simpler one only by rounding', () => {
    // anchored, sum and overhead predict the same in a fine space (the shapes do not change)
    const t = fixtureTable({ calibration: 12, reference: true });
    expect(t.method.why).toMatch(/overhead vs sum: [+-]0\.00 points.*not shown better/);
  });
});
