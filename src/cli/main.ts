#!/usr/bin/env node
/**
 * The `mnv4-bench` command line. Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program, cli)`; commands only parse options and call the engine (src/engine) and the renderers
 * (src/report). `main(argv, io)` is the whole program minus process exit, so tests call it directly.
 * Exit codes (src/cli/errors.ts exitCodeFor, the one place): 0 success, 2 bad usage or input, 1 a failed
 * run, 130 interrupted.
 */
import { Command, CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../paths.js';
import { EXIT_USAGE, exitCodeFor, oneLine } from './errors.js';
import { processIO, type CliContext, type CliIO } from './io.js';
import * as bench from './commands/bench.js';
import * as compare from './commands/compare.js';
import * as dashboard from './commands/dashboard.js';
import * as devices from './commands/devices.js';
import * as report from './commands/report.js';
import * as exportCmd from './commands/export.js';
import * as lut from './commands/lut.js';
import * as models from './commands/models.js';
import * as results from './commands/results.js';
import * as run from './commands/run.js';
import * as space from './commands/space.js';
import * as targets from './commands/targets.js';

export function buildProgram(cli: CliContext): Command {
  const { io } = cli;
  const program = new Command('mnv4-bench')
    .description('Latency profiler and benchmark suite for MobileNetV4: models, exports, runners, measurements.')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // commander's own parse errors: one line with our prefix and where to look
      outputError: (s, write) =>
        write(
          `mnv4-bench: ${s
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()} (see mnv4-bench --help)\n`,
        ),
    });
  for (const cmd of [run, devices, models, space, exportCmd, bench, targets, report, compare, dashboard, lut, results]) cmd.register(program, cli);
  return program;
}

/** Runs the command line `argv` (without node and script paths) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const program = buildProgram({ io, argv: [...argv] });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; commander already printed its message.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    io.err(`mnv4-bench: ${oneLine(err)}\n`);
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
