/**
 * Feature 1: frames whose median (of raw & databits) lies inside the good range of all frame medians
 * (vmin 0, vmax databits, inclusive limits) are the good frames the other features use.
 */
import { goodRangeRule } from '@detcal/kernels';
import { featureRange, type FeatureRange } from './summary.js';

/** The frames feature 1 keeps. */
export interface GoodFrames {
  /** 1 for a good frame, 0 for a rejected one, per record. */
  good: Uint8Array;
  /** Number of good frames. */
  count: number;
  /** The range of frame medians. */
  range: FeatureRange;
  /**
   * Every kept frame median was equal (spread 0), so the range collapsed to one value. det_pixel_status
   * then rejects every frame (and its features 2 / 3 become NaN); detcal keeps the frames inside (0, databits).
   */
  allEqual: boolean;
}

/**
 * Selects the good frames from their medians.
 * @param medians - median of each record (masked ADU)
 * @param snr - snrmax
 * @param databits - mask of the intensity bits (the upper absolute limit)
 */
export function selectGoodFrames(medians: Float64Array, snr: number, databits: number): GoodFrames {
  const n = medians.length;
  const flags = new Uint32Array(n);
  const r = goodRangeRule(medians, flags, { vmin: 0, vmax: databits, snr }, { low: 1, high: 2 });
  const allEqual = r.nKept > 0 && r.spread === 0;
  const good = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const m = medians[i];
    const ok = allEqual ? m > 0 && m < databits : flags[i] === 0;
    if (ok) {
      good[i] = 1;
      count++;
    }
  }
  return { good, count, range: featureRange(1, 'Feat.1 intensity_med', 0, databits, r), allEqual };
}
