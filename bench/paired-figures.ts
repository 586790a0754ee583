/**
 * The docs/figures shape (docs/figures/README.md) of bench:ab's and bench:repeat's output: a title, the
 * command, the host and a table; the raw figures stay beside it in the same JSON.
 */
import os from 'node:os';

const hostOf = (line: string) => ({
  cpu: os.cpus()[0]?.model ?? 'unknown CPU',
  cores: os.cpus().length,
  note: `shared VM (other sessions running); ${line.replace(/^host: [^,]+, \d+ CPUs, /, '')}`,
});

interface AbOut {
  command: string;
  host: string;
  measuredAt: string;
  a: { workload: string; msPerInference: number };
  sessions: number;
  pairs: number;
  results: {
    condition: string;
    trials: number;
    expected: string;
    rate: number;
    medianRatio: number;
    medianCiHalfWidth: number;
    medianWallS: number;
  }[];
  simulation: { results: { trueRatio: number; runs: number; slowerRate: number }[] };
}

/** bench:ab as a figure. */
export function abFigure(out: AbOut): Record<string, unknown> {
  return {
    title: `A/B in one process: ${out.a.workload} on ort-cpu (1 thread) against itself plus a known extra op; ${out.sessions} sessions x ${out.pairs} pairs per trial`,
    provenance: 'measured',
    command: out.command,
    date: out.measuredAt.slice(0, 16).replace('T', ' '),
    host: hostOf(out.host),
    columns: [
      'condition',
      'expected verdict',
      { header: 'trials', digits: 0 },
      { header: 'expected verdict found', unit: '%', digits: 0 },
      { header: 'median B/A', digits: 4 },
      { header: 'median CI half-width', unit: '%', digits: 1 },
      { header: 'median trial', unit: 's', digits: 1 },
    ],
    rows: [
      ...out.results.map((r) => [r.condition, r.expected, r.trials, r.rate * 100, r.medianRatio, r.medianCiHalfWidth * 100, r.medianWallS]),
      ...out.simulation.results.map((s) => [
        `simulated (seeded): true B/A ${s.trueRatio}`,
        s.trueRatio === 1 ? 'no-change' : 'slower',
        s.runs,
        (s.trueRatio === 1 ? 1 - s.slowerRate : s.slowerRate) * 100,
        null,
        null,
        null,
      ]),
    ],
    notes: [
      `A's inference took ${out.a.msPerInference.toFixed(2)} ms during calibration (minimum of 200); the extra op (float64 multiply-adds) was sized to 2% / 5% of it`,
      'simulated rows: 200 seeded runs of 10 sessions x 20 pairs on a drifting host (src/profiles/paired-sim.ts AB_SIMULATION), labelled simulated',
    ],
  };
}

interface RepeatOut {
  command: string;
  host: string;
  measuredAt: string;
  preset: string;
  sessions: number;
  reference: string | null;
  wallS: { a: number; b: number };
  rows: {
    workload: string;
    a: { ratio: number; lo: number; hi: number; medianMs: number };
    b: { ratio: number; lo: number; hi: number; medianMs: number };
    ratioChange: number;
    insideACi: boolean;
    within2pct: boolean;
    absoluteChange: number;
    hostChange: number;
  }[];
}

/** bench:repeat as a figure. */
export function repeatFigure(out: RepeatOut): Record<string, unknown> {
  return {
    title: `Repeatability of the ratio to the co-measured reference (${out.reference ?? 'none'}): two runs of the five MNv4 models on ort-cpu, a CPU-bound process beside run B`,
    provenance: 'measured',
    command: out.command,
    date: out.measuredAt.slice(0, 16).replace('T', ' '),
    host: hostOf(out.host),
    columns: [
      'workload',
      { header: 'A ratio', digits: 4 },
      { header: 'A CI lo', digits: 4 },
      { header: 'A CI hi', digits: 4 },
      { header: 'B ratio', digits: 4 },
      { header: 'B/A ratio', unit: '%', digits: 2 },
      'B in A CI',
      'within 2%',
      { header: 'A', unit: 'ms', digits: 2 },
      { header: 'B', unit: 'ms', digits: 2 },
      { header: 'abs change', unit: '%', digits: 1 },
      { header: 'host (reference B/A)', unit: '%', digits: 1 },
    ],
    rows: out.rows.map((r) => [
      r.workload,
      r.a.ratio,
      r.a.lo,
      r.a.hi,
      r.b.ratio,
      r.ratioChange * 100,
      r.insideACi ? 'yes' : 'NO',
      r.within2pct ? 'yes' : 'NO',
      r.a.medianMs,
      r.b.medianMs,
      r.absoluteChange * 100,
      r.hostChange * 100,
    ]),
    notes: [
      `preset ${out.preset}, ${out.sessions} sessions per measurement; run A ${out.wallS.a.toFixed(0)} s, run B ${out.wallS.b.toFixed(0)} s`,
      'B/A ratio, abs change and host are B over A - 1, in %',
    ],
  };
}
