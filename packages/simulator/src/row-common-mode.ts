/**
 * Frames with a per-frame common mode shared by pixels read out together: one offset per row of each
 * ASIC column (e.g. ePix100 rows of 384 pixels, pnCCD half-rows of 512 pixels), added to all
 * responding pixels of the group. Shared helper: identical in the four built-in detector plugins.
 */
import type { Random } from '@detcal/core';

/** Writes one frame at out[o ..]: round(offset + common mode of the pixel's row group + sigma x normal); dead pixels (sigma 0) stay constant. */
export function fillRowCommonModeFrame(
  rng: Random,
  offsetAdu: Float32Array,
  sigmaAdu: Float32Array,
  commonModeRmsAdu: number,
  rows: number,
  cols: number,
  groupCols: number,
  out: Uint16Array,
  o: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let c0 = 0; c0 < cols; c0 += groupCols) {
      const cm = commonModeRmsAdu * rng.normal();
      const end = r * cols + Math.min(cols, c0 + groupCols);
      for (let p = r * cols + c0; p < end; p++) {
        const s = sigmaAdu[p];
        // +0.5 then truncation on store: rounding half up, clamped to the u2 range.
        const v = s > 0 ? offsetAdu[p] + cm + s * rng.normal() + 0.5 : offsetAdu[p] + 0.5;
        out[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
      }
    }
  }
}
