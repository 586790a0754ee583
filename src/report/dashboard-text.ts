/** The line `dashboard`, `run` and `report` print about a dashboard folder they built (src/report/dashboard.ts). */
import path from 'node:path';
import type { DashboardBuild } from './dashboard.js';

/** Where the dashboard is, how many runs it shows and its size. */
export function describeBuild(b: DashboardBuild, runs: number): string {
  const kib = Object.values(b.files).reduce((s, v) => s + v, 0) / 1024;
  return `dashboard: ${path.resolve(b.index)} (${runs} run${runs === 1 ? '' : 's'}, ${kib.toFixed(0)} KiB; open it from disk, no server needed)`;
}
