/**
 * `mnv4-bench lut build | show | predict | validate | search` end to end, in process (main(argv, io)), with
 * the fake runner registered as a target of a temporary device profile: real planning, real exports
 * (into a temporary cache), the real engine; the fake only replaces the runtime. Conv-S space, one session.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTable } from '../../../src/lut/schema.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import { cacheSandbox } from '../../helpers/cache-sandbox.js';
import { createFakeRunner, installFakeRunners } from '../../helpers/fake-runner.js';
import { runMain } from '../../helpers/main-io.js';

const tmp = cacheSandbox('mnv4-lut-cli-');
let undo: () => void = () => undefined;
beforeAll(() => {
  undo = installFakeRunners(createFakeRunner({ id: 'fake-cpu' }));
});
afterAll(() => {
  undo();
  clearTargetsMemoryCache();
});

const deviceFile = path.join(tmp, 'fakedev.json');
writeFileSync(
  deviceFile,
  JSON.stringify({
    schemaVersion: 1,
    id: 'fakedev',
    name: 'Fake device',
    connection: { kind: 'local' },
    preset: 'quick',
    workloads: ['conv-s'],
    targets: [{ target: 'fake-cpu', dtype: 'fp32', settings: { threads: 1 } }],
  }),
);
const tableFile = path.join(tmp, 'conv-s.lut.json');
const results = path.join(tmp, 'results');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMain(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe('CLI: lut with the engine (fake runtime)', () => {
  it('build writes a valid table of every conv-s configuration', async () => {
    const build = [
      'lut',
      'build',
      '--device',
      deviceFile,
      '--target',
      'fake-cpu',
      '--space',
      'conv-s',
      '--sessions',
      '1',
      '--calibration',
      '3',
      '--results',
      results,
      '-o',
      tableFile,
    ];
    const r = await cli([...build, '--run-id', 'b1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`wrote ${tableFile}`);
    expect(r.out).toMatch(/43 block configurations/);
    expect(r.err).toContain('run b1');
    const t = parseTable(readFileSync(tableFile, 'utf8'), tableFile);
    expect(t.entries).toHaveLength(43);
    expect(t.target.id).toBe('fake-cpu');
    // a second build of the same run id resumes it: nothing left to measure, same table
    const again = await cli([...build, '--resume', 'b1']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/0 sessions to run/);
  });

  it('show, predict and validate the table', async () => {
    const show = await cli(['lut', 'show', '--table', tableFile]);
    expect(show.code, show.err).toBe(0);
    const pred = await cli(['lut', 'predict', '--table', tableFile, '--arch', 'arch:conv-s:1,4,4,4,4,4,4,4,4,4,4,4', '--json']);
    expect(pred.code, pred.err).toBe(0);
    expect(JSON.parse(pred.out)).toMatchObject({ arch: 'conv-s:1,4,4,4,4,4,4,4,4,4,4,4', provenance: 'estimated' });
    const report = path.join(tmp, 'validation.json');
    const v = await cli([
      'lut',
      'validate',
      '--table',
      tableFile,
      '--n',
      '3',
      '--seed',
      '5',
      '--device',
      deviceFile,
      '--sessions',
      '2',
      '--drift',
      '2',
      '--no-models',
      '--results',
      results,
      '--report',
      report,
    ]);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/3 architectures \(seed 5\): MAPE [\d.]+% \(mean error [+-][\d.]+%\), RMSE [\d.]+ ms, within ±5% \d+%, within ±10% 100%/);
    expect(v.out).not.toContain('MNv4 models'); // exporting them is slow; the engine test covers them
    expect(v.out).toContain('drift of the host');
    expect(JSON.parse(readFileSync(report, 'utf8')).archs).toHaveLength(3);
  });

  it('search measures its frontier; bad input is one line, exit 2', async () => {
    const s = await cli([
      'lut',
      'search',
      '--table',
      tableFile,
      '--budget-ms',
      '100',
      '--evaluations',
      '300',
      '--max-results',
      '2',
      '--device',
      deviceFile,
      '--sessions',
      '1',
      '--results',
      results,
    ]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/conv-s:[\d,]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[+-][\d.]+%/);
    const noDevice = await cli(['lut', 'validate', '--table', tableFile, '--n', '1']);
    expect(noDevice.code).toBe(2);
    expect(noDevice.err).toMatch(/measured on device 'fakedev', which is not in devices\/: give --device/);
    const noTarget = await cli(['lut', 'build', '--device', deviceFile, '--space', 'conv-s']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.err).toMatch(/--target <id> is required, exactly one/);
    const wrongTarget = await cli(['lut', 'build', '--device', deviceFile, '--target', 'ort-cpu', '--space', 'conv-s', '--results', results]);
    expect(wrongTarget.code).toBe(2);
    expect(wrongTarget.err.trim().split('\n')).toHaveLength(1);
  });
});
