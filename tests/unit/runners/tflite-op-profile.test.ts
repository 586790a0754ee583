/**
 * TFLite op-profiling tables (src/runners/tflite-op-profile.ts) against text printed the way TensorFlow's
 * sources print it:
 *  - tensorflow/core/util/stats_calculator.cc `HeaderString`/`ColumnString`: every field "\t" + setw(width)
 *    right-aligned, std::fixed, setprecision(3); older builds have a `[start]` column (width 17), newer ones
 *    (tsl/util/stats_calculator.cc, node type width 40) do not; CSV: fields joined by ", ";
 *  - `GetShortSummary` / tsl `Stat::OutputToStream` for the `Timings (microseconds):` lines;
 *  - tensorflow/lite/profiling/profile_summary_formatter.cc `GenerateReport` ("Primary graph profile:",
 *    "Delegate internal:"), profile_summarizer.cc (older builds: `DelegateOpInvoke` rows in the main table);
 *  - tensorflow/lite/tools/benchmark/profiling_listener.cc (benchmark_model's two sections).
 */
import { describe, expect, it } from 'vitest';
import type { TfliteModelSummary } from '../../../src/models/export/tflite.js';
import type { Graph } from '../../../src/models/graph.js';
import {
  buildTfliteProfile,
  delegateShare,
  INIT_SECTION,
  parseRunTimings,
  parseTfliteOpProfile,
  RUN_SECTION,
  warmMeanMs,
} from '../../../src/runners/tflite/op-profile.js';

/** `InitField(stream, width) << value`: a tab, then the value right-aligned in `width`, numbers with 3 decimals. */
const field = (width: number, v: string | number) => '\t' + (typeof v === 'number' ? v.toFixed(3) : v).padStart(width);

interface Node {
  type: string;
  start?: number;
  first: number;
  avg: number;
  pct: number;
  cdf: number;
  times: number;
  name: string;
}

/** A Run Order table as StatsCalculator::GetStatsByMetric prints it (tab layout). */
function tabTable(title: string, nodes: Node[], opts: { start: boolean; typeWidth: number }): string {
  let s = `============================== ${title} ==============================\n`;
  s +=
    field(opts.typeWidth, '[node type]') +
    (opts.start ? field(17, '[start]') : '') +
    field(9, '[first]') +
    field(9, '[avg ms]') +
    field(8, '[%]') +
    field(8, '[cdf%]') +
    field(10, '[mem KB]') +
    field(9, '[times called]') +
    '\t[Name]\n';
  for (const n of nodes) {
    s +=
      field(opts.typeWidth, n.type) +
      (opts.start ? field(17, n.start ?? 0) : '') +
      field(9, n.first) +
      field(9, n.avg) +
      field(7, n.pct) +
      '%' +
      field(7, n.cdf) +
      '%' +
      field(10, 0) +
      field(9, String(n.times)) +
      '\t' +
      n.name +
      '\n';
  }
  return s + '\n';
}

/** The same table with format_as_csv (newer builds replace commas in the name by tabs). */
function csvTable(title: string, nodes: Node[], opts: { start: boolean; replaceCommas: boolean }): string {
  let s = `============================== ${title} ==============================\n`;
  s += opts.start
    ? 'node type, start, first, avg_ms, %, cdf%, mem KB, times called, name\n'
    : 'node type, first, avg_ms, %, cdf%, mem KB, times called, name\n';
  for (const n of nodes) {
    const name = opts.replaceCommas ? n.name.replace(/,/g, '\t') : n.name;
    s +=
      [
        n.type,
        ...(opts.start ? [String(n.start ?? 0)] : []),
        String(n.first),
        String(n.avg),
        `${n.pct}%`,
        `${n.cdf}%`,
        '0',
        String(n.times),
        name,
      ].join(', ') + '\n';
  }
  return s + '\n';
}

const shortSummary = (count: number) =>
  `Timings (microseconds): count=${count} first=2400 curr=1250 min=1200 max=2400 avg=1300.5 std=240\nMemory (bytes): count=0\n`;

