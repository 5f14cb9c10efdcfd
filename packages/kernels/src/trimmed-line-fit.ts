/**
 * Trimmed least-squares line of one labelled part of a series (AGIPD seed fit3DynamicScanSlopes):
 * take the samples labelled `stage` in index order, drop the first and last floor(shrink * count) of
 * them (the borders near a gain switch), fit y = slope * x + intercept with x = sample index, and
 * report the std of the residuals (ddof 0) as the fit quality. One pass of shifted sums.
 */

/** Fewest index units between the first and last fitted sample (seed: 5); below, no line is fitted. */
export const MIN_FIT_SPAN = 5;

/**
 * Fits a line to the labelled, trimmed samples.
 * @param y - series values (ADU)
 * @param labels - label of each sample (stage index; other values are ignored)
 * @param n - number of samples
 * @param stage - label whose samples are fitted
 * @param shrinkFactor - fraction of the stage's samples dropped at each end (seed: 0.3), in [0, 0.5)
 * @param out - output: [slope (ADU per index), intercept (ADU at index 0), residual std (ADU)]; NaN when too few samples
 * @returns number of samples fitted (0 when no line was fitted)
 */
export function trimmedLineFit(y: ArrayLike<number>, labels: Uint8Array, n: number, stage: number, shrinkFactor: number, out: Float64Array): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (labels[i] === stage) count++;
  const cut = Math.floor(shrinkFactor * count);
  const keep = count - 2 * cut;
  out[0] = NaN;
  out[1] = NaN;
  out[2] = NaN;
  if (keep < 2) return 0;
  let rank = 0;
  let x0 = -1;
  let y0 = 0;
  let xLast = 0;
  let sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== stage) continue;
    if (rank >= cut && rank < cut + keep) {
      if (x0 < 0) {
        x0 = i;
        y0 = y[i];
      }
      const dx = i - x0;
      const dy = y[i] - y0;
      sx += dx;
      sy += dy;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
      xLast = i;
    }
    rank++;
  }
  if (xLast - x0 < MIN_FIT_SPAN) return 0;
  const cxx = sxx - (sx * sx) / keep;
  const cxy = sxy - (sx * sy) / keep;
  const cyy = syy - (sy * sy) / keep;
  const slope = cxy / cxx;
  // intercept at x = 0: mean(y) - slope * mean(x), back in unshifted coordinates
  const intercept = y0 + sy / keep - slope * (x0 + sx / keep);
  const sse = cyy - slope * cxy;
  out[0] = slope;
  out[1] = intercept;
  out[2] = Math.sqrt(sse > 0 ? sse / keep : 0);
  return keep;
}
