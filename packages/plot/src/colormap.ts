/**
 * The viridis colour map (perceptually uniform, readable in grey and by colour-blind viewers) as a
 * 256-entry RGB table, and the lookup from a value in a colour range to a colour.
 */
import type { Rgb } from './raster.js';

/** Number of entries of a colour table. */
export const COLORMAP_SIZE = 256;

// matplotlib's viridis (Smith & van der Walt, CC0) sampled every 8 entries (0, 8, ..., 248, 255) as
// 8-bit RGB; the table interpolates linearly between them, within 2/255 of the original (colormap.test.ts).
// prettier-ignore
const ANCHORS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84], [71, 13, 96], [72, 24, 106], [72, 35, 116], [71, 45, 123], [69, 55, 129], [66, 64, 134], [62, 73, 137],
  [59, 82, 139], [55, 91, 141], [51, 99, 141], [47, 107, 142], [44, 114, 142], [41, 122, 142], [38, 130, 142], [35, 137, 142],
  [33, 145, 140], [31, 152, 139], [31, 160, 136], [34, 167, 133], [40, 174, 128], [50, 182, 122], [63, 188, 115], [78, 195, 107],
  [94, 201, 98], [112, 207, 87], [132, 212, 75], [152, 216, 62], [173, 220, 48], [194, 223, 35], [216, 226, 25], [236, 229, 27],
  [253, 231, 37],
];
const ANCHOR_STEP = 8;

function buildViridis(): Uint8Array {
  const table = new Uint8Array(COLORMAP_SIZE * 3);
  for (let i = 0; i < COLORMAP_SIZE; i++) {
    const k = Math.min(Math.floor(i / ANCHOR_STEP), ANCHORS.length - 2);
    const i0 = k * ANCHOR_STEP, i1 = k + 1 === ANCHORS.length - 1 ? COLORMAP_SIZE - 1 : i0 + ANCHOR_STEP;
    const f = (i - i0) / (i1 - i0);
    for (let ch = 0; ch < 3; ch++) table[i * 3 + ch] = Math.round(ANCHORS[k][ch] + f * (ANCHORS[k + 1][ch] - ANCHORS[k][ch]));
  }
  return table;
}

/** viridis: 256 RGB triples, dark blue-violet (low) to yellow (high). */
export const VIRIDIS: Uint8Array = buildViridis();

/** The table index (0-255) of a value in [min, max]; values outside clamp to the ends; NaN gives -1. */
export function colorIndex(value: number, min: number, max: number): number {
  if (Number.isNaN(value)) return -1;
  const t = max > min ? (value - min) / (max - min) : 0.5;
  const i = Math.floor(t * COLORMAP_SIZE);
  return i < 0 ? 0 : i >= COLORMAP_SIZE ? COLORMAP_SIZE - 1 : i;
}

/** The viridis colour of table entry i (0-255). */
export function viridis(i: number): Rgb {
  return [VIRIDIS[i * 3], VIRIDIS[i * 3 + 1], VIRIDIS[i * 3 + 2]];
}
