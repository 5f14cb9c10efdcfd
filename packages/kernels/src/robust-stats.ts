/**
 * Robust and plain statistics of one array, non-destructive (values are copied into a scratch
 * buffer before selection). MAD is the plain median of absolute deviations, without the 1.4826
 * normal-consistency factor (as det_pixel_status uses it). NaN handling follows numpy: the plain
 * functions return NaN when a NaN is present, the nan* functions ignore NaNs.
 */
import type { FloatArray } from './compute-backend.js';
import { medianInPlace, nanMedianInPlace } from './quickselect.js';

/** Values the statistics accept. */
export type Values = ArrayLike<number>;

function copyToScratch(values: Values, scratch?: FloatArray): FloatArray {
  const n = values.length;
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) buf[i] = values[i];
  return buf;
}

/**
 * np.median of the values (NaN if any is NaN or there are none).
 * @param values - input, unchanged
 * @param scratch - optional buffer of at least values.length elements, overwritten (avoids an allocation)
 * @returns the median, in the unit of the values
 */
export function median(values: Values, scratch?: FloatArray): number {
  return medianInPlace(copyToScratch(values, scratch), 0, values.length);
}

/**
 * np.nanmedian of the values (NaNs ignored; NaN if none is left).
 * @param values - input, unchanged
 * @param scratch - optional buffer of at least values.length elements, overwritten
 * @returns the median of the non-NaN values
 */
export function nanMedian(values: Values, scratch?: FloatArray): number {
  return nanMedianInPlace(copyToScratch(values, scratch), 0, values.length);
}

/**
 * Plain median absolute deviation: median(|x - median(x)|), no 1.4826 factor; NaN if any value is NaN.
 * @param values - input, unchanged
 * @param scratch - optional buffer of at least values.length elements, overwritten
 * @param center - use this center instead of the median (same unit as the values)
 * @returns the MAD, in the unit of the values
 */
export function mad(values: Values, scratch?: FloatArray, center?: number): number {
  const buf = copyToScratch(values, scratch);
  const n = values.length;
  const c = center ?? medianInPlace(buf, 0, n);
  if (c !== c) return NaN;
  for (let i = 0; i < n; i++) buf[i] = Math.abs(values[i] - c);
  return medianInPlace(buf, 0, n);
}

/**
 * NaN-ignoring plain MAD: median(|x - nanmedian(x)|) over the non-NaN values.
 * @param values - input, unchanged
 * @param scratch - optional buffer of at least values.length elements, overwritten
 * @param center - use this center instead of the nan-median
 * @returns the MAD of the non-NaN values (NaN if none)
 */
export function nanMad(values: Values, scratch?: FloatArray, center?: number): number {
  const buf = copyToScratch(values, scratch);
  const n = values.length;
  const c = center ?? nanMedianInPlace(buf, 0, n);
  if (c !== c) return NaN;
  for (let i = 0; i < n; i++) buf[i] = Math.abs(values[i] - c);
  return nanMedianInPlace(buf, 0, n);
}

/** Mean and population standard deviation (ddof 0) with the number of values used. */
export interface MeanStd {
  /** Arithmetic mean. */
  mean: number;
  /** Standard deviation, ddof 0 (np.std). */
  std: number;
  /** Values that entered (non-NaN for the nan variant). */
  n: number;
}

/**
 * np.nanmean / np.nanstd (ddof 0) in two passes over the finite values; NaN and +-Infinity are
 * skipped. Mean and std are NaN when no finite value is present.
 * @param values - input, unchanged
 * @returns mean, std and the number of finite values
 */
export function finiteMeanStd(values: Values): MeanStd {
  let n = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) q += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(q / n), n };
}
