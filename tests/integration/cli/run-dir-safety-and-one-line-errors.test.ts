/**
 * Results that cannot be corrupted and a clear one-line error for every bad input: each case as a user met it, through the whole command line (`main()` in-process
 * with the fake runner, or child processes where two processes or another user are the point). Workloads
 * are real exports of small blocks into a temporary cache; the fake runner measures on a virtual clock.
 * Connections, the browser probe and SIGTERM cleanup are covered with the engine and browser
 * tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BENCH_EXAMPLES } from '../../../src/cli/commands/bench.js';
import { RUN_EXAMPLES } from '../../../src/cli/commands/run.js';
import { ARCH_EXAMPLE } from '../../../src/cli/options.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { packageRoot } from '../../../src/paths.js';
import { readRun } from '../../../src/results/reader.js';
import { LOCK_FILE } from '../../../src/results/run-lock.js';
import { clearTargetsMemoryCache } from '../../../src/runners/registry.js';
import { createFakeRunner, installFakeRunners } from '../../helpers/fake-runner.js';
import { runMain, type MainResult } from '../../helpers/main-io.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-run-safety-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { MNV4_BENCH_CACHE: path.join(tmp, 'cache') };
let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
  clearTargetsMemoryCache();
});
const fake = (): void => {
  undo = installFakeRunners(createFakeRunner());
};
let n = 0;
const freshOut = (): string => path.join(tmp, `out${n++}`);
const B = ['conv-s/b03', 'conv-s/b04', 'conv-s/b05'];
const bench = (out: string, blocks: string[], ...more: string[]) => [
  'bench',
  '--target',
  'fake-cpu',
  '--block',
  blocks.join(','),
  '--preset',
  'quick',
  '--out',
  out,
  ...more,
];

/** Exit 2 with exactly one `mnv4-bench:` line matching `re`, nothing on stdout. */
function expectUsage(r: MainResult, re: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mnv4-bench: /);
  expect(lines[0]).toMatch(re);
}

const measurementKeys = async (runDir: string): Promise<string[]> =>
  (await readRun(runDir)).records.filter((r) => r.kind === 'measurement').map((r) => r.key);

describe('resume after a lost final newline keeps the run readable', () => {
  it('truncate -s -1, resume with one more block, resume again: exit 0 every time, every record readable', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 2), '--run-id', 'r'), env)).code).toBe(0);
    const file = path.join(out, 'r', 'measurements.jsonl');
    truncateSync(file, readFileSync(file).length - 1);
    for (let i = 0; i < 2; i++) {
      const r = await runMain(bench(out, B, '--resume', 'r'), env);
      expect(r.code, r.stderr).toBe(0);
    }
    const keys = await measurementKeys(path.join(out, 'r'));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('the same with the real ort-cpu runner on the smallest blocks', async () => {
    const out = freshOut();
    const tiny = ['conv_bn(k3,s1,o8,relu)@8x8x8', 'conv_bn(k1,s1,o8,relu)@8x8x8', 'conv_bn(k3,s1,o16,relu)@8x8x8'];
    const real = (blocks: string[], ...more: string[]) => [
      'bench',
      '--target',
      'ort-cpu',
      '--block',
      blocks.join(','),
      '--preset',
      'quick',
      '--out',
      out,
      ...more,
    ];
    expect((await runMain(real(tiny.slice(0, 2), '--run-id', 'r'), env)).code).toBe(0);
    const file = path.join(out, 'r', 'measurements.jsonl');
    truncateSync(file, readFileSync(file).length - 1);
    for (let i = 0; i < 2; i++) expect((await runMain(real(tiny, '--resume', 'r'), env)).code).toBe(0);
    const keys = await measurementKeys(path.join(out, 'r'));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
  });

  it('a run with records glued together is refused with the line and the fix; results repair fixes it', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 2), '--run-id', 'g'), env)).code).toBe(0);
    const runDir = path.join(out, 'g');
    const file = path.join(runDir, 'measurements.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${lines[0]}${lines[1]}\n${lines.slice(2).join('\n')}\n`); // what the old append did
    const refused = await runMain(bench(out, B, '--resume', 'g'), env);
    expectUsage(
      refused,
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1 holds 2 records glued together .*mnv4-bench results repair '${runDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`,
      ),
    );
    const repaired = await runMain(['results', 'repair', runDir], env);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/repaired 1 line\(s\); the original is kept as .*measurements\.jsonl\.bak-/);
    expect(repaired.stdout).toContain('line 1: split 2 glued records onto their own lines');
    expect((await runMain(bench(out, B, '--resume', 'g'), env)).code).toBe(0);
    expect(await measurementKeys(runDir)).toHaveLength(3);
  });

  it('a line that is not JSON is refused with file:line and the exact sed command that deletes it', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 1), '--run-id', 'x'), env)).code).toBe(0);
    const file = path.join(out, 'x', 'measurements.jsonl');
    writeFileSync(file, `garbage\n${readFileSync(file, 'utf8')}`);
    const r = await runMain(bench(out, B.slice(0, 1), '--resume', 'x'), env);
    expectUsage(r, /measurements\.jsonl:1 is not valid JSON .*; delete that line: sed -i '1d' '.*measurements\.jsonl'/);
    const sed = /delete that line: (sed -i '1d' '[^']+')/.exec(r.stderr)![1]!;
    expect(spawnSync('sh', ['-c', sed]).status).toBe(0);
    expect((await runMain(bench(out, B.slice(0, 1), '--resume', 'x'), env)).code).toBe(0);
  });
});

