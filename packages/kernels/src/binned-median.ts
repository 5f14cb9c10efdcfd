/**
 * Exact median (np.median of the finite values) of a strided region of a float array, without
 * copying the region or reordering it: a histogram of equal-width bins between the smallest and the
 * largest value tells which bin holds each middle rank, and only that bin's values are gathered and
 * selected. The bin index is a non-decreasing function of the value (subtraction, scaling and
 * truncation all preserve order), so the counts below a bin are exact ranks and the result is the
 * same value as sorting would give. The dark bad-pixel rules take two medians of 65536 values per
 * memory cell; selection over all of them was their largest cost.
 */
import { middlePair } from './fast-median.js';
import type { FloatArray } from './compute-backend.js';

/** A strided rectangle of an array: nRows runs of nCols values, runs `stride` apart. */
export interface StridedRegion {
  /** Index of the first value. */
  start: number;
  /** Runs (rows). */
  nRows: number;
  /** Values per run. */
  nCols: number;
  /** Distance between the starts of two runs. */
  stride: number;
}

/** Bins of the histogram: a bin holds ~1/2000 of the range, so the gathered values are few unless outliers stretch it. */
export const MEDIAN_BINS = 2048;

/**
 * Median of the finite values of a region, given their count and extremes (from a pass the caller
 * makes anyway for the mean and std).
 * @param values - the array; unchanged
 * @param g - the region
 * @param n - finite values in the region
 * @param lo - smallest finite value
 * @param hi - largest finite value
 * @param scratch - work buffer of at least n values (overwritten)
 * @param hist - work buffer of MEDIAN_BINS counts (overwritten)
 * @returns the median (mean of the two middle values for even n); NaN when n is 0
 */
export function binnedMedian(values: FloatArray, g: StridedRegion, n: number, lo: number, hi: number, scratch: Float64Array, hist: Uint32Array): number {
  if (n === 0) return NaN;
  if (lo === hi) return lo;
  const bins = hist.length;
  const scale = bins / (hi - lo);
  // a range too wide (hi - lo overflows) or too narrow (scale overflows) for binning: one bin holds everything
  const binned = Number.isFinite(scale) && scale > 0;
  hist.fill(0);
  if (binned) histogram(values, g, lo, scale, hist);
  else hist[0] = n;
  const kh = n >>> 1; // rank of the upper middle value (0-based)
  let below = 0, bu = 0;
  while (below + hist[bu] <= kh) below += hist[bu++];
  if ((n & 1) === 1 || kh > below) {
    // the upper middle rank, and for even n the lower one, lie in bin bu
    const c = gather(values, g, lo, binned ? scale : 0, bu, bins, scratch);
    return middlePair(scratch, kh - below - 1 + (n & 1), kh - below, c);
  }
  // even n, the upper middle value is the smallest of bin bu and the lower one the largest below it
  let bl = bu - 1;
  while (hist[bl] === 0) bl--;
  return edgesMean(values, g, lo, scale, bl, bu, bins);
}

function binOf(v: number, lo: number, scale: number, bins: number): number {
  const b = ((v - lo) * scale) | 0;
  return b < bins ? b : bins - 1;
}

function histogram(values: FloatArray, g: StridedRegion, lo: number, scale: number, hist: Uint32Array): void {
  const bins = hist.length;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++) {
      const v = values[k];
      if (v - v === 0) hist[binOf(v, lo, scale, bins)]++;
    }
  }
}

/** Copies the finite values of bin b into scratch (all finite values when scale is 0); returns how many. */
function gather(values: FloatArray, g: StridedRegion, lo: number, scale: number, b: number, bins: number, scratch: Float64Array): number {
  let c = 0;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++) {
      const v = values[k];
      if (v - v === 0 && binOf(v, lo, scale, bins) === b) scratch[c++] = v;
    }
  }
  return c;
}

/** Mean of the largest value of bin bl and the smallest of bin bu. */
function edgesMean(values: FloatArray, g: StridedRegion, lo: number, scale: number, bl: number, bu: number, bins: number): number {
  let lower = -Infinity, upper = Infinity;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++) {
      const v = values[k];
      if (v - v !== 0) continue;
      const b = binOf(v, lo, scale, bins);
      if (b === bl && v > lower) lower = v;
      else if (b === bu && v < upper) upper = v;
    }
  }
  return (lower + upper) / 2;
}
