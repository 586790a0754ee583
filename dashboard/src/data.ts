/**
 * The data the page draws: `DashboardData` as src/report/dashboard.ts writes it (the same types, imported),
 * embedded in index.html as JSON. `readDashboardData` parses it and checks the shape the page walks (the
 * top-level fields and the kind of each), so a file of another version gives one clear message instead of a
 * script error halfway through. The shape tables are typed `Record<keyof ...>`: a field added to the view
 * model fails to compile here until it is listed.
 */
import type { Analysis } from '../../src/report/analysis.js';
import type { DashboardData } from '../../src/report/dashboard.js';

export type { DashboardData };

type Kind = 'array' | 'string' | 'object' | 'object|null';

const DATA_SHAPE = { generatedAt: 'string', tool: 'object', analysis: 'object', compare: 'object|null', lut: 'object|null' } satisfies Record<
  keyof DashboardData,
  Kind
>;
const ANALYSIS_SHAPE = {
  runs: 'array',
  problems: 'array',
  targets: 'array',
  models: 'array',
  pareto: 'array',
  modelRows: 'array',
  efficiency: 'array',
  blocks: 'array',
  ops: 'array',
  deviceModels: 'array',
  spaceFrontiers: 'array',
  citation: 'string',
  sustained: 'array',
} satisfies Record<keyof Analysis, Kind>;

function kindOk(v: unknown, kind: Kind): boolean {
  if (kind === 'array') return Array.isArray(v);
  if (kind === 'string') return typeof v === 'string';
  if (kind === 'object|null' && v === null) return true;
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first field of `v` that does not have the kind `shape` gives it (`analysis.pareto`), or null. */
function misfit(v: Record<string, unknown>, shape: Record<string, Kind>, prefix: string): string | null {
  for (const [k, kind] of Object.entries(shape)) if (!kindOk(v[k], kind)) return `${prefix}${k} is not ${kind.replace('|', ' or ')}`;
  return null;
}

/** Parses the embedded JSON; `problem` says what is wrong (and what to do) when it cannot be drawn. */
export function readDashboardData(text: string): { data: DashboardData; problem: null } | { data: null; problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { data: null, problem: `The embedded data could not be read (${(e as Error).message}); rebuild the dashboard with mnv4-bench dashboard.` };
  }
  const why = !kindOk(v, 'object')
    ? 'it is not an object'
    : (misfit(v as Record<string, unknown>, DATA_SHAPE, '') ??
      misfit((v as { analysis: Record<string, unknown> }).analysis, ANALYSIS_SHAPE, 'analysis.'));
  if (why)
    return { data: null, problem: `The embedded data is not what this dashboard draws (${why}); rebuild the dashboard with mnv4-bench dashboard.` };
  return { data: v as DashboardData, problem: null };
}
