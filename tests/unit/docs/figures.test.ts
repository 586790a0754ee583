import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FigureSchema, renderBlocks, renderFigure, syncFigures } from '../../../scripts/figures.js';

const DOCS = path.resolve(import.meta.dirname, '../../../docs');

const figure = FigureSchema.parse({
  title: 'A table',
  command: 'npx tsx bench/x.ts --n 3',
  date: '2026-12-07',
  host: { cpu: 'Some CPU', cores: 2 },
  columns: ['name', { header: 'time', unit: 'ms', digits: 2 }],
  rows: [
    ['a|b', 1.234],
    ['c', null],
  ],
  notes: ['one note'],
});

let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** A copy of docs/ to edit. */
function docsCopy(): string {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mnv4-figures-'));
  cpSync(DOCS, tmp, { recursive: true });
  return tmp;
}

describe('docs figures', () => {
  it('every figure block in docs/*.md matches its docs/figures JSON (run `npm run figures` after editing one)', () => {
    const r = syncFigures(DOCS, { check: true });
    expect(r.changed).toEqual([]);
  });

  it('renders provenance, command, date, host, a right-aligned numeric column, - for null, and the notes', () => {
    const md = renderFigure('x', figure);
    expect(md).toContain('**A table** (measured). Command: `npx tsx bench/x.ts --n 3`; 2026-12-07; host: Some CPU, 2 CPUs.');
    expect(md).toContain('| name | time (ms) |\n|---|---:|\n| a\\|b | 1.23 |\n| c | - |');
    expect(md).toContain('- one note');
  });

  it('finds a doc out of date when its JSON changes, and rewrites the block so the check passes again', () => {
    const dir = docsCopy();
    const json = path.join(dir, 'figures', 'lut-predictor-rate.json');
    const f = JSON.parse(readFileSync(json, 'utf8'));
    f.rows[0][3] = 1;
    writeFileSync(json, JSON.stringify(f));
    expect(syncFigures(dir, { check: true }).changed).toEqual([path.join(dir, 'benchmarks.md')]);
    expect(syncFigures(dir, { check: false }).changed).toEqual([path.join(dir, 'benchmarks.md')]);
    expect(syncFigures(dir, { check: true }).changed).toEqual([]);
    expect(readFileSync(path.join(dir, 'benchmarks.md'), 'utf8')).toContain('| 2000000 | 1.787 | 1 |');
  });

  it('finds a block edited by hand', () => {
    const dir = docsCopy();
    const doc = path.join(dir, 'benchmarks.md');
    writeFileSync(doc, readFileSync(doc, 'utf8').replace('| 1118916 |', '| 2000000 |'));
    expect(syncFigures(dir, { check: true }).changed).toEqual([doc]);
  });

  it('names the file and the field of a figure JSON that does not fit the shape, and a marker without its JSON', () => {
    const dir = docsCopy();
    const json = path.join(dir, 'figures', 'lut-predictor-rate.json');
    writeFileSync(json, JSON.stringify({ ...JSON.parse(readFileSync(json, 'utf8')), date: 'yesterday' }));
    expect(() => syncFigures(dir, { check: true })).toThrow(/lut-predictor-rate\.json: date: date must start with YYYY-MM-DD/);
    rmSync(json);
    expect(() => syncFigures(dir, { check: true })).toThrow(/lut-predictor-rate\.json: .*(ENOENT|no such file)/);
  });

  it('refuses a row with the wrong number of cells and a marker that is never closed', () => {
    expect(() => renderFigure('x', { ...figure, rows: [['only one']] })).toThrow(/row 1 has 1 cells, expected 2/);
    expect(() => renderBlocks('<!-- figure:x -->\ntext', () => '')).toThrow(/has no <!-- \/figure -->/);
  });

  it('lists a figure JSON that no doc shows, without failing', () => {
    const dir = docsCopy();
    writeFileSync(path.join(dir, 'figures', 'unshown.json'), JSON.stringify({ title: 't' }));
    const before = syncFigures(docsCopy(), { check: true }).unshown;
    const after = syncFigures(dir, { check: true });
    expect(after.changed).toEqual([]);
    expect(after.unshown.filter((n) => !before.includes(n))).toEqual(['unshown']);
  });
});
