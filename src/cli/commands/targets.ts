/**
 * `mnv4-bench targets [--device ID] [--json] [--refresh]`: every target the tool knows, whether it can run
 * on the device (this machine by default; with the reason when not), its runtime/backend and settings.
 * Checks are cached per device (src/runners/registry.ts); --refresh checks again.
 */
import type { Command } from 'commander';
import { tmpdir } from 'node:os';
import { loadDevice } from '../../profiles/device.js';
import { targetsTable } from '../../report/targets.js';
import { configureBrowserTargets } from '../../runners/browser-runners.js';
import { type TargetStatus } from '../../core/target.js';
import { detectTargets, disposeRunners } from '../../runners/registry.js';
import { localContext, type RunContext } from '../../core/target.js';
import { UsageError } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, type SharedValues } from '../options.js';

type TargetsOptions = SharedValues;

/** Lists targets; returns the statuses. */
export async function runTargets(o: TargetsOptions, out: (s: string) => void): Promise<TargetStatus[]> {
  const device = o.device !== undefined ? loadDevice(o.device) : undefined;
  if (device?.connection.kind === 'none')
    throw new UsageError(`device ${device.id} cannot be reached from here (${device.connection.reason}); it has no targets to check`);
  const context: RunContext = device
    ? { deviceId: device.id, connection: device.connection, signal: new AbortController().signal, scratchDir: tmpdir() }
    : localContext();
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });
  let list: TargetStatus[];
  try {
    list = await detectTargets({ refresh: o.refresh === true, context });
  } finally {
    await disposeRunners();
  }
  out(o.json ? `${JSON.stringify(list, null, 2)}\n` : `${targetsTable(list, context.deviceId)}\n`);
  return list;
}

export function register(program: Command, { io }: CliContext): void {
  const cmd = program
    .command('targets')
    .description('list the targets (runtime + backend) and whether each can run on a device (default: this machine), with the reason when not');
  addOptions(cmd, [
    ['device', { help: 'check on this device profile (id or path to a .json) instead of this machine' }],
    ['json', { help: 'machine-readable output' }],
    'refresh',
    'chromium',
  ]).action(async (opts: TargetsOptions) => {
    await runTargets(opts, io.out);
  });
}
