/**
 * Repeatability: two back-to-back measurements of each MNv4 model on ort-cpu; their medians should agree
 * within 2%. Prints both medians, their CIs, the difference, and whether the CIs overlap.
 *
 *   npx tsx bench/repeatability.ts [--preset default] [--threads 1] [--models conv-s,conv-m,conv-l,hybrid-m,hybrid-l]
 */
import { getPreset } from '../src/profiles/protocol.js';
import { summariseRun } from '../src/profiles/stats.js';
import { localContext, protocolRunOf, type MeasurementResult } from '../src/runners/types.js';
import { createOrtCpuRunner } from '../src/runners/ort-cpu.js';
import { prepareWorkload } from '../src/runners/prepare.js';
import { arg, hostLine, pct } from './common.js';

const preset = getPreset(arg('preset', 'default'));
const models = arg('models', 'conv-s,conv-m,conv-l,hybrid-m,hybrid-l').split(',');
const runner = createOrtCpuRunner();
const settings = runner.resolveSettings({ threads: arg('threads', '1') });
console.log(hostLine());
console.log(`ort-cpu ${JSON.stringify(settings)}, preset ${preset.name}`);
console.log('model      median A (95% CI)              median B (95% CI)              B vs A    CIs overlap  within 2%');
let worst = 0;
const warnings: string[] = [];
for (const m of models) {
  const w = await prepareWorkload(`model:${m}`, { format: 'onnx', dtype: 'fp32' });
  const summary = (r: MeasurementResult) => summariseRun(protocolRunOf(r), { otherLoad: (r.context?.load as { otherLoad?: number } | undefined)?.otherLoad });
  const ra = summary(await runner.measure(w, preset, settings, localContext()));
  const rb = summary(await runner.measure(w, preset, settings, localContext()));
  const a = ra.stats;
  const b = rb.stats;
  warnings.push(...[...ra.warnings, ...rb.warnings].map((x) => `${m}: ${x.code}`));
  const d = b.median / a.median - 1;
  worst = Math.max(worst, Math.abs(d));
  const ci = (s: typeof a) => `${s.median.toFixed(3)} [${s.ciMedian?.lo.toFixed(3)}, ${s.ciMedian?.hi.toFixed(3)}] n=${s.n}`.padEnd(30);
  const overlap = a.ciMedian && b.ciMedian ? a.ciMedian.lo <= b.ciMedian.hi && b.ciMedian.lo <= a.ciMedian.hi : false;
  console.log(`${m.padEnd(10)} ${ci(a)} ${ci(b)} ${pct(d).padStart(8)}  ${overlap ? 'yes' : 'no '}          ${Math.abs(d) <= 0.02 ? 'yes' : 'NO'}`);
}
if (warnings.length) console.log(`measurement warnings (figures from a disturbed host are not evidence): ${[...new Set(warnings)].join(', ')}`);
console.log(`largest |difference|: ${(worst * 100).toFixed(2)}% (target <= 2%): ${worst <= 0.02 ? 'PASS' : 'FAIL'}`);
