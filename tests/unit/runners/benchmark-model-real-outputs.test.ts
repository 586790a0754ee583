/**
 * benchmark_model outputs that people printed on real devices and pasted in public issue threads and vendor
 * documents (tests/fixtures/benchmark_model/real/). Each `.txt` has a `.source.json` sidecar naming where it
 * was published and what the parser must read from it; this test checks every pair.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  delegationEvidence,
  parseBenchmarkModelOutput,
  requireCompleteRun,
  type BenchmarkModelOutput,
} from '../../../src/runners/android/benchmark-model-output.js';
import { crossCheckBenchmarkOutput } from '../../../src/runners/android/cross-check.js';
import { isDelegateNode, parseTfliteOpProfile } from '../../../src/runners/tflite/op-profile.js';
import { FIXTURES_DIR } from '../../helpers/fixtures.js';

const DIR = join(FIXTURES_DIR, 'benchmark_model', 'real');

interface Sidecar {
  url: string;
  where: string;
  excerpt: string;
  why: string;
  command?: string[];
  expect: {
    generation?: BenchmarkModelOutput['generation'];
    complete: boolean;
    error?: string;
    params?: Record<string, string>;
    phases?: Record<string, unknown>[];
    warmup?: Record<string, unknown> | null;
    inference?: Record<string, unknown> | null;
    summary?: Record<string, unknown> | null;
    memory?: Record<string, unknown>;
    modelSizeMb?: number;
    initMs?: number;
    graph?: string;
    delegatesCreated?: string[];
    delegates?: Record<string, unknown>[];
    delegation?: { requested: string; state: string };
    nnapiAccelerators?: string[];
    failed?: boolean;
    opProfile?: boolean;
    profileNodes?: number;
    profileDelegateNodes?: number;
    mismatch?: string;
  };
}

const texts = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('real benchmark_model outputs from public threads and vendor docs', () => {
  it('every output has a sidecar citing a public source, and every sidecar has its output', () => {
    expect(texts.length).toBeGreaterThanOrEqual(10);
    const sidecars = readdirSync(DIR).filter((f) => f.endsWith('.source.json'));
    expect(sidecars.map((f) => f.replace('.source.json', '.txt')).sort()).toEqual(texts);
    for (const f of sidecars) {
      const s = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Sidecar;
      expect(s.url, f).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues\/\d+|blob\/[0-9a-f]{40}\/.+)$/);
      expect(s.where.length, f).toBeGreaterThan(20);
      expect(s.excerpt.length, f).toBeGreaterThan(5);
    }
  });

  it('the set spans TF 1.x, TF 2.x and LiteRT wordings, CPU, XNNPACK, GPU and NNAPI, and op profiles', () => {
    const outs = texts.map((f) => parseBenchmarkModelOutput(readFileSync(join(DIR, f), 'utf8')));
    expect(new Set(outs.map((o) => o.generation))).toEqual(new Set(['tf1', 'tf2', 'litert', 'unknown']));
    const delegates = new Set(
      outs.flatMap((o) => [...o.delegates.map((d) => d.delegate), ...o.delegatesCreated.map((l) => /(XNNPACK|GPU|NNAPI)/.exec(l)?.[1])]),
    );
    for (const d of ['XNNPACK', 'GPU', 'NNAPI']) expect(delegates).toContain(d);
    expect(outs.filter((o) => o.opProfileText !== undefined).length).toBeGreaterThanOrEqual(2);
  });

  for (const file of texts) {
    it(`reads ${file} as published`, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const side = JSON.parse(readFileSync(join(DIR, file.replace(/\.txt$/, '.source.json')), 'utf8')) as Sidecar;
      const e = side.expect;
      const out = parseBenchmarkModelOutput(text);
      if (e.generation) expect(out.generation).toBe(e.generation);
      if (e.params) expect(out.params).toMatchObject(e.params);
      if (e.phases) {
        expect(out.phases).toHaveLength(e.phases.length);
        e.phases.forEach((p, i) => expect(out.phases[i]).toMatchObject(p));
      }
      for (const k of ['warmup', 'inference', 'summary'] as const) {
        if (e[k] === null) expect(out[k]).toBeNull();
        else if (e[k]) expect(out[k]).toMatchObject(e[k]);
      }
      if (e.memory) expect(out.memory).toMatchObject(e.memory);
      if (e.modelSizeMb !== undefined) expect(out.modelSizeMb).toBe(e.modelSizeMb);
      if (e.initMs !== undefined) expect(out.initMs).toBe(e.initMs);
      if (e.graph) expect(out.graph).toBe(e.graph);
      if (e.delegatesCreated) expect(out.delegatesCreated).toEqual(e.delegatesCreated);
      if (e.delegates) expect(out.delegates).toMatchObject(e.delegates);
      if (e.delegation) expect(delegationEvidence(out, e.delegation.requested).state).toBe(e.delegation.state);
      if (e.nnapiAccelerators) expect(out.nnapiAccelerators).toEqual(e.nnapiAccelerators);
      if (e.failed !== undefined) expect(out.failed).toBe(e.failed);
      if (e.opProfile !== undefined) expect(out.opProfileText !== undefined).toBe(e.opProfile);
      if (e.profileNodes !== undefined) {
        const tables = parseTfliteOpProfile(text);
        expect(tables.nodes).toHaveLength(e.profileNodes);
        expect(tables.nodes.filter((n) => isDelegateNode(n.nodeType))).toHaveLength(e.profileDelegateNodes ?? 0);
      }
      if (e.complete) {
        expect(() => requireCompleteRun(out, text)).not.toThrow();
      } else {
        expect(() => requireCompleteRun(out, text)).toThrow(e.error ?? /./);
      }
      if (e.mismatch && side.command) {
        const problems = crossCheckBenchmarkOutput(out, side.command);
        expect(problems.map((p) => p.message)).toContain(e.mismatch);
      }
    });
  }
});
