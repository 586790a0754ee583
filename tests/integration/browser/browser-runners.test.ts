/**
 * Browser targets in the shared Chromium: ort-wasm-browser, tflite-wasm, ort-webgpu (SwiftShader here, so only
 * tiny workloads), plus what must fail loudly: a missing Chromium, a WebGPU run that landed on WASM, a browser
 * without an adapter, a killed browser (earlier results stay on disk), a hung page.
 *
 * Skipped only when no Chromium is installed (the reason is printed); CI installs it, so these run there.
 * One browser is shared by the whole file (the runners share the process-wide Chromium).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getExport } from '../../../src/models/export/cache.js';
import { resolveWorkload } from '../../../src/models/workload.js';
import { type ProtocolSettings } from '../../../src/core/protocol-run.js';
import { getPreset } from '../../../src/profiles/protocol.js';
import { errorRecord, measurementRecord, sessionRecord } from '../../../src/results/records.js';
import { readRun } from '../../../src/results/reader.js';
import { buildManifest, RunWriter } from '../../../src/results/writer.js';
import { BROWSER_RUNNERS, configureBrowserTargets } from '../../../src/runners/browser-runners.js';
import { EnvironmentSlot } from '../../../src/runners/browser/common.js';
import {
  BrowserCrashedError,
  BrowserTimeoutError,
  CHROMIUM_ENV,
  CHROMIUM_INSTALL_HINT,
  closeBrowser,
  findChromium,
  sharedBrowserPid,
} from '../../../src/runners/browser/launcher.js';
import { verifyOrtProviders } from '../../../src/runners/ort/browser-steps.js';
import { PageServer } from '../../../src/runners/browser/server.js';
import type { OrtLoadResponse, OrtProfileResponse } from '../../../src/runners/ort/page-api.js';
import { parseOrtTrace } from '../../../src/runners/ort/profile.js';
import { createLitertWasmRunner, createLitertWebgpuRunner } from '../../../src/runners/litert/runners.js';
import { createOrtWasmBrowserRunner } from '../../../src/runners/ort/wasm-browser.js';
import { createOrtWebgpuRunner } from '../../../src/runners/ort/webgpu.js';
import { createTfliteWasmRunner } from '../../../src/runners/tflite/wasm.js';
import { BackendMismatchError } from '../../../src/core/measurement.js';
import { localContext } from '../../../src/core/target.js';
import { type PreparedWorkload } from '../../../src/core/workload-file.js';
import { RunnerUnavailableError, type Runner } from '../../../src/runners/types.js';
import { runtimeProbeModel } from '../../../src/models/export/onnx.js';

const chromium = findChromium();
if (!chromium.ok) console.log(`[browser-runners] browser tests skipped: ${chromium.reason}`);

const cacheDir = mkdtempSync(join(tmpdir(), 'mnv4-browser-test-'));

/** A block workload exported to `format`/`dtype` in a private cache dir. */
async function prepare(text: string, format: 'onnx' | 'tflite', dtype: 'fp32' | 'int8' = 'fp32'): Promise<PreparedWorkload> {
  const rw = resolveWorkload(text);
  const ex = await getExport(rw, { format, dtype }, { dir: cacheDir });
  return {
    id: rw.id,
    kind: rw.kind,
    description: rw.description,
    graph: rw.graph,
    file: { path: ex.path, sha256: ex.sha256, bytes: ex.bytes, format, dtype, resolution: rw.graph.inputShape[1] },
  };
}

/** The quick preset, shortened: these tests check the pipeline, not latencies. */
const QUICK: ProtocolSettings = getPreset('quick', { minSamples: 10, minTimeMs: 200, maxTimeMs: 2_000, warmupMinMs: 100 });

