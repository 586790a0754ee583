/**
 * Sortable tables: click (or Enter / Space on) a header to sort by it, again to reverse. Numbers sort
 * numerically, text naturally (`b2` before `b10`); empty cells go last in both directions.
 *
 * A column names a field of the row type, so the compiler checks it against the view model:
 *   table<ModelRow>([{ key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs }], rows, { id: 'models' })
 * `fmt` gets the field's value (typed) and the row; `sortValue` overrides what the column sorts by.
 */
import { badge, el, type Content } from './dom.js';

type SortKey = string | number | boolean | null | undefined;

type FieldColumn<R, K extends keyof R & string> = {
  key: K;
  label: string;
  /** right-aligned, numeric header. */
  num?: boolean;
  fmt?: (value: R[K], row: R) => Content;
  sortValue?: (row: R) => SortKey;
};

/** One column per field of R: `key` picks the field and types `fmt`'s value. */
export type Column<R> = { [K in keyof R & string]: FieldColumn<R, K> }[keyof R & string];

export interface TableOptions<R> {
  /** `data-table` attribute (tests and readers find the table by it). */
  id?: string;
  /** class of a row (e.g. `dominated`, `regression`), or null for none. */
  rowClass?: (row: R) => string | null;
}

/** A column whose cells are badges (provenance, status). */
export function badgeColumn<R, K extends keyof R & string>(key: K, label: string): FieldColumn<R, K> {
  return { key, label, fmt: (v) => badge(String(v)) };
}

export function table<R extends object>(columns: readonly Column<R>[], rows: readonly R[], opts: TableOptions<R> = {}): HTMLDivElement {
  const tbody = el('tbody');
  const state: { key: string | null; dir: 1 | -1 } = { key: null, dir: 1 };
  const valueOf = (row: R, c: Column<R>): SortKey => {
    const v = c.sortValue ? c.sortValue(row) : (row[c.key] as SortKey);
    return v === undefined ? null : v;
  };
  const fill = (): void => {
    const sorted = rows.slice();
    const c = columns.find((x) => x.key === state.key);
    if (c) {
      sorted.sort((a, b) => {
        const va = valueOf(a, c);
        const vb = valueOf(b, c);
        if (va === null && vb === null) return 0;
        if (va === null) return 1; // empty cells last in both directions
        if (vb === null) return -1;
        if (typeof va === 'number' && typeof vb === 'number') return (va - vb) * state.dir;
        return String(va).localeCompare(String(vb), undefined, { numeric: true }) * state.dir;
      });
    }
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    for (const row of sorted) {
      const tr = el('tr', { cls: opts.rowClass ? opts.rowClass(row) : null });
      for (const col of columns) {
        const v = row[col.key];
        // `fmt` is typed per column; calling it through the union needs the value as that column's type
        const fmt = col.fmt as ((value: unknown, row: R) => Content) | undefined;
        const shown = fmt ? fmt(v, row) : v === null || v === undefined ? '' : String(v);
        tr.appendChild(el('td', { cls: col.num ? 'num' : null }, shown));
      }
      tbody.appendChild(tr);
    }
  };
  const headers = columns.map((c) => {
    const th = el('th', { cls: 'sortable' + (c.num ? ' num' : ''), scope: 'col', tabindex: '0', 'data-key': c.key, text: c.label });
    const sortBy = (): void => {
      state.dir = state.key === c.key ? (-state.dir as 1 | -1) : 1;
      state.key = c.key;
      for (const h of headers) h.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', state.dir === 1 ? 'ascending' : 'descending');
      fill();
    };
    th.addEventListener('click', sortBy);
    th.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        sortBy();
      }
    });
    return th;
  });
  fill();
  const t = el('table', { 'data-table': opts.id ?? null }, el('thead', null, el('tr', null, headers)), tbody);
  return el('div', { cls: 'table-wrap' }, t);
}
