/**
 * ort-webgpu's proof from the timed session, in the real Chromium (SwiftShader here; one small block each):
 *  - a block fully on WebGPU: the kernels that dispatched GPU work in the timed session (ORT's WebGPU profiler,
 *    switched on for one run after sampling) are listed and are the verification session's kernels with GPU
 *    work;
 *  - a real partial fallback: Add -> Round -> Relu, whose Round JSEP does not implement, so ORT places it on its
 *    CPU EP; ORT's placement warning is caught in the timed page's console and the record is marked.
 * Skipped only when no Chromium is installed (the reason is printed).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType } from '../../../src/models/export/onnx-proto.js';
import { type ProtocolSettings } from '../../../src/core/protocol-run.js';
import { getPreset } from '../../../src/profiles/protocol.js';
import { configureBrowserTargets } from '../../../src/runners/browser-runners.js';
import { closeBrowser, findChromium } from '../../../src/runners/browser/launcher.js';
import { createOrtWebgpuRunner } from '../../../src/runners/ort/webgpu.js';
import { prepareWorkload } from '../../../src/runners/prepare.js';
import { localContext } from '../../../src/core/target.js';
import { type PreparedWorkload } from '../../../src/core/workload-file.js';
import { tinyOnnxModel, valueInfo } from '../../helpers/tiny-onnx.js';

const chromium = findChromium();
if (!chromium.ok) console.log(`[ort-webgpu-timed-proof] browser tests skipped: ${chromium.reason}`);

const cacheDir = mkdtempSync(join(tmpdir(), 'mnv4-webgpu-proof-'));
const runner = createOrtWebgpuRunner();
afterAll(async () => {
  await runner.dispose();
  await closeBrowser();
  rmSync(cacheDir, { recursive: true, force: true });
});

/** The quick preset, shortened: these tests check the proof, not latencies. */
const QUICK: ProtocolSettings = getPreset('quick', { minSamples: 6, minTimeMs: 100, maxTimeMs: 500, warmupMinMs: 50, warmupMaxMs: 300 });
const BLOCK = 'block:conv_bn(k3,s1,o8,relu)@8x8x8';

/** input [1,8,8,8] -> Add 0.3 -> Round -> Relu -> output (the block's shapes, so its workload can carry it). */
function roundModel(): Uint8Array {
  return tinyOnnxModel({
    name: 'round',
    doc: 'Round has no WebGPU kernel in onnxruntime-web',
    nodes: [
      { op_type: 'Add', name: 'add', input: ['input', 'c'], output: ['a'], attribute: [] },
      { op_type: 'Round', name: 'round', input: ['a'], output: ['r'], attribute: [] },
      { op_type: 'Relu', name: 'relu', input: ['r'], output: ['output'], attribute: [] },
    ],
    initializers: [{ name: 'c', dims: [1], data_type: DataType.FLOAT, raw_data: new Uint8Array(Float32Array.of(0.3).buffer) }],
    inputs: [valueInfo('input', [1, 8, 8, 8])],
    outputs: [valueInfo('output', [1, 8, 8, 8])],
  });
}

const prepare = (text: string) => prepareWorkload(text, { format: 'onnx', dtype: 'fp32', cacheDir });

interface KernelFact {
  kernel: string;
  op: string;
}
const byName = (a: KernelFact[]) => [...a].sort((x, y) => x.kernel.localeCompare(y.kernel));