afterAll(async () => {
  await closeBrowser();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('page server (127.0.0.1, cross-origin isolated)', () => {
  it('serves ORT/TFLite runtime files with module and wasm MIME types and isolation headers, registered models by sha256, nothing else', async () => {
    const server = await PageServer.start();
    try {
      expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const mjs = await fetch(`${server.origin}/ort/ort.wasm.min.mjs`);
      expect(mjs.status).toBe(200);
      expect(mjs.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(mjs.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(mjs.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(mjs.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      await mjs.arrayBuffer();
      const wasm = await fetch(`${server.origin}/tflite-wasm/tflite_web_api_cc_simd.wasm`, { method: 'HEAD' });
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      for (const bad of ['/ort/../package.json', '/ort/%2e%2e/package.json', '/package.json', '/models/unknown.onnx']) {
        expect((await fetch(`${server.origin}${bad}`)).status, bad).toBe(404);
      }
      const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
      const url = server.addModel(w.file.path, w.file.sha256);
      expect(url).toContain(`/models/${w.file.sha256}.onnx`);
      const body = new Uint8Array(await (await fetch(url)).arrayBuffer());
      expect(body.byteLength).toBe(w.file.bytes);
      expect(() => server.addModel(w.file.path, 'f'.repeat(64))).toThrow(/changed since it was exported/);
    } finally {
      await server.close();
    }
  });
});

describe('browser target detection without Chromium', () => {
  it('names the install command when MNV4_BENCH_CHROMIUM points nowhere, and measure refuses', async () => {
    const saved = process.env[CHROMIUM_ENV];
    process.env[CHROMIUM_ENV] = '/nonexistent/chromium-for-test';
    try {
      const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
      for (const make of BROWSER_RUNNERS) {
        const r = make();
        const a = await r.detect(localContext());
        expect(a.available, r.id).toBe(false);
        if (!a.available) {
          expect(a.reason).toContain(CHROMIUM_INSTALL_HINT);
          expect(a.reason).toContain('/nonexistent/chromium-for-test');
        }
        await expect(r.measure(w, QUICK, r.resolveSettings({}), localContext())).rejects.toBeInstanceOf(RunnerUnavailableError);
        await r.dispose();
      }
      // an explicit --chromium path wins over the environment and is reported as such.
      configureBrowserTargets({ chromiumPath: '/also/missing' });
      const a = await createOrtWasmBrowserRunner().detect(localContext());
      expect(a.available).toBe(false);
      if (!a.available) expect(a.reason).toMatch(/'\/also\/missing' \(--chromium\).*apt-get install -y chromium/);
    } finally {
      configureBrowserTargets({ chromiumPath: '' });
      if (saved === undefined) delete process.env[CHROMIUM_ENV];
      else process.env[CHROMIUM_ENV] = saved;
    }
  });
});

describe.skipIf(!chromium.ok)('browser runners in Chromium', () => {
  const runners: Runner[] = [];
  const track = (r: Runner): Runner => {
    runners.push(r);
    return r;
  };
  beforeAll(() => {
    configureBrowserTargets({ extraArgs: [] });
  });
  afterAll(async () => {
    for (const r of runners) await r.dispose();
  });

  it('ort-wasm-browser: 2 WASM threads on an isolated page, protocol in the page, CPU EP proven, per-op profile', async () => {
    const r = track(createOrtWasmBrowserRunner());
    const w = await prepare('block:uib(a3,m3,s1,e2,o16,relu)@16x8x8', 'onnx');
    const phases: string[] = [];
    const res = await r.measure(w, QUICK, r.resolveSettings({ threads: 2 }), localContext(), {
      profile: true,
      profileRuns: 3,
      hooks: { onPhase: (p) => phases.push(p) },
    });
    expect(res.executed.backend).toBe('wasm');
    expect(res.executed.provider).toBe('CPUExecutionProvider');
    expect(res.executed.details).toMatchObject({ wasmThreads: 2, crossOriginIsolated: true, ortBuild: 'ort.wasm.min.mjs' });
    expect(String(res.executed.details?.chromiumVersion)).toMatch(/Chrome\/\d+/);
    // the timed page's own part (sole provider, no placement warning), then the verification page's node count
    expect(res.executed.evidence).toMatch(
      /timed session: created with executionProviders \['wasm'\] only, so CPUExecutionProvider is the only execution provider registered in it; .*; ORT placement warning at its creation: none; verification session \(separate page, same model and options; node list\): (\d+)\/\1 nodes and (\d+)\/\2 kernel events on CPUExecutionProvider$/,
    );
    // the samples came from the page clock: isolated pages have a 5 µs performance.now().
    expect(res.protocol.clock).toBe('performance.now');
    expect(res.protocol.timerResolutionMs).toBeLessThan(0.05);
    expect(res.protocol.samplesMs.length).toBeGreaterThanOrEqual(QUICK.minSamples);
    expect(res.protocol.samplesMs.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    // cold start, one meaning: the runtime start (ORT import, WASM instantiation, EP) is timed apart from
    // the block's session creation, which no longer contains it
    expect(res.coldStart.runtimeInitMs).toBeGreaterThan(res.coldStart.sessionCreateMs);
    expect(res.coldStart.firstInferenceMs).toBe(res.protocol.coldMs);
    expect(res.executed.share).toMatchObject({ requested: 'CPUExecutionProvider', nodeShare: 1 });
    expect(phases).toEqual(expect.arrayContaining(['cold', 'warmup', 'sampling', 'done']));
    expect(res.profile?.source).toMatch(/onnxruntime-web-profiler/);
    expect(res.profile?.blocks[0]?.block).toBe('b00_uib');
    expect((res.context?.page as { crossOriginIsolated: boolean }).crossOriginIsolated).toBe(true);
  });

  it('tflite-wasm: fp32 and int8 files run through XNNPACK; XNNPACK operators map to the exporter layers', async () => {
    const r = track(createTfliteWasmRunner());
    for (const dtype of ['fp32', 'int8'] as const) {
      const w = await prepare('block:uib(a3,m3,s1,e2,o16,relu)@16x8x8', 'tflite', dtype);
      const res = await r.measure(w, QUICK, r.resolveSettings({}), localContext(), { profile: true, profileRuns: 3 });
      expect(res.executed.provider).toBe('XNNPACK');
      expect(res.executed.evidence).toMatch(/XNNPACK delegate node/);
      expect(res.executed.details?.builtinNodes).toEqual([]);
      expect(res.executed.share).toMatchObject({ requested: 'XNNPACK', onRequested: 5, total: 5, nodeShare: 1 });
      expect(res.coldStart.runtimeInitMs).toBeGreaterThan(0);
      expect(res.protocol.samplesMs.length).toBeGreaterThanOrEqual(QUICK.minSamples);
      const p = res.profile;
      expect(p?.source).toBe('tflite-profiling-summary');
      // start_dw, expand, middle_dw, project, add: every XNNPACK operator is attributed to the block.
      expect(p?.nodes.map((n) => n.name)).toEqual(['b00_uib/start_dw', 'b00_uib/expand', 'b00_uib/middle_dw', 'b00_uib/project', 'b00_uib/add']);
      expect(p?.unattributedMs).toBe(0);
      expect(p?.nodes.some((n) => n.op.includes(dtype === 'int8' ? 'QC8' : 'F32'))).toBe(true);
    }
  });

  it('tflite-wasm: a real partial fallback (attention ops XNNPACK does not take) is recorded with its share; --strict-backend refuses it', async () => {
    const r = track(createTfliteWasmRunner());
    const w = await prepare('block:mqa(h2,kd8,vd8,kv1)@16x4x4', 'tflite');
    const res = await r.measure(w, QUICK, r.resolveSettings({}), localContext());
    const share = res.executed.share!;
    expect(share.requested).toBe('XNNPACK');
    expect(share.onRequested).toBeGreaterThan(0);
    expect(share.onRequested).toBeLessThan(share.total);
    expect(share.nodeShare).toBeCloseTo(share.onRequested / share.total, 12);
    expect(Object.keys(share.others).every((k) => k.startsWith('builtin '))).toBe(true);
    expect(res.warnings.join('\n')).toMatch(/partial fallback: \d+ of \d+ nodes .* on XNNPACK/);
    // the timed page's console shows the delegate; the node partition comes from a verification interpreter
    // made in the timed page after the timed one was released, then reused by later sessions of the pair
    expect(res.executed.evidence).toMatch(/timed page console: "[^"]*Created TensorFlow Lite XNNPACK delegate/);
    expect(res.executed.evidence).toMatch(
      /verification interpreter \(timed page\) profiling summary: \d+ XNNPACK delegate node\(s\), \d+ builtin node\(s\)$/,
    );
    const again = await r.measure(w, QUICK, r.resolveSettings({}), localContext());
    expect(again.executed.evidence).toContain(
      'verification interpreter (timed page, made once for an earlier session of this model file and these settings)',
    );
    expect(again.executed.evidence).toMatch(/timed page console: "[^"]*Created TensorFlow Lite XNNPACK delegate/);
    expect(again.executed.share).toEqual(share);
    await expect(r.measure(w, QUICK, r.resolveSettings({}), localContext(), { strictBackend: true })).rejects.toThrow(
      /--strict-backend refuses a partial fallback/,
    );
  });

  it('tflite-wasm: a file that is not a TFLite model fails before it reaches the interpreter', async () => {
    const r = track(createTfliteWasmRunner());
    const onnx = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
    const fake = join(cacheDir, 'not-really.tflite');
    writeFileSync(fake, new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(onnx.file.path))));
    const w: PreparedWorkload = { ...onnx, file: { ...onnx.file, path: fake, format: 'tflite' } };
    await expect(r.measure(w, QUICK, r.resolveSettings({}), localContext())).rejects.toThrow(
      /not a usable TFLite model: not a TFLite model: file identifier/,
    );
  });

  it('ort-webgpu: measured on the adapter Chromium offers, adapter recorded, a software adapter flagged, GPU kernel profile mapped to blocks', async () => {
    const r = track(createOrtWebgpuRunner());
    const a = await r.detect(localContext());
    expect(a.available).toBe(true);
    if (!a.available) return;
    const adapter = a.details.adapter as { architecture: string; softwareAdapter: boolean; features: string[] };
    console.log(`[browser-runners] WebGPU adapter: ${JSON.stringify({ ...adapter, features: adapter.features.length })}`);
    const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
    const res = await r.measure(w, QUICK, r.resolveSettings({}), localContext(), { profile: true, profileRuns: 2 });
    expect(res.executed.backend).toBe('webgpu');
    expect(res.executed.provider).toBe('JsExecutionProvider');
    const ad = res.executed.adapter as Record<string, unknown>;
    for (const k of ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter', 'features', 'softwareAdapter'])
      expect(ad, k).toHaveProperty(k);
    expect(res.executed.details).toMatchObject({
      crossOriginIsolated: true,
      softwareAdapter: ad.softwareAdapter,
      shaderF16: (ad.features as string[]).includes('shader-f16'),
    });
    if (ad.softwareAdapter) expect(res.warnings.join('\n')).toMatch(/software adapter.*NOT a GPU latency/);
    expect(res.protocol.samplesMs.length).toBeGreaterThan(0);
    if ((ad.features as string[]).includes('timestamp-query')) {
      expect(res.profile?.source).toBe('webgpu-timestamp-query');
      expect(res.profile?.blocks.some((b) => b.block === 'b00_conv_bn' && b.ms > 0)).toBe(true);
    }
  });

  it('litert-wasm and litert-webgpu (LiteRT.js): fully accelerated, outputs on the requested accelerator; int8-I/O files refused', async () => {
    const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'tflite');
    for (const r of [track(createLitertWasmRunner()), track(createLitertWebgpuRunner())]) {
      const res = await r.measure(w, QUICK, r.resolveSettings({}), localContext(), { profile: true });
      expect(res.executed.backend).toBe(r.backend);
      expect(res.executed.details?.fullyAccelerated).toBe(true);
      expect(res.executed.evidence).toContain(`outputs lived on [${r.backend}]`);
      expect(res.protocol.samplesMs.length).toBeGreaterThanOrEqual(QUICK.minSamples);
      expect(res.warnings.join('\n')).toMatch(/no per-op profiler/);
      if (r.backend === 'webgpu') {
        const ad = res.executed.adapter as { softwareAdapter: boolean };
        expect(ad).toHaveProperty('architecture');
        if (ad.softwareAdapter) expect(res.warnings.join('\n')).toMatch(/software adapter/);
      }
    }
    const int8 = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'tflite', 'int8');
    const lw = track(createLitertWasmRunner());
    await expect(lw.measure(int8, QUICK, lw.resolveSettings({}), localContext())).rejects.toThrow(/int8 inputs .* LiteRT.js cannot feed/);
  });

  it('a WebGPU request whose kernels ran on the CPU EP is a BackendMismatchError, not a result', async () => {
    // a real trace of a session that ran on WASM, checked as if WebGPU had been requested.
    const slot = new EnvironmentSlot();
    try {
      const env = await slot.get();
      const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
      const page = await env.openBundlePage('ort', 'mismatch test');
      const origin = env.server.server.origin;
      const { nchwInput } = await import('../../../src/runners/ort/browser-steps.js');
      await page.call<OrtLoadResponse>(
        'ortLoad',
        {
          ortModule: `${origin}/ort/ort.min.mjs`,
          wasmPaths: `${origin}/ort/`,
          modelUrl: env.server.server.addModel(w.file.path, w.file.sha256),
          ep: 'wasm',
          threads: 1,
          optLevel: 'all',
          powerPreference: 'high-performance',
          inputs: [nchwInput(w)],
          ortProfiler: true,
          gpuProfiling: false,
          runtimeProbe: Buffer.from(runtimeProbeModel()).toString('base64'),
        },
        'load',
      );
      const prof = await page.call<OrtProfileResponse>('ortProfile', { runs: 1 }, 'profile');
      await page.close();
      const events = parseOrtTrace(prof.trace ?? '');
      const wasm = verifyOrtProviders('ort-wasm-browser', 'wasm', events);
      expect(wasm.onExpected).toBe(wasm.total);
      expect(wasm.share).toMatchObject({ requested: 'CPUExecutionProvider', nodeShare: 1, others: {} });
      expect(wasm.share.total).toBe(wasm.total); // one profiled run: one kernel event per node
      expect(() => verifyOrtProviders('ort-webgpu', 'webgpu', events)).toThrow(BackendMismatchError);
      expect(() => verifyOrtProviders('ort-webgpu', 'webgpu', events)).toThrow(/requested backend 'webgpu' but 'wasm/);
    } finally {
      await slot.release();
    }
  });

  it('without a WebGPU adapter, ort-webgpu is unavailable, where ORT with [webgpu, wasm] silently runs WASM', async () => {
    await closeBrowser();
    configureBrowserTargets({ extraArgs: ['--disable-gpu', '--disable-software-rasterizer'] });
    const r = track(createOrtWebgpuRunner());
    const slot = new EnvironmentSlot();
    try {
      const a = await r.detect(localContext());
      expect(a.available).toBe(false);
      if (!a.available) expect(a.reason).toMatch(/no WebGPU adapter/);
      const w = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
      await expect(r.measure(w, QUICK, r.resolveSettings({}), localContext())).rejects.toThrow(RunnerUnavailableError);
      // the trap the runner avoids: a provider list falls back without a word.
      const env = await slot.get();
      const page = await env.openBundlePage('ort', 'fallback demo');
      const origin = env.server.server.origin;
      const modelUrl = env.server.server.addModel(w.file.path, w.file.sha256);
      const ok = await page.evaluate<boolean>(
        `(async () => { const ort = await import('${origin}/ort/ort.min.mjs'); ort.env.wasm.wasmPaths = '${origin}/ort/'; const s = await ort.InferenceSession.create('${modelUrl}', { executionProviders: ['webgpu', 'wasm'] }); const x = new ort.Tensor('float32', new Float32Array(512), [1, 8, 8, 8]); const o = await s.run({ input: x }); return Object.keys(o).length === 1; })()`,
        'fallback demo',
      );
      await page.close();
      expect(ok).toBe(true);
    } finally {
      await slot.release();
      await r.dispose();
      await closeBrowser();
      configureBrowserTargets({ extraArgs: [] });
    }
  });

  it('a browser killed mid-measurement is a clear error; results written before stay on disk; the next workload gets a fresh browser', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mnv4-crash-'));
    try {
      const tfl = track(createTfliteWasmRunner());
      const wasm = track(createOrtWasmBrowserRunner());
      const wT = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'tflite');
      const wO = await prepare('block:conv_bn(k3,s1,o8,relu)@8x8x8', 'onnx');
      const tT = { id: tfl.id, runner: tfl.id, backend: tfl.backend, settings: tfl.resolveSettings({}) };
      const tO = { id: wasm.id, runner: wasm.id, backend: wasm.backend, settings: wasm.resolveSettings({}) };
      const manifest = await buildManifest({
        runId: 'crash-test',
        protocol: QUICK,
        targets: [tT, tO],
        command: ['test'],
        device: { id: 'host', name: 'This machine', connection: { kind: 'local' } },
        sessionsPerMeasurement: 1,
      });
      const scope = { runId: 'crash-test', deviceId: 'host' };
      const writer = await RunWriter.open(root, manifest);
      const first = await tfl.measure(wT, QUICK, tT.settings, localContext());
      await writer.append(measurementRecord(scope, wT, [sessionRecord(scope, wT, first, { index: 0, round: 0 })], QUICK.name));
      const pidBefore = sharedBrowserPid();
      expect(pidBefore).not.toBeNull();

      const long = getPreset('quick', { minTimeMs: 60_000, maxTimeMs: 60_000, targetRelHalfWidth: 0.0001 });
      let killed = false;
      const err = await wasm
        .measure(wO, long, tO.settings, localContext(), {
          hooks: {
            onPhase: (p) => {
              if (p === 'sampling' && !killed) {
                killed = true;
                process.kill(pidBefore as number, 'SIGKILL');
              }
            },
          },
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(killed).toBe(true);
      expect(err).toBeInstanceOf(BrowserCrashedError);
      expect(String((err as Error).message)).toMatch(/measuring .* failed: Chromium \(pid \d+\) (disconnected|exited)/);
      await writer.append(errorRecord(scope, wO.id, 'fp32', tO, err));

      const run = await readRun(join(root, 'crash-test'));
      expect(run.records.map((x) => x.kind)).toEqual(['measurement', 'error']);
      const kept = run.records[0];
      expect(kept?.kind === 'measurement' && kept.sessions[0]!.samples!.values.length).toBe(first.protocol!.samplesMs.length);

      // later workloads run on a freshly launched browser.
      const again = await wasm.measure(wO, QUICK, tO.settings, localContext());
      expect(again.protocol.samplesMs.length).toBeGreaterThan(0);
      expect(sharedBrowserPid()).not.toBe(pidBefore);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a page call that never resolves times out with a clear error, and the browser keeps working', async () => {
    const slot = new EnvironmentSlot();
    try {
      const env = await slot.get();
      const page = await env.openBundlePage('ort', 'hang test');
      const t0 = Date.now();
      await expect(page.evaluate('new Promise(() => {})', 'waiting for a promise that never settles', { timeoutMs: 400 })).rejects.toThrow(
        BrowserTimeoutError,
      );
      expect(Date.now() - t0).toBeLessThan(30_000);
      await expect(page.evaluate('1', 'using the timed-out page')).rejects.toThrow(/already closed/);
      const fresh = await env.openBundlePage('ort', 'after the hang');
      expect(await fresh.evaluate<number>('1 + 1', 'a simple evaluate')).toBe(2);
      await fresh.close();
    } finally {
      await slot.release();
    }
  });
});
