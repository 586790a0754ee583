import { describe, expect, it } from 'vitest';
import { abSides, type AbCommandInput } from '../../../src/cli/commands/ab.js';

const base: AbCommandInput = { workloads: ['model:conv-s'], targets: ['ort-cpu'], settings: {}, settingsB: {}, dtype: 'fp32' };

describe('bench --ab sides', () => {
  it('two workloads on one target: A is the first', () => {
    const [a, b] = abSides({ ...base, workloads: ['model:conv-s', 'model:conv-m'] });
    expect([a.workload, b.workload]).toEqual(['model:conv-s', 'model:conv-m']);
    expect(a.target).toBe('ort-cpu');
    expect(a.label).toMatch(/^A: model:conv-s on ort-cpu \(threads=1/);
  });
  it('one workload on two targets, and two settings of one target (B overrides only what --set-b names)', () => {
    const [a, b] = abSides({ ...base, targets: ['ort-cpu', 'ort-wasm'] });
    expect([a.target, b.target]).toEqual(['ort-cpu', 'ort-wasm']);
    const [c, d] = abSides({ ...base, settings: { optLevel: 'basic' }, settingsB: { threads: '2' } });
    expect(c.settings).toMatchObject({ threads: 1, optLevel: 'basic' });
    expect(d.settings).toMatchObject({ threads: 2, optLevel: 'basic' });
  });
  it('anything else is a usage error naming the combinations; targets outside this process are refused', () => {
    expect(() => abSides(base)).toThrow(/two workloads on one target, one workload on two targets, or one of each with --set-b/);
    expect(() => abSides({ ...base, workloads: ['a', 'b'], targets: ['ort-cpu', 'ort-wasm'] })).toThrow(/got 2 workload\(s\), 2 target\(s\)/);
    expect(() => abSides({ ...base, targets: ['ort-cpu', 'tflite-wasm'] })).toThrow(/A\/B runs ort-cpu and ort-wasm/);
    expect(() => abSides({ ...base, settingsB: { threads: '0' } })).toThrow(/threads/);
  });
});
