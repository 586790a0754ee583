/**
 * A test adb server on 127.0.0.1 that speaks the adb host protocol (AOSP packages/modules/adb
 * SERVICES.TXT / SYNC.TXT, as @devicefarmer/adbkit 3.x drives it), so the tool's own adbkit code
 * (src/runners/android/adb.ts, adbkitTransport) runs unchanged against it, through the same code path as
 * a phone:
 * - requests are `<4 hex length><service>`; replies `OKAY`, or `FAIL<4 hex length><message>`;
 * - host:version, host:devices, host:devices-l, host:transport:<serial> (then a device service on the same
 *   socket), host-serial:<serial>:forward:<local>;<remote>, host-serial:<serial>:list-forward;
 * - device services: shell:<command line> (adb shell v1: raw output, then the socket closes), sync: (SEND
 *   with DATA chunks and DONE, STAT, RECV, QUIT; little-endian lengths), reverse:forward:<remote>;<local>.
 *
 * Each phone is a small model of an Android device: getprop, /sys thermal zones and cpufreq (the two constant
 * scripts of adb.ts), a file system under /data/local/tmp (stat, mkdir, chmod), `taskset`, and a
 * benchmark_model that really runs the pushed .tflite (tests/helpers/standin-benchmark-model.ts).
 * Shell command lines are split as a POSIX shell splits single-quoted words; the `2>&1; echo <marker>$?`
 * tail that adb.ts appends is honoured (the exit status is printed after the output).
 *
 * Faults, per phone: everything in BenchmarkFaults, plus `vanishDuringBenchmark` (the phone drops off the
 * bus after printing part of its output), `pushFailsAfterBytes` (the sync SEND fails half-way with the
 * device's error, leaving a partial file) and a thermal script that stays hot.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { CPUFREQ_SCRIPT, THERMAL_SCRIPT } from '../../src/runners/android/adb.js';
import { standInBenchmarkModel, type BenchmarkFaults, type DelegateTake } from './standin-benchmark-model.js';

export interface StandInPhone {
  serial: string;
  state?: string;
  props: Record<string, string>;
  cpus: [string, string, number, number][];
  /** thermal zones [type, millidegrees] per reading number (0, 1, ...). */
  thermal: (reading: number) => [string, number][];
  delegates?: { GPU?: DelegateTake; NNAPI?: DelegateTake; XNNPACK?: DelegateTake };
  nnapiAccelerators?: string[];
  faults?: BenchmarkFaults & { vanishDuringBenchmark?: boolean; pushFailsAfterBytes?: number };
}

interface PhoneState {
  spec: StandInPhone;
  files: Map<string, { data: Buffer; mode: number }>;
  dirs: Set<string>;
  thermalReads: number;
  present: boolean;
}

