/**
 * Filesystem errors as one line that names the path and the fix.
 *
 * Node's own messages (`EISDIR: illegal operation on a directory, read`) name neither what the tool was
 * doing nor what to do about it, and `mkdir -p` under a file reports a misleading `EEXIST`. `fsError` turns
 * an errno error into an `FsError`, an InputError (a path the user gave that is missing, a directory, a
 * file, unreadable, read-only: exit 2), or for a full disk or quota (ENOSPC, EDQUOT), which is not the
 * input's fault, an `FsSpaceError` (exit 1).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

export const FS_ERROR_CODES = [
  'ENOENT',
  'EISDIR',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EEXIST',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'ENAMETOOLONG',
  'ELOOP',
] as const;
export type FsErrorCode = (typeof FS_ERROR_CODES)[number];

/** A path the user gave (or its file system) is unusable: bad input (exit 2), with the path and the fix. */
export class FsError extends InputError {
  override name = 'FsError';
  constructor(
    message: string,
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(message);
  }
}

/** The disk or quota is full (ENOSPC, EDQUOT): not the input's fault, so a failed run (exit 1). */
export class FsSpaceError extends Error {
  override name = 'FsSpaceError';
  constructor(
    message: string,
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(message);
  }
}

/** What the tool was doing with the path, for the message: `read`, `write`, `create`, `open`. */
export interface FsAction {
  /** e.g. 'read the device profile', 'create the results directory'. */
  doing: string;
  /** what the path should be: 'file' or 'directory' (for EISDIR/ENOTDIR/EEXIST wording). */
  expect?: 'file' | 'directory';
  /** the flag or setting the path came from, e.g. '--out', for the fix. */
  flag?: string;
  /** what to do, instead of the fix the error code suggests (e.g. for a file the tool itself manages). */
  fix?: string;
}

export function errnoCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

/** True for the errno codes `fsError` explains. */
export function isFsErrorCode(code: string | undefined): code is FsErrorCode {
  return (FS_ERROR_CODES as readonly string[]).includes(code ?? '');
}

/** The first existing ancestor of `p` (or `p` itself) that is not a directory: the cause of an ENOTDIR. */
export function firstNonDirectory(p: string): string | undefined {
  const parts: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    parts.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const part of parts) {
    try {
      if (!statSync(part).isDirectory()) return part;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** What kind of thing exists at `p` ('a file', 'a directory', 'something'), or undefined. */
function kindAt(p: string): string | undefined {
  try {
    const st = statSync(p);
    return st.isDirectory() ? 'a directory' : st.isFile() ? 'a file' : 'something that is neither a file nor a directory';
  } catch {
    return undefined;
  }
}

/**
 * Turns an errno error about `file` into an FsError with a one-line message, or returns `err` unchanged
 * when it is not one of FS_ERROR_CODES.
 */
export function fsError(err: unknown, file: string, action: FsAction): unknown {
  const code = errnoCode(err);
  if (!isFsErrorCode(code)) return err;
  const p = file;
  const other = action.flag ? ` or give another ${action.flag}` : ' or use another path';
  const what = action.expect ?? 'file';
  let problem: string;
  let fix: string;
  switch (code) {
    case 'ENOENT':
      problem = `${p} does not exist`;
      fix = `check the path${action.flag ? ` given to ${action.flag}` : ''}`;
      break;
    case 'EISDIR':
      problem = `${p} is a directory, not a file`;
      fix = `give the path of a file${action.flag ? ` to ${action.flag}` : ''}`;
      break;
    case 'ENOTDIR': {
      const blocker = firstNonDirectory(p);
      if (blocker && blocker !== p) {
        problem = `${blocker} is a file, so ${p} cannot be created under it`;
        fix = `remove or rename ${blocker}${other}`;
      } else {
        problem = `${p} is not a directory${what === 'directory' ? '' : ' (a part of the path is a file)'}`;
        fix = `remove it${other}`;
      }
      break;
    }
    case 'EEXIST': {
      // `mkdir -p` reports EEXIST when a file sits where a directory must go: say which one.
      const blocker = firstNonDirectory(p);
      const kind = kindAt(p);
      problem = blocker ? `${blocker} is a file where a directory is needed` : `${p} already exists${kind ? ` (${kind})` : ''}`;
      fix = blocker ? `remove or rename it${other}` : `remove it${other}`;
      break;
    }
    case 'EACCES':
    case 'EPERM':
      problem = `permission denied on ${p}`;
      fix = `fix its permissions (chmod) or its owner${other}`;
      break;
    case 'EROFS':
      problem = `${p} is on a read-only file system`;
      fix = `give a writable ${what === 'directory' ? 'directory' : 'path'}${action.flag ? ` to ${action.flag}` : ''}`;
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      problem = `no space left (${code === 'EDQUOT' ? 'disk quota exceeded' : 'disk full'}) on the file system of ${p}`;
      fix = `free space${other}`;
      break;
    case 'ENAMETOOLONG':
      problem = `the path ${p.length > 120 ? `${p.slice(0, 60)}...${p.slice(-40)}` : p} is too long`;
      fix = 'use a shorter path';
      break;
    case 'ELOOP':
      problem = `${p} is a symbolic link loop`;
      fix = `fix the link${other}`;
      break;
  }
  const msg = `cannot ${action.doing}: ${problem}; ${action.fix ?? fix}`;
  return code === 'ENOSPC' || code === 'EDQUOT' ? new FsSpaceError(msg, code, p) : new FsError(msg, code, p);
}

/** Runs `fn`; an errno error it throws becomes an FsError about `file` (see fsError). */
export async function withFsErrors<T>(file: string, action: FsAction, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fsError(e, file, action);
  }
}

/** Synchronous withFsErrors. */
export function withFsErrorsSync<T>(file: string, action: FsAction, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fsError(e, file, action);
  }
}

/**
 * Checks a path given to a flag that must name an existing file (an executable one with `executable`);
 * returns it, or throws an FsError (exit 2) naming the flag and the fix.
 */
export function checkFileFlag(file: string, flag: string, opts: { executable?: boolean; what?: string } = {}): string {
  const doing = `use ${flag} ${file}`;
  const what = opts.what ?? (opts.executable ? 'an executable file' : 'a file');
  if (file.trim() === '') throw new FsError(`${flag} is empty: give the path of ${what}`, 'ENOENT', file);
  const st = withFsErrorsSync(file, { doing, flag }, () => statSync(file));
  if (st.isDirectory()) throw new FsError(`cannot ${doing}: ${file} is a directory; give the path of ${what} to ${flag}`, 'EISDIR', file);
  if (!st.isFile()) throw new FsError(`cannot ${doing}: ${file} is not a regular file; give the path of ${what} to ${flag}`, 'EISDIR', file);
  if (opts.executable) {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      throw new FsError(`cannot ${doing}: ${file} is not executable; make it executable (chmod +x) or give another ${flag}`, 'EACCES', file);
    }
  }
  return file;
}
