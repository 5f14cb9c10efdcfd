/**
 * Common mode per ASIC and frame as European XFEL corrects AGIPD (pycalibration cm-dark-fraction,
 * cm-dark-range, cm-n-itr): in every ASIC of every frame, the high-gain good pixels whose
 * offset-corrected value lies inside the dark range are taken as "dark"; when they are at least
 * the dark fraction of the ASIC, their mean is subtracted from the ASIC's high-gain good pixels.
 * Repeated n times, each pass on the values left by the previous one.
 */

/** A pass whose correction is below this (ADU) ends the iterations early. */
const CONVERGED_ADU = 1e-4;

/** Parameters of {@link asicCommonModeCpu}. */
export interface AsicCommonModeOptions {
  /** Rows and columns of the frame. */
  rows: number;
  cols: number;
  /** Rows and columns of one ASIC (AGIPD 64 x 64). */
  asicRows: number;
  asicCols: number;
  /** Lower and upper bound of a "dark" value, ADU (EuXFEL [-30, 30]). */
  darkRangeAdu: [number, number];
  /** Fewest dark pixels, as a fraction of the ASIC's pixels, for a correction (EuXFEL 0.15). */
  darkFraction: number;
  /** Passes (EuXFEL 4). */
  iterations: number;
}

/**
 * Subtracts the per-(frame, ASIC) common mode from high-gain, unmasked values in place.
 * @param data - offset-corrected values, frame-major (nFrames * rows * cols), ADU; changed in place
 * @param gain - gain stage per value (only stage 0 takes part and is corrected)
 * @param mask - bad-pixel flags per value (non-zero: left out and not corrected)
 * @param nFrames - frames in the block
 * @param opts - geometry and parameters
 * @param correctionAdu - optional output, nFrames * nAsics: the total common mode subtracted per frame and ASIC
 * @param apply - false: only fill correctionAdu and leave data unchanged (a later pass subtracts it, see scaleAndMaskCpu)
 */
export function asicCommonModeCpu(data: Float32Array, gain: Uint8Array, mask: Uint32Array, nFrames: number, opts: AsicCommonModeOptions, correctionAdu?: Float32Array, apply = true): void {
  const { rows, cols, asicRows, asicCols, iterations } = opts;
  const [lo, hi] = opts.darkRangeAdu;
  const asicsDown = Math.ceil(rows / asicRows), asicsAcross = Math.ceil(cols / asicCols);
  const pixels = rows * cols;
  for (let f = 0; f < nFrames; f++) {
    const o = f * pixels;
    for (let ar = 0; ar < asicsDown; ar++) {
      const r0 = ar * asicRows, r1 = Math.min(rows, r0 + asicRows);
      for (let ac = 0; ac < asicsAcross; ac++) {
        const c0 = ac * asicCols, c1 = Math.min(cols, c0 + asicCols);
        const need = opts.darkFraction * (r1 - r0) * (c1 - c0);
        // Each pass sees the values left by the previous passes (v - total): the shifts are kept in
        // `total` and subtracted once at the end, so n passes read the ASIC n times and write it once.
        let total = 0;
        for (let it = 0; it < iterations; it++) {
          let sum = 0, n = 0;
          const l = lo + total, h = hi + total;
          for (let r = r0; r < r1; r++) {
            const row = o + r * cols;
            for (let c = c0; c < c1; c++) {
              const i = row + c;
              const v = data[i];
              if (v > l && v < h && gain[i] === 0 && mask[i] === 0) {
                sum += v;
                n++;
              }
            }
          }
          if (n === 0 || n < need) break;
          const cm = sum / n - total;
          total += cm;
          // Converged: a shift this small cannot move a value across the range edges enough to
          // matter (1e-4 ADU), so further passes would repeat the same set.
          if (Math.abs(cm) < CONVERGED_ADU) break;
        }
        if (apply && total !== 0) {
          for (let r = r0; r < r1; r++) {
            const row = o + r * cols;
            for (let c = c0; c < c1; c++) {
              const i = row + c;
              if (gain[i] === 0 && mask[i] === 0) data[i] -= total;
            }
          }
        }
        if (correctionAdu) correctionAdu[f * asicsDown * asicsAcross + ar * asicsAcross + ac] = total;
      }
    }
  }
}
