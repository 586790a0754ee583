/**
 * Host load during a measurement (Node only): how much CPU OTHER processes used while we measured.
 *
 * Machine busy time comes from os.cpus() tick counters (all cores), our own from process.cpuUsage()
 * (includes our worker and runtime threads). other = max(0, busy - own) / capacity, a 0..1 share of the
 * whole machine. Counter granularity is ~10 ms, so short windows read coarse; it is a warning input, not a figure.
 */
import os from 'node:os';

/** Load facts of one window. */
export interface LoadWindow {
  elapsedMs: number;
  cpus: number;
  /** share of all cores' time used by this process. */
  ownLoad: number;
  /** share of all cores' time used by everything else. */
  otherLoad: number;
  /** 1-minute load average at the start (includes us). */
  loadAvg1Start: number;
}

/** Busy and total CPU time of all cores since boot (ms), from os.cpus(). */
export function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    const b = t.user + t.nice + t.sys + t.irq;
    busy += b;
    total += b + t.idle;
  }
  return { busy, total };
}

/** Starts a window; call the returned function to end it. */
export function startLoadProbe(): () => LoadWindow {
  const m0 = machineTimes();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const la = os.loadavg()[0] ?? 0;
  return () => {
    const m1 = machineTimes();
    const u1 = process.cpuUsage(u0);
    const elapsedMs = performance.now() - t0;
    const cpus = os.cpus().length;
    const total = Math.max(1, m1.total - m0.total);
    const busy = m1.busy - m0.busy;
    const own = (u1.user + u1.system) / 1000;
    return {
      elapsedMs,
      cpus,
      ownLoad: Math.min(1, own / total),
      otherLoad: Math.max(0, Math.min(1, (busy - own) / total)),
      loadAvg1Start: la,
    };
  };
}
