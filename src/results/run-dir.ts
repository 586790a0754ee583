/**
 * Run ids and the creation and opening of run directories, so that a run is owned by one process, created
 * atomically, and never silently reused or written outside the results folder.
 *
 * - A run id is one path component: letters, digits, `_`, `.`, `-`, starting with a letter, digit or `_`
 *   (so never `.`, `..`, a hidden name or something that reads as a flag), at most 128 characters.
 * - Creating a run: the run directory is assembled under a hidden temporary name in the results folder
 *   (lock taken, manifest written atomically) and then renamed into place. `rename` onto an existing,
 *   non-empty directory fails, so exactly one of several processes creating the same run succeeds, and a run
 *   directory never exists without its manifest and lock (an empty directory of that name is replaced).
 * - A directory without a manifest (a creation that was interrupted, or a folder that is not a run) is
 *   reported as such, never reused: neither a new run nor `--resume` writes into it.
 * - Opening a run to resume takes its lock first, so two `--resume` of one run cannot measure twice.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { fsError } from '../util/fs-errors.js';
import { acquireRunLock, LOCK_FILE, ownerState, readLockOwner, type RunLock } from './run-lock.js';

export const MANIFEST_NAME = 'manifest.json';
export const MEASUREMENTS_NAME = 'measurements.jsonl';
export const MAX_RUN_ID_LENGTH = 128;

/** A bad run id, results folder or run directory state: bad input (exit 2). */
export class RunDirError extends InputError {
  override name = 'RunDirError';
}

/** Checks a run id (module comment); returns it or throws RunDirError naming the flag. */
export function checkRunId(id: string, flag = '--run-id'): string {
  if (id === '') throw new RunDirError(`${flag} is empty: give a name such as 2025-01-01-conv-s (letters, digits, '_', '.', '-')`);
  if (id === '.' || id === '..') throw new RunDirError(`${flag} '${id}' is not a run name (it names a directory of the path); give a name such as 2025-01-01-conv-s`);
  if (/[/\\]/.test(id)) throw new RunDirError(`${flag} '${id}' contains a path separator; a run id is a single name inside the results folder (choose the folder with --out)`);
  if (id.length > MAX_RUN_ID_LENGTH) throw new RunDirError(`${flag} is ${id.length} characters long; use at most ${MAX_RUN_ID_LENGTH}`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(id)) {
    throw new RunDirError(`${flag} '${id}' may use only letters, digits, '_', '.' and '-', and must start with a letter, digit or '_'`);
  }
  return id;
}

/** Checks an `--out` value: a non-empty path. */
export function checkResultsRoot(out: string, flag = '--out'): string {
  if (out.trim() === '') throw new RunDirError(`${flag} is empty: give the results folder (e.g. ${flag} results), or leave the flag out for the default`);
  return out;
}

export type RunDirState =
  | { state: 'absent' }
  | { state: 'run' }
  /** exists, no manifest; `entries` = what it holds. */
  | { state: 'no-manifest'; entries: string[] }
  | { state: 'not-a-directory' };

