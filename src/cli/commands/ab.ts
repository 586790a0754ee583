/**
 * `mnv4-bench bench --ab`: two sides measured in randomized interleaved order in this one process
 * (src/engine/ab.ts), the ratio B / A with its CI and a verdict.
 *
 *   mnv4-bench bench --ab --target ort-cpu --model conv-m,conv-l          two workloads (A = first)
 *   mnv4-bench bench --ab --target ort-cpu,ort-wasm --model conv-s        two targets
 *   mnv4-bench bench --ab --target ort-cpu --model conv-s --set-b threads=2   two settings of one target
 */
import { AB_PAIRS, AB_SESSIONS, measureAb, ortOpener, resolveAbSide, type AbResult, type AbSide } from '../../engine/ab.js';
import type { ExportDtype } from '../../models/export/cache.js';
import type { TargetSettings } from '../../core/target.js';
import { formatEstimate, formatPercent, formatSig } from '../../report/numbers.js';
import { parseIntFlag, UsageError } from '../errors.js';
import { withInterrupt, type CliContext } from '../io.js';

/** What `bench --ab` needs of bench's parsed options. */
export interface AbCommandInput {
  workloads: string[];
  targets: string[];
  settings: TargetSettings;
  settingsB: TargetSettings;
  dtype: ExportDtype;
  resolution?: number;
  sessions?: number;
  pairs?: string;
  json?: boolean;
  /** print the two sides and the shape, measure nothing. */
  dryRun?: boolean;
}

const label = (s: AbSide, name: 'A' | 'B') =>
  `${name}: ${s.workload} on ${s.target}${
    Object.keys(s.settings).length
      ? ` (${Object.entries(s.settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')})`
      : ''
  }`;

/** The two sides from the options; a usage error says which combinations there are. */
export function abSides(i: AbCommandInput): [AbSide, AbSide] {
  const side = (workload: string, target: string, settings: TargetSettings): AbSide => ({
    label: '',
    workload,
    target,
    settings,
    dtype: i.dtype,
    ...(i.resolution !== undefined ? { resolution: i.resolution } : {}),
  });
  const hasB = Object.keys(i.settingsB).length > 0;
  let a: AbSide;
  let b: AbSide;
  if (i.workloads.length === 2 && i.targets.length === 1 && !hasB) {
    a = side(i.workloads[0]!, i.targets[0]!, i.settings);
    b = side(i.workloads[1]!, i.targets[0]!, i.settings);
  } else if (i.workloads.length === 1 && i.targets.length === 2 && !hasB) {
    a = side(i.workloads[0]!, i.targets[0]!, i.settings);
    b = side(i.workloads[0]!, i.targets[1]!, i.settings);
  } else if (i.workloads.length === 1 && i.targets.length === 1 && hasB) {
    a = side(i.workloads[0]!, i.targets[0]!, i.settings);
    b = side(i.workloads[0]!, i.targets[0]!, { ...i.settings, ...i.settingsB });
  } else {
    throw new UsageError(
      `--ab compares two sides: two workloads on one target, one workload on two targets, or one of each with --set-b key=value for B (got ${i.workloads.length} workload(s), ${i.targets.length} target(s))`,
    );
  }
  const ra = resolveAbSide(a);
  const rb = resolveAbSide(b);
  return [
    { ...ra, label: label(ra, 'A') },
    { ...rb, label: label(rb, 'B') },
  ];
}

/** The human summary of an A/B result. */
export function formatAb(r: AbResult): string {
  const s = r.summary;
  const e = formatEstimate(s.ratio, s.ci.lo, s.ci.hi);
  const v = r.verdict;
  const verdict =
    v.verdict === 'no-change'
      ? `no change found (a change under ${formatPercent(Math.max(v.resolution, 0.01))} could not be told from none)`
      : `B ${v.verdict} than A by ${formatPercent(Math.abs(v.change))}`;
  return [
    `A/B, randomized interleaved order in one process: ${s.k} sessions x ${s.sessionPairs[0]} pairs (${formatSig(r.wallMs / 1000, 3)} s)`,
    `  ${r.a.label}`,
    `  ${r.b.label}`,
    `  B/A = ${e.value}   ${Math.round(s.ci.confidence * 100)}% CI [${e.lo}, ${e.hi}] (±${formatPercent(s.ci.relHalfWidth)}, sessions included)   verdict: ${verdict}`,
    `  absolute (medians of the paired batches): A ${formatSig(s.referenceMs)} ms, B ${formatSig(s.workloadMs)} ms; A moved ${formatPercent(s.host.referenceRangeRel)} across sessions (the host), which the ratio cancels`,
  ].join('\n');
}

/** Runs `bench --ab`. */
export async function runAbCommand(i: AbCommandInput, cli: CliContext): Promise<AbResult | undefined> {
  const [a, b] = abSides(i);
  const pairs = i.pairs === undefined ? AB_PAIRS : parseIntFlag('--pairs', i.pairs, 6, 100_000);
  const sessions = i.sessions ?? AB_SESSIONS;
  if (sessions < 2) throw new UsageError('--ab needs --sessions of at least 2 (the CI counts the variation between sessions)');
  if (i.dryRun) {
    cli.io.out(`A/B in one process, ${sessions} sessions x ${pairs} pairs, randomized interleaved order
  ${a.label}
  ${b.label}
`);
    return undefined;
  }
  const r = await withInterrupt(cli.io, (signal) =>
    measureAb(a, b, ortOpener(), {
      sessions,
      pairs,
      signal,
      onSession: (k, ratio) => cli.io.err(`session ${k + 1}/${sessions}: B/A ${formatSig(ratio, 4)}\n`),
    }),
  );
  if (i.json)
    cli.io.out(`${JSON.stringify({ a: r.a, b: r.b, summary: r.summary, verdict: r.verdict, wallMs: r.wallMs, provenance: 'measured' }, null, 2)}\n`);
  else cli.io.out(`${formatAb(r)}\n`);
  return r;
}
