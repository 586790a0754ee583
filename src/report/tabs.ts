/**
 * The dashboard's tabs, in order: the one list the page (dashboard/src/main.ts), the tab bar and sections of
 * index.html (written from it by `writeDashboard`) and the PNG export (png.ts) read. Browser-safe: no imports,
 * so the dashboard bundle can include it.
 *
 * Adding a tab: add `{ id, label }` here, write dashboard/src/tabs/<id>.ts exporting `render<Id>(root, data)`,
 * and list it in dashboard/src/main.ts's RENDERERS (the compiler rejects a missing or extra entry there).
 */
export const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'pareto', label: 'Pareto' },
  { id: 'models', label: 'Models' },
  { id: 'blocks', label: 'Blocks' },
  { id: 'ops', label: 'Ops' },
  { id: 'lut', label: 'LUT' },
  { id: 'compare', label: 'Compare' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

/** Tab ids in order. */
export const TAB_IDS: readonly TabId[] = TABS.map((t) => t.id);
