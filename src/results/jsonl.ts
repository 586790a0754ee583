/**
 * JSON Lines files that stay readable through crashes and interrupted appends.
 *
 * The states of a file's end:
 * - `clean`: empty, or the last line ends with a newline;
 * - `unterminated`: the last line is a complete JSON value without its newline (an interrupted append that
 *   wrote the record but not the newline, or an edit). It is a record: it is read, and an append first adds
 *   the missing newline, so the next record is never glued onto it;
 * - `torn`: the last line has no newline and is not valid JSON: a write cut short by a crash. It holds no
 *   record; readers skip it and an append first cuts it off.
 * A malformed line anywhere else is refused with file:line and the exact fix.
 *
 * `repairJsonlText` rewrites a damaged file: records glued onto one line are split, a torn tail is dropped,
 * and lines that are not JSON are dropped (each action is reported).
 */
import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';

export type TailState = 'clean' | 'unterminated' | 'torn';

/** A line that is not a valid record, with where it is and how to fix it: bad input (exit 2). */
export class JsonlLineError extends InputError {
  override name = 'JsonlLineError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface JsonlContents<T> {
  records: T[];
  tail: TailState;
  /** 1-based line number of each record (parallel to `records`). */
  lineNumbers: number[];
}

export interface JsonlReadOptions<T> {
  /** checks a parsed JSON value and returns the record; throws with a message naming `where` (file:line). */
  validate: (value: unknown, where: string) => T;
  /** extra fix for a refused line, e.g. "or run `mnv4-bench results repair <run>`". */
  repairHint?: string;
}

/** The shell command that deletes line `n` of `file` (the exact fix for a refused line). */
export function deleteLineCommand(file: string, n: number): string {
  return `sed -i '${n}d' '${file.replace(/'/g, `'\\''`)}'`;
}

/** The JSON values of a line that holds several glued together (`{..}{..}`), or undefined. */
export function splitGluedValues(line: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) parts.push(line.slice(start, i + 1));
    } else if (depth === 0 && !/\s/.test(ch)) return undefined;
  }
  if (depth !== 0 || parts.length < 2) return undefined;
  for (const p of parts) {
    try {
      JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  return parts;
}

function parseJson(line: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Reads JSON Lines text (module comment); `file` names the file in messages. */
export function parseJsonl<T>(text: string, file: string, opts: JsonlReadOptions<T>): JsonlContents<T> {
  const records: T[] = [];
  const lineNumbers: number[] = [];
  const lines = text.split('\n');
  const terminated = text.length === 0 || text.endsWith('\n');
  let tail: TailState = 'clean';
  const hint = opts.repairHint ? ` ${opts.repairHint}` : '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const n = i + 1;
    const isLast = i === lines.length - 1;
    const where = `${file}:${n}`;
    const parsed = parseJson(line);
    if (!parsed.ok) {
      if (isLast && !terminated) {
        tail = 'torn';
        continue;
      }
      const glued = splitGluedValues(line);
      const what = glued ? `holds ${glued.length} records glued together (a newline was lost)` : `is not valid JSON (${parsed.error})`;
      const fix = glued ? `split it into one record per line` : `delete that line: ${deleteLineCommand(file, n)}`;
      throw new JsonlLineError(`${where} ${what}; ${fix}${hint}`, file, n);
    }
    records.push(opts.validate(parsed.value, where));
    lineNumbers.push(n);
    if (isLast && !terminated) tail = 'unterminated';
  }
  return { records, tail, lineNumbers };
}

export interface RepairResult {
  text: string;
  /** one line per change, e.g. `line 4: split 2 glued records`. */
  actions: string[];
}

/**
 * Repairs JSON Lines text: glued records are split onto their own lines, a torn tail and any line that is
 * not JSON are dropped, and the result ends with a newline. `validate` (optional) drops lines that parse but
 * are not valid records too. Records that were valid stay byte for byte.
 */
export function repairJsonlText(text: string, validate?: (value: unknown, where: string) => unknown): RepairResult {
  const out: string[] = [];
  const actions: string[] = [];
  const lines = text.split('\n');
  const terminated = text.length === 0 || text.endsWith('\n');
  const valid = (s: string, where: string): string | undefined => {
    const p = parseJson(s);
    if (!p.ok) return p.error;
    if (!validate) return undefined;
    try {
      validate(p.value, where);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const n = i + 1;
    const isLast = i === lines.length - 1;
    const problem = valid(line, `line ${n}`);
    if (problem === undefined) {
      out.push(line);
      if (isLast && !terminated) actions.push(`line ${n}: added the missing final newline`);
      continue;
    }
    const glued = splitGluedValues(line);
    if (glued && glued.every((g) => valid(g, `line ${n}`) === undefined)) {
      out.push(...glued);
      actions.push(`line ${n}: split ${glued.length} glued records onto their own lines`);
      continue;
    }
    actions.push(isLast && !terminated ? `line ${n}: dropped a torn last line (a write cut short; its measurement will be redone)` : `line ${n}: dropped a line that is not a valid record (${problem.slice(0, 120)})`);
  }
  return { text: out.length ? `${out.join('\n')}\n` : '', actions };
}

/** Default completeness check of a last line: it parses as JSON. */
const parsesAsJson = (line: string): boolean => parseJson(line).ok;

export type AppendRepair = 'none' | 'added-newline' | 'cut-torn-tail';

/**
 * Appends lines (each without its newline) to `file` and fsyncs. If the file does not end in a newline, its
 * last line is checked first: a complete line (`isComplete`, default: it parses as JSON) gets its newline,
 * a torn one is cut off. Returns what was repaired. The caller must hold the file exclusively (run lock).
 */
export async function appendJsonlLines(file: string, lines: readonly string[], isComplete: (line: string) => boolean = parsesAsJson): Promise<AppendRepair> {
  for (const l of lines) if (l.includes('\n')) throw new Error(`a JSON line must not contain a newline: ${l.slice(0, 80)}`);
  const fh = await open(file, 'a+');
  try {
    let repair: AppendRepair = 'none';
    const size = (await fh.stat()).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        const start = await lastLineStart(fh, size);
        const tailBuf = Buffer.alloc(size - start);
        await fh.read(tailBuf, 0, tailBuf.length, start);
        if (isComplete(tailBuf.toString('utf8'))) {
          await fh.write('\n');
          repair = 'added-newline';
        } else {
          await fh.truncate(start);
          repair = 'cut-torn-tail';
        }
      }
    }
    if (lines.length) await fh.write(lines.map((l) => `${l}\n`).join(''));
    await fh.sync();
    return repair;
  } finally {
    await fh.close();
  }
}

/** Byte offset just after the last newline before `size` (0 when there is none). */
async function lastLineStart(fh: Awaited<ReturnType<typeof open>>, size: number): Promise<number> {
  const chunk = 64 * 1024;
  let end = size;
  const buf = Buffer.alloc(chunk);
  while (end > 0) {
    const start = Math.max(0, end - chunk);
    const n = end - start;
    await fh.read(buf, 0, n, start);
    const i = buf.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}
