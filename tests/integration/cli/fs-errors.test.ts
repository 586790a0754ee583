import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exitCodeFor } from '../../../src/cli/errors.js';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFileFlag, firstNonDirectory, FsError, fsError, withFsErrors, withFsErrorsSync, type FsAction } from '../../../src/util/fs-errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-fserr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const aFile = path.join(tmp, 'a-file');
writeFileSync(aFile, 'x');
const aDir = path.join(tmp, 'a-dir');
mkdirSync(aDir);

/** The FsError that `fn` throws, through withFsErrors. */
async function caught(file: string, fn: () => Promise<unknown>, action: FsAction = { doing: 'read the device profile' }): Promise<FsError> {
  const e = await withFsErrors(file, action, fn).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FsError);
  return e as FsError;
}

describe('filesystem errors become one line with the path and the fix', () => {
  it('ENOENT', async () => {
    const p = path.join(tmp, 'missing.json');
    const e = await caught(p, () => readFile(p), { doing: 'read the device profile', flag: '--device' });
    expect(e.message).toBe(`cannot read the device profile: ${p} does not exist; check the path given to --device`);
    expect(exitCodeFor(e)).toBe(2);
  });

  it('EISDIR: a directory where a file is expected (device path, measurements.jsonl, --chromium)', async () => {
    const e = await caught(aDir, () => readFile(aDir));
    expect(e.code).toBe('EISDIR');
    expect(e.message).toBe(`cannot read the device profile: ${aDir} is a directory, not a file; give the path of a file`);
    expect(exitCodeFor(e)).toBe(2);
  });

  it('ENOTDIR: a file where a directory is needed names that file (export -o under a file)', async () => {
    const p = path.join(aFile, 'sub', 'model.onnx');
    const e = await caught(p, () => writeFile(p, 'x'), { doing: 'write the model file', flag: '-o' });
    expect(e.code).toBe('ENOTDIR');
    expect(e.message).toBe(
      `cannot write the model file: ${aFile} is a file, so ${p} cannot be created under it; remove or rename ${aFile} or give another -o`,
    );
    expect(firstNonDirectory(p)).toBe(aFile);
  });

  it("EEXIST of mkdir -p under a file: names the file instead of Node's misleading text", async () => {
    const p = path.join(aFile, 'cache');
    const e = await caught(p, () => mkdir(p, { recursive: true }), { doing: 'create the cache folder', expect: 'directory', flag: '--cache' });
    expect(['EEXIST', 'ENOTDIR']).toContain(e.code);
    expect(e.message).toMatch(new RegExp(`^cannot create the cache folder: ${aFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file`));
    expect(exitCodeFor(e)).toBe(2);
  });

  it('EEXIST of a plain existing path', () => {
    const err = Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
    expect((fsError(err, aDir, { doing: 'create the run' }) as Error).message).toBe(
      `cannot create the run: ${aDir} already exists (a directory); remove it or use another path`,
    );
  });

  it('EACCES / EPERM / EROFS / ENOSPC (errors as Node raises them)', () => {
    const mk = (code: string) => Object.assign(new Error(`${code}: something, open '/x'`), { code, errno: -1, syscall: 'open', path: '/x' });
    const a = fsError(mk('EACCES'), '/ro/out', { doing: 'create the results folder', expect: 'directory', flag: '--out' }) as FsError;
    expect(a.message).toBe(
      'cannot create the results folder: permission denied on /ro/out; fix its permissions (chmod) or its owner or give another --out',
    );
    expect(exitCodeFor(a)).toBe(2);
    expect(exitCodeFor(fsError(mk('EPERM'), '/x', { doing: 'read x' }))).toBe(2);
    const r = fsError(mk('EROFS'), '/ro/out', { doing: 'create the results folder', expect: 'directory', flag: '--out' }) as FsError;
    expect(r.message).toBe('cannot create the results folder: /ro/out is on a read-only file system; give a writable directory to --out');
    expect(exitCodeFor(r)).toBe(2);
    const s = fsError(mk('ENOSPC'), '/full/m.jsonl', { doing: 'append to measurements.jsonl', flag: '--out' }) as FsError;
    expect(s.message).toBe(
      'cannot append to measurements.jsonl: no space left (disk full) on the file system of /full/m.jsonl; free space or give another --out',
    );
    expect(exitCodeFor(s)).toBe(1);
  });

  it('leaves other errors alone, and has a synchronous form', () => {
    const other = new TypeError('not an errno error');
    expect(fsError(other, '/x', { doing: 'x' })).toBe(other);
    expect(() => withFsErrorsSync(aDir, { doing: 'read the profile' }, () => readFileSync(aDir))).toThrow(/is a directory, not a file/);
    expect(withFsErrorsSync(aFile, { doing: 'read' }, () => readFileSync(aFile, 'utf8'))).toBe('x');
  });

  it('messages are one line without errno jargon', async () => {
    for (const p of [aDir, path.join(aFile, 'x'), path.join(tmp, 'nope')]) {
      const e = await caught(p, () => readFile(p));
      expect(e.message).not.toMatch(/\n|EISDIR|ENOENT|ENOTDIR|illegal operation/);
    }
  });
});

describe('checkFileFlag (--chromium, --device paths)', () => {
  it('refuses a directory, a missing path, an empty value and a non-executable file', () => {
    expect(() => checkFileFlag(aDir, '--chromium', { executable: true })).toThrow(
      `cannot use --chromium ${aDir}: ${aDir} is a directory; give the path of an executable file to --chromium`,
    );
    const missing = path.join(tmp, 'chrome');
    expect(() => checkFileFlag(missing, '--chromium', { executable: true })).toThrow(
      `cannot use --chromium ${missing}: ${missing} does not exist; check the path given to --chromium`,
    );
    expect(() => checkFileFlag('', '--chromium')).toThrow('--chromium is empty: give the path of a file');
    const plain = path.join(tmp, 'plain');
    writeFileSync(plain, '', { mode: 0o644 });
    expect(() => checkFileFlag(plain, '--chromium', { executable: true })).toThrow(
      /is not executable; make it executable \(chmod \+x\) or give another --chromium/,
    );
    expect(checkFileFlag(process.execPath, '--chromium', { executable: true })).toBe(process.execPath);
    for (const p of [aDir, missing, plain]) {
      try {
        checkFileFlag(p, '--chromium', { executable: true });
      } catch (e) {
        expect(exitCodeFor(e)).toBe(2);
      }
    }
  });
});
