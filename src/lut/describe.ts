/** Lines `lut show` adds about a table's units and origin (kept out of the CLI file). */
import type { LutTable } from './schema.js';
import { inReferenceUnits } from './units.js';

const f3 = (x: number): string => x.toFixed(3);

export function tableNotes(t: LutTable): string[] {
  const lines: string[] = [];
  if (t.reference && inReferenceUnits(t))
    lines.push(
      `  units: ratios to the reference ${t.reference.arch} (measured in every round of the build: ${f3(t.reference.latency.median)} ms), turned into ms by its median at prediction time${t.method.anchored ? '; predictions anchored on it' : ''}`,
    );
  else lines.push('  units: ms (a table without a reference: rebuild it for reference units)');
  if (t.transfer) {
    const x = t.transfer;
    lines.push(
      `  transferred from ${x.from.file} (${x.from.target.id} ${x.from.dtype}, device ${x.from.device}) with ${x.measured.length} measurements (budget ${x.budget}): ${x.note}`,
    );
    lines.push(
      `  per-op-class factors (new / source): ${Object.entries(x.factors)
        .map(([k, v]) => `${k} x${v.toFixed(3)}`)
        .join(', ')}`,
    );
  }
  return lines;
}
