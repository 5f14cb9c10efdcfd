/**
 * Text constants (psana geometry files): kept byte for byte as a u1 array with unit 'text', so that
 * they travel through the same payload, checksum and deploy path as numeric constants.
 */
import { makeConstant, type ConstantArray } from '@detcal/core';

/** Unit that marks a text constant. */
export const TEXT_UNIT = 'text';

/** Calib types whose files are text, not arrays. */
export const TEXT_CTYPES: readonly string[] = ['geometry'];

/** A text constant holding `text` (UTF-8 bytes). */
export function textConstant(name: string, text: string | Buffer): ConstantArray {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const data = new Uint8Array(bytes.length);
  data.set(bytes);
  return makeConstant(name, data, [data.length], ['byte'], TEXT_UNIT);
}

/** True for a text constant. */
export function isTextConstant(c: Pick<ConstantArray, 'unit' | 'dtype' | 'shape'>): boolean {
  return c.unit === TEXT_UNIT && c.dtype === 'u1' && c.shape.length === 1;
}

/** The bytes of a text constant. */
export function constantText(c: ConstantArray): Buffer {
  const d = c.data as Uint8Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
