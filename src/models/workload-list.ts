/**
 * Comma-separated list flags whose values may themselves contain commas.
 *
 * A list is split only at top-level commas: never inside parentheses (block text such as
 * `uib(a3,m5,s2,e4,o80,relu)@48x64x64`) and never inside an architecture vector (`arch:conv-m:5,4,4,...`
 * or, for `--arch`, `conv-m:5,4,4,...`). An item that is a bare integer continues the architecture vector
 * before it: no workload, target or path in this tool is a bare integer, so the reading is unambiguous.
 * Flags built with `listFlag` are also repeatable (`--block a --block b` = `--block a,b`).
 *
 * Empty lists, empty items and unbalanced parentheses are refused with one line saying what to write.
 */
import { InputError } from '../errors.js';

/** A malformed list flag: bad input (exit 2). */
export class ListFlagError extends InputError {
  override name = 'ListFlagError';
}

/** True when `item` starts an architecture vector: `arch:<space>:<i>...` or `<space>:<i>...`. */
function startsArchVector(item: string): boolean {
  return /^(?:arch:)?[A-Za-z0-9][\w+-]*:\s*\d*\s*$/.test(item) || /^arch:/.test(item);
}

/**
 * Splits one flag value into items (module comment). `flag` names the flag in messages, `example` shows a
 * valid value when the list is empty.
 */
export function splitList(value: string, flag: string, example?: string): string[] {
  const eg = example ? ` (e.g. ${flag} ${example})` : '';
  if (value.trim() === '') throw new ListFlagError(`${flag} is empty: give at least one value${eg}`);
  const raw: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) throw new ListFlagError(`${flag}: unmatched ')' at character ${i + 1} of '${value}'`);
    } else if (ch === ',' && depth === 0) {
      raw.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (depth > 0) throw new ListFlagError(`${flag}: unclosed '(' in '${value}'; close every '(' of a block text with ')'`);
  raw.push(value.slice(start));

  const items: string[] = [];
  // true while the last item is an architecture vector that bare integers extend.
  let inVector = false;
  for (const [i, r] of raw.entries()) {
    const item = r.trim();
    if (item === '') {
      if (inVector) {
        // keep it: the architecture parser names the empty position.
        items[items.length - 1] += ',';
        continue;
      }
      throw new ListFlagError(`${flag}: item ${i + 1} of '${value}' is empty (two commas in a row, or a leading/trailing comma)`);
    }
    if (/^\d+$/.test(item)) {
      if (!inVector)
        throw new ListFlagError(`${flag}: '${item}' in '${value}' follows no architecture; write an architecture as arch:<space>:<i>,<i>,...`);
      items[items.length - 1] += `,${item}`;
      continue;
    }
    items.push(item);
    inVector = startsArchVector(item);
  }
  return items;
}

/**
 * A commander option parser for a repeatable list flag: each occurrence is split with `splitList` and
 * appended to the items of the earlier ones.
 */
export function listFlag(flag: string, example?: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), ...splitList(value, flag, example)];
}