// A uib block as our exporter writes it: 5 TFLite operators, all taken by XNNPACK (one partition).
const delegatePartition: Node = { type: 'TfLiteXNNPackDelegate', first: 2.4, avg: 1.3, pct: 100, cdf: 100, times: 10, name: '[b00_uib/add]:5' };
const xnnOps: Node[] = [
  { type: 'Convolution (NHWC, F32) DW', first: 0.5, avg: 0.23, pct: 18, cdf: 18, times: 10, name: 'Delegate/Convolution (NHWC, F32) DW:0' },
  { type: 'Convolution (NHWC, F32) GEMM', first: 0.6, avg: 0.42, pct: 33, cdf: 51, times: 10, name: 'Delegate/Convolution (NHWC, F32) GEMM:1' },
  { type: 'Convolution (NHWC, F32) DW', first: 0.5, avg: 0.23, pct: 18, cdf: 69, times: 10, name: 'Delegate/Convolution (NHWC, F32) DW:2' },
  { type: 'Convolution (NHWC, F32) GEMM', first: 0.5, avg: 0.32, pct: 25, cdf: 94, times: 10, name: 'Delegate/Convolution (NHWC, F32) GEMM:3' },
  { type: 'Add (ND, F32)', first: 0.1, avg: 0.08, pct: 6, cdf: 100, times: 10, name: 'Delegate/Add (ND, F32):4' },
];

const names = ['b00_uib/start_dw', 'b00_uib/expand', 'b00_uib/middle_dw', 'b00_uib/project', 'b00_uib/add'];
const model = {
  subgraphs: [
    {
      tensors: names.map((name) => ({ name })),
      operators: names.map((_, i) => ({ index: i, op: i === 4 ? 'ADD' : i % 2 === 0 ? 'DEPTHWISE_CONV_2D' : 'CONV_2D', outputs: [i] })),
    },
  ],
} as unknown as TfliteModelSummary;
const graph = { blocks: [{ id: 'b00_uib' }] } as unknown as Graph;

