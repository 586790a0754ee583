/**
 * Canonical block text: a stable, human-readable form of a BlockSpec, used in workload ids and as
 * lookup-table keys. `blockText` writes it, `parseBlockText` reads it; tokens in any order after the type:
 *   conv_bn(k3,s2,o32,relu[,dw][,nobn][,bias])   fused_ib(k3,s2,e4,o48,relu)
 *   uib(a<startDw>,m<middleDw>,s2,e4,o80,relu[,ls1e-05])   mqa(h4,kd64,vd64,kv2[,ls1e-05])
 *   ir(k3,s2,x96,o24,relu6[,se24])   se(c56,gsigmoid,relu)   global_pool()   linear(o1000)   identity()
 *   layernorm(eps1e-06,none)   lite_mla(d16,k5)   linear(o1600,nobias)   batchnorm()   ncb(o96,s2)   ntb(o256,s1,sr4)   convnext(k7,e4[,ls1e-06])   repmixer(k3,e3[,ls1e-05])   vit_attn(hd32,e4[,ls1e-05])
 *   (conv_bn also takes g<groups>; its kernel may be even only when it equals the stride: a patchify conv)
 * (`g<activation>` names the SE gate; the bare activation is the one applied after the gating multiply.)
 */
import { ACTIVATIONS, type Activation, type BlockSpec } from './spec.js';
import { ModelSpecError, type Shape } from './graph.js';

/** Canonical text of a block spec (stable: used in workload ids and lookup-table keys). */
export function blockText(spec: BlockSpec): string {
  switch (spec.type) {
    case 'conv_bn': {
      const t = [`k${spec.kernel}`, `s${spec.stride}`, `o${spec.outCh}`, spec.act];
      if (spec.depthwise) t.push('dw');
      if (spec.bn === false) t.push('nobn');
      if (spec.bias) t.push('bias');
      if (spec.groups !== undefined && spec.groups !== 1) t.push(`g${spec.groups}`);
      return `conv_bn(${t.join(',')})`;
    }
    case 'fused_ib':
      return `fused_ib(k${spec.kernel},s${spec.stride},e${String(spec.expandRatio)},o${spec.outCh},${spec.act})`;
    case 'uib': {
      const t = [`a${spec.startDw}`, `m${spec.middleDw}`, `s${spec.stride}`, `e${String(spec.expandRatio)}`, `o${spec.outCh}`, spec.act];
      if (spec.layerScale !== undefined) t.push(`ls${spec.layerScale}`);
      return `uib(${t.join(',')})`;
    }
    case 'mqa': {
      const t = [`h${spec.heads}`, `kd${spec.keyDim}`, `vd${spec.valueDim}`, `kv${spec.kvStride}`];
      if (spec.layerScale !== undefined) t.push(`ls${spec.layerScale}`);
      return `mqa(${t.join(',')})`;
    }
    case 'inverted_residual': {
      const t = [`k${spec.kernel}`, `s${spec.stride}`, `x${spec.expandedCh}`, `o${spec.outCh}`, spec.act];
      if (spec.seCh !== undefined) t.push(`se${spec.seCh}`);
      return `ir(${t.join(',')})`;
    }
    case 'squeeze_excite':
      return `se(c${spec.seCh},g${spec.gate},${spec.act})`;
    case 'global_pool':
      return 'global_pool()';
    case 'linear':
      return `linear(o${spec.outCh}${spec.bias === false ? ',nobias' : ''})`;
    case 'identity':
      return 'identity()';
    case 'layernorm':
      return `layernorm(eps${spec.eps},${spec.act})`;
    case 'lite_mla':
      return `lite_mla(d${spec.dim},k${spec.scale})`;
    case 'batchnorm':
      return 'batchnorm()';
    case 'ncb':
      return `ncb(o${spec.outCh},s${spec.stride})`;
    case 'ntb':
      return `ntb(o${spec.outCh},s${spec.stride},sr${spec.sr})`;
    case 'convnext':
    case 'repmixer': {
      const t = [`k${spec.kernel}`, `e${String(spec.expandRatio)}`];
      if (spec.layerScale !== undefined) t.push(`ls${spec.layerScale}`);
      return `${spec.type}(${t.join(',')})`;
    }
    case 'vit_attn': {
      const t = [`hd${spec.headDim}`, `e${String(spec.expandRatio)}`];
      if (spec.layerScale !== undefined) t.push(`ls${spec.layerScale}`);
      return `vit_attn(${t.join(',')})`;
    }
  }
}

export function shapeText(s: Shape): string {
  return `${s[0]}x${s[1]}x${s[2]}`;
}

