import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { hasAdb } from '../../helpers/android.js';
import { runCli } from '../../helpers/cli.js';

describe.skipIf(!hasAdb)('CLI: run --device pixel6 with no phone (the real adb server)', () => {
  // a private adb server port: the CLI starts a server there and the test stops it, leaving 5037 alone
  const port = 16037 + (process.pid % 1000);
  afterAll(async () => {
    await new Promise<void>((r) => execFile('adb', ['-P', String(port), 'kill-server'], () => r()));
  });

  it('fails with exit 2 and one line naming what it looked for, where, and the three ways on', () => {
    const r = runCli(['run', '--device', 'pixel6', '--adb-server', `127.0.0.1:${port}`], {}, 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toBe(
      `mnv4-bench: device 'pixel6': no Android device with ro.product.model 'Pixel 6' at the adb server 127.0.0.1:${port} (it lists no devices); ways on: (1) attach the phone by USB with USB debugging on and accept the prompt on it; (2) use a phone elsewhere through its adb server: --adb-server host:port, or "adbServer" in the device profile (e.g. a DeviceFarmer STF node); (3) mnv4-bench run --device pixel6 --simulate for the device model's estimates fitted to the paper's published latencies`,
    );
    expect(r.stdout).toBe('');
  });
});

describe('CLI: run --device D --simulate', () => {
  it('prints the labelled device-model table of the five MNv4 models and the baselines, the roofline and MAC counting beside it', () => {
    const r = runCli(['run', '--device', 'pixel6', '--simulate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "Google Pixel 6: SIMULATED latencies (device model, with the paper's plain roofline and MAC counting beside it; not measurements) next to the paper's PUBLISHED ones",
    );
    expect(r.stdout).toMatch(/Pixel 6 CPU ms SIMULATED\s+roofline\s+MACs\s+ms published\s+error/);
    for (const m of [
      'MNv4-Conv-S',
      'MNv4-Conv-M',
      'MNv4-Hybrid-M',
      'MNv4-Conv-L',
      'MNv4-Hybrid-L',
      'MobileNet-V1',
      'MobileNet-V2-0.5x',
      'MobileOne-S4',
      'MultiHardware-MAX-1.5x',
      'MultiHardware-AVG-1.5x',
    ])
      expect(r.stdout).toMatch(new RegExp(`^${m}\\s`, 'm'));
    // over the Table 6 models defined here (a model defined later moves these figures): device model, plain
    // roofline (Table 16 ridge point), MAC count, each leave-one-out; then published
    expect(r.stdout).toMatch(/^MNv4-Conv-L\s+6\.38\s+67\.11\s+64\.84\s+84\.97\s+59\.90\s+12%$/m);
    expect(r.stdout).toMatch(/^MultiHardware-MAX-1\.5x\s+0\.76\s+8\.94\s+10\.10\s+9\.85\s+9\.80\s+-9%$/m);
    expect(r.stdout).toMatch(/^leave-one-out\s+20\s+21\s+0\.960\s+28\.7%\s+0\.934\s+28\.6%\s+0\.941\s+36\.6%$/m);
    expect(r.stdout).toMatch(/the paper's Table 16 \(its own, larger model set\): roofline r_s 0\.973, MAC count 0\.962/);
  });

  it('several devices, as JSON, every figure labelled', () => {
    const r = runCli(['run', '--device', 'samsung-s23,iphone13', '--simulate', '--json']);
    expect(r.code).toBe(0);
    const sims = JSON.parse(r.stdout) as {
      provenance: string;
      device: { id: string };
      columns: { column: string; spearman: number; ridgeSource: string }[];
      rows: { cells: { simulated: { provenance: string }; published: { provenance: string } }[] }[];
    }[];
    expect(sims.map((s) => s.device.id)).toEqual(['samsung-s23', 'iphone13']);
    expect(sims[0]!.columns.map((c) => [c.column, c.ridgeSource])).toEqual([
      ['s23_cpu', 'table16'],
      ['s23_gpu', 'fitted'],
    ]);
    for (const s of sims) {
      expect(s.provenance).toBe('simulated');
      for (const row of s.rows)
        for (const c of row.cells) expect([c.simulated.provenance, c.published.provenance]).toEqual(['simulated', 'published']);
    }
  });

  it('bad input: a device without a Table 6 column, devices that cannot share a run, --adb-server for a local device', () => {
    const a = runCli(['run', '--device', 'host', '--simulate']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^mnv4-bench: device host names no Table 6 column/);
    const b = runCli(['run', '--device', 'host,pixel6', '--dry-run']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/devices host and pixel6 use different protocol presets \(quick, paper\); one run takes one: pass --preset/);
    const c = runCli(['run', '--device', 'host', '--adb-server', '1.2.3.4:5037']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--adb-server applies to devices reached over adb; device host is reached over local/);
  });
});
