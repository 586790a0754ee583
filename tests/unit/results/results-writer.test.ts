import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getPreset } from '../../../src/profiles/protocol.js';
import { hostCpuIsa } from '../../../src/results/cpu-isa.js';
import { errorRecord } from '../../../src/results/records.js';
import { SchemaError } from '../../../src/results/schema.js';
import { listRuns, MEASUREMENTS_FILE, parseMeasurementsText, readRun } from '../../../src/results/reader.js';
import { buildManifest, newRunId, RunWriter } from '../../../src/results/writer.js';
import { writeFileAtomic } from '../../../src/util/fs.js';
import { listRunners } from '../../../src/runners/registry.js';
import { fakeRecord } from '../../helpers/results-fixture.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const target = { id: 'ort-cpu', runner: 'ort-cpu', backend: 'cpu', settings: { threads: 1, optLevel: 'all' } };

async function newRun(runId = newRunId()) {
  const m = await buildManifest({
    runId,
    protocol: getPreset('quick'),
    targets: [target],
    command: ['bench', '--target', 'ort-cpu'],
    device: { id: 'host', name: 'This machine', connection: { kind: 'local' } },
    sessionsPerMeasurement: 1,
    runtimes: { 'onnxruntime-node': '1.2.3' },
  });
  return { m, w: await RunWriter.open(tmp, m) };
}

describe('manifest', () => {
  it('records host facts, versions and git commit', async () => {
    const { m } = await newRun();
    expect(m.host.cpu.cores).toBe(os.cpus().length);
    expect(m.host.memBytes).toBe(os.totalmem());
    // the ISA features int8 latency depends on, read from /proc/cpuinfo on Linux
    expect(m.host.cpu.isa).toEqual(hostCpuIsa(m.host.cpu.flags));
    expect(m.host.cpu.isa!.avx2).toBe(/\bavx2\b/.test(m.host.cpu.flags));
    expect(m.runtimes.node).toBe(process.versions.node);
    expect(m.runtimes['onnxruntime-node']).toBe('1.2.3');
    expect(m.devices).toEqual([{ id: 'host', name: 'This machine', connection: { kind: 'local' } }]);
    expect(m.command).toEqual(['bench', '--target', 'ort-cpu']);
    expect(m.tool.gitCommit === null || /^[0-9a-f]{40}$/.test(m.tool.gitCommit)).toBe(true);
    expect(m.protocol.name).toBe('quick');
  });

  it('is written atomically: complete JSON, no temp files left', async () => {
    const { w } = await newRun();
    const file = path.join(w.runDir, 'manifest.json');
    const big = JSON.stringify({ x: 'y'.repeat(1_000_000) });
    await writeFileAtomic(file, big);
    expect(readFileSync(file, 'utf8')).toBe(big);
    expect(readdirSync(w.runDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to overwrite an existing run without resume, and to resume a missing one', async () => {
    const { m, w } = await newRun();
    await expect(RunWriter.open(tmp, m)).rejects.toThrow(/is being written by pid \d+/);
    await w.close();
    await expect(RunWriter.open(tmp, m)).rejects.toThrow(/already exists.*--resume/);
    await expect(RunWriter.open(tmp, { ...m, runId: 'nope' }, { resume: true })).rejects.toThrow(/nothing to resume/);
  });
});

describe('runtime versions', () => {
  it('every registered runner declares the version of the runtime it runs (LiteRT.js included)', () => {
    // benchmark_model lives on the phone: its version is known once it has run there (it prints it), null before
    const onDevice = (id: string): boolean => id.startsWith('android-');
    for (const r of listRunners()) {
      if (onDevice(r.id)) expect([r.id, r.runtimeVersion()]).toEqual([r.id, null]);
      else expect([r.id, r.runtimeVersion()]).toEqual([r.id, expect.stringMatching(/^\d+\.\d+\.\d+/)]);
    }
    expect(listRunners().map((r) => r.runtime)).toContain('@litertjs/core');
  });
});

describe('appending and resuming', () => {
  it('appends made at the same time (several devices in one run) land as whole lines, in call order', async () => {
    const { m, w } = await newRun();
    const recs = ['conv-s/b03', 'conv-s/b04', 'conv-s/b05', 'conv-s/b06'].map((b) => fakeRecord(m.runId, b, 1));
    await Promise.all(recs.map((r) => w.append(r)));
    const lines = readFileSync(path.join(w.runDir, MEASUREMENTS_FILE), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual(recs.map((r) => r.key));
  });

  it('appends one line per record and lists finished keys (errors are not finished)', async () => {
    const { m, w } = await newRun();
    const a = fakeRecord(m.runId, 'conv-s/b03', 1);
    const b = fakeRecord(m.runId, 'conv-s/b04', 1);
    await w.append(a);
    await w.append(b);
    await w.append(errorRecord({ runId: m.runId, deviceId: 'host' }, 'block:conv-s/b05', 'fp32', target, new Error('boom')));
    const text = readFileSync(path.join(w.runDir, MEASUREMENTS_FILE), 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    const back = await readRun(w.runDir);
    expect(back.records.map((r) => r.kind)).toEqual(['measurement', 'measurement', 'error']);
    expect(back.tornTail).toBe(false);

    await expect(RunWriter.open(tmp, m, { resume: true })).rejects.toThrow(/is in use by pid \d+/);
    await w.close();
    const again = await RunWriter.open(tmp, m, { resume: true });
    expect([...again.finishedKeys()].sort()).toEqual([a.key, b.key].sort());
    expect(again.getManifest().resumed).toHaveLength(1);
    await again.close();
  });

  it('rejects resuming with another protocol', async () => {
    const { m, w } = await newRun();
    await w.close();
    await expect(RunWriter.open(tmp, { ...m, protocol: getPreset('default') }, { resume: true })).rejects.toThrow(/protocol 'quick'.*same preset/);
    // the refused resume released its lock
    await (await RunWriter.open(tmp, m, { resume: true })).close();
  });

  it('refuses to write a record the reader would reject', async () => {
    const { m, w } = await newRun();
    const bad = fakeRecord(m.runId);
    (bad.latency as { unit: string }).unit = 's';
    await expect(w.append(bad)).rejects.toThrow(SchemaError);
  });

  it('a torn last line is skipped by the reader and cut by a resuming writer', async () => {
    const { m, w } = await newRun();
    await w.append(fakeRecord(m.runId, 'conv-s/b03', 1));
    appendFileSync(path.join(w.runDir, MEASUREMENTS_FILE), '{"schemaVersion":2,"kind":"measu');
    const back = await readRun(w.runDir);
    expect(back.tornTail).toBe(true);
    expect(back.records).toHaveLength(1);
    await w.close();
    const again = await RunWriter.open(tmp, m, { resume: true });
    await again.append(fakeRecord(m.runId, 'conv-s/b04', 1));
    const after = await readRun(w.runDir);
    expect(after.tornTail).toBe(false);
    expect(after.records).toHaveLength(2);
  });

  it('a malformed line in the middle is an error naming the line', () => {
    const good = JSON.stringify(fakeRecord());
    expect(() => parseMeasurementsText(`${good}\nnot json\n${good}\n`, 'm.jsonl')).toThrow(/m\.jsonl:2 is not valid JSON/);
  });

  it('a process killed mid-run keeps every line it finished', async () => {
    const { m, w } = await newRun();
    await w.close();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../helpers/append-child.ts'), tmp, m.runId], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let reported = 0;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not append in time: ${stderr}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        const ms = [...String(d).matchAll(/appended (\d+)/g)];
        if (ms.length) reported = Number(ms[ms.length - 1]![1]);
        if (reported >= 3) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        if (reported < 3) reject(new Error(`child exited early: ${stderr}`));
      });
    });
    await new Promise((r) => child.once('close', r));
    const back = await readRun(path.join(tmp, m.runId));
    // every append reported before the kill is on disk (it was fsync'ed before the report).
    expect(back.records.length).toBeGreaterThanOrEqual(reported);
    // the killed child's lock is stale (its pid is gone): the resume takes it over
    const resumed = await RunWriter.open(tmp, m, { resume: true });
    expect(resumed.finishedKeys().size).toBe(back.records.length);
    await resumed.close();
  });
});