describe.skipIf(!chromium.ok)('ort-webgpu: proof from the timed session', () => {
  beforeAll(() => {
    configureBrowserTargets({ extraArgs: [] });
  });

  it('a block fully on WebGPU: the timed session lists its kernels with GPU work, the same as the verification session', async () => {
    const a = await runner.detect(localContext());
    expect(a.available).toBe(true);
    const res = await runner.measure(await prepare(BLOCK), QUICK, runner.resolveSettings({}), localContext());
    const adapter = res.executed.adapter as { features: string[] };
    const timestamps = adapter.features.some((f) => f === 'timestamp-query' || f === 'chromium-experimental-timestamp-query-inside-passes');
    const timed = res.executed.details?.timedSession as {
      placementWarning: boolean;
      webgpuKernels?: KernelFact[];
      webgpuKernelsUnavailable?: string;
    };
    const verification = res.executed.details?.verificationSession as { webgpuKernels?: KernelFact[] };
    expect(timed.placementWarning).toBe(false);
    expect(res.executed.share).toMatchObject({ requested: 'JsExecutionProvider', nodeShare: 1, others: {} });
    expect(res.warnings.join('\n')).not.toMatch(/timed session|partial fallback/);
    if (timestamps) {
      expect(timed.webgpuKernels!.length).toBeGreaterThan(0);
      expect(timed.webgpuKernels!.some((k) => k.op === 'Conv' || k.op === 'FusedConv')).toBe(true);
      expect(byName(timed.webgpuKernels!)).toEqual(byName(verification.webgpuKernels!));
      expect(res.executed.evidence).toContain(
        `timed session: ${timed.webgpuKernels!.length} kernel${timed.webgpuKernels!.length === 1 ? '' : 's'} dispatched GPU work on WebGPU (ORT WebGPU profiler, one run after sampling); ORT placement warning at its creation: none; verification session (timed page after its samples, timed session released, same model and options; node list): `,
      );
    } else {
      expect(timed.webgpuKernelsUnavailable).toMatch(/timestamp query/);
      expect(res.executed.evidence).toContain('timed session: WebGPU kernel list unavailable');
    }
    expect(res.executed.share!.source).toMatch(/^node list: ORT profiler of the verification session .*; timed session: /);
    // a second session of the same pair reads its own timed session but reuses the verification (said so)
    const again = await runner.measure(await prepare(BLOCK), QUICK, runner.resolveSettings({}), localContext());
    expect(again.executed.evidence).toContain(
      'verification session (timed page after its samples, timed session released, same model and options, made once for an earlier session',
    );
    expect(again.executed.share).toMatchObject({ requested: 'JsExecutionProvider', nodeShare: 1, others: {} });
    expect((again.executed.details?.timedSession as { placementWarning: boolean }).placementWarning).toBe(false);
  });

  it('a real partial fallback (Round on the CPU EP): the placement warning of the timed session marks the record', async () => {
    const block = await prepare(BLOCK);
    const bytes = roundModel();
    const path = join(cacheDir, 'round.onnx');
    writeFileSync(path, bytes);
    const w: PreparedWorkload = {
      ...block,
      id: 'test:add-round-relu',
      file: { ...block.file, path, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length },
    };
    const res = await runner.measure(w, QUICK, runner.resolveSettings({}), localContext());
    const timed = res.executed.details?.timedSession as { placementWarning: boolean; placementWarningLines: string[]; webgpuKernels?: KernelFact[] };
    expect(timed.placementWarning).toBe(true);
    expect(timed.placementWarningLines[0]).toMatch(
      /VerifyEachNodeIsAssignedToAnEp\] Some nodes were not assigned to the preferred execution providers/,
    );
    const share = res.executed.share!;
    expect(share.others).toMatchObject({ CPUExecutionProvider: 1 });
    expect(share.onRequested).toBe(share.total - 1);
    expect(share.source).toContain('ORT placement warning at its creation: present');
    if (timed.webgpuKernels)
      expect(byName(timed.webgpuKernels)).toEqual([
        { kernel: 'add', op: 'Add' },
        { kernel: 'relu', op: 'Relu' },
      ]);
    expect(res.warnings.join('\n')).toMatch(/partial fallback: .* on JsExecutionProvider;.*kernels elsewhere in the verification session: Round x1/);
    expect(res.executed.evidence).toContain('ORT placement warning at its creation: present');
    // --strict-backend turns this share into a BackendMismatchError (checkBackendShare; ort-placement.test.ts)
  });
});
