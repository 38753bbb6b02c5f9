/** A problem starting the local stack, reported as one line (no stack trace). */
export class StackError extends Error {
  override name = 'StackError';
}
