/**
 * Fuzz test of the block-text, architecture and list parsers (issue 10): seeded random strings and seeded
 * mutations of valid texts never crash. Each either parses (and then round-trips) or throws the parser's
 * input error type (ModelSpecError / ListFlagError: exit 2). Deterministic: fixed seeds, and a fixed memory
 * size instead of this machine's.
 */
import { describe, expect, it } from 'vitest';
import { blockText, parseBlockText } from '../../../src/models/block-text.js';
import { ModelSpecError } from '../../../src/models/graph.js';
import { decodeArch, encodeArch, getSearchSpace, sampleArch } from '../../../src/models/search-space.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { ListFlagError, splitList } from '../../../src/models/workload-list.js';
import { mulberry32 } from '../../../src/util/random.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import { createFakeRunner, installFakeRunners } from '../../helpers/fake-runner.js';
import { runMain } from '../../helpers/main-io.js';

const MEMORY = 8 * 2 ** 30;
const ITERATIONS = 2500;

const VALID_BLOCKS = [
  'conv_bn(k3,s2,o32,relu)',
  'conv_bn(k3,s1,o8,relu,dw,nobn,bias)',
  'fused_ib(k3,s2,e4,o48,relu)',
  'uib(a3,m5,s2,e4,o80,relu)',
  'uib(a0,m3,s1,e2,o16,relu,ls0.00001)',
  'mqa(h4,kd64,vd64,kv2)',
  'ir(k3,s2,x96,o24,relu6,se24)',
  'se(c56,gsigmoid,relu)',
  'global_pool()',
  'linear(o1000)',
];
const TOKENS = [
  'k',
  's',
  'o',
  'e',
  'a',
  'm',
  'h',
  'kd',
  'vd',
  'kv',
  'x',
  'se',
  'c',
  'ls',
  'g',
  'relu',
  'relu6',
  'gsigmoid',
  'dw',
  'nobn',
  'bias',
  'none',
  'hswish',
];
const NUMBERS = ['0', '1', '2', '3', '5', '7', '-1', '1.5', '1e3', '1e-5', '99999', '65537', '4097', '1e309', 'NaN', '0x10', '', '.', '1.2.3', '00'];
const CHARS = 'abcdeghklmnorsuvxw_()@,:0123456789.-+eE x\t\u00e9\u0000/\\';

type Rng = () => number;
const pick = <T>(u: Rng, xs: readonly T[]): T => xs[Math.floor(u() * xs.length)]!;

function randomString(u: Rng, max = 40): string {
  let s = '';
  const n = Math.floor(u() * max);
  for (let i = 0; i < n; i++) s += pick(u, CHARS.split(''));
  return s;
}

/** A valid text with 1-3 random edits: delete, duplicate or insert a token, replace a number, insert a char. */
function mutate(u: Rng, text: string): string {
  let t = text;
  const edits = 1 + Math.floor(u() * 3);
  for (let k = 0; k < edits; k++) {
    const i = Math.floor(u() * (t.length + 1));
    switch (Math.floor(u() * 6)) {
      case 0:
        t = t.slice(0, i) + t.slice(i + 1);
        break;
      case 1:
        t = t.slice(0, i) + pick(u, CHARS.split('')) + t.slice(i);
        break;
      case 2:
        t = t.replace(/\d+/, pick(u, NUMBERS));
        break;
      case 3:
        t = t.replace('(', `(${pick(u, TOKENS)}${pick(u, NUMBERS)},`);
        break;
      case 4: {
        const parts = t.split(',');
        const j = Math.floor(u() * parts.length);
        parts.splice(j, 0, parts[j] ?? '');
        t = parts.join(',');
        break;
      }
      default:
        t = t.replace(/,[^,]*/, '');
    }
  }
  return t;
}

function shape(u: Rng): string {
  return pick(u, ['8x8x8', '16x14', '3x224x224', '4096x4096x4096', '1x1x1', '64x1x1', '0x4', '8', 'x', '8x8x8x8', '-8x8', '8x8.5', '65536x2']);
}

