/**
 * The text of `mnv4-bench space`: one architecture decoded position by position, the block configurations
 * a lookup table must cover, and a search space with its positions and size.
 */
import { shapeText } from '../models/block-text.js';
import { spaceSize, type BlockConfig, type SearchSpace } from '../models/search-space.js';
import { fmt, textTable } from './table.js';

/** An architecture as `space --decode` describes it (also its --json). */
export interface ArchDescription {
  arch: string;
  space: string;
  resolution: number;
  macs: number;
  paramsTrain: number;
  choices: { position: string; choice: number; label: string }[];
}

/** The architecture, its cost, then one line per position. */
export function archText(d: ArchDescription): string {
  return [
    d.arch,
    `${fmt(d.paramsTrain / 1e6)} M params, ${fmt(d.macs / 1e9, 3)} GMACs at ${d.resolution}x${d.resolution}`,
    d.choices.map((ch) => `  ${ch.position.padEnd(14)} ${ch.choice}  ${ch.label}`).join('\n'),
  ].join('\n');
}

/** The block configurations of a space, then their count. */
export function configsText(configs: readonly BlockConfig[]): string {
  const rows = configs.map((c) => [
    c.key,
    String(c.stride),
    shapeText(c.outShape),
    c.blocks.map((b) => `b${String(b).padStart(2, '0')}`).join(' '),
    c.searchable ? 'yes' : 'fixed',
  ]);
  return [
    textTable([{ header: 'configuration' }, { header: 'stride' }, { header: 'out' }, { header: 'positions' }, { header: 'searchable' }], rows),
    `${configs.length} configurations`,
  ].join('\n');
}

/** A space: its kind, base, size, the skeleton's own choices and the positions. */
export function spaceText(space: SearchSpace, skeleton: string): string {
  return [
    `${space.id}: ${space.kind} space around ${space.base.name}, ${space.positions.length} positions, ${spaceSize(space).toExponential(3)} architectures`,
    `skeleton's own choices: ${skeleton}`,
    textTable(
      [{ header: '#', right: true }, { header: 'position' }, { header: 'stride', right: true }, { header: 'choices (index: label)' }],
      space.positions.map((p, i) => [String(i), p.name, String(p.stride), p.choices.map((c, k) => `${k}:${c}`).join(' ')]),
    ),
  ].join('\n');
}