const BLOCK_KEYS: Record<string, { type: BlockSpec['type']; required: string[]; optional: string[]; flags: string[]; act: boolean }> = {
  conv_bn: { type: 'conv_bn', required: ['k', 's', 'o'], optional: ['g'], flags: ['dw', 'nobn', 'bias'], act: true },
  fused_ib: { type: 'fused_ib', required: ['k', 's', 'e', 'o'], optional: [], flags: [], act: true },
  uib: { type: 'uib', required: ['a', 'm', 's', 'e', 'o'], optional: ['ls'], flags: [], act: true },
  mqa: { type: 'mqa', required: ['h', 'kd', 'vd', 'kv'], optional: ['ls'], flags: [], act: false },
  ir: { type: 'inverted_residual', required: ['k', 's', 'x', 'o'], optional: ['se'], flags: [], act: true },
  se: { type: 'squeeze_excite', required: ['c'], optional: [], flags: [], act: true },
  global_pool: { type: 'global_pool', required: [], optional: [], flags: [], act: false },
  linear: { type: 'linear', required: ['o'], optional: [], flags: ['nobias'], act: false },
  identity: { type: 'identity', required: [], optional: [], flags: [], act: false },
  layernorm: { type: 'layernorm', required: ['eps'], optional: [], flags: [], act: true },
  lite_mla: { type: 'lite_mla', required: ['d', 'k'], optional: [], flags: [], act: false },
  batchnorm: { type: 'batchnorm', required: [], optional: [], flags: [], act: false },
  ncb: { type: 'ncb', required: ['o', 's'], optional: [], flags: [], act: false },
  ntb: { type: 'ntb', required: ['o', 's', 'sr'], optional: [], flags: [], act: false },
  convnext: { type: 'convnext', required: ['k', 'e'], optional: ['ls'], flags: [], act: false },
  repmixer: { type: 'repmixer', required: ['k', 'e'], optional: ['ls'], flags: [], act: false },
  vit_attn: { type: 'vit_attn', required: ['hd', 'e'], optional: ['ls'], flags: [], act: false },
};

/**
 * Parses block text (see the module comment); throws a ModelSpecError saying what is wrong.
 * Long on purpose: one short case per block kind, each reading that kind's fields in the order the text gives them.
 */
