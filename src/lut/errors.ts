import { InputError } from '../errors.js';
/** A lookup table or a request against one that cannot be used: one line saying what to do; exit 2. */
export class LutError extends InputError {
  override name = 'LutError';
}
