import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../src/results/schema.js';
import { spawnSync } from 'node:child_process';
import { CLI_PATH, REPO_ROOT, runCli } from '../../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mnv4-run-'));

function deviceFile(dir: string, body: Record<string, unknown>): string {
  const file = join(dir, 'dev.json');
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, id: 'dev', name: 'Test device', connection: { kind: 'local' }, preset: 'quick', ...body }));
  return file;
}

describe('CLI: run --device', () => {
  it('--dry-run plans every target x workload of the host profiles', () => {
    const r = runCli(['run', '--device', 'host', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/This machine .*\(host, local\): \d+ measurements x 3 session\(s\), preset quick/);
    expect(r.stdout).toContain('model:hybrid-l@384 int8 on ort-cpu');
    const full = runCli(['run', '--device', 'host-full', '--dry-run']);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain('model:conv-s@224 fp32 on tflite-wasm');
  });

  it('measures a profile, writes the run, prints measured next to published figures', () => {
    const dir = tmp();
    const file = deviceFile(dir, {
      targets: [{ target: 'ort-cpu', label: 'cpu', dtype: 'fp32', settings: { threads: 1 }, publishedColumn: 'pixel6_cpu' }],
      workloads: ['conv-s'],
    });
    const r = runCli(['run', '--device', file, '--out', dir, '--run-id', 'r1', '--no-noise-floor']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[1] ms measured');
    expect(r.stdout).toContain('[1] cpu: ort-cpu fp32 threads=1');
    expect(r.stdout).toContain('pixel6_cpu ms published');
    expect(r.stdout).toMatch(/model:conv-s@224\s+\S+(\s+\S+)?\s+2\.4/);
    const lines = readFileSync(join(dir, 'r1', 'measurements.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => parseLine(l).kind)).toEqual(['session', 'session', 'session', 'measurement']);
    // resuming the same run measures nothing again
    const again = runCli(['run', '--device', file, '--out', dir, '--resume', 'r1', '--no-noise-floor']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/0 sessions to run \(resumed: 1 pairs measured/);
    expect(
      readFileSync(join(dir, 'r1', 'measurements.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(4);
  });

  it('skips a target that cannot run here, with its reason, and measures the rest', () => {
    const dir = tmp();
    const file = deviceFile(dir, {
      targets: [{ target: 'tflite-wasm' }, { target: 'ort-cpu', settings: { threads: 1 } }],
      workloads: ['block:uib(a3,m3,s1,e2,o16,relu)@16x8x8'],
    });
    const r = runCli(['run', '--device', file, '--out', dir, '--json'], { MNV4_BENCH_CHROMIUM: '/nonexistent/chromium' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped: tflite-wasm fp32: .*apt-get install -y chromium/);
    const out = JSON.parse(r.stdout) as { measurements: { target: { id: string } }[] };
    expect(out.measurements.map((m) => m.target.id)).toEqual(['ort-cpu']);
  });

  it('large --json output reaches a slow reader whole (the CLI waits for stdout to flush before exiting)', () => {
    const dir = tmp();
    const file = deviceFile(dir, { targets: [{ target: 'ort-cpu', settings: { threads: 1 } }], workloads: ['block:conv_bn(k1,s1,o8,relu)@8x4x4'] });
    // the reader sleeps before reading, so the CLI's writes fill the pipe (64 KiB) and must wait
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${CLI_PATH}" run --device "${file}" --out "${dir}" --json 2>/dev/null | (sleep 1; cat)`],
      { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    expect(r.stdout.length).toBeGreaterThan(65536);
    const out = JSON.parse(r.stdout) as { measurements: unknown[] };
    expect(out.measurements).toHaveLength(1);
  });

  it('bad input: one line, exit 2, nothing measured', () => {
    const dir = tmp();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schemaVersion": 1, "id": ');
    const cases: [string[], RegExp][] = [
      [
        ['run', '--device', 'pixel99'],
        /unknown device 'pixel99'; known devices: host, host-full, host-gpu, host-table6, iphone13, pixel4, pixel6, pixel7, pixel8, samsung-s23/,
      ],
      [['run', '--device', bad], /is not valid JSON/],
      [['run', '--device', 'iphone13'], /device iphone13 cannot be reached from here \(no iOS runner.*mnv4-bench run --device iphone13 --simulate/],
      [['run', '--device', 'host', '--targets', 'gpu9000'], /device host has no target gpu9000/],
      [['run', '--device', 'host', '--preset', 'fast'], /unknown preset 'fast'; use one of: quick, default, rigorous/],
      [['run', '--device', 'host', '--workloads', 'conv-q', '--dry-run'], /unknown model 'conv-q'/],
      [['run'], /required option '--device <id>' not specified/],
    ];
    for (const [args, re] of cases) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(/^mnv4-bench: /);
      expect(r.stderr, args.join(' ')).toMatch(re);
    }
  });
});