/** What is at `runDir`. */
export function inspectRunDir(runDir: string): RunDirState {
  let st;
  try {
    st = statSync(runDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw fsError(e, runDir, { doing: 'read the run directory', expect: 'directory' });
  }
  if (!st.isDirectory()) return { state: 'not-a-directory' };
  if (existsSync(path.join(runDir, MANIFEST_NAME))) return { state: 'run' };
  return { state: 'no-manifest', entries: readdirSync(runDir) };
}

/** The run ids in a results folder (directories with a manifest), newest name last. */
export function listRunIds(resultsRoot: string): string[] {
  try {
    return readdirSync(resultsRoot, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(path.join(resultsRoot, d.name, MANIFEST_NAME)))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

function noManifestMessage(runDir: string, runId: string, entries: string[]): string {
  const holds = entries.filter((e) => e !== LOCK_FILE);
  const what = holds.length ? `it holds ${holds.join(', ')}` : 'it is empty';
  return `${runDir} exists but has no ${MANIFEST_NAME} (an interrupted run creation, or not a run; ${what}); it is not reused: move it away or delete it (rm -r '${runDir}'), or choose another run id than '${runId}'`;
}

/** A run directory this process owns (its lock is held). */
export interface OwnedRun {
  runDir: string;
  lock: RunLock;
}

export interface CreateRunOptions {
  /** command line recorded in the lock, for other processes' messages. */
  command?: string[];
  /** writes the manifest atomically into the (new, locked) run directory. */
  writeManifest: (manifestPath: string) => Promise<void>;
}

/**
 * Creates `<resultsRoot>/<runId>/` atomically (module comment) and returns it locked. Throws RunDirError
 * when it exists (a run: "--resume", or "being written" while another process holds it; no manifest: not
 * reused), FsError when the results folder cannot be created or written.
 */
export async function createRun(resultsRoot: string, runId: string, opts: CreateRunOptions): Promise<OwnedRun> {
  checkRunId(runId);
  checkResultsRoot(resultsRoot);
  const runDir = path.join(resultsRoot, runId);
  try {
    await mkdir(resultsRoot, { recursive: true });
  } catch (e) {
    throw fsError(e, resultsRoot, { doing: 'create the results folder', expect: 'directory', flag: '--out' });
  }
  const existing = inspectRunDir(runDir);
  if (existing.state !== 'absent' && !(existing.state === 'no-manifest' && existing.entries.length === 0)) throw await existingRunError(resultsRoot, runId);
  await removeStaleStaging(resultsRoot, runId);
  const staging = path.join(resultsRoot, `${stagingPrefix(runId)}${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging);
  } catch (e) {
    throw fsError(e, resultsRoot, { doing: 'create a run in the results folder', expect: 'directory', flag: '--out' });
  }
  let staged: RunLock | undefined;
  try {
    staged = await acquireRunLock(staging, { runName: runId, ...(opts.command ? { command: opts.command } : {}) });
    await opts.writeManifest(path.join(staging, MANIFEST_NAME));
  } catch (e) {
    await staged?.release();
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw fsError(e, runDir, { doing: 'write the run manifest', expect: 'directory', flag: '--out' });
  }
  try {
    await rename(staging, runDir);
  } catch (e) {
    await staged.release();
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw await existingRunError(resultsRoot, runId);
    throw fsError(e, runDir, { doing: 'create the run directory', expect: 'directory', flag: '--out' });
  }
  return { runDir, lock: staged.movedTo(runDir) };
}

/** Hidden name prefix of a run being assembled (see the module comment). */
const stagingPrefix = (runId: string): string => `.${runId}.creating.`;

/** Removes staging folders of `runId` left by creators that died (their lock is stale). */
async function removeStaleStaging(resultsRoot: string, runId: string): Promise<void> {
  const names = readdirSync(resultsRoot).filter((n) => n.startsWith(stagingPrefix(runId)));
  for (const name of names) {
    const dir = path.join(resultsRoot, name);
    const owner = await readLockOwner(path.join(dir, LOCK_FILE)).catch(() => undefined);
    if (typeof owner === 'object' && ownerState(owner) === 'stale') await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The error for a run directory that already exists when creating a new run. */
async function existingRunError(resultsRoot: string, runId: string): Promise<Error> {
  const runDir = path.join(resultsRoot, runId);
  const state = inspectRunDir(runDir);
  if (state.state === 'not-a-directory') return new RunDirError(`${runDir} exists and is not a directory; choose another run id than '${runId}' or remove that file`);
  // another process may be creating it right now: say so rather than "no manifest".
  const holder = await readLockOwner(path.join(runDir, LOCK_FILE)).catch(() => undefined);
  if (typeof holder === 'object' && ownerState(holder) === 'held') {
    return new RunDirError(`run '${runId}' in ${resultsRoot} is being written by pid ${holder.pid} on host ${holder.host} (since ${holder.startedAt}); choose another run id`);
  }
  if (state.state === 'no-manifest') return new RunDirError(noManifestMessage(runDir, runId, state.entries));
  return new RunDirError(`run '${runId}' already exists in ${resultsRoot}; continue it with --resume ${runId}, or choose another --run-id`);
}

/**
 * Opens an existing run to resume it and returns it locked. Throws RunDirError when there is no such run
 * (listing the runs there) or it has no manifest, RunLockedError when another process holds it.
 */
export async function openRunForResume(resultsRoot: string, runId: string, opts: { command?: string[] } = {}): Promise<OwnedRun> {
  checkRunId(runId, '--resume');
  checkResultsRoot(resultsRoot);
  const runDir = path.join(resultsRoot, runId);
  const state = inspectRunDir(runDir);
  if (state.state === 'absent') {
    const runs = listRunIds(resultsRoot);
    const there = runs.length ? `runs there: ${runs.slice(-8).join(', ')}${runs.length > 8 ? ', ...' : ''}` : 'it holds no runs';
    throw new RunDirError(`nothing to resume: no run '${runId}' in ${resultsRoot} (${there}); check --resume and --out`);
  }
  if (state.state === 'not-a-directory') throw new RunDirError(`cannot resume '${runId}': ${runDir} is not a directory`);
  if (state.state === 'no-manifest') throw new RunDirError(`cannot resume '${runId}': ${noManifestMessage(runDir, runId, state.entries)}`);
  const lock = await acquireRunLock(runDir, { runName: runId, ...(opts.command ? { command: opts.command } : {}) });
  // the manifest may have been removed between the check above and taking the lock: check again under it.
  if (!existsSync(path.join(runDir, MANIFEST_NAME))) {
    await lock.release();
    throw new RunDirError(`cannot resume '${runId}': ${noManifestMessage(runDir, runId, readdirSync(runDir))}`);
  }
  return { runDir, lock };
}
