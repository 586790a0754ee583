/**
 * CLI error classes and exit codes: 0 success, 2 bad usage or bad input, 1 a run that failed.
 * Every error prints as one line `mnv4-bench: <message>` that says what to do.
 */
import { InputError } from '../errors.js';
import { MAX_RESOLUTION, MIN_RESOLUTION, ModelSpecError } from '../models/graph.js';

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad flags, bad values, unknown names, malformed input files: exit 2. */
export class UsageError extends InputError {
  override name = 'UsageError';
}

/** Something that was asked for correctly failed while running (a dead browser, a runtime error): exit 1. */
export class RunError extends Error {
  override name = 'RunError';
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError || err instanceof ModelSpecError) return EXIT_USAGE;
  if (err && typeof err === 'object' && 'exitCode' in err && typeof (err as { exitCode: unknown }).exitCode === 'number') {
    return (err as { exitCode: number }).exitCode;
  }
  return EXIT_RUN_FAILED;
}

/** One line: the message without stack, newlines folded. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

/** Parses an integer flag value in [min, max] or throws a UsageError naming the flag. */
export function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/** Checks a flag value against a fixed set or throws a UsageError listing the allowed values. */
export function parseChoice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** `--resolution N` (undefined when absent: the model's native resolution). */
export function parseResolutionFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseIntFlag('--resolution', value, MIN_RESOLUTION, MAX_RESOLUTION);
}
