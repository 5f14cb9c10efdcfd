/**
 * Running order statistics of a time series (the drift low-pass of the X-ray histograms): the
 * q-quantile of a window of frames centred on each frame, and the quantile at which the densest
 * part of a sample sits (the rank of the most frequent value, as the AGIPD seed's order filter).
 */
import { DetcalError } from '@detcal/core';
import { selectBranchFree } from './fast-median.js';

/**
 * Rank (0-based) of the q-quantile order statistic among n values: round(q * (n - 1)).
 * @param n - number of values (> 0)
 * @param q - quantile in [0, 1]
 * @returns index into the sorted values
 */
export function quantileRank(n: number, q: number): number {
  const k = Math.round(q * (n - 1));
  return k < 0 ? 0 : k > n - 1 ? n - 1 : k;
}

/**
 * Exact running order statistic (the reference the streaming low-pass is tested against): out[t] is
 * the value of rank quantileRank(len, q) of series[t - h, t + h] clipped to [0, n), h = (window - 1) / 2.
 * @param series - the time series of one pixel
 * @param n - number of values of the series to use
 * @param window - odd window length in frames
 * @param q - quantile in [0, 1] (0.5 = running median)
 * @param out - low-pass value per frame (length >= n)
 * @param scratch - work buffer of at least `window` values
 */
export function runningQuantile(series: ArrayLike<number>, n: number, window: number, q: number, out: Float64Array, scratch: Float64Array): void {
  if (!(window >= 1 && window % 2 === 1)) throw new DetcalError('BAD_INPUT', `running quantile: window must be an odd number of frames, got ${window}`);
  const h = (window - 1) >>> 1;
  for (let t = 0; t < n; t++) {
    const lo = Math.max(0, t - h), hi = Math.min(n, t + h + 1);
    const len = hi - lo;
    for (let i = 0; i < len; i++) scratch[i] = series[lo + i];
    out[t] = selectBranchFree(scratch, quantileRank(len, q), 0, len);
  }
}

/**
 * Quantile at which the densest part of a sample sits: the centre rank of the shortest interval of
 * sorted values that holds `fraction` of them, divided by n - 1 (a half-sample-mode estimate of the
 * rank of the most frequent value). A low-pass at this quantile follows the highest photon peak
 * instead of jumping between peaks as a median can when two peaks hold about half the values each.
 * @param values - the sample, sorted in place
 * @param n - number of values (> 0)
 * @param fraction - part of the values the interval holds (0 < fraction <= 1; 0.2 by default)
 * @returns quantile in [0, 1]
 */
export function modeQuantile(values: Float64Array, n: number, fraction = 0.2): number {
  if (n <= 1) return 0.5;
  const sorted = sortSmallRange(values, n);
  const m = Math.max(1, Math.min(n - 1, Math.round(fraction * n)));
  let best = Infinity, bestAt = 0;
  for (let i = 0; i + m < n; i++) {
    const w = sorted[i + m] - sorted[i];
    if (w < best) {
      best = w;
      bestAt = i;
    }
  }
  // Among equally short intervals (ties of integer data) the first wins; its centre rank is the estimate.
  return (bestAt + m / 2) / (n - 1);
}

let countScratch = new Uint32Array(4096);

/** Sorts values[0, n) in place: a counting sort when they are integers spanning fewer than 65536, else the typed-array sort. */
function sortSmallRange(values: Float64Array, n: number): Float64Array {
  let lo = Infinity, hi = -Infinity, integral = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v !== Math.floor(v)) integral = false;
  }
  const span = hi - lo + 1;
  if (!integral || !(span <= 65536)) return values.subarray(0, n).sort();
  if (countScratch.length < span) countScratch = new Uint32Array(span);
  const c = countScratch;
  for (let i = 0; i < n; i++) c[values[i] - lo]++;
  let o = 0;
  for (let v = 0; v < span; v++) {
    for (let k = c[v]; k > 0; k--) values[o++] = v + lo;
    c[v] = 0;
  }
  return values.subarray(0, n);
}