describe('listRuns', () => {
  it('lists the runs of a results folder oldest first, names unreadable ones, ignores other folders', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'mnv4-list-'));
    try {
      const device = { id: 'host', name: 'This machine', connection: { kind: 'local' as const } };
      const make = async (runId: string, createdAt: string) => {
        const m = await buildManifest({ runId, protocol: getPreset('quick'), targets: [target], command: ['x'], device, sessionsPerMeasurement: 1 });
        await RunWriter.open(root, { ...m, createdAt });
      };
      await make('b-run', '2025-01-02T00:00:00.000Z');
      await make('a-run', '2025-01-03T00:00:00.000Z');
      mkdirSync(path.join(root, 'not-a-run'));
      mkdirSync(path.join(root, 'headless'));
      writeFileSync(path.join(root, 'headless', 'measurements.jsonl'), '');
      mkdirSync(path.join(root, 'broken'));
      writeFileSync(path.join(root, 'broken', 'manifest.json'), '{"schemaVersion":1}');
      const runs = await listRuns(root);
      expect(runs.map((r) => [r.runId, r.manifest?.createdAt ?? null])).toEqual([
        ['broken', null],
        ['headless', null],
        ['b-run', '2025-01-02T00:00:00.000Z'],
        ['a-run', '2025-01-03T00:00:00.000Z'],
      ]);
      expect(runs[0]!.error).toMatch(/schemaVersion 1 is not supported/);
      expect(runs[1]!.error).toMatch(/headless has measurements\.jsonl but no manifest\.json: not a readable run/);
      expect(await listRuns(path.join(root, 'absent'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('parseMeasurementsText', () => {
  it('accepts an empty file', () => {
    expect(parseMeasurementsText('')).toEqual({ records: [], tornTail: false, tail: 'clean' });
  });
  it('unknown schema versions are rejected even on the last line', () => {
    const rec = { ...fakeRecord(), schemaVersion: 3 };
    expect(() => parseMeasurementsText(JSON.stringify(rec))).toThrow(/schemaVersion 3 is not supported/);
  });
});
