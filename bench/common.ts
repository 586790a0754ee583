/** Small helpers shared by the bench/ scripts (figures, not tests). */
import os from 'node:os';

/** `--name value` from argv, else the default. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v ?? def;
}

/** One line describing the host, printed at the top of every script. */
export function hostLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `host: ${cpu}, ${os.cpus().length} CPUs, Node ${process.versions.node}, load avg ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

/** The project's one median, for the scripts. */
export { median } from '../src/util/median.js';

export const pct = (x: number, digits = 2): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)}%`;