describe('two processes, one run id', () => {
  const child = path.join(__dirname, '../../helpers/cli-child.ts');
  const race = (argvs: string[][]): Promise<{ code: number; stderr: string }[]> => {
    const startAt = String(Date.now() + 3000);
    return Promise.all(
      argvs.map(
        (args) =>
          new Promise<{ code: number; stderr: string }>((resolve) => {
            const p = spawn(process.execPath, ['--import', 'tsx', child, startAt, '300', '--', ...args], {
              stdio: ['ignore', 'ignore', 'pipe'],
              env: { ...process.env, ...env },
            });
            let stderr = '';
            p.stderr.on('data', (d) => (stderr += String(d)));
            p.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
          }),
      ),
    );
  };

  it('a new run: exactly one wins, the other exits 2 saying who holds it, no key is written twice', async () => {
    const out = freshOut();
    const results = await race([bench(out, B.slice(0, 2), '--run-id', 'same'), bench(out, B.slice(0, 2), '--run-id', 'same')]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(results.find((r) => r.code === 2)!.stderr).toMatch(
      /^mnv4-bench: run 'same' in .* is being written by pid \d+ on host .*; choose another run id\n$/,
    );
    const keys = await measurementKeys(path.join(out, 'same'));
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
    expect(existsSync(path.join(out, 'same', LOCK_FILE))).toBe(false);
  });

  it('two --resume of one run at once: one measures the missing keys, the other says who holds the run', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 1), '--run-id', 'res'), env)).code).toBe(0);
    const results = await race([bench(out, B, '--resume', 'res'), bench(out, B, '--resume', 'res')]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(results.find((r) => r.code === 2)!.stderr).toMatch(
      /^mnv4-bench: run 'res' is in use by pid \d+ on host .* since .*\(mnv4-bench bench .*--resume res.*\); wait for it to finish \(or stop it: kill \d+\)\n$/,
    );
    const keys = await measurementKeys(path.join(out, 'res'));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
  });
});

describe('a run without its manifest is never reused', () => {
  it('--resume says so, and a new run with the same id is refused: nothing is appended', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 1), '--run-id', 'm'), env)).code).toBe(0);
    unlinkSync(path.join(out, 'm', 'manifest.json'));
    const before = readFileSync(path.join(out, 'm', 'measurements.jsonl'), 'utf8');
    expectUsage(
      await runMain(bench(out, B.slice(0, 1), '--resume', 'm'), env),
      /cannot resume 'm': .*m exists but has no manifest\.json .* it is not reused: move it away or delete it/,
    );
    expectUsage(await runMain(bench(out, B.slice(0, 1), '--run-id', 'm'), env), /has no manifest\.json .*choose another run id than 'm'/);
    expect(readFileSync(path.join(out, 'm', 'measurements.jsonl'), 'utf8')).toBe(before);
  });
});

