/** The `targets` table: every target, whether it can run on the device (the reason when not), its settings. */
import type { TargetStatus } from '../core/target.js';
import { textTable } from './table.js';

function settingsText(t: TargetStatus): string {
  return t.settings
    .map((s) => {
      const range =
        s.type === 'enum'
          ? ` (${s.values?.join('|')})`
          : s.type === 'int'
            ? ` (${s.min ?? ''}..${s.max ?? ''})`
            : s.type === 'string' && s.patternText
              ? ` (${s.patternText})`
              : '';
      return `${s.key}=${String(s.default)}${range}`;
    })
    .join(', ');
}

/** A GPU target whose adapter is a software fallback (SwiftShader) runs, but its figures are not GPU latencies. */
export function onSoftwareGpu(t: TargetStatus): boolean {
  const adapter = t.availability.available
    ? (t.availability.details.adapter as { isFallbackAdapter?: boolean; architecture?: string } | undefined)
    : undefined;
  return adapter?.isFallbackAdapter === true || adapter?.architecture === 'swiftshader';
}

/** The table with its notes (cache use, software GPU). */
export function targetsTable(list: readonly TargetStatus[], deviceId = 'host'): string {
  const rows = list.map((t) => [
    t.id,
    t.availability.available ? (onSoftwareGpu(t) ? 'yes (software GPU)' : 'yes') : 'no',
    `${t.runtime} / ${t.backend}`,
    t.formats.join(','),
    t.availability.available ? settingsText(t) : t.availability.reason,
  ]);
  const lines = [
    textTable(
      [
        { header: 'target' },
        { header: `on ${deviceId}` },
        { header: 'runtime / backend' },
        { header: 'formats' },
        { header: 'settings (default) or reason' },
      ],
      rows,
    ),
  ];
  const cached = list.filter((t) => t.cached).length;
  if (cached > 0) lines.push(`(${cached} of ${list.length} from the cache; --refresh to check again)`);
  if (list.some(onSoftwareGpu))
    lines.push(
      'software GPU: the only WebGPU adapter is a software fallback (SwiftShader): runs are measured and flagged, but are not GPU latencies',
    );
  return lines.join('\n');
}
