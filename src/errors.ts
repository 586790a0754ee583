/**
 * The base class of every error caused by bad input (a flag, a value, a name, a file the user gave): the
 * command line prints its message as one line and exits with status 2. Domain modules throw subclasses and
 * never set exit codes themselves.
 */
export class InputError extends Error {
  override name = 'InputError';
}
