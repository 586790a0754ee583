import { describe, expect, it } from 'vitest';
import { FAMILY_REFERENCE, referenceFor } from '../../../src/engine/reference.js';
import { resolveWorkload } from '../../../src/models/workload.js';

describe('the reference a cell co-measures', () => {
  it('an architecture: its search space base model; a model block: its model; a model: Conv-S', () => {
    const arch = resolveWorkload(`arch:conv-m:${Array(21).fill(4).join(',')}`);
    expect(referenceFor(arch.id)).toBe('conv-m');
    expect(referenceFor(resolveWorkload('hybrid-m/b08').id)).toBe('hybrid-m');
    expect(referenceFor(resolveWorkload('conv-l').id)).toBe(FAMILY_REFERENCE);
    expect(referenceFor('block:uib(a3,m5,s2,e4,o80,relu)@48x64x64')).toBe(FAMILY_REFERENCE);
  });
  it('the profile or the command may name one, or none', () => {
    expect(referenceFor('model:conv-l@384', 'conv-m')).toBe('conv-m');
    expect(referenceFor('model:conv-l@384', 'none')).toBeNull();
  });
});
