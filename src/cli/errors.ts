/**
 * Exit codes and the CLI's own error classes: 0 success, 2 bad usage or bad input (any InputError, from any
 * module), 1 a run that failed, 130 interrupted. `exitCodeFor` is the one place that maps errors to codes.
 * Every error prints as one line `mnv4-bench: <message>` that says what to do.
 */
import { InputError } from '../errors.js';
import { MAX_RESOLUTION, MIN_RESOLUTION } from '../models/graph.js';

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Bad flags or flag values: exit 2. */
export class UsageError extends InputError {
  override name = 'UsageError';
}

/** Something that was asked for correctly failed while running (a dead browser, a runtime error): exit 1. */
export class RunError extends Error {
  override name = 'RunError';
}

/** The user interrupted the command (Ctrl-C); what finished is saved: exit 130. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) return EXIT_USAGE;
  if (err instanceof InterruptedError) return EXIT_INTERRUPTED;
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