export function parseBlockText(text: string): BlockSpec {
  const m = /^([a-z_]+)\(([^)]*)\)$/.exec(text.trim());
  if (!m) throw new ModelSpecError(`bad block '${text}': expected e.g. uib(a3,m5,s2,e4,o80,relu)`);
  const kind = BLOCK_KEYS[m[1] ?? ''];
  if (!kind) throw new ModelSpecError(`unknown block type '${m[1]}'; known: ${Object.keys(BLOCK_KEYS).join(', ')}`);
  const values = new Map<string, number>();
  const flags = new Set<string>();
  let act: Activation | undefined;
  let gate: Activation | undefined;
  // each key, flag, activation and gate may appear once: a repeated one is refused, never silently overridden.
  const seen = new Map<string, string>();
  const once = (slot: string, raw: string, what: string): void => {
    const before = seen.get(slot);
    if (before !== undefined) throw new ModelSpecError(`block '${text}' gives ${what} twice ('${before}' and '${raw}'); keep one`);
    seen.set(slot, raw);
  };
  for (const raw of (m[2] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    if ((ACTIVATIONS as readonly string[]).includes(raw)) {
      if (!kind.act) throw new ModelSpecError(`block '${text}': ${m[1]} takes no activation, got '${raw}'`);
      once('act', raw, 'an activation');
      act = raw as Activation;
      continue;
    }
    if (kind.type === 'squeeze_excite' && raw.startsWith('g') && (ACTIVATIONS as readonly string[]).includes(raw.slice(1))) {
      once('gate', raw, 'a gate');
      gate = raw.slice(1) as Activation;
      continue;
    }
    if (kind.flags.includes(raw)) {
      once(raw, raw, `the flag '${raw}'`);
      flags.add(raw);
      continue;
    }
    const km = /^([a-z]+)(-?[0-9.]+(?:e-?\d+)?)$/.exec(raw);
    const key = km?.[1];
    const value = km ? Number(km[2]) : NaN;
    if (!key || !Number.isFinite(value) || ![...kind.required, ...kind.optional].includes(key)) {
      const keys = [...kind.required, ...kind.optional].map((k) => `${k}<n>`);
      throw new ModelSpecError(
        `bad token '${raw}' in block '${text}'; ${m[1]} takes ${[...keys, ...kind.flags, ...(kind.act ? ['an activation'] : [])].join(', ') || 'nothing'}`,
      );
    }
    once(`=${key}`, raw, `'${key}'`);
    values.set(key, value);
  }
  for (const k of kind.required) if (!values.has(k)) throw new ModelSpecError(`block '${text}' is missing '${k}<value>'`);
  if (kind.act && !act) throw new ModelSpecError(`block '${text}' needs an activation (${ACTIVATIONS.join(', ')})`);
  const v = (k: string): number => {
    const x = values.get(k);
    if (x === undefined) throw new ModelSpecError(`block '${text}' is missing '${k}'`);
    return x;
  };
  const int = (k: string, min: number): number => {
    const x = v(k);
    if (!Number.isInteger(x) || x < min) throw new ModelSpecError(`'${k}' in block '${text}' must be an integer >= ${min}`);
    return x;
  };
  const kernel = (k: string, allowZero: boolean): number => {
    const x = int(k, allowZero ? 0 : 1);
    if (x !== 0 && x % 2 === 0) throw new ModelSpecError(`kernel '${k}${x}' in block '${text}' must be odd`);
    return x;
  };
  const ratio = (k: string): number => {
    const x = v(k);
    if (!(x > 0 && x <= 16)) throw new ModelSpecError(`expansion '${k}' in block '${text}' must be in (0, 16]`);
    return x;
  };
  const ls = values.has('ls') ? { layerScale: v('ls') } : {};
  const a = act ?? 'none';
  switch (kind.type) {
    case 'conv_bn': {
      // an even kernel only as a patchify conv (kernel == stride: ConvNeXt's 4x4/4 stem, 2x2/2 downsampling)
      const patchify = values.get('k') === values.get('s') && int('k', 1) % 2 === 0;
      return {
        type: 'conv_bn',
        kernel: patchify ? int('k', 1) : kernel('k', false),
        stride: int('s', 1),
        outCh: int('o', 1),
        act: a,
        ...(flags.has('dw') ? { depthwise: true } : {}),
        ...(flags.has('nobn') ? { bn: false } : {}),
        ...(flags.has('bias') ? { bias: true } : {}),
        ...(values.has('g') ? { groups: int('g', 1) } : {}),
      };
    }
    case 'fused_ib':
      return { type: 'fused_ib', kernel: kernel('k', false), stride: int('s', 1), expandRatio: ratio('e'), outCh: int('o', 1), act: a };
    case 'uib':
      return {
        type: 'uib',
        startDw: kernel('a', true),
        middleDw: kernel('m', true),
        stride: int('s', 1),
        expandRatio: ratio('e'),
        outCh: int('o', 1),
        act: a,
        ...ls,
      };
    case 'mqa':
      return { type: 'mqa', heads: int('h', 1), keyDim: int('kd', 1), valueDim: int('vd', 1), kvStride: int('kv', 1), ...ls };
    case 'inverted_residual':
      return {
        type: 'inverted_residual',
        kernel: kernel('k', false),
        stride: int('s', 1),
        expandedCh: int('x', 1),
        outCh: int('o', 1),
        act: a,
        ...(values.has('se') ? { seCh: int('se', 1) } : {}),
      };
    case 'squeeze_excite':
      if (!gate) throw new ModelSpecError(`block '${text}' needs a gate, e.g. gsigmoid`);
      return { type: 'squeeze_excite', seCh: int('c', 1), gate, act: a };
    case 'global_pool':
      return { type: 'global_pool' };
    case 'linear':
      return { type: 'linear', outCh: int('o', 1), ...(flags.has('nobias') ? { bias: false } : {}) };
    case 'identity':
      return { type: 'identity' };
    case 'layernorm': {
      const eps = v('eps');
      if (!(eps > 0 && eps < 1)) throw new ModelSpecError(`'eps' in block '${text}' must be in (0, 1)`);
      return { type: 'layernorm', eps, act: a };
    }
    case 'convnext':
    case 'repmixer':
      return { type: kind.type, kernel: kernel('k', false), expandRatio: ratio('e'), ...ls };
    case 'vit_attn':
      return { type: 'vit_attn', headDim: int('hd', 1), expandRatio: ratio('e'), ...ls };
    case 'lite_mla':
      return { type: 'lite_mla', dim: int('d', 1), scale: kernel('k', false) };
    case 'batchnorm':
      return { type: 'batchnorm' };
    case 'ncb':
      return { type: 'ncb', outCh: int('o', 1), stride: int('s', 1) };
    case 'ntb':
      return { type: 'ntb', outCh: int('o', 1), stride: int('s', 1), sr: int('sr', 1) };
  }
}
