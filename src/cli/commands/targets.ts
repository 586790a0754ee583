/**
 * `mnv4-bench targets [--json] [--refresh]`: every target the tool knows, whether it can run here (with the
 * reason when not), its runtime/backend and settings. Checks are cached (src/runners/registry.ts);
 * --refresh checks again.
 */
import type { Command } from 'commander';
import { textTable } from '../../report/table.js';
import { configureBrowserTargets, shutdownBrowserTargets } from '../../runners/browser-runners.js';
import { detectTargets, type TargetStatus } from '../../runners/registry.js';
import type { CliContext } from '../io.js';

interface TargetsOptions {
  json?: boolean;
  refresh?: boolean;
  chromium?: string;
}

function settingsText(t: TargetStatus): string {
  return t.settings.map((s) => `${s.key}=${String(s.default)}${s.type === 'enum' ? ` (${s.values?.join('|')})` : s.type === 'int' ? ` (${s.min ?? ''}..${s.max ?? ''})` : ''}`).join(', ');
}

/** Lists targets; returns the statuses. */
export async function runTargets(o: TargetsOptions, out: (s: string) => void): Promise<TargetStatus[]> {
  if (o.chromium !== undefined) configureBrowserTargets({ chromiumPath: o.chromium });
  let list: TargetStatus[];
  try {
    list = await detectTargets({ refresh: o.refresh === true });
  } finally {
    await shutdownBrowserTargets();
  }
  if (o.json) {
    out(`${JSON.stringify(list, null, 2)}\n`);
    return list;
  }
  /** a GPU target whose adapter is a software fallback (SwiftShader) runs, but its figures are not GPU latencies. */
  const software = (t: (typeof list)[number]): boolean => {
    const adapter = t.availability.available ? (t.availability.details.adapter as { isFallbackAdapter?: boolean; architecture?: string } | undefined) : undefined;
    return adapter?.isFallbackAdapter === true || adapter?.architecture === 'swiftshader';
  };
  const rows = list.map((t) => [
    t.id,
    t.availability.available ? (software(t) ? 'yes (software GPU)' : 'yes') : 'no',
    `${t.runtime} / ${t.backend}`,
    t.formats.join(','),
    t.availability.available ? settingsText(t) : t.availability.reason,
  ]);
  out(`${textTable([{ header: 'target' }, { header: 'available' }, { header: 'runtime / backend' }, { header: 'formats' }, { header: 'settings (default) or reason' }], rows)}\n`);
  const cached = list.filter((t) => t.cached).length;
  if (cached > 0) out(`(${cached} of ${list.length} from the cache; --refresh to check again)\n`);
  if (list.some(software)) out('software GPU: the only WebGPU adapter is a software fallback (SwiftShader): runs are measured and flagged, but are not GPU latencies\n');
  return list;
}

export function register(program: Command, { io }: CliContext): void {
  program
    .command('targets')
    .description('list the targets (runtime + backend) and whether each can run on this host, with the reason when not')
    .option('--json', 'machine-readable output')
    .option('--refresh', 'ignore the cached availability and check again')
    .option('--chromium <path>', 'Chromium binary for browser targets (default: $MNV4_BENCH_CHROMIUM or PATH)')
    .action(async (opts: TargetsOptions) => {
      await runTargets(opts, io.out);
    });
}
