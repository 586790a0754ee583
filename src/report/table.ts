/** Plain-text and Markdown tables for CLI output. Numbers are formatted by the caller. */

export interface Column {
  header: string;
  /** right-align (numbers). */
  right?: boolean;
}

function widths(columns: readonly Column[], rows: readonly string[][]): number[] {
  return columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
}

/** A fixed-width text table with a header rule. */
export function textTable(columns: readonly Column[], rows: readonly string[][]): string {
  const w = widths(columns, rows);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (columns[i]?.right ? cell.padStart(w[i]!) : cell.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(columns: readonly Column[], rows: readonly string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${columns.map((c) => esc(c.header)).join(' | ')} |`,
    `|${columns.map((c) => (c.right ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Fixed decimals, or '-' for undefined. */
export function fmt(n: number | undefined, digits = 2): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}
