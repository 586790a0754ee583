import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/errors.js';
import { getSearchSpace, skeletonArch } from '../../../src/models/search-space.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { listFlag, ListFlagError, splitList } from '../../../src/models/workload-list.js';

const convS = `conv-s:${skeletonArch(getSearchSpace('conv-s')).join(',')}`;

describe('splitList (issue 10 case 6)', () => {
  it('splits plain lists at commas and trims', () => {
    expect(splitList('ort-cpu, ort-wasm ,tflite-wasm', '--targets')).toEqual(['ort-cpu', 'ort-wasm', 'tflite-wasm']);
    expect(splitList('conv-s', '--workloads')).toEqual(['conv-s']);
  });

  it('never splits inside parentheses', () => {
    expect(splitList('uib(a3,m5,s2,e4,o80,relu)@48x64x64', '--block')).toEqual(['uib(a3,m5,s2,e4,o80,relu)@48x64x64']);
    expect(splitList('block:uib(a3,m5,s2,e4,o80,relu)@48x64x64,conv-s/b03,block:se(c8,gsigmoid,relu)@16x8', '--workloads')).toEqual([
      'block:uib(a3,m5,s2,e4,o80,relu)@48x64x64',
      'conv-s/b03',
      'block:se(c8,gsigmoid,relu)@16x8',
    ]);
  });

  it('never splits an architecture vector, with or without the arch: prefix', () => {
    expect(splitList(convS, '--arch')).toEqual([convS]);
    expect(splitList(`${convS},${convS}`, '--arch')).toEqual([convS, convS]);
    expect(splitList(`conv-s,arch:${convS},conv-m/b05`, '--workloads')).toEqual(['conv-s', `arch:${convS}`, 'conv-m/b05']);
    expect(splitList(`arch:${convS},arch:${convS}`, '--workloads')).toEqual([`arch:${convS}`, `arch:${convS}`]);
  });

  it('gives items that every parser accepts: the --help example of --arch works', () => {
    for (const item of splitList(`arch:${convS},block:uib(a3,m5,s2,e4,o80,relu)@48x64x64,conv-s`, '--workloads'))
      expect(() => resolveWorkload(item)).not.toThrow();
  });

  it.each([
    ['', /--workloads is empty: give at least one value \(e\.g\. --workloads conv-s\)/],
    ['   ', /--workloads is empty/],
    ['conv-s,,conv-m', /item 2 of 'conv-s,,conv-m' is empty/],
    ['conv-s,', /item 2 .* is empty/],
    [',conv-s', /item 1 .* is empty/],
    ['5,conv-s', /'5' in '5,conv-s' follows no architecture; write an architecture as arch:<space>:<i>,<i>,\.\.\./],
    ['block:uib(a3,m5', /unclosed '\(' in 'block:uib\(a3,m5'/],
    ['block:uib)a3(', /unmatched '\)' at character 10/],
  ])('refuses %j', (value, msg) => {
    expect(() => splitList(value, '--workloads', 'conv-s')).toThrow(ListFlagError);
    expect(() => splitList(value, '--workloads', 'conv-s')).toThrow(msg);
  });

  it('keeps an empty position inside a vector for the architecture parser to name', () => {
    const [item] = splitList('arch:conv-s:1,,2', '--workloads');
    expect(item).toBe('arch:conv-s:1,,2');
    expect(() => resolveWorkload(item!)).toThrow(/empty choice at position 1/);
  });

  it('is a usage error (exit code 2)', () => {
    expect(exitCodeFor(new ListFlagError('x'))).toBe(2);
  });
});

describe('listFlag: repeatable commander options', () => {
  const parse = (argv: string[]) => {
    const p = new Command()
      .exitOverride()
      .option('--block <refs>', 'blocks', listFlag('--block', 'conv-m/b05'), [])
      .option('--targets <ids>', 'targets', listFlag('--targets'));
    p.parse(argv, { from: 'user' });
    return p.opts<{ block: string[]; targets?: string[] }>();
  };
  it('collects every occurrence and splits each at top level', () => {
    expect(parse(['--block', 'uib(a3,m5,s2,e4,o80,relu)@48x64x64', '--block', 'conv-m/b05,conv-s/b03']).block).toEqual([
      'uib(a3,m5,s2,e4,o80,relu)@48x64x64',
      'conv-m/b05',
      'conv-s/b03',
    ]);
    expect(parse(['--targets', 'ort-cpu']).targets).toEqual(['ort-cpu']);
    expect(parse([]).targets).toBeUndefined();
  });
  it('refuses an empty occurrence (issue 10 case 11)', () => {
    expect(() => parse(['--targets', ''])).toThrow(/--targets is empty/);
    expect(() => parse(['--block', 'conv-s/b03', '--block', ''])).toThrow(/--block is empty: give at least one value \(e\.g\. --block conv-m\/b05\)/);
  });
});
