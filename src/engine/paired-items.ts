/**
 * Measuring against the space's reference in PAIRS (issue 21: `lut validate` and `lut search`'s check of its
 * frontier interleave every architecture with the reference). For each round (k rounds = k sessions) the
 * items come in a seeded random order, and each item is measured back to back with the reference, which of
 * the two goes first decided by a seeded coin: one session of each (its own session creation, warm-up and
 * samples). An item's figure is the median over rounds of its session median / the reference's session
 * median of the same pair, so a change of the host between pairs moves both sides of a ratio alike.
 *
 * The statistics (ratio and its CI over the rounds) are src/profiles/paired.ts's summarisePaired, one pair per
 * round. The loop is this module's: whole sessions of any target (src/engine/ab.ts times batches within
 * sessions, ort-cpu/ort-wasm only, 10 sessions x 20 pairs per comparison: too dear for 50 architectures on a
 * shared 2-core host). It calls the runners directly, not the run engine, and appends every
 * pair as a JSON line to `<results>/<run id>/paired.jsonl` as it ends (nothing measured is lost; a paired
 * run is not resumable).
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Plan, Job } from './plan.js';
import type { RunContext } from '../core/target.js';
import type { PreparedWorkload } from '../core/workload-file.js';
import { prepareWorkload } from '../runners/prepare.js';
import { disposeRunners } from '../runners/registry.js';
import { sessionCenter } from '../results/records.js';
import { mulberry32 } from '../util/random.js';
import { summarisePaired } from '../profiles/paired.js';
import { AB_TARGETS, measureAb, ortOpener, type AbSide } from './ab.js';
import { median } from '../util/median.js';
import { InputError } from '../errors.js';

/** Where and how a paired measurement runs (the fields of src/lut/measure.ts LutExecution it uses). */
export interface PairedExecution {
  outDir: string;
  runId: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** tests: a prepare that does not export. */
  prepare?: (job: Job) => Promise<PreparedWorkload>;
  seed?: number;
}

export interface PairedSession {
  round: number;
  /** which of the pair ran first (a seeded coin). */
  first: 'item' | 'reference';
  itemMs: number;
  referenceMs: number;
  ratio: number;
}

export interface PairedMeasurement {
  text: string;
  workloadId: string;
  sessions: PairedSession[];
  /** median over rounds of item / reference (src/profiles/paired.ts summarisePaired: one pair per round). */
  ratio: number;
  /** its 95% CI (summarisePaired's hierarchical CI over the rounds). */
  ci: { lo: number; hi: number };
  /** robust SD (1.4826 x MAD) of the per-round ratios. */
  ratioSpread: number;
  /** median of the item's session medians, ms. */
  itemMs: number;
}

export interface PairedOutcome {
  runId: string;
  runDir: string;
  interrupted: boolean;
  failed: { text: string; error: string }[];
  measured: Map<string, PairedMeasurement>;
  /** median of every reference session of the run, ms. */
  referenceMs: number;
  referenceSessions: number;
  wallSeconds: number;
}

const robustSd = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
};

/** Seeded Fisher-Yates. */
export function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Summarises the paired sessions of one item. */
export function pairedSummary(text: string, workloadId: string, sessions: PairedSession[]): PairedMeasurement {
  const ratios = sessions.map((s) => s.ratio);
  const sum = summarisePaired(
    sessions.map((s) => ({ pairs: [{ workloadMs: s.itemMs, referenceMs: s.referenceMs, referenceFirst: s.first === 'reference' }] })),
    { targetRelHalfWidth: 0.02, seed: 1, resamples: 500 },
  );
  return {
    text,
    workloadId,
    sessions,
    ratio: sum.ratio,
    ci: { lo: sum.ci.lo, hi: sum.ci.hi },
    ratioSpread: robustSd(ratios),
    itemMs: median(sessions.map((s) => s.itemMs)),
  };
}

/**
 * Measures `items` (workload texts of the plan) each paired with `reference` (also in the plan), plan.sessions
 * rounds. Items that fail are reported and get no more rounds; the run goes on.
 */
