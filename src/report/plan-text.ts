/**
 * What `run --dry-run` and `bench --dry-run` print: the device, then one line per planned measurement.
 * Typed by the fields it reads, so report needs nothing of the engine (a src/engine/plan.ts Plan fits).
 */
import type { Target } from '../core/target.js';

/** The part of a plan the dry-run text shows. */
export interface PlanOutline {
  device: { id: string; name: string; connection: { kind: string } };
  protocol: { name: string };
  sessions: number;
  jobs: readonly { workloadId: string; dtype: string; target: Pick<Target, 'id' | 'settings'> }[];
}

/** The device, then one line per planned measurement (newline-terminated). */
export function planText(plan: PlanOutline): string {
  const d = plan.device;
  const lines = [
    `${d.name} (${d.id}, ${d.connection.kind}): ${plan.jobs.length} measurements x ${plan.sessions} session(s), preset ${plan.protocol.name}`,
  ];
  for (const j of plan.jobs) lines.push(`  ${j.workloadId} ${j.dtype} on ${j.target.id} ${JSON.stringify(j.target.settings)}`);
  return `${lines.join('\n')}\n`;
}
