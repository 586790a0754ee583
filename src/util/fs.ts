/** File writes that never leave a half-written file behind. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

let counter = 0;

/** A temporary name beside `file` (same folder, so the rename stays on one filesystem), unique per call. */
function tempNameFor(file: string): string {
  counter = (counter + 1) % 1_000_000;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.${counter}.tmp`);
}

/** Writes `data` to `file` atomically: a temporary file beside it, fsync, rename over; the rename is fsynced too. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempNameFor(file);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  // make the rename itself durable (directory entry); not supported everywhere, so best effort.
  try {
    const dh = await open(path.dirname(file), 'r');
    await dh.sync().catch(() => undefined);
    await dh.close();
  } catch {
    /* directories cannot be opened on some platforms */
  }
}

/** Synchronous twin of writeFileAtomic for callers that cannot await (same temporary-name rule, no fsync). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
