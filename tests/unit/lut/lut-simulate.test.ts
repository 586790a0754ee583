import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lowerModel } from '../../../src/models/graph.js';
import { buildArchModel, encodeArch, skeletonArch } from '../../../src/models/search-space.js';
import { exportCsv, exportOfa, exportTunas } from '../../../src/lut/export.js';
import { LutError } from '../../../src/lut/errors.js';
import { compileTable, predictLatency } from '../../../src/lut/predict.js';
import { parseTable, serializeTable, signTable, type LutTable } from '../../../src/lut/schema.js';
import { compareSimulated } from '../../../src/lut/sim-compare.js';
import { formatSimCompare } from '../../../src/report/lut-sim-compare.js';
import { assertMeasuredTable, buildSimulatedTable } from '../../../src/lut/simulate.js';
import { loadDevice } from '../../../src/profiles/device.js';
import { fitDeviceModel } from '../../../src/profiles/device-model-fit.js';
import { simulateWithDeviceModel } from '../../../src/profiles/device-model-simulate.js';
import { runMain } from '../../helpers/main-io.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mnv4-lut-sim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sim = buildSimulatedTable({ device: loadDevice('pixel8'), space: 'conv-m', createdAt: '2026-01-01T00:00:00.000Z' });

/** A stand-in for a table measured later on the phone: the same configurations, uib blocks 25% slower than simulated. */
function measuredLike(t: LutTable): LutTable {
  const { integrity: _i, simulation: _s, provenance: _p, ...rest } = t;
  const m = (ms: number) => ({ ...t.entries[0]!.latency, provenance: 'measured' as const, median: ms, p10: ms, p90: ms, sessionMedians: [ms] });
  return signTable({
    ...rest,
    device: { id: 'pixel8', hostname: 'phone', cpu: 'Tensor G3' },
    protocol: 'default',
    runs: [
      {
        runId: 'r1',
        createdAt: t.createdAt,
        tool: { version: '0', gitCommit: null },
        hostname: 'phone',
        cpu: 'Tensor G3',
        target: t.target,
        runtimes: {},
        protocol: 'default',
        measurements: t.entries.length,
      },
    ],
    entries: t.entries.map((e) => ({ ...e, latency: m(e.op === 'uib' ? e.latency.median * 1.25 : e.latency.median) })),
    overhead: t.overhead.map((o) => ({ ...o, latency: m(o.latency.median) })),
  });
}

describe('simulated latency tables', () => {
  it('label the table and every entry simulated, name no measuring run, and survive a write and a read', () => {
    expect(sim.provenance).toBe('simulated');
    expect(sim.runs).toEqual([]);
    expect([...sim.entries, ...sim.overhead].every((e) => e.latency.provenance === 'simulated')).toBe(true);
    expect(sim.entries.length).toBe(compileTable(sim).index.configs.length);
    expect(sim.simulation).toMatchObject({ column: 'pixel8_edgetpu', leaveOneOut: { n: expect.any(Number) } });
    expect((sim.simulation as { leaveOneOut: { n: number } }).leaveOneOut.n).toBeGreaterThanOrEqual(13);
    expect(parseTable(serializeTable(sim), 'sim.json')).toEqual(sim);
  });

  it('predict a whole architecture as the device model does: the floor plus its blocks', () => {
    const c = compileTable(sim);
    const v = skeletonArch(c.index.space);
    const p = predictLatency(encodeArch(c.index.space, v), c);
    const direct = simulateWithDeviceModel(lowerModel(buildArchModel(c.index.space, v)), fitDeviceModel('pixel8_edgetpu').model);
    expect(p.medianMs).toBeCloseTo(direct.latency.value, 9);
  });

  it('refuse a table that mixes simulated and measured figures', () => {
    const { integrity: _i, ...rest } = sim;
    const mixed = signTable({
      ...rest,
      entries: [{ ...sim.entries[0]!, latency: { ...sim.entries[0]!.latency, provenance: 'measured' } }, ...sim.entries.slice(1)],
    });
    expect(() => parseTable(serializeTable(mixed), 'mixed.json')).toThrow(/mixed\.json mixes simulated and measured figures/);
    const { provenance: _p, ...asMeasured } = rest;
    expect(() => parseTable(serializeTable(signTable(asMeasured)), 'm.json')).toThrow(/m\.json names no measuring run/);
  });

  it('export to TuNAS, OFA and CSV saying the figures are simulated', () => {
    expect(exportTunas(sim, { trainArchs: 200, heldOutArchs: 50 }).tableProvenance).toBe('simulated');
    const ofa = exportOfa(sim);
    expect(ofa.tableProvenance).toBe('simulated');
    expect(Object.values(ofa.table).filter((e) => e.source === 'measured')).toEqual([]);
    expect(ofa.table['graph-overhead']!.source).toBe('simulated');
    const csv = exportCsv(sim).trim().split('\n');
    expect(csv.slice(1).every((l) => l.endsWith(',simulated'))).toBe(true);
  });

  it('are refused where a measured table is needed, and a device with several Table 6 columns needs --target', () => {
    expect(() => assertMeasuredTable(sim, 's.json', 'lut validate')).toThrow(/s\.json is a SIMULATED table.*lut compare s\.json MEASURED/);
    expect(() => assertMeasuredTable(measuredLike(sim), 'm.json', 'lut validate')).not.toThrow();
    expect(() => buildSimulatedTable({ device: loadDevice('samsung-s23'), space: 'conv-s' })).toThrow(LutError);
    expect(() => buildSimulatedTable({ device: loadDevice('samsung-s23'), space: 'conv-s' })).toThrow(/--target android-cpu \| android-gpu/);
    expect(buildSimulatedTable({ device: loadDevice('samsung-s23'), space: 'conv-s', target: 'android-gpu' }).dtype).toBe('fp16');
  });

  it('lut compare shows where the simulation was wrong, by block type and configuration', () => {
    const r = compareSimulated(sim, measuredLike(sim), { archs: 20 });
    const uib = r.byOp.find((o) => o.op === 'uib')!;
    expect(uib.medianError).toBeCloseTo(1 / 1.25 - 1, 9);
    expect(r.byOp.find((o) => o.op === 'conv_bn')!.medianError).toBeCloseTo(0, 9);
    expect(r.entries.worst[0]!.op).toBe('uib');
    expect(r.archs.mape).toBeGreaterThan(0.05);
    expect(formatSimCompare(r)).toMatch(/uib +\d+ +-20\.0%/);
    expect(() => compareSimulated(measuredLike(sim), sim)).toThrow(/first table .* simulated/);
  });
});

describe('lut commands on simulated tables', () => {
  it('build --simulate writes the table; validate refuses it (exit 2); compare and search read it', async () => {
    const file = path.join(tmp, 'sim.lut.json');
    const b = await runMain(['lut', 'build', '--device', 'pixel8', '--simulate', '--space', 'conv-s', '-o', file]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/SIMULATED by the device model: nothing was measured/);
    const t = parseTable(readFileSync(file, 'utf8'), file);
    expect(t.entries.every((e) => e.latency.provenance === 'simulated')).toBe(true);
    const v = await runMain(['lut', 'validate', '--table', file]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/is a SIMULATED table/);
    const s = await runMain(['lut', 'search', '--table', file, '--budget-ms', '5', '--evaluations', '50']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/SIMULATED table \(device model\): the frontier is not measured/);
    const p = await runMain(['lut', 'predict', '--table', file, '--model', 'conv-s']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/SIMULATED table \(device model\): these predictions rest on simulated entries/);
    const c = await runMain(['lut', 'compare', file, file]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/second table .* measured/);
  });
});
