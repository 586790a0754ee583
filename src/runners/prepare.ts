/**
 * Turns workload text + export request into a PreparedWorkload: the graph (src/models/workload.ts) and its
 * exported file from the export cache (src/models/export/cache.ts).
 */
import type { ExportDtype } from '../models/export/cache.js';
import { getExport } from '../models/export/cache.js';
import { resolveWorkload, type ResolvedWorkload } from '../models/workload.js';
import type { ModelFormat } from '../core/target.js';
import type { PreparedWorkload } from '../core/workload-file.js';

/** What file to run. */
export interface PrepareOptions {
  format: ModelFormat;
  dtype: ExportDtype;
  /** input resolution (default: the model's native one). */
  resolution?: number;
  /** export cache directory (default: the cache's own default). */
  cacheDir?: string;
}

/** A resolved workload with the file that encodes it (path, sha256 and size of that file). */
export function preparedFrom(
  r: ResolvedWorkload,
  file: { path: string; sha256: string; bytes: number; format: ModelFormat; dtype: ExportDtype },
): PreparedWorkload {
  return {
    id: r.id,
    kind: r.kind,
    description: r.description,
    graph: r.graph,
    ...(r.model ? { model: r.model } : {}),
    file: { ...file, resolution: r.graph.inputShape[1] },
  };
}

/** Resolves `text` and fetches (or builds) its exported file. Errors are the resolver's / exporter's. */
export async function prepareWorkload(text: string, opts: PrepareOptions): Promise<PreparedWorkload & { cached: boolean }> {
  const r = resolveWorkload(text, { dtype: opts.dtype, ...(opts.resolution !== undefined ? { resolution: opts.resolution } : {}) });
  const e = await getExport(r, { format: opts.format, dtype: opts.dtype }, opts.cacheDir ? { dir: opts.cacheDir } : {});
  return { ...preparedFrom(r, { path: e.path, sha256: e.sha256, bytes: e.bytes, format: opts.format, dtype: opts.dtype }), cached: e.cached };
}