export async function measurePaired(plan: Plan, reference: string, items: readonly string[], x: PairedExecution): Promise<PairedOutcome> {
  const j0 = plan.jobs[0];
  // ort-cpu / ort-wasm in this process: batches paired within sessions (tests inject `prepare`: whole sessions)
  if (j0 && !x.prepare && (AB_TARGETS as readonly string[]).includes(j0.target.id)) return measurePairedInSession(plan, reference, items, x);
  const jobOf = new Map(plan.jobs.map((j) => [j.text, j]));
  const refJob = jobOf.get(reference);
  if (!refJob) throw new InputError(`the plan has no reference workload ${reference}`);
  const runDir = path.join(x.outDir, x.runId);
  await mkdir(runDir, { recursive: true });
  const log = path.join(runDir, 'paired.jsonl');
  await writeFile(log, '', { flag: 'a' });
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'mnv4-paired-'));
  const signal = x.signal ?? new AbortController().signal;
  const ctx: RunContext = { deviceId: plan.device.id, connection: plan.device.connection, signal, scratchDir, ...(x.log ? { log: x.log } : {}) };
  const prepared = new Map<string, Promise<PreparedWorkload>>();
  const prepare = (j: Job): Promise<PreparedWorkload> => {
    let p = prepared.get(j.text);
    if (!p) {
      p = x.prepare
        ? x.prepare(j)
        : prepareWorkload(j.text, { format: j.format, dtype: j.dtype, ...(j.resolution !== undefined ? { resolution: j.resolution } : {}) });
      prepared.set(j.text, p);
    }
    return p;
  };
  const once = async (j: Job): Promise<number> => {
    const w = await prepare(j);
    const r = await j.runner.measure(w, plan.protocol, j.target.settings, ctx, { profile: false });
    return sessionCenter(r).ms;
  };
  const started = Date.now();
  const rnd = mulberry32((x.seed ?? 1) * 2654435761);
  const sessions = new Map<string, PairedSession[]>(items.map((t) => [t, []]));
  const failed: PairedOutcome['failed'] = [];
  const refAll: number[] = [];
  let interrupted = false;
  try {
    const avail = await refJob.runner.detect(ctx);
    if (!avail.available) throw new InputError(`target ${refJob.target.id} is not available on ${plan.device.id}: ${avail.reason}`);
    rounds: for (let round = 0; round < plan.sessions; round++) {
      x.log?.(`paired round ${round + 1}/${plan.sessions}: ${items.length} items, each with the reference`);
      for (const text of shuffled(items, rnd)) {
        if (signal.aborted) {
          interrupted = true;
          break rounds;
        }
        if (failed.some((f) => f.text === text)) continue;
        const j = jobOf.get(text);
        if (!j) throw new InputError(`the plan has no workload ${text}`);
        const first = rnd() < 0.5 ? 'item' : 'reference';
        try {
          const a = first === 'item' ? await once(j) : await once(refJob);
          const b = first === 'item' ? await once(refJob) : await once(j);
          if (signal.aborted) {
            interrupted = true;
            break rounds;
          }
          const [itemMs, referenceMs] = first === 'item' ? [a, b] : [b, a];
          const s: PairedSession = { round, first, itemMs, referenceMs, ratio: itemMs / referenceMs };
          sessions.get(text)!.push(s);
          refAll.push(referenceMs);
          await appendFile(log, `${JSON.stringify({ item: text, workloadId: j.workloadId, reference, ...s })}\n`);
        } catch (e) {
          if (signal.aborted) {
            interrupted = true;
            break rounds;
          }
          failed.push({ text, error: (e as Error).message });
          await appendFile(log, `${JSON.stringify({ item: text, round, error: (e as Error).message })}\n`);
        }
      }
    }
  } finally {
    await disposeRunners();
    await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
  const measured = new Map<string, PairedMeasurement>();
  for (const [text, ss] of sessions) if (ss.length > 0) measured.set(text, pairedSummary(text, jobOf.get(text)!.workloadId, ss));
  return {
    runId: x.runId,
    runDir,
    interrupted,
    failed,
    measured,
    referenceMs: median(refAll),
    referenceSessions: refAll.length,
    wallSeconds: (Date.now() - started) / 1000,
  };
}

