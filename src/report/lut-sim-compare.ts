/**
 * The terminal text of `lut compare SIMULATED MEASURED` (src/lut/sim-compare.ts computes it): where the
 * simulated table was wrong, per block type, per configuration and over seeded architectures.
 */
import { mapeOf, type SimCompareReport } from '../lut/sim-compare.js';
import { fmt, textTable } from './table.js';

const sp = (x: number): string => `${x >= 0 ? '+' : ''}${fmt(x * 100, 1)}%`;
const rs = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));

export function formatSimCompare(r: SimCompareReport): string {
  const lines = [
    `${r.space}@${r.resolution}: SIMULATED table (${r.simulated.device}, ${r.simulated.target}${r.simulated.column ? `, device model fitted to ${r.simulated.column}` : ''}) vs MEASURED table (${r.measured.device}, ${r.measured.target})`,
    `block configurations in both: ${r.entries.n}; simulated vs measured: MAPE ${fmt(r.entries.mape * 100, 1)}%, median error ${sp(r.entries.medianError)}, Spearman r_s ${rs(r.entries.spearman)}`,
    textTable(
      [{ header: 'block type' }, { header: 'n', right: true }, { header: 'median error', right: true }, { header: 'MAPE', right: true }],
      r.byOp.map((o) => [o.op, String(o.n), sp(o.medianError), `${fmt(o.mape * 100, 1)}%`]),
    ),
    'largest errors (simulated / measured - 1):',
    textTable(
      [
        { header: 'configuration' },
        { header: 'stage' },
        { header: 'simulated ms', right: true },
        { header: 'measured ms', right: true },
        { header: 'error', right: true },
      ],
      r.entries.worst.map((e) => [e.key, e.stage, fmt(e.simulatedMs, 3), fmt(e.measuredMs, 3), sp(e.error)]),
    ),
    `${r.archs.n} seeded architectures (seed ${r.archs.seed}), predicted (estimated) from each table: MAPE ${fmt(r.archs.mape * 100, 1)}%, rank agreement Spearman r_s ${rs(r.archs.spearman)}`,
  ];
  if (r.measuredArchs.length)
    lines.push(
      `the measured table's ${r.measuredArchs.length} end-to-end architectures vs the simulated prediction: MAPE ${fmt(mapeOf(r.measuredArchs.map((a) => a.error)) * 100, 1)}%`,
    );
  return lines.join('\n');
}
