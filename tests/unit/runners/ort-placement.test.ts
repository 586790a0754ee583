/**
 * Browser ORT proof from the timed page, without a browser: ORT's placement warning among the timed page's
 * console lines, and the timed session's WebGPU kernels combined with a verification trace into the record's
 * share (fabricated but realistic inputs: the console lines and the trace shape are what onnxruntime-web 1.30
 * printed for an Add -> Round -> Relu graph, whose Round has no WebGPU kernel). The real browser runs are in
 * ort-webgpu-timed-proof.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  combineOrtBrowserProof,
  placementWarnings,
  TIMED_OFF_WEBGPU,
  TIMED_WARNING_ONLY,
  type TimedPlacement,
} from '../../../src/runners/ort/browser-steps.js';
import type { ConsoleLine, GpuKernelRecord } from '../../../src/runners/ort/page-api.js';
import type { OrtTraceEvent } from '../../../src/runners/ort/profile.js';
import { BackendMismatchError } from '../../../src/core/measurement.js';

// what onnxruntime-web 1.30 printed (console.error, ANSI-coloured) while creating a WebGPU session of
// Add -> Round -> Relu, whose Round JSEP does not implement
const ORT_PLACEMENT_LINES: ConsoleLine[] = [
  {
    level: 'error',
    text: '\u001b[0;93m2026-12-02 05:00:00.584600 [W:onnxruntime:, session_state.cc:1397 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance. e.g. ORT explicitly assigns shape related ops to CPU to improve perf.\u001b[m',
  },
  {
    level: 'error',
    text: '\u001b[0;93m2026-12-02 05:00:00.590465 [W:onnxruntime:, session_state.cc:1399 VerifyEachNodeIsAssignedToAnEp] Rerunning with verbose output on a non-minimal build will show node assignments.\u001b[m',
  },
];

describe('ORT placement warning in the timed page console', () => {
  it('finds the warning line, colour codes removed; other lines are not it', () => {
    const found = placementWarnings([{ level: 'log', text: 'model loaded' }, ...ORT_PLACEMENT_LINES]);
    expect(found).toEqual([
      '2026-12-02 05:00:00.584600 [W:onnxruntime:, session_state.cc:1397 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance. e.g. ORT explicitly assigns shape related ops to CPU to improve perf.',
    ]);
    expect(placementWarnings([ORT_PLACEMENT_LINES[1]!, { level: 'warn', text: 'removing requested execution provider "webgpu"' }])).toEqual([]);
  });
});

const JSEP = 'JsExecutionProvider';
const CPU = 'CPUExecutionProvider';
const kernel = (name: string, op: string, provider: string, ts: number, dur: number): OrtTraceEvent => ({
  cat: 'Node',
  name: `${name}_kernel_time`,
  ts,
  dur,
  args: { op_name: op, provider },
});
/** One profiled run of Add -> Round -> Relu on WebGPU: Round on the CPU EP, Memcpy nodes around it on JSEP. */
const roundTrace: OrtTraceEvent[] = [
  { cat: 'Session', name: 'model_run', ts: 0, dur: 400 },
  kernel('add', 'Add', JSEP, 10, 40),
  kernel('Memcpy_token_0', 'MemcpyToHost', JSEP, 60, 80),
  kernel('round', 'Round', CPU, 150, 20),
  kernel('Memcpy', 'MemcpyFromHost', JSEP, 180, 60),
  kernel('relu', 'Relu', JSEP, 250, 30),
];
/** One profiled run of Conv -> Relu fully on WebGPU. */
const convTrace: OrtTraceEvent[] = [
  { cat: 'Session', name: 'model_run', ts: 0, dur: 300 },
  kernel('conv', 'Conv', JSEP, 10, 200),
  kernel('relu', 'Relu', JSEP, 220, 30),
];
const gpu = (...kernels: [name: string, op: string][]): GpuKernelRecord[] =>
  kernels.map(([kernelName, kernelType], i) => ({ kernelName, kernelType, programName: kernelType, startNs: i * 1000, endNs: i * 1000 + 500 }));
const timedKernels = (...kernels: [name: string, op: string][]): TimedPlacement['gpuKernels'] => ({
  available: true,
  kernels: kernels.map(([kernelName, kernelType]) => ({ kernelName, kernelType, programs: 1 })),
  records: kernels.length,
  deviceFeatures: ['chromium-experimental-timestamp-query-inside-passes'],
});