/** Pairs of batches per session when both sides run in this process (measureAb needs at least 6). */
export const IN_SESSION_PAIRS = 8;

/**
 * ort-cpu and ort-wasm: each item against the reference with src/engine/ab.ts measureAb: per round (session)
 * both opened afresh and IN_SESSION_PAIRS pairs of batches timed back to back in random order, so the two
 * sides of a ratio are milliseconds apart instead of seconds. plan.sessions rounds (at least 2).
 */
async function measurePairedInSession(plan: Plan, reference: string, items: readonly string[], x: PairedExecution): Promise<PairedOutcome> {
  const jobOf = new Map(plan.jobs.map((j) => [j.text, j]));
  const refJob = jobOf.get(reference);
  if (!refJob) throw new InputError(`the plan has no reference workload ${reference}`);
  const runDir = path.join(x.outDir, x.runId);
  await mkdir(runDir, { recursive: true });
  const log = path.join(runDir, 'paired.jsonl');
  const side = (j: Job): AbSide => ({
    label: j.text,
    workload: j.text,
    target: j.target.id,
    settings: j.target.settings,
    dtype: j.dtype,
    ...(j.resolution !== undefined ? { resolution: j.resolution } : {}),
  });
  const open = ortOpener();
  const started = Date.now();
  const rnd = mulberry32((x.seed ?? 1) * 2654435761);
  const measured = new Map<string, PairedMeasurement>();
  const failed: PairedOutcome['failed'] = [];
  const refMs: number[] = [];
  let interrupted = false;
  const order = shuffled(items, rnd);
  for (let i = 0; i < order.length; i++) {
    const text = order[i]!;
    if (x.signal?.aborted) {
      interrupted = true;
      break;
    }
    if (i % 10 === 0) x.log?.(`paired in-session: item ${i + 1}/${order.length}, each with the reference`);
    const j = jobOf.get(text);
    if (!j) throw new InputError(`the plan has no workload ${text}`);
    try {
      const r = await measureAb(side(refJob), side(j), open, {
        sessions: Math.max(2, plan.sessions),
        pairs: IN_SESSION_PAIRS,
        protocol: plan.protocol,
        seed: Math.floor(rnd() * 2 ** 31),
        ...(x.signal ? { signal: x.signal } : {}),
      });
      const sessions: PairedSession[] = r.sessions.flatMap((s, round) =>
        s.pairs.map(
          (p) =>
            ({
              round,
              first: p.referenceFirst ? 'reference' : 'item',
              itemMs: p.workloadMs,
              referenceMs: p.referenceMs,
              ratio: p.workloadMs / p.referenceMs,
            }) as PairedSession,
        ),
      );
      measured.set(text, {
        text,
        workloadId: j.workloadId,
        sessions,
        ratio: r.summary.ratio,
        ci: { lo: r.summary.ci.lo, hi: r.summary.ci.hi },
        ratioSpread: robustSd(r.summary.sessionRatios),
        itemMs: r.summary.workloadMs,
      });
      refMs.push(r.summary.referenceMs);
      await appendFile(
        log,
        `${JSON.stringify({ item: text, workloadId: j.workloadId, reference, mode: 'in-session', ratio: r.summary.ratio, ci: r.summary.ci, sessionRatios: r.summary.sessionRatios, itemMs: r.summary.workloadMs, referenceMs: r.summary.referenceMs, pairs: sessions })}\n`,
      );
    } catch (e) {
      if (x.signal?.aborted) {
        interrupted = true;
        break;
      }
      failed.push({ text, error: (e as Error).message });
      await appendFile(log, `${JSON.stringify({ item: text, error: (e as Error).message })}\n`);
    }
  }
  return {
    runId: x.runId,
    runDir,
    interrupted,
    failed,
    measured,
    referenceMs: median(refMs),
    referenceSessions: refMs.length * Math.max(2, plan.sessions),
    wallSeconds: (Date.now() - started) / 1000,
  };
}