describe('parseTfliteOpProfile', () => {
  it('reads the tfjs-tflite / tsl layout (no [start]) with its Delegate internal table and timings', () => {
    const text =
      tabTable('Run Order', [delegatePartition], { start: false, typeWidth: 24 }) +
      tabTable('Top by Computation Time', [delegatePartition], { start: false, typeWidth: 24 }) +
      shortSummary(10) +
      '1 nodes observed\n\nDelegate internal: \n' +
      tabTable('Run Order', xnnOps, { start: false, typeWidth: 40 }) +
      shortSummary(10);
    const t = parseTfliteOpProfile(text);
    expect(t.layout).toBe('tab');
    expect(t.nodes).toEqual([{ nodeType: 'TfLiteXNNPackDelegate', firstMs: 2.4, avgMs: 1.3, timesCalled: 10, name: '[b00_uib/add]', index: 5 }]);
    expect(t.delegateInternal.map((r) => [r.nodeType, r.index])).toEqual(xnnOps.map((n, i) => [n.type, i]));
    expect(t.delegateInternal[1]?.name).toBe('Delegate/Convolution (NHWC, F32) GEMM');
    expect(t.timings).toEqual({ count: 10, firstUs: 2400, currUs: 1250, minUs: 1200, maxUs: 2400, avgUs: 1300.5, stdUs: 240 });
    expect(t.delegateTimings?.count).toBe(10);
    expect(delegateShare(t)).toEqual({ delegateNodes: 1, builtinNodes: 0, builtinOps: [], delegatedTimeShare: 1 });

    const p = buildTfliteProfile(t, model, graph, 10, 1.3);
    expect(p.nodes.map((n) => n.name)).toEqual(names);
    expect(p.nodes.every((n) => n.provider === 'XNNPACK' && n.block === 'b00_uib')).toBe(true);
    expect(p.unattributedMs).toBe(0);
    // warm mean of the first DW op: (0.23 * 10 - 0.5) / 9
    expect(p.nodes[0]?.medianMs).toBeCloseTo(0.2, 12);
  });

  it('reads the older layout with [start], where delegate operators sit in the main table as DelegateOpInvoke', () => {
    const old = xnnOps.map((n) => ({ ...n, type: 'DelegateOpInvoke', start: 0.1 }));
    const builtin: Node = { type: 'ADD', start: 1.2, first: 0.2, avg: 0.1, pct: 5, cdf: 100, times: 10, name: '[b00_uib/add]:4' };
    const text = tabTable('Run Order', [{ ...delegatePartition, start: 0 }, ...old, builtin], { start: true, typeWidth: 24 }) + shortSummary(10);
    const t = parseTfliteOpProfile(text);
    expect(t.layout).toBe('tab-with-start');
    expect(t.nodes.map((r) => r.nodeType)).toEqual(['TfLiteXNNPackDelegate', 'ADD']);
    expect(t.nodes[1]).toMatchObject({ startMs: 1.2, firstMs: 0.2, avgMs: 0.1, timesCalled: 10, name: '[b00_uib/add]', index: 4 });
    expect(t.delegateInternal).toHaveLength(5);
    expect(delegateShare(t)).toMatchObject({ delegateNodes: 1, builtinNodes: 1, builtinOps: ['ADD'] });
  });

  it('reads CSV tables, names with commas included', () => {
    const two: Node = { ...delegatePartition, name: '[classificators, regressors]:164' };
    for (const opts of [
      { start: false, replaceCommas: true },
      { start: true, replaceCommas: false },
    ]) {
      const t = parseTfliteOpProfile(csvTable('Run Order', [two], opts));
      expect(t.layout).toBe(opts.start ? 'csv-with-start' : 'csv');
      expect(t.nodes).toHaveLength(1);
      expect(t.nodes[0]).toMatchObject({ nodeType: 'TfLiteXNNPackDelegate', firstMs: 2.4, avgMs: 1.3, timesCalled: 10, index: 164 });
      expect(t.nodes[0]?.name.replace(/\t/g, ',')).toBe('[classificators, regressors]');
    }
  });

  it("takes benchmark_model's regular-run section, not initialisation, and keeps subgraphs apart", () => {
    const init = tabTable(
      'Run Order',
      [{ type: 'ModifyGraphWithDelegate', first: 30, avg: 30, pct: 90, cdf: 90, times: 1, name: 'ModifyGraphWithDelegate/0' }],
      { start: false, typeWidth: 40 },
    );
    const sub: Node = { type: 'WHILE', first: 0.3, avg: 0.2, pct: 100, cdf: 100, times: 10, name: '[loop]:0' };
    const text =
      'INFO: The input model file size (MB): 0.01\n' +
      `INFO: ${INIT_SECTION}\n` +
      init +
      shortSummary(1) +
      `${RUN_SECTION}\n` +
      'Primary graph profile:\n' +
      tabTable('Run Order', [delegatePartition], { start: false, typeWidth: 40 }) +
      shortSummary(10) +
      'Subgraph (index: 1) profile:\n' +
      tabTable('Run Order', [sub], { start: false, typeWidth: 40 }) +
      'Subgraph (index: 1) Timings (microseconds): count=10 curr=200(all same)\n';
    const t = parseTfliteOpProfile(text);
    expect(t.nodes.map((r) => r.nodeType)).toEqual(['TfLiteXNNPackDelegate']);
    expect(t.subgraphs).toEqual([{ index: 1, nodes: [expect.objectContaining({ nodeType: 'WHILE', index: 0 })] }]);
    expect(t.timings?.count).toBe(10);
    // initialisation only (no regular runs were profiled): nothing to report.
    expect(parseTfliteOpProfile(`INFO: ${INIT_SECTION}\n${init}`).nodes).toEqual([]);
  });

  it('survives broken output: a cut row is dropped, an unknown header skips its table, empty text is empty', () => {
    const full = tabTable('Run Order', [delegatePartition, { ...delegatePartition, type: 'ADD', name: '[x]:6' }], { start: false, typeWidth: 24 });
    // cut inside the cdf% column of the second row (a torn read of the tool's output).
    const cut = full.slice(0, full.lastIndexOf('%') - 2);
    expect(parseTfliteOpProfile(cut).nodes.map((r) => r.nodeType)).toEqual(['TfLiteXNNPackDelegate']);
    expect(parseTfliteOpProfile('============================== Run Order ==============================\n\t[who]\t[what]\n\tA\tB\n').nodes).toEqual(
      [],
    );
    expect(parseTfliteOpProfile('')).toMatchObject({ nodes: [], delegateInternal: [], layout: 'none' });
  });
});

describe('parseRunTimings / warmMeanMs', () => {
  it('reads every Stat form OutputToStream prints', () => {
    expect(parseRunTimings('count=0')).toEqual({ count: 0 });
    expect(parseRunTimings('count=5 curr=812(all same)')).toEqual({
      count: 5,
      currUs: 812,
      minUs: 812,
      maxUs: 812,
      avgUs: 812,
      firstUs: 812,
      stdUs: 0,
    });
    expect(parseRunTimings('count=50 first=1530 curr=1209 min=1180 max=1530 avg=1232.4 std=61')).toMatchObject({
      count: 50,
      avgUs: 1232.4,
      stdUs: 61,
    });
    expect(parseRunTimings('no stats here')).toBeNull();
  });
  it('removes the cold first call from the mean', () => {
    expect(warmMeanMs({ nodeType: 'x', firstMs: 10, avgMs: 2, timesCalled: 5, name: 'n', index: 0 })).toBe(0);
    expect(warmMeanMs({ nodeType: 'x', firstMs: 3, avgMs: 3, timesCalled: 1, name: 'n', index: 0 })).toBe(3);
  });
});
