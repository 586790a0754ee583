/**
 * The CPU's vector ISA features that int8 and fp32 latency depend on, for the manifest's host facts.
 *
 * Why they matter: onnxruntime's x86 int8 GEMM/conv kernels differ by ISA: with VNNI (AVX512-VNNI or
 * AVX-VNNI) u8 x s8 dot products accumulate straight into int32 (vpdpbusd); with AVX2 or AVX-512BW alone they
 * go through vpmaddubsw's saturating int16 pair sums (see src/models/export/onnx.ts, 7-bit weights); AMX
 * adds tile multiplies. The same int8 file can differ several-fold in latency between such hosts.
 *
 * Source: the first `flags` (x86) or `Features` (Arm) line of /proc/cpuinfo, names as the Linux kernel
 * prints them; elsewhere the flags string systeminformation reports (same names on Linux).
 */
import { readFileSync } from 'node:fs';

/** ISA features, each true/false as the OS reports it. */
export interface CpuIsa {
  /** where the flags came from, or 'unknown'. */
  source: '/proc/cpuinfo' | 'systeminformation' | 'unknown';
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  avx512bw: boolean;
  avx512_vnni: boolean;
  avx_vnni: boolean;
  avx512_bf16: boolean;
  /** any of amx_tile / amx_int8 / amx_bf16. */
  amx: boolean;
  /** Arm: SDOT/UDOT (asimddp) and the int8 matrix multiply (i8mm). */
  asimddp: boolean;
  i8mm: boolean;
  /** the best int8 dot-product path the flags allow, for tables: 'amx' > 'vnni' > 'avx512bw' > 'avx2' (x86), 'i8mm' > 'dotprod' (Arm), else 'none'. */
  int8Dot: 'amx' | 'vnni' | 'avx512bw' | 'avx2' | 'i8mm' | 'dotprod' | 'none';
}

/** Features from a space-separated flags string (a /proc/cpuinfo `flags` or `Features` value). */
export function parseCpuFlags(flags: string, source: CpuIsa['source']): CpuIsa {
  const set = new Set(flags.toLowerCase().split(/\s+/).filter(Boolean));
  const has = (f: string) => set.has(f);
  const isa = {
    source,
    avx2: has('avx2'),
    fma: has('fma'),
    avx512f: has('avx512f'),
    avx512bw: has('avx512bw'),
    avx512_vnni: has('avx512_vnni'),
    avx_vnni: has('avx_vnni'),
    avx512_bf16: has('avx512_bf16'),
    amx: has('amx_tile') || has('amx_int8') || has('amx_bf16'),
    asimddp: has('asimddp'),
    i8mm: has('i8mm'),
  };
  const int8Dot: CpuIsa['int8Dot'] =
    isa.amx && has('amx_int8') ? 'amx'
    : isa.avx512_vnni || isa.avx_vnni ? 'vnni'
    : isa.avx512bw ? 'avx512bw'
    : isa.avx2 ? 'avx2'
    : isa.i8mm ? 'i8mm'
    : isa.asimddp ? 'dotprod'
    : 'none';
  return { ...isa, int8Dot };
}

/** The flags line of /proc/cpuinfo text (x86 `flags`, Arm `Features`), or null. */
export function cpuinfoFlags(cpuinfo: string): string | null {
  const m = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  return m ? m[1]!.trim() : null;
}

/** This host's ISA features: /proc/cpuinfo, else the given fallback flags (e.g. systeminformation's). */
export function hostCpuIsa(fallbackFlags?: string): CpuIsa {
  try {
    const flags = cpuinfoFlags(readFileSync('/proc/cpuinfo', 'utf8'));
    if (flags !== null) return parseCpuFlags(flags, '/proc/cpuinfo');
  } catch {
    // not Linux
  }
  if (fallbackFlags) return parseCpuFlags(fallbackFlags, 'systeminformation');
  return parseCpuFlags('', 'unknown');
}