describe('run ids stay inside the results folder; --out cannot be empty', () => {
  it.each([
    ['..', /--run-id '\.\.' is not a run name/],
    ['.', /--run-id '\.' is not a run name/],
    ['../escape', /contains a path separator/],
    ['/abs', /contains a path separator/],
  ])('--run-id %j', async (id, re) => {
    fake();
    const out = freshOut();
    expectUsage(await runMain(bench(out, B.slice(0, 1), '--run-id', id), env), re);
    expectUsage(await runMain(bench(out, B.slice(0, 1), '--resume', id), env), new RegExp(re.source.replace('--run-id', '--resume')));
    expect(existsSync(path.join(packageRoot(), 'manifest.json'))).toBe(false);
    expect(existsSync(path.join(packageRoot(), 'measurements.jsonl'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it("--out '' is a usage error and writes nothing in the current directory", async () => {
    fake();
    const before = readdirSync(process.cwd()).sort();
    expectUsage(await runMain(bench('', B.slice(0, 1)), env), /--out is empty: give the results folder/);
    expect(readdirSync(process.cwd()).sort()).toEqual(before);
  });
});

describe('list flags accept values with commas; --help examples work', () => {
  it('--arch takes a whole vector, --block a block text with commas, run --workloads an arch vector', async () => {
    fake();
    let r = await runMain(['bench', '--target', 'fake-cpu', '--arch', ARCH_EXAMPLE, '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`arch:${ARCH_EXAMPLE}@224 fp32 on fake-cpu`);
    r = await runMain(['bench', '--target', 'fake-cpu', '--block', 'uib(a3,m5,s2,e4,o80,relu)@48x64x64', '--block', 'conv-s/b03', '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: 2 measurements/);
    expect(r.stdout).toContain('block:uib(a3,m5,s2,e4,o80,relu)@48x64x64 fp32 on fake-cpu');
    const device = path.join(tmp, 'dev6.json');
    writeFileSync(
      device,
      JSON.stringify({
        schemaVersion: 1,
        id: 'dev6',
        name: 'Device 6',
        connection: { kind: 'local' },
        preset: 'quick',
        workloads: ['conv-s/b03'],
        targets: [{ target: 'fake-cpu' }],
      }),
    );
    r = await runMain(
      ['run', '--device', device, '--workloads', `conv-s/b03,arch:${ARCH_EXAMPLE},block:se(c8,gsigmoid,relu)@16x8`, '--dry-run'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: 3 measurements/);
    expect(r.stdout).toContain(`arch:${ARCH_EXAMPLE}@224`);
  });

  /** Splits an example command line like a POSIX shell (single quotes only). */
  const shellWords = (line: string): string[] => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

  it('every example in bench --help and run --help plans without error (run with --dry-run)', async () => {
    for (const cmd of ['bench', 'run']) {
      const help = await runMain([cmd, '--help'], env);
      expect(help.code).toBe(0);
      const shown = help.stdout
        .split('Examples:\n')[1]!
        .trimEnd()
        .split('\n')
        .map((l) => l.trim());
      expect(shown).toEqual(cmd === 'bench' ? BENCH_EXAMPLES : RUN_EXAMPLES);
      for (const example of shown) {
        const words = shellWords(example).slice(1);
        if (!words.includes('--dry-run')) words.push('--dry-run');
        const r = await runMain(words, env);
        expect(r.code, `${example}: ${r.stderr}`).toBe(0);
        // an A/B example plans its pairs; every other example plans measurements
        expect(r.stdout).toMatch(words.includes('--ab') ? /A\/B in one process, \d+ sessions x \d+ pairs/ : /: \d+ measurements x \d+ session/);
      }
    }
  });
});

describe('block text is checked before anything is exported', () => {
  it.each([
    ['conv_bn(k3,k5,s1,o8,relu)@8x8x8', /gives 'k' twice \('k3' and 'k5'\); keep one/],
    ['conv_bn(k3,s1,o8,relu,relu6)@8x8x8', /gives an activation twice \('relu' and 'relu6'\)/],
    ['conv_bn(k99999,s1,o8,relu)@8x8x8', /kernel k99999 is larger than the padded input allows \(at most 15 on a side of 8/],
    ['conv_bn(k15,s1,o16384,relu)@4096x8x8', /model files are limited to 2 GiB/],
    ['conv_bn(k1,s1,o65536,relu)@4096x4096x4096', /needs at least .* of memory \(.*largest activations .*\), but this machine has [\d.]+ GiB/],
  ])('bench --block %s: exit 2, no run, nothing exported', async (block, re) => {
    fake();
    const out = freshOut();
    expectUsage(await runMain(bench(out, [block], '--run-id', 'k'), env), re);
    expect(existsSync(out)).toBe(false);
  });

  it('export refuses the same before building', async () => {
    expectUsage(await runMain(['export', 'block:conv_bn(k99999,s1,o8,relu)@8x8x8'], env), /kernel k99999/);
  });
});

describe('filesystem errors are one line with the path and the fix (exit 2)', () => {
  it('a device path that is a directory', async () => {
    const dir = path.join(tmp, 'devdir.json');
    mkdirSync(dir, { recursive: true });
    expectUsage(
      await runMain(['run', '--device', dir], env),
      new RegExp(
        `cannot read the device profile: ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a directory, not a file; give the path of a file to --device`,
      ),
    );
  });

  it('export -o under a file names that file', async () => {
    const file = path.join(tmp, 'plainfile');
    writeFileSync(file, 'x');
    const r = await runMain(['export', 'conv-s/b03', '-o', path.join(file, 'sub', 'm.onnx')], env);
    expectUsage(r, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a file`));
    expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR|mkdir/);
    expectUsage(
      await runMain(['export', 'conv-s/b03', '-o', tmp], env),
      /cannot write -o .*: .* is a directory, not a file; give the path of a file to -o/,
    );
  });

  it('report -o and dashboard -o under a file name that file', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 1), '--run-id', 'rep'), env)).code).toBe(0);
    const file = path.join(tmp, 'plainfile2');
    writeFileSync(file, 'x');
    const esc = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expectUsage(
      await runMain(['report', path.join(out, 'rep'), '-o', path.join(file, 'r.md')], env),
      new RegExp(`cannot write the report: ${esc} is a file`),
    );
    const d = await runMain(['dashboard', '--results', out, '-o', path.join(file, 'dash')], env);
    expect(d.code).toBe(2);
    expect(d.stderr.trimEnd().split('\n').pop()).toMatch(new RegExp(`^mnv4-bench: cannot create the dashboard folder: ${esc} is a file`));
  });

  it('--out that is a file', async () => {
    fake();
    const file = path.join(tmp, 'out-is-a-file');
    writeFileSync(file, 'x');
    expectUsage(
      await runMain(bench(file, B.slice(0, 1), '--run-id', 'f'), env),
      /cannot create the results folder: .*out-is-a-file is a file where a directory is needed; remove or rename it or give another --out/,
    );
  });

  it('a cache path that is a file: export and bench stop before building or creating a run', async () => {
    fake();
    const file = path.join(tmp, 'cachefile');
    writeFileSync(file, 'x');
    const cacheEnv = { MNV4_BENCH_CACHE: file };
    expectUsage(
      await runMain(['export', 'conv-s/b03'], cacheEnv),
      /cannot use the export cache folder: .*cachefile.*; point MNV4_BENCH_CACHE at a writable folder/,
    );
    const out = freshOut();
    expectUsage(await runMain(bench(out, B.slice(0, 1), '--run-id', 'c'), cacheEnv), /cannot use the export cache folder/);
    expect(existsSync(path.join(out, 'c'))).toBe(false);
  });

  it('measurements.jsonl that is a directory', async () => {
    fake();
    const out = freshOut();
    expect((await runMain(bench(out, B.slice(0, 1), '--run-id', 'd'), env)).code).toBe(0);
    const file = path.join(out, 'd', 'measurements.jsonl');
    rmSync(file);
    mkdirSync(file);
    expectUsage(
      await runMain(bench(out, B.slice(0, 1), '--resume', 'd'), env),
      /cannot read the run's measurements: .*measurements\.jsonl is a directory, not a file; measurements\.jsonl must be the run's file of records: move what is there away/,
    );
    // the refused resume released the run
    expect(existsSync(path.join(out, 'd', LOCK_FILE))).toBe(false);
  });

  it('--chromium pointing at a directory or a missing file', async () => {
    expectUsage(
      await runMain(['bench', '--target', 'ort-cpu', '--block', 'conv-s/b03', '--chromium', tmp], env),
      /cannot use --chromium .*: .* is a directory; give the path of the Chromium executable to --chromium/,
    );
    expectUsage(await runMain(['targets', '--chromium', path.join(tmp, 'nope')], env), /does not exist; check the path given to --chromium/);
  });

  it("commander's own parse errors: one line with the prefix", async () => {
    expectUsage(await runMain(['bench', '--bogus'], env), /^mnv4-bench: unknown option '--bogus'/);
    expectUsage(await runMain(['bench', '--sessions'], env), /^mnv4-bench: option '--sessions <k>' argument missing/);
    expectUsage(await runMain(['nosuchcommand'], env), /^mnv4-bench: unknown command 'nosuchcommand'/);
  });

  // another user than root, so permissions apply (root may write anywhere)
  const asUser =
    process.getuid?.() === 0
      ? spawnSync('setpriv', ['--version']).status === 0
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
        : undefined
      : [];
  it.skipIf(asUser === undefined)('an unreadable device file and a read-only --out (as an unprivileged user)', () => {
    const shared = mkdtempSync(path.join(os.tmpdir(), 'mnv4-run-safety-perm-'));
    try {
      chmodSync(shared, 0o777);
      const device = path.join(shared, 'secret.json');
      writeFileSync(device, '{}');
      chmodSync(device, 0o000);
      const ro = path.join(shared, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      const cache = path.join(shared, 'cache');
      mkdirSync(cache);
      chmodSync(cache, 0o777);
      const cli = (args: string[]) => {
        const [cmd, ...pre] = [...asUser!, process.execPath];
        const r = spawnSync(cmd!, [...pre, '--import', 'tsx', path.join(__dirname, '../../helpers/cli-child.ts'), '0', '0', '--', ...args], {
          encoding: 'utf8',
          cwd: packageRoot(),
          env: { ...process.env, MNV4_BENCH_CACHE: cache, HOME: shared },
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
      };
      expectUsage(
        cli(['run', '--device', device]),
        /cannot read the device profile: permission denied on .*secret\.json; fix its permissions \(chmod\) or its owner or give another --device/,
      );
      expectUsage(
        cli(bench(path.join(ro, 'results'), B.slice(0, 1))),
        /cannot create the results folder: permission denied on .*ro\/results; fix its permissions \(chmod\) or its owner or give another --out/,
      );
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});

describe('empty lists are usage errors', () => {
  it.each([
    [['run', '--device', 'host', '--workloads', ''], /--workloads is empty: give at least one value \(e\.g\. --workloads conv-s\)/],
    [['run', '--device', 'host', '--targets', ''], /--targets is empty/],
    [['bench', '--target', '', '--model', 'conv-s'], /--target is empty/],
    [['bench', '--target', 'ort-cpu', '--block', ''], /--block is empty/],
    [['bench', '--target', 'ort-cpu', '--arch', ''], /--arch is empty/],
    [['bench', '--target', 'ort-cpu', '--workloads', 'conv-s,,conv-m'], /item 2 of 'conv-s,,conv-m' is empty/],
  ])('%j', async (argv, re) => {
    expectUsage(await runMain(argv, env), re);
  });
});

// keep the resolved ids of the blocks honest: the suite measures these three, and they exist
it('the blocks used here resolve', () => {
  for (const b of B) expect(resolveWorkload(b).kind).toBe('block');
});
