/**
 * Host load during a measurement (Node only): how much CPU OTHER processes and the hypervisor took while we
 * measured, so a record says how noisy the host was.
 *
 * Source: /proc/stat's aggregate `cpu` line on Linux (ticks of USER_HZ, usually 10 ms: user, nice, system,
 * idle, iowait, irq, softirq, steal, guest, guest_nice; see proc(5)). `guest` and `guest_nice` are already
 * inside `user`/`nice` and are not added again. Elsewhere os.cpus() (no steal, no iowait: those read null).
 * Our own CPU time comes from process.cpuUsage() (this process with its worker and runtime threads; a caller
 * can add more, e.g. a browser's process tree). Shares are of the whole machine's time in the window:
 *   other = max(0, busy - own) / total,   steal = steal / total,   iowait = iowait / total.
 * Steal is time a virtual CPU was ready to run but the hypervisor ran something else: our code pays for it
 * directly and `otherLoad` cannot see it. Tick granularity makes windows under ~1 s coarse: a warning input,
 * not a figure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Cumulative CPU time of all cores, ms. `steal`/`iowait` are null where the OS does not report them. */
export interface MachineTimes {
  busy: number;
  total: number;
  steal: number | null;
  iowait: number | null;
  /** where the figures came from. */
  source: '/proc/stat' | 'os.cpus';
}

/** Load facts of one window. */
export interface LoadWindow {
  elapsedMs: number;
  cpus: number;
  /** share of all cores' time used by this process (plus what the caller counted as its own). */
  ownLoad: number;
  /** share of all cores' time used by everything else. */
  otherLoad: number;
  /** share of all cores' time stolen by the hypervisor (null: not reported by this OS). */
  stealShare: number | null;
  /** share of all cores' time idle waiting for I/O (null: not reported). */
  iowaitShare: number | null;
  /** 1-minute load average at the start (includes us). */
  loadAvg1Start: number;
  source: MachineTimes['source'];
  /** CPU ms of the helper processes the caller counted as its own (null: none given or unreadable). */
  extraOwnMs: number | null;
}

/**
 * Parses the aggregate `cpu` line of /proc/stat text into ms (ticks x 1000 / userHz). Returns null when the
 * text has no such line. busy = user + nice + system + irq + softirq; total = busy + idle + iowait + steal.
 */
export function parseProcStat(text: string, userHz = 100): MachineTimes | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const ms = 1000 / userHz;
  const busy = (user + nice + system + irq + softirq) * ms;
  return { busy, total: busy + (idle + iowait + steal) * ms, steal: steal * ms, iowait: iowait * ms, source: '/proc/stat' };
}

/** Cumulative CPU times of the machine since boot (ms): /proc/stat where readable, else os.cpus(). */
export function machineTimes(): MachineTimes {
  try {
    // USER_HZ is 100 on every mainstream Linux build (the kernel exports it fixed to user space).
    const parsed = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    if (parsed) return parsed;
  } catch {
    // not Linux: fall through
  }
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    const b = t.user + t.nice + t.sys + t.irq;
    busy += b;
    total += b + t.idle;
  }
  return { busy, total, steal: null, iowait: null, source: 'os.cpus' };
}

/** Shares of a window between two readings; `ownMs` is our CPU time in it. */
export function loadBetween(
  m0: MachineTimes,
  m1: MachineTimes,
  ownMs: number,
): Pick<LoadWindow, 'ownLoad' | 'otherLoad' | 'stealShare' | 'iowaitShare'> {
  const total = Math.max(1, m1.total - m0.total);
  const busy = m1.busy - m0.busy;
  const share = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, Math.min(1, (b - a) / total)));
  return {
    ownLoad: Math.min(1, ownMs / total),
    otherLoad: Math.max(0, Math.min(1, (busy - ownMs) / total)),
    stealShare: share(m0.steal, m1.steal),
    iowaitShare: share(m0.iowait, m1.iowait),
  };
}

/**
 * Starts a window; call the returned function to end it. `extraOwnMs` (optional) returns CPU time, ms,
 * accumulated so far by helper processes that work for us (it is read at both ends).
 */
export function startLoadProbe(extraOwnMs?: () => number | null): () => LoadWindow {
  const m0 = machineTimes();
  const u0 = process.cpuUsage();
  const e0 = extraOwnMs?.() ?? null;
  const t0 = performance.now();
  const la = os.loadavg()[0] ?? 0;
  return () => {
    const m1 = machineTimes();
    const u1 = process.cpuUsage(u0);
    const e1 = extraOwnMs?.() ?? null;
    const extra = e0 !== null && e1 !== null ? Math.max(0, e1 - e0) : null;
    return {
      elapsedMs: performance.now() - t0,
      cpus: os.cpus().length,
      ...loadBetween(m0, m1, (u1.user + u1.system) / 1000 + (extra ?? 0)),
      loadAvg1Start: la,
      source: m1.source,
      extraOwnMs: extra,
    };
  };
}

// ------------------------------------------------------------------ a process tree's CPU time

let clockTicks: number | null = null;
function clkTck(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU ms used so far by `rootPid` and all its descendants (Linux /proc; null elsewhere). Each live process
 * counts its own time (utime + stime) plus that of its children already exited and reaped (cutime + cstime,
 * proc(5)): Chromium starts and ends renderer and utility processes all the time, and a renderer that exits
 * inside a load window would otherwise take its CPU time with it and the window would read as other load.
 * `descendantsOnly`: leave out the root's own utime + stime (a caller that counts it already, e.g. through
 * process.cpuUsage()); its reaped children still count.
 */
export function processTreeCpuMs(rootPid: number, opts: { descendantsOnly?: boolean } = {}): number | null {
  if (process.platform !== 'linux' || !existsSync('/proc')) return null;
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    // fields after the parenthesised command: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const own = Number(d) === rootPid && opts.descendantsOnly ? 0 : Number(rest[11]) + Number(rest[12]);
    const ticks = own + Number(rest[13]) + Number(rest[14]);
    parent.set(Number(d), ppid);
    cpu.set(Number(d), ticks);
  }
  let total = 0;
  for (const [pid, ticks] of cpu) {
    let p: number | undefined = pid;
    for (let i = 0; i < 64 && p !== undefined && p > 1; i++) {
      if (p === rootPid) {
        total += ticks;
        break;
      }
      p = parent.get(p);
    }
  }
  return (total * 1000) / clkTck();
}
