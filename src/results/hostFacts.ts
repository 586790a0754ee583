/** Facts about the machine the tool runs on and the checkout it runs from, recorded in every manifest. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { packageRoot } from '../paths.js';
import type { ManifestRecord } from './schema.js';
import { hostCpuIsa } from './cpu-isa.js';

/** The git commit of the package checkout and whether the tree is dirty; nulls without git. */
export function gitInfo(cwd = packageRoot()): { commit: string | null; dirty: boolean | null } {
  const run = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  try {
    const commit = run(['rev-parse', 'HEAD']);
    let dirty: boolean | null = null;
    try {
      dirty = run(['status', '--porcelain', '--untracked-files=no']).length > 0;
    } catch {
      dirty = null;
    }
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

let cached: Promise<ManifestRecord['host']> | undefined;

/**
 * Host facts for the manifest (systeminformation cpu/mem/osInfo; no currentLoad, which takes 0.5 s). They do
 * not change while the process lives, so they are read once (the cpu query alone takes about half a second).
 */
export function hostFacts(): Promise<ManifestRecord['host']> {
  cached ??= readHostFacts();
  return cached;
}

async function readHostFacts(): Promise<ManifestRecord['host']> {
  const si = await import('systeminformation');
  const [cpu, mem, osi] = await Promise.all([si.cpu(), si.mem(), si.osInfo()]);
  return {
    hostname: os.hostname(),
    platform: process.platform,
    arch: process.arch,
    cpu: {
      manufacturer: cpu.manufacturer ?? '',
      brand: cpu.brand ?? '',
      cores: cpu.cores ?? os.cpus().length,
      physicalCores: cpu.physicalCores ?? 0,
      speedGHz: Number.isFinite(cpu.speed) ? cpu.speed : 0,
      flags: cpu.flags ?? '',
      isa: hostCpuIsa(cpu.flags),
    },
    memBytes: mem.total,
    os: { distro: osi.distro ?? '', release: osi.release ?? '', kernel: osi.kernel ?? '' },
  };
}

/** The JavaScript runtime's own versions; runner runtimes are added from what each runner declares. */
export function nodeVersions(): Record<string, string> {
  return { node: process.versions.node, v8: process.versions.v8 };
}
