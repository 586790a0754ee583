/** Runs the whole command line in-process through `main(argv, io)`, capturing what it writes. */
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `main(argv)` with captured streams (never a terminal) and, for its duration, extra environment variables. */
export async function runMain(argv: string[], env: Record<string, string> = {}): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { out: (s) => void (stdout += s), err: (s) => void (stderr += s), errIsTTY: false, outIsTTY: false };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await main(argv, io);
    return { code, stdout, stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
