import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCodeFor } from '../../../src/cli/errors.js';
import { afterAll, describe, expect, it } from 'vitest';
import { appendJsonlLines, deleteLineCommand, JsonlLineError, parseJsonl, repairJsonlText, splitGluedValues } from '../../../src/results/jsonl.js';
import {
  acquireRunLock,
  isProcessAlive,
  LOCK_FILE,
  ownerState,
  processStartId,
  readLockOwner,
  RunLockedError,
  type LockOwner,
} from '../../../src/results/run-lock.js';
import { checkResultsRoot, checkRunId, createRun, inspectRunDir, openRunForResume, RunDirError } from '../../../src/results/run-dir.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-safety-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = path.join(tmp, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
const validate = (v: unknown, where: string): { key: string } => {
  if (!v || typeof v !== 'object' || typeof (v as { key?: unknown }).key !== 'string') throw new Error(`${where}: not a record`);
  return v as { key: string };
};
const rec = (key: string) => JSON.stringify({ key, x: 'a,b{c}' });

/** A pid that is certainly dead: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('jsonl: reading', () => {
  it('reads a complete last record without its newline as a record, not a torn tail', () => {
    const r = parseJsonl(`${rec('a')}\n${rec('b')}`, 'm.jsonl', { validate });
    expect(r.records.map((x) => x.key)).toEqual(['a', 'b']);
    expect(r.tail).toBe('unterminated');
  });

  it('skips a torn last line (no newline, not JSON)', () => {
    const r = parseJsonl(`${rec('a')}\n{"key":"b","x":`, 'm.jsonl', { validate });
    expect(r.records.map((x) => x.key)).toEqual(['a']);
    expect(r.tail).toBe('torn');
    expect(parseJsonl(`${rec('a')}\n`, 'm.jsonl', { validate }).tail).toBe('clean');
    expect(parseJsonl('', 'm.jsonl', { validate }).tail).toBe('clean');
  });

  it('refuses a bad line in the middle with file:line and the exact command that deletes it', () => {
    const file = "/r/it's/m.jsonl";
    const text = `${rec('a')}\nnot json\n${rec('c')}\n`;
    let err: unknown;
    try {
      parseJsonl(text, file, { validate, repairHint: 'or run: mnv4-bench results repair r' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonlLineError);
    expect(exitCodeFor(err)).toBe(2);
    expect((err as Error).message).toBe(
      `${file}:2 is not valid JSON (${jsonError('not json')}); delete that line: ${deleteLineCommand(file, 2)} or run: mnv4-bench results repair r`,
    );
    expect(deleteLineCommand(file, 2)).toBe(`sed -i '2d' '/r/it'\\''s/m.jsonl'`);
  });

  it('recognises records glued onto one line and says to split them', () => {
    expect(splitGluedValues(`${rec('a')}${rec('b')}`)).toEqual([rec('a'), rec('b')]);
    expect(splitGluedValues(rec('a'))).toBeUndefined();
    expect(splitGluedValues('{"a":1} x {"b":2}')).toBeUndefined();
    expect(() => parseJsonl(`${rec('a')}${rec('b')}\n${rec('c')}\n`, 'm.jsonl', { validate })).toThrow(
      /m\.jsonl:1 holds 2 records glued together \(a newline was lost\); split it/,
    );
  });

  it('the deletion command really fixes the file', () => {
    const d = fresh();
    const file = path.join(d, 'm.jsonl');
    writeFileSync(file, `${rec('a')}\ngarbage\n${rec('c')}\n`);
    const r = spawnSync('sh', ['-c', deleteLineCommand(file, 2)]);
    expect(r.status).toBe(0);
    expect(parseJsonl(readFileSync(file, 'utf8'), file, { validate }).records.map((x) => x.key)).toEqual(['a', 'c']);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('jsonl: newline-safe append', () => {
  it('adds the missing newline of a complete last record before appending', async () => {
    const file = path.join(fresh(), 'm.jsonl');
    writeFileSync(file, `${rec('a')}\n${rec('b')}`);
    expect(await appendJsonlLines(file, [rec('c')])).toBe('added-newline');
    expect(readFileSync(file, 'utf8')).toBe(`${rec('a')}\n${rec('b')}\n${rec('c')}\n`);
    expect(await appendJsonlLines(file, [rec('d')])).toBe('none');
    const r = parseJsonl(readFileSync(file, 'utf8'), file, { validate });
    expect(r.records.map((x) => x.key)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.tail).toBe('clean');
  });

  it('cuts a torn tail before appending', async () => {
    const file = path.join(fresh(), 'm.jsonl');
    writeFileSync(file, `${rec('a')}\n{"key":"b","x":"tor`);
    expect(await appendJsonlLines(file, [rec('c')])).toBe('cut-torn-tail');
    expect(readFileSync(file, 'utf8')).toBe(`${rec('a')}\n${rec('c')}\n`);
  });

  it('finds the last line of a file larger than its read chunk, and handles a file of one unterminated line', async () => {
    const file = path.join(fresh(), 'm.jsonl');
    const big = JSON.stringify({ key: 'big', pad: 'p'.repeat(200_000) });
    writeFileSync(file, big);
    expect(await appendJsonlLines(file, [rec('c')])).toBe('added-newline');
    expect(readFileSync(file, 'utf8')).toBe(`${big}\n${rec('c')}\n`);
    const file2 = path.join(fresh(), 'm.jsonl');
    writeFileSync(file2, `${rec('a')}\n${big.slice(0, 150_000)}`);
    expect(await appendJsonlLines(file2, [rec('c')])).toBe('cut-torn-tail');
    expect(readFileSync(file2, 'utf8')).toBe(`${rec('a')}\n${rec('c')}\n`);
  });

  it('creates the file and refuses lines with a newline inside', async () => {
    const file = path.join(fresh(), 'new.jsonl');
    expect(await appendJsonlLines(file, [rec('a')])).toBe('none');
    expect(readFileSync(file, 'utf8')).toBe(`${rec('a')}\n`);
    await expect(appendJsonlLines(file, ['{"a":\n1}'])).rejects.toThrow(/must not contain a newline/);
  });

  it('the issue scenario: cut newline, append, append again: every record stays readable', async () => {
    const file = path.join(fresh(), 'm.jsonl');
    await appendJsonlLines(file, [rec('b03'), rec('b04')]);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -1)); // truncate -s -1
    await appendJsonlLines(file, [rec('b05')]);
    await appendJsonlLines(file, [rec('b06')]);
    expect(parseJsonl(readFileSync(file, 'utf8'), file, { validate }).records.map((x) => x.key)).toEqual(['b03', 'b04', 'b05', 'b06']);
  });
});

describe('jsonl: repair', () => {
  it('splits glued records, drops garbage and a torn tail, keeps valid lines byte for byte', () => {
    const text = `${rec('a')}\n${rec('b')}${rec('c')}\nnot json\n{"nokey":1}\n${rec('d')}\n{"key":"e","x`;
    const r = repairJsonlText(text, validate);
    expect(r.text).toBe(`${rec('a')}\n${rec('b')}\n${rec('c')}\n${rec('d')}\n`);
    expect(r.actions).toEqual([
      'line 2: split 2 glued records onto their own lines',
      'line 3: dropped a line that is not a valid record (Unexpected token \'o\', "not json" is not valid JSON)',
      'line 4: dropped a line that is not a valid record (line 4: not a record)',
      'line 6: dropped a torn last line (a write cut short; its measurement will be redone)',
    ]);
    expect(repairJsonlText(`${rec('a')}`).actions).toEqual(['line 1: added the missing final newline']);
    expect(repairJsonlText(`${rec('a')}\n`).actions).toEqual([]);
  });
});

describe('run ids and --out', () => {
  it.each([
    ['..', /'\.\.' is not a run name/],
    ['.', /'\.' is not a run name/],
    ['', /--run-id is empty/],
    ['a/b', /contains a path separator/],
    ['..\\x', /contains a path separator/],
    ['.hidden', /must start with a letter, digit or '_'/],
    ['-rf', /must start with a letter, digit or '_'/],
    ['a b', /may use only letters/],
    ['x'.repeat(129), /use at most 128/],
  ])('refuses %j', (id, msg) => {
    expect(() => checkRunId(id)).toThrow(RunDirError);
    expect(() => checkRunId(id)).toThrow(msg);
  });
  it('accepts ordinary ids', () => {
    for (const id of ['r', '20250101-120000-ab12', 'conv_s.v2', '_x']) expect(checkRunId(id)).toBe(id);
  });
  it('refuses an empty --out', () => {
    expect(() => checkResultsRoot('')).toThrow(/--out is empty: give the results folder/);
    expect(exitCodeFor(new RunDirError('x'))).toBe(2);
  });
});

describe('run lock', () => {
  it('is exclusive within one host and says who holds it', async () => {
    const d = fresh();
    const lock = await acquireRunLock(d, { command: ['bench', '--target', 'ort-cpu'] });
    const owner = await readLockOwner(path.join(d, LOCK_FILE));
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    const err = await acquireRunLock(d, { runName: 'r' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^run 'r' is in use by pid ${process.pid} on host .* since \\S+ \\(mnv4-bench bench --target ort-cpu\\); wait for it to finish \\(or stop it: kill ${process.pid}\\)$`,
      ),
    );
    await lock.release();
    expect(existsSync(path.join(d, LOCK_FILE))).toBe(false);
    (await acquireRunLock(d)).releaseSync();
    expect(readdirSync(d)).toEqual([]);
  });

  it('takes over a stale lock: dead pid on this host, or a reused pid', async () => {
    const d = fresh();
    const stale: LockOwner = { pid: deadPid(), host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z', token: 'old' };
    expect(isProcessAlive(stale.pid)).toBe(false);
    expect(ownerState(stale)).toBe('stale');
    writeFileSync(path.join(d, LOCK_FILE), JSON.stringify(stale));
    const lock = await acquireRunLock(d);
    expect(lock.owner.pid).toBe(process.pid);
    await lock.release();
    if (processStartId(process.pid) !== undefined) {
      expect(ownerState({ ...stale, pid: process.pid, processStart: '1' })).toBe('stale');
      expect(ownerState({ ...stale, pid: process.pid, processStart: processStartId(process.pid)! })).toBe('held');
    }
  });

  it('never takes over a lock of another host, nor an unreadable one', async () => {
    const d = fresh();
    writeFileSync(path.join(d, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'elsewhere', startedAt: 't', token: 'x' }));
    await expect(acquireRunLock(d, { runName: 'r' })).rejects.toThrow(
      /in use by pid \d+ on host elsewhere since t; this host cannot check that process; if it is gone, delete .*\.lock/,
    );
    writeFileSync(path.join(d, LOCK_FILE), 'garbage');
    await expect(acquireRunLock(d, { runName: 'r' })).rejects.toThrow(
      /has a lock file that is not readable .*; if no mnv4-bench is working on this run, delete that file/,
    );
  });

  it('does not release a lock that another process took after it', async () => {
    const d = fresh();
    const lock = await acquireRunLock(d);
    writeFileSync(path.join(d, LOCK_FILE), JSON.stringify({ ...lock.owner, token: 'someone-else' }));
    await lock.release();
    expect(existsSync(path.join(d, LOCK_FILE))).toBe(true);
  });
});

describe('atomic run creation', () => {
  const manifest = (p: string) => Promise.resolve(writeFileSync(p, '{}\n'));

  it('creates the run locked, refuses a second creation and points to --resume', async () => {
    const root = fresh();
    const a = await createRun(root, 'r', { writeManifest: manifest });
    expect(readdirSync(a.runDir).sort()).toEqual([LOCK_FILE, 'manifest.json']);
    await expect(createRun(root, 'r', { writeManifest: manifest })).rejects.toThrow(/run 'r' in .* is being written by pid \d+/);
    await a.lock.release();
    await expect(createRun(root, 'r', { writeManifest: manifest })).rejects.toThrow(
      /run 'r' already exists in .*; continue it with --resume r, or choose another --run-id/,
    );
    const b = await openRunForResume(root, 'r');
    await expect(openRunForResume(root, 'r')).rejects.toThrow(/run 'r' is in use by pid/);
    await b.lock.release();
  });

  it('never reuses a run directory without a manifest (issue case 3)', async () => {
    const root = fresh();
    mkdirSync(path.join(root, 'r'));
    writeFileSync(path.join(root, 'r', 'measurements.jsonl'), `${rec('a')}\n`);
    expect(inspectRunDir(path.join(root, 'r'))).toEqual({ state: 'no-manifest', entries: ['measurements.jsonl'] });
    await expect(openRunForResume(root, 'r')).rejects.toThrow(
      /cannot resume 'r': .*r exists but has no manifest\.json \(an interrupted run creation, or not a run; it holds measurements\.jsonl\); it is not reused/,
    );
    await expect(createRun(root, 'r', { writeManifest: manifest })).rejects.toThrow(/has no manifest\.json .* choose another run id than 'r'/);
    expect(readFileSync(path.join(root, 'r', 'measurements.jsonl'), 'utf8')).toBe(`${rec('a')}\n`);
  });

  it('writes nothing outside the results folder for hostile ids (issue case 4)', async () => {
    const root = fresh();
    for (const id of ['..', '.', '../x', '']) await expect(createRun(root, id, { writeManifest: manifest })).rejects.toThrow(RunDirError);
    await expect(createRun('', 'r', { writeManifest: manifest })).rejects.toThrow(/--out is empty/);
    expect(readdirSync(root)).toEqual([]);
    expect(existsSync(path.join(tmp, 'manifest.json'))).toBe(false);
  });

  it('clears staging folders of creators that died, keeps those of live ones', async () => {
    const root = fresh();
    const dead = path.join(root, '.r.creating.1.aa');
    const live = path.join(root, '.r.creating.2.bb');
    for (const [dir, pid] of [
      [dead, deadPid()],
      [live, process.pid],
    ] as const) {
      mkdirSync(dir);
      writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), startedAt: 't', token: String(pid) }));
    }
    (await createRun(root, 'r', { writeManifest: manifest })).lock.releaseSync();
    expect(readdirSync(root).sort()).toEqual(['.r.creating.2.bb', 'r']);
  });

  it('lists the runs there when a resumed run does not exist', async () => {
    const root = fresh();
    (await createRun(root, 'one', { writeManifest: manifest })).lock.releaseSync();
    await expect(openRunForResume(root, 'two')).rejects.toThrow(/nothing to resume: no run 'two' in .* \(runs there: one\)/);
  });

  it('undoes a creation whose manifest cannot be written, so the id stays free', async () => {
    const root = fresh();
    await expect(
      createRun(root, 'r', { writeManifest: () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })) }),
    ).rejects.toThrow(/cannot write the run manifest: no space left \(disk full\)/);
    expect(existsSync(path.join(root, 'r'))).toBe(false);
  });
});

describe('two processes, one run id', () => {
  const child = path.join(__dirname, '../../helpers/lock-child.ts');
  const race = async (root: string, runId: string, mode: 'create' | 'resume'): Promise<string[]> => {
    const startAt = String(Date.now() + 2500);
    const outs = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const p = spawn(process.execPath, ['--import', 'tsx', child, root, runId, mode, startAt, '800'], { stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            p.stdout.on('data', (d) => (out += String(d)));
            p.stderr.on('data', (d) => (err += String(d)));
            p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}: ${err}`))));
          }),
      ),
    );
    return outs;
  };

  it('a new run: exactly one wins, the other exits 2, the key is written once', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const root = fresh();
      const outs = await race(root, 'r', 'create');
      expect(outs.filter((o) => o === 'won')).toHaveLength(1);
      expect(outs.find((o) => o !== 'won')).toMatch(/^lost 2 run 'r' in .* (is being written by pid \d+|already exists)/);
      expect(
        readFileSync(path.join(root, 'r', 'measurements.jsonl'), 'utf8')
          .trim()
          .split('\n'),
      ).toHaveLength(1);
    }
  });

  it('two resumes of one run, also over a stale lock: exactly one wins', async () => {
    for (const stale of [false, true]) {
      const root = fresh();
      (await createRun(root, 'r', { writeManifest: (p) => Promise.resolve(writeFileSync(p, '{}\n')) })).lock.releaseSync();
      if (stale)
        writeFileSync(path.join(root, 'r', LOCK_FILE), JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: 't', token: 'dead' }));
      const outs = await race(root, 'r', 'resume');
      expect(outs.filter((o) => o === 'won')).toHaveLength(1);
      expect(outs.find((o) => o !== 'won')).toMatch(/^lost 2 run 'r' is in use by pid \d+ on host/);
      expect(
        readFileSync(path.join(root, 'r', 'measurements.jsonl'), 'utf8')
          .trim()
          .split('\n'),
      ).toHaveLength(1);
      expect(readdirSync(path.join(root, 'r')).filter((f) => f.includes('.tmp') || f.includes('takeover'))).toEqual([]);
    }
  });
});
