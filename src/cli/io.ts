/** Where a command writes: stdout for results, stderr for progress and errors. Tests pass their own. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress may redraw a bar (otherwise plain lines). */
  errIsTTY: boolean;
  /** stdout is a terminal (results and progress share the screen). */
  outIsTTY: boolean;
  /** the stream a progress bar draws on (stderr for the real process). */
  errStream?: NodeJS.WritableStream;
}

/** The real process's streams. */
export function processIO(): CliIO {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    errIsTTY: process.stderr.isTTY === true,
    outIsTTY: process.stdout.isTTY === true,
    errStream: process.stderr,
  };
}

/** Runs `fn` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts; the handlers are removed afterwards. */
export async function withInterrupt<T>(io: CliIO, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) return;
    io.err(`\n${sig === 'SIGINT' ? 'interrupt' : sig}: stopping the session in flight (it will not be recorded)\n`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** What every command gets from main: its streams and the exact arguments it was started with. */
export interface CliContext {
  io: CliIO;
  /** the command line after the program name, e.g. ['run', '--device', 'host']; recorded in manifests. */
  argv: readonly string[];
}
