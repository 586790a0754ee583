import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processTreeCpuMs } from '../../../src/core/host-load.js';

// The browser load probe counts Chromium's whole process tree as our own work, the noise floor this process's
// descendants. Renderers come and go: a
// child that burned CPU and exited (reaped by its parent) must still count, or its time reads as other load.
describe.runIf(process.platform === 'linux')('processTreeCpuMs', () => {
  it('keeps the CPU time of a descendant that has exited', async () => {
    // a shell whose child burns CPU (a fixed amount of work, not a duration), exits and is reaped; the shell
    // then reports and sleeps, so the tree is read while only the shell lives.
    const burn = `${JSON.stringify(process.execPath)} -e "let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; if (x < 0) console.log(x)"`;
    const shell = spawn('bash', ['-c', `${burn}; echo done; sleep 30`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(shell.stdout, 'data')) as [Buffer];
      expect(chunk.toString()).toContain('done');
      const ms = processTreeCpuMs(shell.pid as number);
      // 2e8 loop iterations take well over 50 ms of CPU on any x86 host; without cutime/cstime this reads ~0.
      expect(ms).not.toBeNull();
      expect(ms as number).toBeGreaterThan(50);
      // the shell's own time left out, its reaped child's kept: the bash itself used next to nothing
      const children = processTreeCpuMs(shell.pid as number, { descendantsOnly: true });
      expect(children as number).toBeGreaterThan(50);
      expect(children as number).toBeLessThanOrEqual(ms as number);
    } finally {
      shell.kill('SIGKILL');
    }
  });
});