type Kernel = [name: string, op: string];
/** The timed page's facts: ORT's placement warning printed or not, and its kernels with GPU work. */
const timedWith = (warning: boolean, ...kernels: Kernel[]): TimedPlacement => ({
  placementWarning: warning ? placementWarnings(ORT_PLACEMENT_LINES) : [],
  gpuKernels: timedKernels(...kernels),
});
/** ort-webgpu's proof from a verification trace, its kernels with GPU work (null: none recorded) and the timed page. */
const webgpuProof = (trace: OrtTraceEvent[], verificationGpu: Kernel[] | null, timed: TimedPlacement, strict = false) =>
  combineOrtBrowserProof('ort-webgpu', 'webgpu', trace, verificationGpu ? [gpu(...verificationGpu)] : null, timed, strict);
const CONV: Kernel = ['conv', 'Conv'];
const RELU: Kernel = ['relu', 'Relu'];
const ADD: Kernel = ['add', 'Add'];

describe('timed-session kernels combined with the verification node list', () => {
  it('says where the verification session ran and whether an earlier session made it', () => {
    const timed = timedWith(false, CONV, RELU);
    const inPage = combineOrtBrowserProof('ort-webgpu', 'webgpu', convTrace, [gpu(CONV, RELU)], timed, false, { site: 'timed-page', reused: false });
    expect(inPage.verificationEvidence).toMatch(
      /^verification session \(timed page after its samples, timed session released, same model and options; node list\): /,
    );
    const reused = combineOrtBrowserProof('ort-webgpu', 'webgpu', convTrace, [gpu(CONV, RELU)], timed, false, { site: 'timed-page', reused: true });
    expect(reused.verificationEvidence).toContain(
      '(timed page after its samples, timed session released, same model and options, made once for an earlier session of this model file and these options; node list)',
    );
    // the node list and share do not depend on where the verification ran
    expect(reused.share).toEqual(inPage.share);
  });

  it('all on WebGPU in both sessions: a full share, no warning, each part labelled with its session', () => {
    const p = webgpuProof(convTrace, [CONV, RELU], timedWith(false, CONV, RELU));
    expect(p.share).toMatchObject({ requested: JSEP, onRequested: 2, total: 2, nodeShare: 1, others: {} });
    expect(p.share.timeShare).toBe(1);
    expect(p.warnings).toEqual([]);
    expect(p.timedEvidence).toBe(
      'timed session: 2 kernels dispatched GPU work on WebGPU (ORT WebGPU profiler, one run after sampling); ORT placement warning at its creation: none',
    );
    expect(p.verificationEvidence).toBe(
      'verification session (separate page, same model and options; node list): 2/2 nodes and 2/2 kernel events on JsExecutionProvider, 2 kernels with GPU work',
    );
    expect(p.share.source).toMatch(
      /^node list: ORT profiler of the verification session .*; timed session: 2 kernels .* against 2 kernels with GPU work in the verification session, ORT placement warning at its creation: none$/,
    );
    expect(p.timedDetails).toEqual({
      placementWarning: false,
      webgpuKernels: [
        { kernel: 'conv', op: 'Conv' },
        { kernel: 'relu', op: 'Relu' },
      ],
    });
  });

  it('a CPU node in both sessions (warning at the timed creation, same GPU kernels): partial fallback from the verification counts', () => {
    const p = webgpuProof(roundTrace, [ADD, RELU], timedWith(true, ADD, RELU));
    expect(p.share).toMatchObject({ onRequested: 4, total: 5, nodeShare: 0.8, others: { [CPU]: 1 } });
    expect(p.share.timeShare).toBeCloseTo(210 / 230, 12);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(
      /^partial fallback: 4 of 5 nodes \(80\.0%, 91\.3% of profiled time\) on JsExecutionProvider; .*kernels elsewhere in the verification session: Round x1/,
    );
    expect(p.warnings[0]).toMatch(/source: node list: ORT profiler of the verification session.*ORT placement warning at its creation: present/);
    expect(p.timedDetails).toMatchObject({
      placementWarning: true,
      placementWarningLines: [expect.stringContaining('Some nodes were not assigned')],
    });
    expect(() => webgpuProof(roundTrace, [ADD, RELU], timedWith(true, ADD, RELU), true)).toThrow(BackendMismatchError);
  });

  it('a kernel with GPU work in the verification session and none in the timed one: partial fallback named after the timed session', () => {
    const p = webgpuProof(convTrace, [CONV, RELU], timedWith(true, RELU));
    expect(p.share).toMatchObject({ onRequested: 1, total: 2, nodeShare: 0.5, timeShare: null, others: { [TIMED_OFF_WEBGPU]: 1 } });
    expect(p.warnings[0]).toMatch(
      /^partial fallback: 1 of 2 nodes \(50\.0%\) on JsExecutionProvider; the rest ran elsewhere \(1 on not on WebGPU in the timed session\)/,
    );
    expect(p.warnings).toContain(
      'timed session: 1 kernel that dispatched GPU work in the verification session dispatched none in the timed session (ORT WebGPU profiler, one run after sampling): conv (Conv)',
    );
    expect(() => webgpuProof(convTrace, [CONV, RELU], timedWith(true, RELU), true)).toThrow(/--strict-backend refuses a partial fallback/);
  });

  it("the timed session's placement warning alone (verification all on WebGPU, same GPU kernels) still marks a partial fallback", () => {
    const p = webgpuProof(convTrace, [CONV, RELU], timedWith(true, CONV, RELU));
    expect(p.share).toMatchObject({ onRequested: 1, total: 2, timeShare: null, others: { [TIMED_WARNING_ONLY]: 1 } });
    expect(p.warnings.join('\n')).toMatch(
      /timed session: ORT warned at its creation .* at least one node of the timed session ran elsewhere \(count unknown\)/,
    );
  });

  it('CPU nodes in the verification session but no warning at the timed creation: the sessions disagree, said so', () => {
    const p = webgpuProof(roundTrace, [ADD, RELU], timedWith(false, ADD, RELU));
    expect(p.share.nodeShare).toBe(0.8);
    expect(p.warnings.join('\n')).toMatch(
      /ran 1 node off JsExecutionProvider, but ORT printed no placement warning while creating the timed session/,
    );
  });

  it('no timestamp query on the device: the timed kernel list is unavailable, and the record says why', () => {
    const reason =
      "ORT's GPUDevice has no timestamp query feature (chromium-experimental-timestamp-query-inside-passes / timestamp-query), so ORT's WebGPU profiler records nothing";
    const p = webgpuProof(convTrace, null, { placementWarning: [], gpuKernels: { available: false, reason, deviceFeatures: [] } });
    expect(p.share).toMatchObject({ onRequested: 2, total: 2, nodeShare: 1 });
    expect(p.timedEvidence).toBe(`timed session: WebGPU kernel list unavailable (${reason}); ORT placement warning at its creation: none`);
    expect(p.warnings).toEqual([
      `timed-session WebGPU kernels not compared with the verification session: ${reason}; the node list comes from the verification session alone`,
    ]);
    expect(p.timedDetails).toEqual({ placementWarning: false, webgpuKernelsUnavailable: reason });
  });

  it('a timed run that delivered no records is not read as "nothing ran on WebGPU"', () => {
    const p = webgpuProof(convTrace, [CONV, RELU], timedWith(false));
    expect(p.share.nodeShare).toBe(1);
    expect(p.warnings[0]).toMatch(/not compared .*ORT delivered no GPU timestamp records/);
  });

  it('ort-wasm-browser: the timed session had the CPU EP alone; the verification trace gives the count', () => {
    const cpuTrace = convTrace.map((e) => (e.cat === 'Node' ? { ...e, args: { ...e.args, provider: CPU } } : e));
    const p = combineOrtBrowserProof('ort-wasm-browser', 'wasm', cpuTrace, null, { placementWarning: [], gpuKernels: null }, false);
    expect(p.share).toMatchObject({ requested: CPU, onRequested: 2, total: 2, nodeShare: 1 });
    expect(p.warnings).toEqual([]);
    expect(p.timedEvidence).toMatch(
      /^timed session: created with executionProviders \['wasm'\] only, so CPUExecutionProvider is the only execution provider registered in it; ORT refuses to create a session with a node no registered provider implements/,
    );
    expect(p.share.source).toMatch(/timed session: executionProviders \['wasm'\] only/);
  });
});
