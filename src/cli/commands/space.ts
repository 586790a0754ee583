/**
 * `mnv4-bench space <id>`: a search space's positions and size; `--sample N --seed S` draws architectures;
 * `--decode TEXT` checks and describes one; `--configs` lists the block configurations a lookup table must
 * cover.
 */
import type { Command } from 'commander';
import { graphCost } from '../../models/cost.js';
import { lowerModel } from '../../models/graph.js';
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
import { archText, configsText, spaceText, type ArchDescription } from '../../report/space-text.js';
import { parseIntFlag, parseResolutionFlag } from '../errors.js';
import type { CliContext } from '../io.js';
import { addOptions, seedOf, type SharedValues } from '../options.js';

type SpaceOptions = SharedValues;

export function register(program: Command, { io }: CliContext): void {
  const out = (text: string): void => io.out(`${text}\n`);
  const cmd = program
    .command('space')
    .argument('[id]', `search space (${listSearchSpaceIds().join(', ')})`, 'conv-m')
    .description('describe a TuNAS-style MNv4 search space; sample, decode and enumerate architectures');
  addOptions(cmd, [
    'sample',
    ['seed', { help: 'seed for --sample', default: '0' }],
    'decode',
    'configs',
    ['resolution', { help: "input resolution (default: the skeleton's native one)" }],
    ['json', { help: 'machine-readable output' }],
  ]);
  cmd.action((id: string, opts: SpaceOptions) => {
    const resolution = parseResolutionFlag(opts.resolution);
    if (opts.decode !== undefined) {
      const arch = decodeArch(opts.decode);
      const res = resolution ?? arch.model.resolution;
      const c = graphCost(lowerModel(arch.model, res));
      const desc: ArchDescription = {
        arch: arch.text,
        space: arch.space.id,
        resolution: res,
        macs: c.macs,
        paramsTrain: c.paramsTrain,
        choices: arch.space.positions.map((p, i) => ({ position: p.name, choice: arch.vector[i]!, label: p.choices[arch.vector[i]!]! })),
      };
      if (opts.json) return out(JSON.stringify(desc, null, 2));
      return out(archText(desc));
    }
    const space = getSearchSpace(id);
    if (opts.sample !== undefined) {
      const n = parseIntFlag('--sample', opts.sample, 1, 100000);
      const seed = seedOf(opts);
      const archs = Array.from({ length: n }, (_, i) => encodeArch(space, sampleArch(space, seed + i)));
      return out(opts.json ? JSON.stringify(archs, null, 2) : archs.join('\n'));
    }
    if (opts.configs) {
      const configs = enumerateBlockConfigs(space, resolution);
      if (opts.json) return out(JSON.stringify(configs, null, 2));
      return out(configsText(configs));
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
    out(spaceText(space, skeleton));
  });
}
