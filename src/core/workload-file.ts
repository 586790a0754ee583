/**
 * Workload files: the exported model file of a workload and a workload ready to run (shared contract).
 */
import type { Graph } from '../models/graph.js';
import type { DType } from '../models/cost.js';
import type { ModelFormat } from './target.js';

/** The exported model file of a workload (from the export cache, src/models/export/cache.ts). */
export interface WorkloadFile {
  path: string;
  /** sha256 of the file content, hex. */
  sha256: string;
  bytes: number;
  format: ModelFormat;
  dtype: DType;
  /** input height of the exported graph: the model resolution for models and architectures, the block's
   * input height for blocks (the model resolution is in the workload id, e.g. `@224`). */
  resolution: number;
}

/** A workload ready to run: what it is (graph) and the file that encodes it. */
export interface PreparedWorkload {
  /** stable workload id, e.g. 'model:conv-s@224', 'block:conv-m/b05@256'. */
  id: string;
  kind: 'model' | 'block' | 'arch';
  description: string;
  graph: Graph;
  /** for whole models: which model, at which resolution, and its native one. */
  model?: { id: string; resolution: number; nativeResolution: number };
  file: WorkloadFile;
}
