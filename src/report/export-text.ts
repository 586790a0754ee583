/** The text of `mnv4-bench export`: where the file is, what it holds, its size and hash, and where it came from. */

/** What `export --json` prints (the text line shows the same). */
export interface ExportInfo {
  path: string;
  sha256: string;
  bytes: number;
  format: string;
  dtype: string;
  workload: string;
  cached: boolean;
  cachePath: string;
  rebuiltReason?: string;
}

function human(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Two lines: the path, then workload, format, dtype, size, sha256 and whether it came from the cache. */
export function exportText(info: ExportInfo): string {
  const note = info.cached ? 'from cache' : info.rebuiltReason ? `rebuilt: ${info.rebuiltReason}` : 'built';
  return `${info.path}\n  ${info.workload} ${info.format} ${info.dtype}, ${human(info.bytes)}, sha256 ${info.sha256} (${note})`;
}
