/** `mnv4-bench lut show | predict | export | search --no-measure` on synthetic tables (in process; no timing). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeArch, getSearchSpace, sampleArch } from '../../../src/models/search-space.js';
import { predictTunas } from '../../../src/lut/export.js';
import { predictLatency } from '../../../src/lut/predict.js';
import { serializeTable, signTable } from '../../../src/lut/schema.js';
import { fixtureTable } from '../../helpers/lut-fixture.js';
import { runMain as runCli } from '../../helpers/main-io.js';
import { resumeCommand } from '../../../src/cli/commands/lut.js';

const dir = mkdtempSync(join(tmpdir(), 'mnv4-lut-'));
const table = fixtureTable({ profiles: true });
const file = join(dir, 'conv-m.lut.json');
writeFileSync(file, serializeTable(table));
const arch = encodeArch(getSearchSpace('conv-m'), sampleArch(getSearchSpace('conv-m'), 4));

function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe('CLI: lut', () => {
  it('show describes the table and the method comparison', async () => {
    const r = await runCli(['lut', 'show', '--table', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('conv-m at 256x256 on ort-cpu');
    expect(r.stdout).toMatch(/57 block configurations/);
    expect(r.stdout).toMatch(/in-context\s+\d/);
  });

  it('predict takes space:... and arch:space:..., text and JSON', async () => {
    const expected = predictLatency(arch, table);
    const r = await runCli(['lut', 'predict', '--table', file, '--arch', arch, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { medianMs: number; uncertaintyMs: number; provenance: string; source: string };
    expect(p.medianMs).toBeCloseTo(expected.medianMs, 9);
    expect(p).toMatchObject({ provenance: 'estimated', source: 'table' });
    const t = await runCli(['lut', 'predict', '--table', file, '--arch', `arch:${arch}`]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`${arch}: ${expected.medianMs.toFixed(3)} ms ±`);
    expect(t.stdout).toContain('estimated');
  });

  it('predict marks a model whose blocks are not in the table as regression', async () => {
    const r = await runCli(['lut', 'predict', '--table', file, '--model', 'conv-m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/model:conv-m@256: [\d.]+ ms .*table\+regression; \d+ configuration\(s\) not in the table/);
  });

  it('bad input: one line, exit 2', async () => {
    expectOneLineError(
      await runCli(['lut', 'predict', '--table', file, '--arch', 'conv-s:1,2']),
      /is from space conv-s; the table is for space conv-m/,
    );
    expectOneLineError(await runCli(['lut', 'predict', '--table', file, '--arch', 'conv-m:1,2']), /needs 21 choices, got 2/);
    expectOneLineError(await runCli(['lut', 'predict', '--table', join(dir, 'missing.json'), '--arch', arch]), /does not exist/);
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, readFileSync(file, 'utf8').replace(/"median": ([0-9])/, '"median": 9$1'));
    expectOneLineError(await runCli(['lut', 'show', '--table', edited]), /changed after it was written/);
    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, readFileSync(file, 'utf8').slice(0, 5000));
    expectOneLineError(await runCli(['lut', 'predict', '--table', truncated, '--arch', arch]), /truncated or not JSON/);
    const other = join(dir, 'v2.json');
    writeFileSync(other, JSON.stringify(signTable({ ...table, schemaVersion: 2 as unknown as 1 })));
    expectOneLineError(await runCli(['lut', 'show', '--table', other]), /schemaVersion 2/);
    expectOneLineError(await runCli(['lut', 'search', '--table', file]), /--budget-ms must be a positive number/);
    expectOneLineError(await runCli(['lut', 'export', '--table', file, '--format', 'yaml']), /--format must be one of tunas, ofa, csv/);
  });

  it('export writes the TuNAS model, the OFA table and CSV', async () => {
    const tunas = join(dir, 'tunas.json');
    expect((await runCli(['lut', 'export', '--table', file, '--format', 'tunas', '--fit-archs', '500', '-o', tunas])).code).toBe(0);
    const m = JSON.parse(readFileSync(tunas, 'utf8')) as { weights: (number | null)[][]; bias: number; fit: { heldOut: { mape: number } } };
    const v = arch
      .slice(arch.indexOf(':') + 1)
      .split(',')
      .map(Number);
    expect(predictTunas(m, v)).toBeCloseTo(predictLatency(arch, table).medianMs, 4);
    const ofa = await runCli(['lut', 'export', '--table', file, '--format', 'ofa']);
    expect(ofa.code).toBe(0);
    expect(JSON.parse(ofa.stdout).table).toHaveProperty(['uib-input:8x8x256-output:8x8x256-start:5-mid:5-expand:4-stride:1']);
    const csv = await runCli(['lut', 'export', '--table', file, '--format', 'csv']);
    expect(csv.stdout.trim().split('\n')).toHaveLength(58);
  });

  it('search returns a frontier within the budget (JSON)', async () => {
    const budget = predictLatency(arch, table).medianMs;
    const r = await runCli(['lut', 'search', '--table', file, '--budget-ms', String(budget), '--evaluations', '800', '--no-measure', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { frontier: { predictedMs: number; macs: number; measuredMs: null }[]; provenance: unknown };
    expect(s.provenance).toEqual({ predicted: 'estimated', measured: 'measured' });
    expect(s.frontier.length).toBeGreaterThan(0);
    for (const p of s.frontier) expect(p.predictedMs).toBeLessThanOrEqual(budget);
  });

  it('an interrupted command says how to resume it', () => {
    expect(resumeCommand(['lut', 'build', '--target', 'ort-cpu', '--run-id', 'r1', '-o', 'my table.json'], 'r1')).toBe(
      "mnv4-bench lut build --target ort-cpu -o 'my table.json' --resume r1",
    );
    expect(resumeCommand(['lut', 'validate', '--table', 't.json', '--resume=r2'], 'r2')).toBe('mnv4-bench lut validate --table t.json --resume r2');
  });
});
