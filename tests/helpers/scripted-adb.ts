/**
 * A scripted stand-in for the adb client (the AdbTransport boundary): answers getprop, the thermal and cpufreq
 * scripts, stat/mkdir/chmod, records pushes, forwards and reverses, and answers benchmark_model runs with a
 * caller-supplied function (a fixture written from benchmark_model's print statements with invented numbers, not a recording from a phone). Everything above this boundary is the same
 * code a real phone goes through.
 */
import { statSync } from 'node:fs';
import { CPUFREQ_SCRIPT, THERMAL_SCRIPT, type AdbDeviceEntry, type AdbTransport, type ShellResult } from '../../src/runners/android/adb.js';

export interface ScriptedPhone {
  serial: string;
  state?: string;
  props: Record<string, string>;
  /** thermal zones: [zone type, millidegrees]; a function is called once per reading (to script cooling). */
  thermal: [string, number][] | ((reading: number) => [string, number][]);
  cpus?: [string, string, number, number][];
  /** answers a benchmark_model invocation (argv without a leading taskset). */
  benchmark?: (argv: readonly string[], run: number) => ShellResult;
}

export class ScriptedAdb implements AdbTransport {
  readonly server: string;
  readonly calls: { serial: string; argv: string[] }[] = [];
  readonly pushes: { serial: string; local: string; remote: string; mode: number }[] = [];
  readonly forwards: { serial: string; local: string; remote: string }[] = [];
  readonly reverses: { serial: string; remote: string; local: string }[] = [];
  /** remote files per serial: path -> size. */
  readonly files = new Map<string, Map<string, number>>();
  /** called on `adb forward` (e.g. to open a fake DevTools server on the local port). */
  onForward?: (local: string, remote: string) => void | Promise<void>;
  /** called on `am start ...` (starting an app on the phone). */
  onAmStart?: (argv: readonly string[]) => void | Promise<void>;
  private thermalReads = new Map<string, number>();
  private benchRuns = new Map<string, number>();

  constructor(
    readonly phones: ScriptedPhone[],
    server = 'scripted:5037',
  ) {
    this.server = server;
    for (const p of phones) this.files.set(p.serial, new Map());
  }

  private phone(serial: string): ScriptedPhone {
    const p = this.phones.find((x) => x.serial === serial);
    if (!p) throw new Error(`device '${serial}' not found`);
    return p;
  }

  async listDevices(): Promise<AdbDeviceEntry[]> {
    return this.phones.map((p) => ({ serial: p.serial, state: p.state ?? 'device' }));
  }

  benchmarkRuns(serial: string): number {
    return this.benchRuns.get(serial) ?? 0;
  }

  async shell(serial: string, argv: readonly string[]): Promise<ShellResult> {
    const p = this.phone(serial);
    this.calls.push({ serial, argv: [...argv] });
    const files = this.files.get(serial)!;
    const [cmd, ...args] = argv;
    if (cmd === 'getprop') {
      if (args[0]) return { output: `${p.props[args[0]] ?? ''}\n`, exitCode: 0 };
      return {
        output: Object.entries(p.props)
          .map(([k, v]) => `[${k}]: [${v}]\n`)
          .join(''),
        exitCode: 0,
      };
    }
    if (cmd === 'sh' && args[0] === '-c' && args[1] === THERMAL_SCRIPT) {
      const n = this.thermalReads.get(serial) ?? 0;
      this.thermalReads.set(serial, n + 1);
      const zones = typeof p.thermal === 'function' ? p.thermal(n) : p.thermal;
      return { output: zones.map(([type, t], i) => `thermal_zone${i} ${type} ${t}\n`).join(''), exitCode: 0 };
    }
    if (cmd === 'sh' && args[0] === '-c' && args[1] === CPUFREQ_SCRIPT) {
      const cpus = p.cpus ?? [];
      return { output: cpus.map((c) => c.join(' ') + '\n').join(''), exitCode: 0 };
    }
    if (cmd === 'stat' && args[0] === '-c' && args[1] === '%s') {
      const size = files.get(args[2] ?? '');
      return size === undefined ? { output: `stat: '${args[2]}': No such file or directory\n`, exitCode: 1 } : { output: `${size}\n`, exitCode: 0 };
    }
    if (cmd === 'mkdir' || cmd === 'chmod') return { output: '', exitCode: 0 };
    if (cmd === 'am' && args[0] === 'start') {
      await this.onAmStart?.(argv);
      return { output: `Starting: Intent { cmp=${args[2] ?? ''} }\n`, exitCode: 0 };
    }
    const bench = cmd === 'taskset' ? args.slice(1) : [cmd ?? '', ...args];
    if (bench[0] && files.has(bench[0]) && p.benchmark) {
      const run = this.benchRuns.get(serial) ?? 0;
      this.benchRuns.set(serial, run + 1);
      return p.benchmark(bench, run);
    }
    return { output: `/system/bin/sh: ${cmd}: inaccessible or not found\n`, exitCode: 127 };
  }

