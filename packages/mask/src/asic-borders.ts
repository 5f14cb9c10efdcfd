/** ASIC-border template: the pixels within `width` of an ASIC edge, from the detector geometry's ASIC tiling. */
import { DetcalError, type DetectorGeometry } from '@detcal/core';

/**
 * Marks the pixels within `width` pixels of any ASIC edge (AGIPD: 8 x 2 ASICs of 64 x 64; the
 * border pixels are larger and noisier). Module edges are ASIC edges too.
 * @param geometry - module rows / cols and ASIC tiling
 * @param width - border width in pixels (0 = none)
 * @param out - per-pixel template (rows * cols), set to 1 on borders
 * @returns pixels marked
 */
export function asicBorderTemplate(geometry: Pick<DetectorGeometry, 'moduleRows' | 'moduleCols' | 'asics'>, width: number, out: Uint8Array): number {
  const { moduleRows: rows, moduleCols: cols, asics } = geometry;
  if (!Number.isInteger(width) || width < 0) throw new DetcalError('BAD_INPUT', `--asic-borders ${width}: give a width of 0 or more pixels`);
  if (asics.rows * asics.asicRows !== rows || asics.cols * asics.asicCols !== cols) {
    throw new DetcalError('BAD_INPUT', `ASIC tiling ${asics.rows} x ${asics.cols} of ${asics.asicRows} x ${asics.asicCols} does not cover the ${rows} x ${cols} module`);
  }
  let set = 0;
  for (let r = 0; r < rows; r++) {
    const ar = r % asics.asicRows;
    const rowEdge = ar < width || ar >= asics.asicRows - width;
    for (let c = 0; c < cols; c++) {
      const ac = c % asics.asicCols;
      if (rowEdge || ac < width || ac >= asics.asicCols - width) {
        out[r * cols + c] = 1;
        set++;
      }
    }
  }
  return set;
}
