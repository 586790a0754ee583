/** A lookup table or a request against one that cannot be used: one line saying what to do; exit 2. */
export class LutError extends Error {
  override name = 'LutError';
  readonly exitCode = 2;
}