  async push(serial: string, local: string, remote: string, mode: number): Promise<void> {
    this.phone(serial);
    this.pushes.push({ serial, local, remote, mode });
    this.files.get(serial)!.set(remote, statSync(local).size);
  }

  async forward(serial: string, local: string, remote: string): Promise<void> {
    this.forwards.push({ serial, local, remote });
    await this.onForward?.(local, remote);
  }

  async listForwards(serial: string): Promise<{ local: string; remote: string }[]> {
    return this.forwards.filter((f) => f.serial === serial).map(({ local, remote }) => ({ local, remote }));
  }

  async reverse(serial: string, remote: string, local: string): Promise<void> {
    this.reverses.push({ serial, remote, local });
  }

  async close(): Promise<void> {}
}

/**
 * getprop answers shaped like a Pixel 6's: the property names are Android's, the values are what those
 * properties name for that phone (Google's GS101 SoC, codename oriole, arm64-v8a), written by hand, NOT read
 * from a phone (none was attached).
 */
export const PIXEL6_PROPS: Record<string, string> = {
  'ro.product.manufacturer': 'Google',
  'ro.product.model': 'Pixel 6',
  'ro.product.device': 'oriole',
  'ro.soc.manufacturer': 'Google',
  'ro.soc.model': 'GS101',
  'ro.board.platform': 'gs101',
  'ro.hardware': 'oriole',
  'ro.build.version.release': '14',
  'ro.build.version.sdk': '34',
  'ro.product.cpu.abi': 'arm64-v8a',
};

export const PIXEL6_CPUS: [string, string, number, number][] = [
  ...[0, 1, 2, 3].map((i): [string, string, number, number] => [`cpu${i}`, 'sched_pixel', 1803000, 1803000]),
  ...[4, 5].map((i): [string, string, number, number] => [`cpu${i}`, 'sched_pixel', 2253000, 2253000]),
  ...[6, 7].map((i): [string, string, number, number] => [`cpu${i}`, 'sched_pixel', 2802000, 2802000]),
];

/**
 * A fixture's output with the settings it echoes set to the command's (graph, run counts, minimum times,
 * the phase lines), so that the cross-check of echoed settings passes and the test exercises what comes after
 * it. The timings stay the fixture's invented ones: tests of real timings use tests/helpers/adb-server.ts.
 */
export function echoCommand(fixture: string, argv: readonly string[]): string {
  const flag = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const set: [RegExp, string | undefined][] = [
    [/^(INFO: )?(Graph: \[).*(\])$/m, flag('graph')],
    [/^(INFO: )?(Min num runs: \[).*(\])$/m, flag('num_runs')],
    [/^(INFO: )?(Min warmup runs: \[).*(\])$/m, flag('warmup_runs')],
    [/^(INFO: )?(Min runs duration \(seconds\): \[).*(\])$/m, flag('min_secs')],
    [/^(INFO: )?(Min warmup runs duration \(seconds\): \[).*(\])$/m, flag('warmup_min_secs')],
  ];
  let text = fixture;
  for (const [re, v] of set)
    if (v !== undefined) text = text.replace(re, (_m, p1: string | undefined, p2: string, p3: string) => `${p1 ?? ''}${p2}${v}${p3}`);
  let phase = 0;
  const counts = [flag('warmup_runs'), flag('num_runs')];
  const secs = [flag('warmup_min_secs'), flag('min_secs')];
  return text.replace(/Running benchmark for at least (\d+) iterations and at least (\S+) seconds/g, (m, n: string, s: string) => {
    const i = phase++;
    return `Running benchmark for at least ${counts[i] ?? n} iterations and at least ${secs[i] ?? s} seconds`;
  });
}
