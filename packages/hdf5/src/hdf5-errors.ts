/** Turns HDF5 library failures into one-line DetcalErrors instead of silent wrong values or stderr dumps. */
import { DetcalError, type DetcalErrorCode } from '@detcal/core';
import { hdf5Module } from './h5wasm-runtime.js';

/** Nesting depth of withHdf5Errors calls: the handler is switched on by the outermost one only. */
let depth = 0;

/**
 * Runs `fn` with HDF5's throwing error handler active, so a failed read (a missing filter plugin,
 * a damaged chunk) throws instead of returning garbage, and rethrows it as one DetcalError line:
 * `<what>: <HDF5's reason>; <fix>`.
 */
export function withHdf5Errors<T>(what: string, fix: string, fn: () => T, code: DetcalErrorCode = 'BAD_INPUT'): T {
  const module = hdf5Module();
  if (depth++ === 0) module.activate_throwing_error_handler();
  try {
    return fn();
  } catch (err) {
    if (err instanceof DetcalError) throw err;
    throw new DetcalError(code, `${what}: ${hdf5Reason(err)}; ${fix}`, { cause: err });
  } finally {
    if (--depth === 0) module.deactivate_throwing_error_handler();
  }
}

/**
 * Runs `fn` with HDF5's default error handler (errors are return codes, the stack is printed to stderr),
 * also inside withHdf5Errors: for calls whose failure is expected and harmless, which the throwing
 * handler would abort half-way (leaving HDF5 objects open).
 */
export function withReturnCodeErrors<T>(fn: () => T): T {
  const module = hdf5Module();
  if (depth > 0) module.deactivate_throwing_error_handler();
  try {
    return fn();
  } finally {
    if (depth > 0) module.activate_throwing_error_handler();
  }
}

/** The most telling line of an HDF5 error stack (the filter / signature / I/O message), or the error text. */
export function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const messages = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)].map((m) => m[1].trim());
  if (messages.length === 0) return text.split('\n')[0].trim() || 'HDF5 error';
  const telling = messages.find((m) => /filter|signature|truncat|no space|permission|No such file/i.test(m));
  return telling ?? messages[messages.length - 1];
}
