/**
 * Several devices in one run: one plan per device, measured at the same time, into one run directory whose
 * manifest lists every device. Each device runs its own plan exactly as `executePlan` does (availability on
 * that device, rounds of sessions, one workload at a time on it); the devices run in parallel. Records carry
 * their device id in their key, so resume, the tables and the readers keep them apart.
 *
 * The plans must share the protocol and the sessions per measurement (one manifest holds one of each).
 */
import { RunWriter } from '../results/writer.js';
import { disposeRunners } from '../runners/registry.js';
import type { EngineEvent, ExecuteResult } from './events.js';
import { executePlan, manifestFor, type ExecuteOptions } from './execute.js';
import { PlanError, type Plan } from './plan.js';

/** Checks that the plans can share one run: distinct devices, one protocol, one session count. */
export function checkPlansShareRun(plans: readonly Plan[]): void {
  if (plans.length === 0) throw new PlanError('no device to run');
  const ids = plans.map((p) => p.device.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new PlanError(`device ${dup} is named twice`);
  const first = plans[0]!;
  for (const p of plans.slice(1)) {
    if (JSON.stringify(p.protocol) !== JSON.stringify(first.protocol)) {
      throw new PlanError(
        `devices ${first.device.id} and ${p.device.id} use different protocol presets (${first.protocol.name}, ${p.protocol.name}); one run takes one: pass --preset`,
      );
    }
    if (p.sessions !== first.sessions)
      throw new PlanError(`devices ${first.device.id} and ${p.device.id} ask for different session counts; pass --sessions`);
  }
}

/**
 * Runs every plan at the same time into `<outDir>/<runId>/`; `onEventFor(plan)` receives that device's
 * events. Returns one result per plan, in plan order.
 */
export async function executePlans(
  plans: readonly Plan[],
  o: Omit<ExecuteOptions, 'writer' | 'keepRunners' | 'onEvent'> & { onEventFor?: (plan: Plan) => (e: EngineEvent) => void },
): Promise<ExecuteResult[]> {
  checkPlansShareRun(plans);
  const writer = await RunWriter.open(o.outDir, await manifestFor(plans, o), { resume: o.resume === true });
  try {
    return await Promise.all(
      plans.map((plan) => {
        const onEvent = o.onEventFor?.(plan);
        // each device gets its own scratch directory (executePlan makes one when none is given)
        const { onEventFor: _unused, scratchDir: _scratch, ...rest } = o;
        return executePlan(plan, { ...rest, writer, keepRunners: true, ...(onEvent ? { onEvent } : {}) });
      }),
    );
  } finally {
    await disposeRunners();
  }
}
