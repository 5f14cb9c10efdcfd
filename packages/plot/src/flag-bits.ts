/** Bits of a bad-pixel flag array: the lowest set bit of a value, counts per bit, bit names from a core flag enum, and a colour per bit. */
import { BadPixel, DarkStatus, flagEntries, PixelStatus } from '@detcal/core';
import type { Rgb } from './raster.js';

/** A flag enum of @detcal/core (BadPixel, DarkStatus, PixelStatus). */
export type FlagSet = Record<string, string | number>;

/** Colour of pixels without flags. */
export const GOOD_COLOR: Rgb = [232, 232, 232];

// One colour per bit number 0..31: qualitative, distinct from each other and from GOOD_COLOR.
// prettier-ignore
const BIT_COLORS: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [188, 189, 34],
  [23, 190, 207], [0, 0, 0], [174, 199, 232], [255, 187, 120], [152, 223, 138], [255, 152, 150], [197, 176, 213], [196, 156, 148],
  [247, 182, 210], [219, 219, 141], [158, 218, 229], [57, 59, 121], [99, 121, 57], [140, 109, 49], [132, 60, 57], [123, 65, 115],
  [82, 84, 163], [107, 110, 207], [156, 158, 222], [99, 99, 99], [181, 207, 107], [231, 186, 82], [173, 73, 74], [206, 109, 189],
];

/** The colour of bit number b (0-31). */
export function bitColor(b: number): Rgb {
  return BIT_COLORS[b & 31];
}

/** Number (0-31) of the lowest set bit of a 32-bit flag value; -1 for 0. */
export function lowestBit(value: number): number {
  const v = value | 0;
  if (v === 0) return -1;
  return 31 - Math.clz32((v & -v) >>> 0);
}

/** Pixels with each bit number 0..31 set (a pixel with several bits counts once per bit). */
export function countBits(values: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(32);
  for (let i = 0; i < values.length; i++) {
    let v = values[i] >>> 0;
    while (v !== 0) {
      const b = 31 - Math.clz32((v & -v) >>> 0);
      counts[b]++;
      v = (v & (v - 1)) >>> 0;
    }
  }
  return counts;
}

/** Name of bit number b in a flag set, or BIT<b> where the set does not name it. */
export function bitName(flags: FlagSet, b: number): string {
  const value = 2 ** b;
  return flagEntries(flags).find((e) => e.value >>> 0 === value)?.name ?? `BIT${b}`;
}

/** Whether a constant holds bad-pixel flags (BadPixels*, LCLS pixel_status, det_pixel_status status_*) rather than values. */
export function isFlagConstant(name: string, dtype: string): boolean {
  return /^(u[1248]|i[24])$/.test(dtype) && (name.startsWith('BadPixels') || name === 'pixel_status' || name.startsWith('status_'));
}

/** The core flag enum that names a flag constant's bits: LCLS dark status, det_pixel_status bits, or EuXFEL BadPixels. */
export function flagSetFor(name: string): FlagSet {
  if (name === 'pixel_status') return DarkStatus;
  if (name.startsWith('status_')) return PixelStatus;
  return BadPixel;
}
