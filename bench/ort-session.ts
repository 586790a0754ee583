/**
 * One warmed ort-cpu session of an MNv4 model for the bench/ scripts that time `session.run` themselves: the
 * ort-cpu runner's session options and the workload's seeded input, warmed by 30 runs.
 */
import { readFileSync } from 'node:fs';
import { seededInput } from '../src/models/weights.js';
import type { OrtModuleLike } from '../src/runners/ort/common.js';
import { createOrtCpuRunner, ortCpuSessionOptions } from '../src/runners/ort/cpu.js';
import { prepareWorkload } from '../src/runners/prepare.js';
import type { TargetSettings } from '../src/core/target.js';
import type { PreparedWorkload } from '../src/core/workload-file.js';

/** A warmed session: `run` is one inference, the call the ort-cpu runner times. */
export interface WarmOrtCpuSession {
  workload: PreparedWorkload;
  settings: TargetSettings;
  run(): Promise<unknown>;
  release(): Promise<void>;
}

export async function warmOrtCpuSession(model: string, threads: string): Promise<WarmOrtCpuSession> {
  const settings = createOrtCpuRunner().resolveSettings({ threads });
  const workload = await prepareWorkload(`model:${model}`, { format: 'onnx', dtype: 'fp32' });
  const ort = (await import('onnxruntime-node')) as unknown as OrtModuleLike;
  const [c, h, wd] = workload.graph.inputShape;
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(workload.file.path)), ortCpuSessionOptions(settings));
  const feeds = { input: new ort.Tensor('float32', seededInput(workload.graph), [1, c, h, wd]) };
  const run = () => session.run(feeds);
  for (let i = 0; i < 30; i++) await run();
  return { workload, settings, run, release: () => session.release() };
}
