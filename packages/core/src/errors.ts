/**
 * Typed user-facing errors: one line that names the file / dataset / flag and what to do.
 * The CLI prints `message` without a stack trace (stack with --debug) and exits non-zero.
 */
export type DetcalErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'UNSUPPORTED_FILTER'
  | 'SHAPE_MISMATCH'
  | 'LAYOUT'
  | 'PLUGIN'
  | 'STORE'
  | 'VALIDITY'
  | 'INTERNAL';

export class DetcalError extends Error {
  /** Machine-readable category, also the CLI's JSON `error.code`. */
  readonly code: DetcalErrorCode;

  constructor(code: DetcalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\n\s*/g, ' '), options);
    this.name = 'DetcalError';
    this.code = code;
  }
}

/** Throws a BAD_INPUT DetcalError when the condition is false. */
export function ensure(condition: unknown, message: string, code: DetcalErrorCode = 'BAD_INPUT'): asserts condition {
  if (!condition) throw new DetcalError(code, message);
}
