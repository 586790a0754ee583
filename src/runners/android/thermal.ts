/**
 * Thermal care for phone measurements: read the thermal zones before and after every session, and before a
 * session wait until the hottest relevant zone is below a threshold (or a time limit passes). Phones throttle
 * within minutes of sustained load, and a session that starts hot measures the throttled clock.
 *
 * Relevant zones: every zone except the ones that describe the battery, charger, radio or board sensors far
 * from the SoC (their names vary by vendor; the pattern below lists the common ones).
 */
import type { AdbDevice, ThermalReading } from './adb.js';

/** Zone types that do not follow the SoC's load. */
export const IGNORED_ZONES = /battery|charger|usb|bms|wlc|pa_therm|modem|xo_therm|quiet_therm|ambient|sub6|mmw|neutral_therm|disp_therm|cellular/i;

/** The hottest zone that follows the SoC, or null when the phone exposes none (then no cool-down is possible). */
export function hottestZone(readings: readonly ThermalReading[]): ThermalReading | null {
  let best: ThermalReading | null = null;
  for (const r of readings) {
    if (IGNORED_ZONES.test(r.type) || !Number.isFinite(r.celsius) || r.celsius <= -40 || r.celsius >= 150) continue;
    if (!best || r.celsius > best.celsius) best = r;
  }
  return best;
}

export interface CoolDownPolicy {
  /** start a session only when the hottest zone is at or below this (°C). */
  maxStartC: number;
  /** give up waiting after this long (ms) and measure anyway, with a warning. */
  maxWaitMs: number;
  /** time between readings while waiting (ms). */
  pollMs: number;
  /** a fixed pause before the threshold check, every session (ms; 0 = none): a set cool-down time. */
  pauseMs?: number;
}

export interface CoolDownResult {
  /** time spent waiting (sum of the waits, ms). */
  waitedMs: number;
  /** readings at the start and when the wait ended. */
  first: ThermalReading[];
  last: ThermalReading[];
  hottestBefore: ThermalReading | null;
  hottestAfter: ThermalReading | null;
  /** false when the time limit passed with the phone still too hot, or when it has no usable zone. */
  cool: boolean;
}

/**
 * Pauses for the fixed time (if any), then waits (polling the zones) until the hottest relevant zone is at or
 * below the threshold or the time limit passes.
 */
export async function coolDown(
  device: AdbDevice,
  policy: CoolDownPolicy,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<CoolDownResult> {
  const first = await device.thermal();
  let waitedMs = 0;
  if (policy.pauseMs && policy.pauseMs > 0) {
    await sleep(policy.pauseMs, signal);
    waitedMs += policy.pauseMs;
  }
  let last = waitedMs > 0 ? await device.thermal() : first;
  const hottestBefore = hottestZone(first);
  let hot = hottestZone(last);
  const limit = (policy.pauseMs ?? 0) + policy.maxWaitMs;
  while (hot && hot.celsius > policy.maxStartC && waitedMs < limit) {
    const step = Math.min(policy.pollMs, limit - waitedMs);
    await sleep(step, signal);
    waitedMs += step;
    last = await device.thermal();
    hot = hottestZone(last);
  }
  return { waitedMs, first, last, hottestBefore, hottestAfter: hot, cool: hot !== null && hot.celsius <= policy.maxStartC };
}
