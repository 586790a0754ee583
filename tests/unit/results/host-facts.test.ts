import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuinfoFlags, hostCpuIsa, parseCpuFlags } from '../../../src/results/cpu-isa.js';
import { loadBetween, machineTimes, parseProcStat, startLoadProbe } from '../../../src/core/host-load.js';

// flags lines as Linux prints them (abridged in the middle, order kept)
const EPYC_GENOA_VM =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext lm constant_tsc rep_good nopl pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm bmi1 avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec avx_vnni avx512_bf16 clzero avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq';
const EPYC_ROME =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext ssbd ibrs ibpb stibp vmmcall fsgsbase tsc_adjust bmi1 avx2 smep bmi2 rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 clzero xsaveerptr arat npt nrip_save umip rdpid';
const SKYLAKE_SP =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch fsgsbase bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat pku ospke';
const SAPPHIRE_RAPIDS =
  'fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl avx_vnni avx512_bf16 avx512vbmi avx512_vbmi2 gfni vaes avx512_vnni avx512_bitalg avx512_vpopcntdq avx512_fp16 amx_bf16 amx_tile amx_int8';
const CORTEX_A76 = 'fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp';

describe('CPU ISA features from /proc/cpuinfo flags', () => {
  it('AVX-512 + VNNI host (AMD EPYC Genoa VM): vnni', () => {
    const isa = parseCpuFlags(EPYC_GENOA_VM, '/proc/cpuinfo');
    expect(isa).toMatchObject({ avx2: true, avx512f: true, avx512bw: true, avx512_vnni: true, avx_vnni: true, amx: false, int8Dot: 'vnni' });
  });
  it('AVX2-only host (AMD EPYC Rome): avx2, no AVX-512, no VNNI', () => {
    const isa = parseCpuFlags(EPYC_ROME, '/proc/cpuinfo');
    expect(isa).toMatchObject({ avx2: true, fma: true, avx512f: false, avx512_vnni: false, avx_vnni: false, int8Dot: 'avx2' });
  });
  it('AVX-512 without VNNI (Skylake-SP): avx512bw', () => {
    expect(parseCpuFlags(SKYLAKE_SP, '/proc/cpuinfo')).toMatchObject({ avx512f: true, avx512_vnni: false, int8Dot: 'avx512bw' });
  });
  it('AMX (Sapphire Rapids): amx', () => {
    expect(parseCpuFlags(SAPPHIRE_RAPIDS, '/proc/cpuinfo')).toMatchObject({ amx: true, avx512_vnni: true, int8Dot: 'amx' });
  });
  it('Arm Features line (Cortex-A76): dotprod', () => {
    expect(parseCpuFlags(CORTEX_A76, '/proc/cpuinfo')).toMatchObject({ avx2: false, asimddp: true, i8mm: false, int8Dot: 'dotprod' });
  });
  it('does not match substrings (avx512vl is not avx512_vnni, avx2 not avx)', () => {
    expect(parseCpuFlags('avx avx512vl avx512vbmi', 'unknown')).toMatchObject({ avx2: false, avx512f: false, avx512_vnni: false, int8Dot: 'none' });
  });
  it('finds the flags line in cpuinfo text, x86 and Arm', () => {
    expect(cpuinfoFlags(`processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 avx512f\nbugs\t\t: sysret_ss_attrs\n`)).toBe(
      'fpu avx2 avx512f',
    );
    expect(cpuinfoFlags(`processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd asimddp\n`)).toBe('fp asimd asimddp');
    expect(cpuinfoFlags('processor: 0\n')).toBeNull();
  });
  it('this host: agrees with /proc/cpuinfo where it exists', () => {
    const isa = hostCpuIsa('avx2');
    if (isa.source === '/proc/cpuinfo') expect(isa.avx2).toBe(/\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8')));
    else expect(isa).toMatchObject({ source: 'systeminformation', avx2: true });
  });
});

describe('host load from /proc/stat', () => {
  // two readings 1 s apart on a 2-CPU guest (USER_HZ 100): 200 ticks in all
  const before = 'cpu  1000 10 300 5000 20 0 5 40 0 0\ncpu0 500 5 150 2500 10 0 2 20 0 0\nintr 1\n';
  const after = 'cpu  1080 10 320 5070 24 0 7 59 30 0\ncpu0 540 5 160 2535 12 0 3 30 15 0\nintr 2\n';
  it('parses the aggregate line into ms; guest time is not added twice', () => {
    const a = parseProcStat(before)!;
    // busy = user+nice+system+irq+softirq = 1000+10+300+0+5 = 1315 ticks; total adds idle+iowait+steal
    expect(a.busy).toBe(13150);
    expect(a.total).toBe((1315 + 5000 + 20 + 40) * 10);
    expect(a.steal).toBe(400);
    expect(a.iowait).toBe(200);
    expect(a.source).toBe('/proc/stat');
    expect(parseProcStat('intr 1 2 3\n')).toBeNull();
  });
  it('shares of a window: steal, iowait, other = busy - own', () => {
    const a = parseProcStat(before)!;
    const b = parseProcStat(after)!;
    // delta ticks: user 80, system 20, softirq 2, idle 70, iowait 4, steal 19 -> busy 102, total 195
    const w = loadBetween(a, b, 500); // we used 500 ms = 50 ticks
    expect(w.stealShare).toBeCloseTo(19 / 195, 12);
    expect(w.iowaitShare).toBeCloseTo(4 / 195, 12);
    expect(w.otherLoad).toBeCloseTo((102 - 50) / 195, 12);
    expect(w.ownLoad).toBeCloseTo(50 / 195, 12);
  });
  it('os.cpus() fallback reports steal as unknown (null), never as 0', () => {
    const m = { busy: 10, total: 20, steal: null, iowait: null, source: 'os.cpus' as const };
    expect(loadBetween(m, { ...m, busy: 20, total: 40 }, 0)).toMatchObject({ stealShare: null, iowaitShare: null, otherLoad: 0.5 });
  });
  it('a live window on this host: every share within [0, 1], the source is the one machineTimes reads', () => {
    const end = startLoadProbe();
    const t0 = Date.now();
    while (Date.now() - t0 < 120) {
      // spin: our own CPU time
    }
    const w = end();
    expect(w.source).toBe(machineTimes().source);
    for (const v of [w.ownLoad, w.otherLoad, w.stealShare ?? 0, w.iowaitShare ?? 0]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(w.extraOwnMs).toBeNull();
  });
});
