/**
 * Efficiency: achieved GMAC/s of each MNv4 model on each Node target, next to this CPU's measured peak.
 *
 * Peak: large 1x1 and dense 3x3 convolutions (compute-bound GEMMs: 256->256 at 56x56, 512->512 at 28x28,
 * 1024->1024 at 28x28, 3x3 256->256 at 28x28, 3x3 512->512 at 14x14; 0.2-0.9 GMAC, no activation) exported
 * like any workload and measured by the same
 * runner and protocol. The best of them is the practical peak of that target with those settings (one
 * shape can hit a slow kernel path, hence several); models are reported as a share of it.
 * MACs come from src/models/cost.ts (the counts the paper uses); GMAC/s = MACs / median latency.
 *
 *   npx tsx bench/efficiency.ts [--preset quick] [--threads 1] [--targets ort-cpu,ort-wasm] [--models conv-s,...]
 */
import { graphCost } from '../src/models/cost.js';
import { getPreset } from '../src/profiles/protocol.js';
import { computeStats } from '../src/profiles/stats.js';
import { getRunner } from '../src/runners/registry.js';
import { prepareWorkload } from '../src/runners/prepare.js';
import { protocolRunOf } from '../src/core/measurement.js';
import { localContext } from '../src/core/target.js';
import { arg, hostLine } from './common.js';

/** Compute-dense single convolutions (large GEMMs after im2col / NCHWc); the peak is the best of them. */
const PEAK_WORKLOADS = [
  'block:conv_bn(k1,s1,o256,none)@256x56x56',
  'block:conv_bn(k1,s1,o512,none)@512x28x28',
  'block:conv_bn(k1,s1,o1024,none)@1024x28x28',
  'block:conv_bn(k3,s1,o256,none)@256x28x28',
  'block:conv_bn(k3,s1,o512,none)@512x14x14',
];
const preset = getPreset(arg('preset', 'quick'));
const threads = arg('threads', '1');
const targets = arg('targets', 'ort-cpu,ort-wasm').split(',');
const models = arg('models', 'conv-s,conv-m,conv-l,hybrid-m,hybrid-l').split(',');

console.log(hostLine());
console.log(`preset ${preset.name}, threads ${threads}`);

async function gmacs(targetId: string, text: string): Promise<{ gmacs: number; medianMs: number; macs: number }> {
  const runner = getRunner(targetId);
  const w = await prepareWorkload(text, { format: 'onnx', dtype: 'fp32' });
  const r = await runner.measure(w, preset, runner.resolveSettings({ threads }), localContext());
  const med = computeStats(protocolRunOf(r).samplesMs).median;
  const macs = graphCost(w.graph).macs;
  return { gmacs: macs / (med * 1e-3) / 1e9, medianMs: med, macs };
}

const peaks = new Map<string, number>();
for (const t of targets) {
  for (const pw of PEAK_WORKLOADS) {
    const p = await gmacs(t, pw);
    peaks.set(t, Math.max(peaks.get(t) ?? 0, p.gmacs));
    console.log(`${t} ${pw}: ${p.gmacs.toFixed(1)} GMAC/s (${(p.macs / 1e9).toFixed(3)} GMAC in ${p.medianMs.toFixed(3)} ms)`);
  }
  console.log(`peak ${t}: ${peaks.get(t)!.toFixed(1)} GMAC/s`);
}
console.log('');
console.log(`model      GMAC    ${targets.map((t) => `${t} ms`.padStart(12) + `${t} GMAC/s`.padStart(16) + '  % peak').join('  ')}`);
for (const m of models) {
  const cells: string[] = [];
  let macs = 0;
  for (const t of targets) {
    const g = await gmacs(t, `model:${m}`);
    macs = g.macs;
    cells.push(
      `${g.medianMs.toFixed(3).padStart(12)}${g.gmacs.toFixed(1).padStart(16)}  ${((g.gmacs / peaks.get(t)!) * 100).toFixed(0).padStart(5)}%`,
    );
  }
  console.log(`${m.padEnd(10)} ${(macs / 1e9).toFixed(3)}  ${cells.join('  ')}`);
}
