/**
 * Which reference workload a cell co-measures (src/profiles/paired-protocol.ts), when the device profile or the
 * command names none. The reference is from the same family, so the host's drift acts on the same kinds of
 * kernels on both sides of every pair and cancels in the ratio:
 * - an architecture of a search space: the space's base model (its ratio is the one a NAS table predicts);
 * - a block of a model (`block:conv-m/b05@..`): that model (the block's own network);
 * - a whole MNv4 model, or a free-standing block: MNv4-Conv-S, one common reference, so the ratios of the five
 *   models compare with each other, and the cheapest network of the family to co-measure (it adds the least
 *   time to every pair).
 * `none` turns co-measuring off.
 */
import { decodeArch } from '../models/search-space.js';

/** The default reference of the family (see the module comment). */
export const FAMILY_REFERENCE = 'conv-s';

/** The reference workload text for a resolved workload id, or null when `choice` is 'none'. */
export function referenceFor(workloadId: string, choice?: string): string | null {
  if (choice === 'none') return null;
  if (choice !== undefined) return choice;
  const at = workloadId.lastIndexOf('@');
  const body = at > 0 ? workloadId.slice(0, at) : workloadId;
  if (body.startsWith('arch:')) return decodeArch(body.slice('arch:'.length)).space.base.id;
  const block = /^block:([a-z0-9-]+)\/b\d+(?:_[a-z0-9]+)?$/.exec(body);
  if (block) return block[1]!;
  return FAMILY_REFERENCE;
}
