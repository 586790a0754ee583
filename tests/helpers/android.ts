/** Shared bits of the Android tests: whether Debian's adb is installed, and a stand-in benchmark_model file. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** `adb` is on the PATH (tests against the real adb server are skipped otherwise). */
export const hasAdb = ((): boolean => {
  try {
    execFileSync('adb', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Writes a file with an ARM64 ELF header (what resolveBenchmarkModel checks; it never runs here). */
export function writeArm64Elf(path: string, size = 1024): string {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little-endian
  b.writeUInt16LE(183, 18); // EM_AARCH64
  writeFileSync(path, b);
  return path;
}
