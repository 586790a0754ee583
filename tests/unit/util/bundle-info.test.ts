/** Freshness of the esbuild bundles under dist/ (browser pages, dashboard): when a source checkout rebuilds. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDashboardBundle } from '../../../src/report/dashboard-bundle.js';
import { bundleStaleReason } from '../../../src/util/bundle-info.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-bundle-info-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string, info: string | null, files: Record<string, number> = {}): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'dist', 'b'), { recursive: true });
  if (info !== null) writeFileSync(path.join(root, 'dist', 'b', 'build-info.json'), info);
  for (const [rel, mtimeMs] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), 'x');
    utimesSync(path.join(root, rel), mtimeMs / 1000, mtimeMs / 1000);
  }
  return root;
}

const info = (o: { builtAt?: number; entries?: string[]; inputs?: string[] }) =>
  JSON.stringify({ builtAt: 2_000_000, entries: ['app.js'], inputs: [], ...o });

describe('bundleStaleReason', () => {
  it('is null when every entry exists and no source changed since the build', () => {
    const root = project('fresh', info({ inputs: ['src/a.ts', 'node_modules/x/y.js', 'src/gone.ts'] }), {
      'dist/b/app.js': 2_000_000,
      'src/a.ts': 1_000_000,
      // node_modules changes only on install, and a source an installed package does not ship is skipped
      'node_modules/x/y.js': 3_000_000,
    });
    expect(bundleStaleReason(root, 'dist/b', 'widget bundle')).toBeNull();
  });
  it('names why a rebuild is needed: never built, unreadable info, a missing entry, a changed source', () => {
    expect(bundleStaleReason(project('none', null), 'dist/b', 'widget bundle')).toBe('the widget bundle (dist/b) has not been built');
    expect(bundleStaleReason(project('torn', '{"builtAt":'), 'dist/b', 'widget bundle')).toBe('dist/b/build-info.json is unreadable');
    expect(bundleStaleReason(project('no-entry', info({})), 'dist/b', 'widget bundle')).toBe('dist/b/app.js is missing');
    const changed = project('changed', info({ inputs: ['src/a.ts'] }), { 'dist/b/app.js': 2_000_000, 'src/a.ts': 2_500_000 });
    expect(bundleStaleReason(changed, 'dist/b', 'widget bundle')).toBe('widget bundle source src/a.ts changed since the last build');
  });
});

describe('ensureDashboardBundle', () => {
  it('without a bundle and without the build script: one line saying to reinstall', () => {
    expect(() => ensureDashboardBundle(project('bare', null))).toThrow(
      /^the dashboard bundle \(dist\/dashboard\) has not been built, and scripts\/build-dashboard\.mjs is not there to build it; reinstall mnv4-bench$/,
    );
  });
});
