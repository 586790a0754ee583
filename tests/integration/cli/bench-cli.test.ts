import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../../helpers/main-io.js';
import { parseLineRecord } from '../../../src/results/schema.js';
import { readRun } from '../../../src/results/reader.js';

const out = mkdtempSync(path.join(os.tmpdir(), 'mnv4-bench-cli-'));
const cache = mkdtempSync(path.join(os.tmpdir(), 'mnv4-bench-cache-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

/** The whole CLI in-process (src/cli/main.ts main with captured streams), with the test's own caches. */
const cli = (args: string[]) => runMain(args, { MNV4_BENCH_CACHE: cache });

const base = ['bench', '--target', 'ort-cpu', '--block', 'conv-s/b03', '--resolution', '64', '--preset', 'quick', '--out', out, '--no-noise-floor'];

describe('bench', () => {
  it('--json prints schema-valid records and writes the run; --resume skips finished work', async () => {
    const r = await cli([...base, '--run-id', 'cli-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { runId: string; runDir: string; measurements: unknown[]; errors: unknown[] };
    expect(j.runId).toBe('cli-run');
    expect(j.measurements).toHaveLength(1);
    expect(j.errors).toHaveLength(0);
    const rec = parseLineRecord(j.measurements[0]);
    expect(rec.kind).toBe('measurement');
    if (rec.kind !== 'measurement') return;
    expect(rec.workload.id).toBe('block:conv-s/b03_conv_bn@64');
    expect(rec.executed.provider).toBe('CPUExecutionProvider');
    expect(rec.target.settings).toMatchObject({ threads: 1, optLevel: 'all' });
    const run = await readRun(path.join(out, 'cli-run'));
    // the quick preset's 3 independent sessions, then the measurement that combines them
    expect(run.records.map((x) => x.kind)).toEqual(['session', 'session', 'session', 'measurement']);
    expect(rec.sessions.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(run.manifest.command).toEqual([...base, '--run-id', 'cli-run', '--json']);
    expect(run.manifest.devices[0]).toEqual({ id: 'host', name: 'This machine', connection: { kind: 'local' } });
    expect(run.manifest.protocol.name).toBe('quick');
    expect(existsSync(path.join(out, 'cli-run', 'manifest.json'))).toBe(true);

    const again = await cli([...base, '--resume', 'cli-run', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/0 sessions to run \(resumed: 1 pairs measured/);
    expect((JSON.parse(again.stdout) as { measurements: unknown[] }).measurements).toHaveLength(0);
    expect(
      readFileSync(path.join(out, 'cli-run', 'measurements.jsonl'), 'utf8')
        .trimEnd()
        .split('\n'),
    ).toHaveLength(4);
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli([...base, '--threads', '1', '--opt-level', 'basic']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/median [\d.]+ ms\s+95% CI \[/);
    expect(r.stdout).toMatch(/p10 .* p90 /);
    expect(r.stdout).toMatch(/3 sessions: [\d.]+, [\d.]+, [\d.]+ ms \(range /);
    expect(r.stdout).toMatch(/CV [\d.]+%\s+n=\d+/);
    expect(r.stdout).toMatch(/cold start \(session 1\): runtime init [\d.]+ ms, session [\d.]+ ms, first inference/);
    expect(r.stdout).toMatch(/ran on: onnxruntime-node .* CPUExecutionProvider/);
    expect(r.stdout).toMatch(/GMAC\/s/);
    expect(r.stdout).toMatch(/optLevel=basic/);
  });

  const usage: [string, string[], RegExp][] = [
    ['unknown target', ['bench', '--target', 'ort-tpu', '--model', 'conv-s'], /unknown target 'ort-tpu'; known targets: ort-cpu, ort-wasm/],
    ['bad preset', ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--preset', 'fast'], /unknown preset 'fast'/],
    ['bad threads', ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--threads', '0'], /--threads must be an integer from 1 to 256, got '0'/],
    ['non-numeric threads', ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--threads', 'many'], /--threads must be an integer/],
    [
      'bad opt level',
      ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--opt-level', 'max'],
      /optLevel must be one of disabled\|basic\|extended\|all/,
    ],
    [
      'unknown setting',
      ['bench', '--target', 'ort-wasm', '--model', 'conv-s', '--set', 'allowSpinning=false'],
      /ort-wasm has no setting 'allowSpinning'/,
    ],
    ['unknown model', ['bench', '--target', 'ort-cpu', '--model', 'conv-xl'], /unknown model 'conv-xl'/],
    ['nothing to measure', ['bench', '--target', 'ort-cpu'], /nothing to measure/],
    ['empty --targets', ['bench', '--targets', '', '--model', 'conv-s'], /--targets is empty: give at least one value/],
    ['bad sessions', ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--sessions', '0'], /--sessions must be an integer from 1 to 50/],
    ['unknown flag', ['bench', '--target', 'ort-cpu', '--modle', 'conv-s'], /unknown option '--modle'/],
    [
      'run id outside the results folder',
      ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--run-id', '..'],
      /--run-id '\.\.' is not a run name/,
    ],
    [
      'bad dtype for format',
      ['bench', '--target', 'ort-cpu', '--model', 'conv-s', '--dtype', 'fp16'],
      /ort-cpu runs onnx files, which come in fp32, int8, not fp16/,
    ],
  ];
  for (const [name, args, msg] of usage) {
    it(`${name} -> exit 2 with one line`, async () => {
      const r = await cli([...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^mnv4-bench: /);
      expect(lines[0]).toMatch(msg);
    });
  }
});

describe('targets', () => {
  it('--json lists both Node targets as available; --refresh re-checks', async () => {
    const r = await cli(['targets', '--json', '--refresh']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; availability: { available: boolean }; cached: boolean }[];
    const byId = new Map(list.map((t) => [t.id, t]));
    expect(byId.get('ort-cpu')!.availability.available).toBe(true);
    expect(byId.get('ort-wasm')!.availability.available).toBe(true);
    expect(list.every((t) => t.cached === false)).toBe(true);
    expect(existsSync(path.join(cache, 'targets.json'))).toBe(true);
    const table = await cli(['targets']);
    expect(table.stdout).toMatch(/ort-cpu\s+yes\s+onnxruntime-node \/ cpu/);
    expect(table.stdout).toMatch(/from the cache/);
  });
});
