/**
 * The det_pixel_status good range of one per-pixel feature (lcls-psana Detector
 * UtilsPixelStatus): drop values <= vmin or >= vmax; med = median of the rest; spread = plain MAD
 * (median |x - med|, no 1.4826; the std of the kept values when the MAD is 0);
 * lo = max(med - snr * spread, vmin), hi = min(med + snr * spread, vmax);
 * flag x <= lo with the low bit and x >= hi with the high bit (inclusive: boundary values are flagged).
 * NaN values are never flagged low / high (numpy comparisons are false); an optional bit marks them.
 */
import { DetcalError } from '@detcal/core';
import type { FloatArray } from './compute-backend.js';
import { medianInPlace } from './quickselect.js';

/** Limits of the good range. */
export interface GoodRangeOptions {
  /** Values <= vmin are dropped from the statistics, and lo is at least vmin (default -Infinity). */
  vmin?: number;
  /** Values >= vmax are dropped from the statistics, and hi is at most vmax (default Infinity). */
  vmax?: number;
  /** Half-width of the range in spreads (det_pixel_status snrmax, default 8). */
  snr?: number;
}

/** Bits of one feature (e.g. PixelStatus.F2_MEAN_LOW / F2_MEAN_HIGH). */
export interface GoodRangeBits {
  /** Bit for x <= lo. */
  low: number;
  /** Bit for x >= hi. */
  high: number;
  /** Bit for NaN values (default: none). */
  nan?: number;
}

/** The range found and what it flagged, for the per-bit summary line. */
export interface GoodRangeResult {
  /** Median of the kept values. */
  median: number;
  /** Spread used: the plain MAD, or the std where the MAD is 0. */
  spread: number;
  /** Which spread was used. */
  spreadKind: 'mad' | 'std';
  /** Lower limit (x <= lo is flagged). */
  lo: number;
  /** Upper limit (x >= hi is flagged). */
  hi: number;
  /** Values flagged low. */
  nLow: number;
  /** Values flagged high. */
  nHigh: number;
  /** Values kept for the statistics (vmin < x < vmax). */
  nKept: number;
}

/**
 * Applies the det_pixel_status good-range rule to one feature, OR-ing bits into `flags`.
 * @param values - the feature per pixel (e.g. mean or std over good frames, ADU); unchanged
 * @param flags - status flags, same length as values; bits are OR-ed in
 * @param opts - vmin, vmax, snr
 * @param bits - low / high (and NaN) bits of this feature
 * @param scratch - optional work buffer of at least values.length elements, overwritten
 * @returns median, spread, limits and counts
 */
export function goodRangeRule(
  values: FloatArray,
  flags: Uint32Array,
  opts: GoodRangeOptions,
  bits: GoodRangeBits,
  scratch?: Float64Array,
): GoodRangeResult {
  if (flags.length !== values.length) throw new DetcalError('SHAPE_MISMATCH', `goodRangeRule: flags has ${flags.length} values, values ${values.length}`);
  const vmin = opts.vmin ?? -Infinity;
  const vmax = opts.vmax ?? Infinity;
  const snr = opts.snr ?? 8;
  const buf = scratch && scratch.length >= values.length ? scratch : new Float64Array(values.length);
  let n = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > vmin && v < vmax) {
      buf[n++] = v;
      s += v;
    }
  }
  const med = n > 0 ? medianInPlace(buf, 0, n) : NaN;
  for (let i = 0; i < n; i++) buf[i] = Math.abs(buf[i] - med);
  let spread = n > 0 ? medianInPlace(buf, 0, n) : NaN;
  let spreadKind: 'mad' | 'std' = 'mad';
  if (spread === 0) {
    const mean = s / n;
    let q = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v > vmin && v < vmax) q += (v - mean) * (v - mean);
    }
    spread = Math.sqrt(q / n);
    spreadKind = 'std';
  }
  const lo = Math.max(med - snr * spread, vmin);
  const hi = Math.min(med + snr * spread, vmax);
  const lowBit = bits.low >>> 0, highBit = bits.high >>> 0, nanBit = (bits.nan ?? 0) >>> 0;
  let nLow = 0, nHigh = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      flags[i] |= nanBit;
      continue;
    }
    if (v <= lo) {
      flags[i] |= lowBit;
      nLow++;
    }
    if (v >= hi) {
      flags[i] |= highBit;
      nHigh++;
    }
  }
  return { median: med, spread, spreadKind, lo, hi, nLow, nHigh, nKept: n };
}
