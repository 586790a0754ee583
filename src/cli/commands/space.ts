/**
 * `mnv4-bench space <id>`: a search space's positions and size; `--sample N --seed S` draws architectures;
 * `--decode TEXT` checks and describes one; `--configs` lists the block configurations a lookup table must
 * cover.
 */
import type { Command } from 'commander';
import { graphCost } from '../../models/cost.js';
import { lowerModel } from '../../models/graph.js';
import { shapeText } from '../../models/block-text.js';
import {
  decodeArch,
  encodeArch,
  enumerateBlockConfigs,
  getSearchSpace,
  listSearchSpaceIds,
  sampleArch,
  skeletonArch,
  spaceSize,
} from '../../models/search-space.js';
import { fmt, textTable } from '../../report/table.js';
import { parseIntFlag, parseResolutionFlag } from '../errors.js';
import type { CliContext } from '../io.js';

interface SpaceOptions {
  sample?: string;
  seed: string;
  decode?: string;
  configs?: boolean;
  resolution?: string;
  json?: boolean;
}

export function register(program: Command, { io }: CliContext): void {
  const out = (text: string): void => io.out(`${text}\n`);
  program
    .command('space')
    .argument('[id]', `search space (${listSearchSpaceIds().join(', ')})`, 'conv-m')
    .description('describe a TuNAS-style MNv4 search space; sample, decode and enumerate architectures')
    .option('--sample <n>', 'draw N uniform random architectures')
    .option('--seed <n>', 'seed for --sample', '0')
    .option('--decode <arch>', 'check and describe an architecture, e.g. conv-m:5,4,4,...')
    .option('--configs', 'list the distinct block configurations a lookup table must cover')
    .option('--resolution <n>', "input resolution (default: the skeleton's native one)")
    .option('--json', 'machine-readable output')
    .action((id: string, opts: SpaceOptions) => {
      const resolution = parseResolutionFlag(opts.resolution);
      if (opts.decode !== undefined) {
        const arch = decodeArch(opts.decode);
        const res = resolution ?? arch.model.resolution;
        const c = graphCost(lowerModel(arch.model, res));
        const desc = {
          arch: arch.text,
          space: arch.space.id,
          resolution: res,
          macs: c.macs,
          paramsTrain: c.paramsTrain,
          choices: arch.space.positions.map((p, i) => ({ position: p.name, choice: arch.vector[i]!, label: p.choices[arch.vector[i]!]! })),
        };
        if (opts.json) return out(JSON.stringify(desc, null, 2));
        out(`${desc.arch}\n${fmt(c.paramsTrain / 1e6)} M params, ${fmt(c.macs / 1e9, 3)} GMACs at ${res}x${res}`);
        return out(desc.choices.map((ch) => `  ${ch.position.padEnd(14)} ${ch.choice}  ${ch.label}`).join('\n'));
      }
      const space = getSearchSpace(id);
      if (opts.sample !== undefined) {
        const n = parseIntFlag('--sample', opts.sample, 1, 100000);
        const seed = parseIntFlag('--seed', opts.seed, 0, 2 ** 31 - 1);
        const archs = Array.from({ length: n }, (_, i) => encodeArch(space, sampleArch(space, seed + i)));
        return out(opts.json ? JSON.stringify(archs, null, 2) : archs.join('\n'));
      }
      if (opts.configs) {
        const configs = enumerateBlockConfigs(space, resolution);
        if (opts.json) return out(JSON.stringify(configs, null, 2));
        const rows = configs.map((c) => [
          c.key,
          String(c.stride),
          shapeText(c.outShape),
          c.blocks.map((b) => `b${String(b).padStart(2, '0')}`).join(' '),
          c.searchable ? 'yes' : 'fixed',
        ]);
        out(
          textTable([{ header: 'configuration' }, { header: 'stride' }, { header: 'out' }, { header: 'positions' }, { header: 'searchable' }], rows),
        );
        return out(`${configs.length} configurations`);
      }
      const skeleton = encodeArch(space, skeletonArch(space));
      const info = {
        id: space.id,
        kind: space.kind,
        base: space.base.id,
        size: spaceSize(space),
        skeleton,
        positions: space.positions.map((p) => ({ name: p.name, stride: p.stride, choices: p.choices })),
      };
      if (opts.json) return out(JSON.stringify(info, null, 2));
      out(
        `${space.id}: ${space.kind} space around ${space.base.name}, ${space.positions.length} positions, ${spaceSize(space).toExponential(3)} architectures`,
      );
      out(`skeleton's own choices: ${skeleton}`);
      out(
        textTable(
          [{ header: '#', right: true }, { header: 'position' }, { header: 'stride', right: true }, { header: 'choices (index: label)' }],
          space.positions.map((p, i) => [String(i), p.name, String(p.stride), p.choices.map((c, k) => `${k}:${c}`).join(' ')]),
        ),
      );
    });
}
