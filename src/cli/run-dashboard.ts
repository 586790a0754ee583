/**
 * The dashboard a measuring command builds at its end, in `<runDir>/dashboard/` (src/report/dashboard.ts).
 * Shared wiring of `run` (and any command that writes a run), so commands need not import each other.
 */
import path from 'node:path';
import { buildDashboard, type DashboardBuild } from '../report/dashboard.js';
import { describeBuild } from '../report/dashboard-text.js';
import { loadRuns } from '../report/load.js';
import type { CliIO } from './io.js';

/**
 * The dashboard of one run, in `<runDir>/dashboard/` (what `run` builds at its end). Never throws: a run's
 * results matter more than its dashboard, so a failure is one line on stderr.
 */
export async function buildRunDashboard(runDir: string, io: CliIO, opts: { json?: boolean } = {}): Promise<DashboardBuild | null> {
  try {
    const loaded = await loadRuns([runDir]);
    const build = buildDashboard(loaded, path.join(runDir, 'dashboard'));
    (opts.json ? io.err : io.out)(`${describeBuild(build, loaded.runs.length)}\n`);
    return build;
  } catch (e) {
    io.err(
      `dashboard not built: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]} (the run's results are saved; try 'mnv4-bench dashboard ${runDir}')\n`,
    );
    return null;
  }
}