/** Runs `fn`; passes when it returns or throws one of `allowed`; fails the test with the input otherwise. */
function expectParsesOrRefuses(input: string, fn: () => unknown, allowed: (new (...a: never[]) => Error)[]): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (allowed.some((c) => e instanceof c)) {
      expect((e as Error).message, `input ${JSON.stringify(input)}`).not.toMatch(/\n/);
      return 'refused';
    }
    throw new Error(`input ${JSON.stringify(input)} crashed with ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
}

describe('parser fuzz (issue 10)', () => {
  it('block text: random strings and mutated valid texts parse and round-trip, or throw ModelSpecError', () => {
    const u = mulberry32(20250101);
    const outcomes = { ok: 0, refused: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const text =
        u() < 0.3
          ? `${pick(u, ['conv_bn', 'uib', 'mqa', 'se', 'ir', 'linear', 'global_pool', 'fused_ib', 'x'])}(${randomString(u)})`
          : mutate(u, pick(u, VALID_BLOCKS));
      outcomes[
        expectParsesOrRefuses(text, () => {
          const spec = parseBlockText(text);
          expect(parseBlockText(blockText(spec))).toEqual(spec);
        }, [ModelSpecError])
      ]++;
    }
    // the generator exercises both paths
    expect(outcomes.ok).toBeGreaterThan(ITERATIONS / 20);
    expect(outcomes.refused).toBeGreaterThan(ITERATIONS / 5);
  });

  it('block workloads with shapes: resolve (bounds + memory check) or throw ModelSpecError', () => {
    const u = mulberry32(7);
    let ok = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const text = `block:${u() < 0.5 ? pick(u, VALID_BLOCKS) : mutate(u, pick(u, VALID_BLOCKS))}@${shape(u)}`;
      if (expectParsesOrRefuses(text, () => resolveWorkload(text, { availableMemoryBytes: MEMORY }), [ModelSpecError]) === 'ok') ok++;
    }
    expect(ok).toBeGreaterThan(ITERATIONS / 20);
  });

  it('architectures and workload text: decode or throw ModelSpecError', () => {
    const u = mulberry32(99);
    const spaces = ['conv-s', 'conv-m+e', 'conv-l-coarse'].map(getSearchSpace);
    let ok = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const space = pick(u, spaces);
      const valid = encodeArch(space, sampleArch(space, i));
      const text =
        u() < 0.2 ? valid : u() < 0.5 ? mutate(u, valid) : `${pick(u, ['conv-s', 'conv-m', 'conv-s+e', 'conv-x', ''])}:${randomString(u, 60)}`;
      if (expectParsesOrRefuses(text, () => decodeArch(text), [ModelSpecError]) === 'ok') ok++;
      expectParsesOrRefuses(text, () => resolveWorkload(`arch:${text}`, { availableMemoryBytes: MEMORY }), [ModelSpecError]);
      expectParsesOrRefuses(text, () => resolveWorkload(text, { availableMemoryBytes: MEMORY }), [ModelSpecError]);
    }
    expect(ok).toBeGreaterThan(ITERATIONS / 10);
  });

  it('list flags: split or throw ListFlagError, and never lose or invent characters', () => {
    const u = mulberry32(3);
    for (let i = 0; i < ITERATIONS; i++) {
      const items = Array.from({ length: 1 + Math.floor(u() * 4) }, () =>
        u() < 0.5 ? `block:${mutate(u, pick(u, VALID_BLOCKS))}@8x8` : u() < 0.5 ? `arch:conv-s:${randomString(u, 10)}` : randomString(u, 12),
      );
      const value = items.join(pick(u, [',', ', ', ',,']));
      let parts: string[] | undefined;
      expectParsesOrRefuses(value, () => (parts = splitList(value, '--workloads')), [ListFlagError]);
      if (parts) {
        // splitting only removes separators and surrounding whitespace
        expect(parts.join('').replace(/[\s,]/g, '')).toBe(value.replace(/[\s,]/g, ''));
        for (const p of parts) expect(p).not.toBe('');
      }
    }
  });

  it('the command line: random --block, --arch and --workloads values exit 0 (planned) or 2 with one line, never a crash', async () => {
    const undo = installFakeRunners(createFakeRunner());
    try {
      const u = mulberry32(11);
      const space = getSearchSpace('conv-s');
      for (let i = 0; i < 150; i++) {
        const flag = pick(u, ['--block', '--arch', '--workloads']);
        const value =
          flag === '--block'
            ? `${mutate(u, pick(u, VALID_BLOCKS))}@${shape(u)}`
            : flag === '--arch'
              ? mutate(u, encodeArch(space, sampleArch(space, i)))
              : [
                  mutate(u, `arch:${encodeArch(space, sampleArch(space, i))}`),
                  `block:${mutate(u, pick(u, VALID_BLOCKS))}@8x8`,
                  randomString(u, 8),
                ].join(',');
        const r = await runMain(['bench', '--target', 'fake-cpu', flag, value, '--dry-run']);
        expect([0, 2], `${flag} ${JSON.stringify(value)}: ${r.stderr}`).toContain(r.code);
        if (r.code === 2) expect(r.stderr, `${flag} ${JSON.stringify(value)}`).toMatch(/^mnv4-bench: [^\n]+\n$/);
      }
    } finally {
      undo();
      clearTargetsMemoryCache();
    }
  });
});
