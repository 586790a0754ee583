/**
 * Workload groups: one name in a device profile's (or a flag's) workload list that stands for several models,
 * read from the registry when the plan is made, so a model defined later joins the group without editing any
 * profile. `group:table6` = every Table 6 model defined here, in the paper's row order (src/models/table6-models.ts).
 */
import { ModelSpecError } from './graph.js';
import { definedTable6Models } from './table6-models.js';

/** group name -> the model ids it stands for (read when called). */
const GROUPS: Readonly<Record<string, () => string[]>> = {
  // every model of arXiv 2404.10518 Table 6 defined here, in the paper's row order
  'group:table6': () => definedTable6Models().map((m) => m.spec.id),
};

export const WORKLOAD_GROUP_NAMES: readonly string[] = Object.keys(GROUPS);

/** True when a workload text names a group (`group:<name>`). */
export function isWorkloadGroup(text: string): boolean {
  return text.trim().startsWith('group:');
}

/** Replaces each group by its model ids (other texts pass through); an unknown group is bad input. */
export function expandWorkloadGroups(texts: readonly string[]): string[] {
  return texts.flatMap((text) => {
    const t = text.trim();
    if (!isWorkloadGroup(t)) return [text];
    const g = GROUPS[t];
    if (!g) throw new ModelSpecError(`unknown workload group '${t}'; known groups: ${WORKLOAD_GROUP_NAMES.join(', ')}`);
    return g();
  });
}