/** Splits a POSIX shell word list of plain and single-quoted words ('it'"'"'s' -> it's). */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Reads exactly n bytes from a socket, in order (a tiny buffered reader). */
class Reader {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private closed = false;
  constructor(sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    const end = (): void => {
      this.closed = true;
      this.waiting?.();
    };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', end);
  }
  async read(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) {
      if (this.closed) return null;
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = null;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

export class TestAdbServer {
  private server: Server | undefined;
  private readonly phones = new Map<string, PhoneState>();
  readonly forwards: { serial: string; local: string; remote: string }[] = [];
  readonly reverses: { serial: string; remote: string; local: string }[] = [];
  /** every service request, in order (for tests that check what adbkit sent). */
  readonly requests: string[] = [];
  /** shell command lines per serial. */
  readonly shells: { serial: string; argv: string[] }[] = [];
  port = 0;

  constructor(phones: StandInPhone[]) {
    for (const p of phones)
      this.phones.set(p.serial, { spec: p, files: new Map(), dirs: new Set(['/data/local/tmp']), thermalReads: 0, present: true });
  }

  /** Phones reachable by `adb connect host:port` (adbd over TCP, as a device farm exposes them): listed once connected. */
  private readonly tcpPhones = new Map<string, StandInPhone>();
  addTcpPhone(url: string, spec: Omit<StandInPhone, 'serial'>): void {
    this.tcpPhones.set(url, { ...spec, serial: url });
  }

  async start(): Promise<number> {
    this.server = createServer((s) => void this.serve(s).catch(() => s.destroy()));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** bytes of a file on a phone (what was pushed there). */
  file(serial: string, path: string): Buffer | undefined {
    return this.phones.get(serial)?.files.get(path)?.data;
  }

  benchmarkRuns(serial: string): number {
    return this.shells.filter((s) => s.serial === serial && s.argv.some((a) => a.startsWith('--graph='))).length;
  }

  private async serve(sock: Socket): Promise<void> {
    const rd = new Reader(sock);
    let phone: PhoneState | undefined;
    for (;;) {
      const len = await rd.read(4);
      if (!len) return;
      const body = await rd.read(parseInt(len.toString('ascii'), 16));
      if (!body) return;
      const req = body.toString('utf8');
      this.requests.push(req);
      const fail = (msg: string): void => {
        sock.end(`FAIL${hex4(Buffer.byteLength(msg))}${msg}`);
      };
      const okValue = (v: string): void => {
        sock.end(`OKAY${hex4(Buffer.byteLength(v))}${v}`);
      };
      if (req === 'host:version') return okValue(hex4(41));
      if (req === 'host:devices' || req === 'host:devices-l') {
        const list = [...this.phones.values()].filter((p) => p.present);
        return okValue(
          list
            .map(
              (p) =>
                `${p.spec.serial}\t${p.spec.state ?? 'device'}${req.endsWith('-l') ? ` product:${p.spec.props['ro.product.name'] ?? 'x'} model:${(p.spec.props['ro.product.model'] ?? '').replace(/ /g, '_')} device:${p.spec.props['ro.product.device'] ?? 'x'}` : ''}\n`,
            )
            .join(''),
        );
      }
      let m: RegExpExecArray | null;
      if ((m = /^host:connect:(.+)$/.exec(req))) {
        const spec = this.tcpPhones.get(m[1] as string);
        if (!spec) return okValue(`failed to connect to '${m[1]}': Connection refused`);
        if (!this.phones.has(spec.serial))
          this.phones.set(spec.serial, { spec, files: new Map(), dirs: new Set(['/data/local/tmp']), thermalReads: 0, present: true });
        return okValue(`connected to ${m[1]}`);
      }
      if ((m = /^host:disconnect:(.+)$/.exec(req))) {
        const p = this.phones.get(m[1] as string);
        if (p) p.present = false;
        return okValue(`disconnected ${m[1]}`);
      }
      if ((m = /^host:transport:(.+)$/.exec(req))) {
        phone = this.phones.get(m[1] as string);
        if (!phone || !phone.present) return fail(`device '${m[1]}' not found`);
        sock.write('OKAY');
        continue;
      }
      if ((m = /^host-serial:([^:]+):forward:([^;]+);(.+)$/.exec(req))) {
        if (!this.phones.get(m[1] as string)?.present) return fail(`device '${m[1]}' not found`);
        this.forwards.push({ serial: m[1] as string, local: m[2] as string, remote: m[3] as string });
        return void sock.end('OKAYOKAY');
      }
      if ((m = /^host-serial:([^:]+):list-forward$/.exec(req)) || req === 'host:list-forward') {
        return okValue(this.forwards.map((f) => `${f.serial} ${f.local} ${f.remote}\n`).join(''));
      }
      if (!phone) return fail(`unknown host service '${req}'`);
      if ((m = /^reverse:forward:([^;]+);(.+)$/.exec(req))) {
        this.reverses.push({ serial: phone.spec.serial, remote: m[1] as string, local: m[2] as string });
        return void sock.end('OKAYOKAY');
      }
      if (req.startsWith('shell:')) {
        sock.write('OKAY');
        return this.shell(phone, req.slice(6), sock);
      }
      if (req === 'sync:') {
        sock.write('OKAY');
        return this.sync(phone, rd, sock);
      }
      return fail(`unknown device service '${req}'`);
    }
  }

  private async sync(phone: PhoneState, rd: Reader, sock: Socket): Promise<void> {
    const le = (id: string, n: number): Buffer => {
      const b = Buffer.alloc(8);
      b.write(id, 0, 'ascii');
      b.writeUInt32LE(n, 4);
      return b;
    };
    const syncFail = (msg: string): void => {
      sock.end(Buffer.concat([le('FAIL', Buffer.byteLength(msg)), Buffer.from(msg)]));
    };
    for (;;) {
      const head = await rd.read(8);
      if (!head) return;
      const id = head.toString('ascii', 0, 4);
      const n = head.readUInt32LE(4);
      if (id === 'QUIT') return void sock.end();
      const arg = (await rd.read(n))?.toString('utf8') ?? '';
      if (id === 'STAT') {
        const f = phone.files.get(arg);
        const st = Buffer.alloc(16);
        st.write('STAT', 0, 'ascii');
        if (f) {
          st.writeUInt32LE(0o100000 | f.mode, 4);
          st.writeUInt32LE(f.data.length, 8);
        }
        sock.write(st);
      } else if (id === 'SEND') {
        const comma = arg.lastIndexOf(',');
        const path = arg.slice(0, comma);
        const mode = Number(arg.slice(comma + 1)) & 0o777;
        const chunks: Buffer[] = [];
        let got = 0;
        for (;;) {
          const h = await rd.read(8);
          if (!h) return;
          const cid = h.toString('ascii', 0, 4);
          const len = h.readUInt32LE(4);
          if (cid === 'DONE') break;
          const data = await rd.read(len);
          if (!data) return;
          chunks.push(data);
          got += len;
          const limit = phone.spec.faults?.pushFailsAfterBytes;
          if (limit !== undefined && got >= limit) {
            // what a full /data partition answers; the partial file stays behind
            phone.files.set(path, { data: Buffer.concat(chunks).subarray(0, limit), mode });
            return syncFail(`write failed: No space left on device`);
          }
        }
        if (!phone.dirs.has(path.slice(0, path.lastIndexOf('/')))) return syncFail(`secure_mkdirs() failed: No such file or directory`);
        phone.files.set(path, { data: Buffer.concat(chunks), mode });
        sock.write(le('OKAY', 0));
      } else if (id === 'RECV') {
        const f = phone.files.get(arg);
        if (!f) return syncFail(`remote object '${arg}' does not exist`);
        for (let i = 0; i < f.data.length; i += 65536) {
          const c = f.data.subarray(i, i + 65536);
          sock.write(Buffer.concat([le('DATA', c.length), c]));
        }
        sock.write(le('DONE', 0));
      } else {
        return syncFail(`unknown sync request '${id}'`);
      }
    }
  }

  private async shell(phone: PhoneState, line: string, sock: Socket): Promise<void> {
    const tail = /^(.*) 2>&1; echo (\S+)\$\?$/.exec(line);
    const argv = splitShellWords(tail ? (tail[1] as string) : line);
    this.shells.push({ serial: phone.spec.serial, argv });
    let vanished = false;
    const print = (s: string): void => {
      if (!vanished) sock.write(`${s}\n`);
    };
    const status = await this.exec(phone, argv, print, () => {
      vanished = true;
      phone.present = false;
      sock.destroy();
    });
    if (vanished) return;
    if (tail) sock.write(`${tail[2]}${status}\n`);
    sock.end();
  }

  /** Runs one command on the phone model; returns its exit status. */
  private async exec(phone: PhoneState, argv: string[], print: (s: string) => void, vanish: () => void): Promise<number> {
    const [cmd, ...args] = argv;
    const p = phone.spec;
    if (cmd === 'getprop') {
      if (args[0]) print(p.props[args[0]] ?? '');
      else for (const [k, v] of Object.entries(p.props)) print(`[${k}]: [${v}]`);
      return 0;
    }
    if (cmd === 'sh' && args[0] === '-c' && args[1] === THERMAL_SCRIPT) {
      p.thermal(phone.thermalReads++).forEach(([type, t], i) => print(`thermal_zone${i} ${type} ${t}`));
      return 0;
    }
    if (cmd === 'sh' && args[0] === '-c' && args[1] === CPUFREQ_SCRIPT) {
      for (const c of p.cpus) print(c.join(' '));
      return 0;
    }
    if (cmd === 'stat' && args[0] === '-c' && args[1] === '%s') {
      const f = phone.files.get(args[2] ?? '');
      if (!f) print(`stat: '${args[2]}': No such file or directory`);
      else print(String(f.data.length));
      return f ? 0 : 1;
    }
    if (cmd === 'mkdir' && args[0] === '-p') {
      let d = '';
      for (const part of (args[1] ?? '').split('/').filter(Boolean)) phone.dirs.add((d += `/${part}`));
      return 0;
    }
    if (cmd === 'taskset') {
      if (!/^[0-9a-f]+$/.test(args[0] ?? '')) return (print(`taskset: bad mask '${args[0]}'`), 1);
      return this.exec(phone, args.slice(1), print, vanish);
    }
    const file = phone.files.get(cmd ?? '');
    if (!file) return (print(`/system/bin/sh: ${cmd}: inaccessible or not found`), 127);
    if ((file.mode & 0o111) === 0) return (print(`/system/bin/sh: ${cmd}: can't execute: Permission denied`), 126);
    if (file.data.length < 20 || file.data.readUInt32BE(0) !== 0x7f454c46 || file.data.readUInt16LE(18) !== 183)
      return (print(`/system/bin/sh: ${cmd}: not executable: bad ELF magic or not aarch64`), 126);
    if (!/\/benchmark_model[^/]*$/.test(cmd ?? '')) return (print(`/system/bin/sh: ${cmd}: the stand-in runs only benchmark_model`), 126);
    let printed = 0;
    return standInBenchmarkModel(args, {
      readFile: (path) => phone.files.get(path)?.data,
      delegates: p.delegates ?? {},
      nnapiAccelerators: p.nnapiAccelerators ?? ['nnapi-reference'],
      faults: p.faults ?? {},
      print: (l) => {
        // the phone drops off the bus once the timed phase has started
        if (p.faults?.vanishDuringBenchmark && /Running benchmark/.test(l) && ++printed === 2) {
          print(l);
          vanish();
          return;
        }
        print(l);
      },
    });
  }
}
