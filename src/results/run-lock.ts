/**
 * One process at a time per run directory: an exclusive lock file `<run dir>/.lock`.
 *
 * The lock file holds its owner as JSON (pid, host, start time, a random token, the process's start id on
 * Linux). It is written to a temporary file first and then hard-linked into place: `link` fails with EEXIST
 * when a lock exists, atomically, and a lock never exists half-written (file systems without hard links get
 * an O_EXCL create instead).
 *
 * A lock is stale when its owner ran on this host and that process is gone (or the pid now belongs to a
 * process that started later: the start id differs). Taking a stale lock over is guarded by a second
 * exclusive file (`.lock.takeover`), so two processes that find the same stale lock cannot both win: the
 * guard holder re-reads the lock and removes it only if it is still the stale one, then competes for it
 * like any other process. A lock held on another host cannot be checked from here; its error says so.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';

export const LOCK_FILE = '.lock';
const TAKEOVER_SUFFIX = '.takeover';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** random, so a process can tell its own lock from a later one with the same pid. */
  token: string;
  /** start time of the process in clock ticks since boot (Linux /proc/<pid>/stat field 22), if known. */
  processStart?: string;
  /** the owner's command line, for the message of a held lock. */
  command?: string[];
}

/** The run is locked by a live (or unverifiable) owner; the message says who holds it (exit 2). */
export class RunLockedError extends InputError {
  override name = 'RunLockedError';
  constructor(
    message: string,
    readonly lockFile: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(message);
  }
}

/** Start id of a process on Linux (field 22 of /proc/<pid>/stat), or undefined elsewhere. */
export function processStartId(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** 'stale' when the owner is provably gone (same host, dead pid or reused pid), 'held' otherwise. */
export function ownerState(owner: LockOwner, host = os.hostname()): 'held' | 'stale' {
  if (owner.host !== host) return 'held';
  if (!isProcessAlive(owner.pid)) return 'stale';
  if (owner.processStart !== undefined) {
    const now = processStartId(owner.pid);
    if (now !== undefined && now !== owner.processStart) return 'stale';
  }
  return 'held';
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.startedAt === 'string' && typeof o.token === 'string') return o as LockOwner;
  } catch {
    /* unreadable */
  }
  return undefined;
}

/** The owner recorded in a lock file; undefined when there is none; 'unreadable' when it is not a lock. */
export async function readLockOwner(file: string): Promise<LockOwner | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseOwner(text) ?? 'unreadable';
}

/**
 * Creates `file` with `content` only if it does not exist; false when it exists. A temp file hard-linked into
 * place, so the file never exists half-written; on file systems without hard links, an O_EXCL create.
 */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  try {
    await writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function describeOwner(o: LockOwner): string {
  const cmd = o.command?.length ? ` (mnv4-bench ${o.command.join(' ')})` : '';
  return `pid ${o.pid} on host ${o.host} since ${o.startedAt}${cmd}`;
}

/** Locks this process holds: released synchronously when the process exits without releasing them. */
const held = new Set<RunLock>();
let exitHookInstalled = false;

/** A held lock: release it when the run ends; one left held is released at process exit. */
export class RunLock {
  private released = false;
  constructor(
    readonly file: string,
    readonly owner: LockOwner,
  ) {
    held.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const l of [...held]) l.releaseSync();
      });
    }
  }

  /** The same lock after its directory was renamed to `dir` (run creation). */
  movedTo(dir: string): RunLock {
    held.delete(this);
    this.released = true;
    return new RunLock(path.join(dir, path.basename(this.file)), this.owner);
  }

  /** Removes the lock if it is still this process's own. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    const now = await readLockOwner(this.file).catch(() => undefined);
    if (typeof now === 'object' && now.token === this.owner.token) await unlink(this.file).catch(() => undefined);
  }

  /** release() for exit handlers, which cannot wait. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    try {
      const now = parseOwner(readFileSync(this.file, 'utf8'));
      if (now?.token === this.owner.token) unlinkSync(this.file);
    } catch {
      /* already gone */
    }
  }
}

export interface AcquireOptions {
  /** the command line recorded for other processes' messages. */
  command?: string[];
  /** what the run is called in messages (default: the directory name). */
  runName?: string;
}

/**
 * Takes the lock of `runDir` (which must exist) or throws RunLockedError naming the holder. A stale lock
 * (module comment) is taken over.
 */
export async function acquireRunLock(runDir: string, opts: AcquireOptions = {}): Promise<RunLock> {
  const file = path.join(runDir, LOCK_FILE);
  const name = opts.runName ?? path.basename(runDir);
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    ...(processStartId(process.pid) !== undefined ? { processStart: processStartId(process.pid)! } : {}),
    ...(opts.command ? { command: opts.command } : {}),
  };
  const content = `${JSON.stringify(owner)}\n`;
  // a few rounds: each round either wins, finds a live holder, or removes one stale lock.
  for (let round = 0; round < 5; round++) {
    if (await createExclusive(file, content)) return new RunLock(file, owner);
    const holder = await readLockOwner(file);
    if (holder === undefined) continue; // released in between: try again
    if (holder === 'unreadable') {
      throw new RunLockedError(`run '${name}' has a lock file that is not readable (${file}); if no mnv4-bench is working on this run, delete that file`, file, undefined);
    }
    if (ownerState(holder) === 'held') {
      const fix = holder.host === owner.host ? `wait for it to finish (or stop it: kill ${holder.pid})` : `this host cannot check that process; if it is gone, delete ${file}`;
      throw new RunLockedError(`run '${name}' is in use by ${describeOwner(holder)}; ${fix}`, file, holder);
    }
    await removeStaleLock(file, holder);
  }
  throw new RunLockedError(`run '${name}': could not take its lock ${file} (other processes keep taking it); try again`, file, undefined);
}

/** Removes `file` if it still holds the stale `stale` owner, under the takeover guard. */
async function removeStaleLock(file: string, stale: LockOwner): Promise<void> {
  const guard = file + TAKEOVER_SUFFIX;
  const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  if (!(await createExclusive(guard, JSON.stringify(me)))) {
    // someone else is taking over; if that one died mid-takeover, clear its guard and let the next round retry.
    const other = await readLockOwner(guard);
    if (other === 'unreadable' || (typeof other === 'object' && ownerState(other) === 'stale')) await unlink(guard).catch(() => undefined);
    else await new Promise((r) => setTimeout(r, 20));
    return;
  }
  try {
    const now = await readLockOwner(file);
    if (typeof now === 'object' && now.token === stale.token) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}
