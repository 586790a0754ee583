#!/usr/bin/env node
/**
 * The `mnv4-bench` command line. Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program)`. Exit codes: 0 success, 2 bad usage or input, 1 a failed run (see errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../paths.js';
import { EXIT_USAGE, exitCodeFor, oneLine } from './errors.js';
import * as bench from './commands/bench.js';
import * as exportCmd from './commands/export.js';
import * as lut from './commands/lut.js';
import * as models from './commands/models.js';
import * as run from './commands/run.js';
import * as space from './commands/space.js';
import * as targets from './commands/targets.js';

export function buildProgram(): Command {
  const program = new Command('mnv4-bench')
    .description('Latency profiler and benchmark suite for MobileNetV4: models, exports, runners, measurements.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const cmd of [run, models, space, exportCmd, bench, targets, lut]) cmd.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return 0;
      return EXIT_USAGE;
    }
    process.stderr.write(`mnv4-bench: ${oneLine(err)}\n`);
    return exitCodeFor(err);
  }
}

/** True when this file is the process entry point (directly, or through the npm bin symlink). */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/** Exits once stdout and stderr are flushed: writes to a pipe are asynchronous, and exiting early truncates them. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(exitAfterFlush);
}
