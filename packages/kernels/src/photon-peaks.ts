/**
 * Photon spacing from one pixel's histogram of single-photon-resolved data (X-ray tube flat field):
 * smooth (moving sum), find the photon peaks, refine the two highest, and measure the valley between them.
 * photonSpacing = distance of the two highest peaks (AGIPD seed); quality = relative valley depth.
 */
import { boxSmoothInto } from './histogram.js';
import { createPeakScratch, findPeaks, refinePeakCentroid, type PeakScratch } from './peak-finder.js';

/** Result status of {@link photonPeaks}. */
export const PhotonPeakStatus = {
  /** Two peaks found and refined. */
  OK: 0,
  /** Fewer than minEntries counts in the histogram. */
  NO_ENTRIES: 1,
  /** Fewer than two peaks, a refinement that wandered off, or a spacing below minDistance. */
  EVAL_ERROR: 2,
} as const;

/** Settings of {@link photonPeaks}, in bins where not stated otherwise. */
export interface PhotonPeakOptions {
  /** Width of the moving-sum smoothing, bins (odd; the seed's 11). */
  smoothBins: number;
  /** Smallest distance between two photon peaks, bins. */
  minDistanceBins: number;
  /** Smallest prominence of a peak as a fraction of the highest smoothed bin. */
  minProminence: number;
  /** Half width of the centroid window as a fraction of the distance between the two peaks. */
  peakWindow: number;
  /** Fewest counts for an analysis. */
  minEntries: number;
}

/** Reusable buffers of {@link photonPeaks} for histograms of nBins bins. */
export interface PhotonPeakScratch {
  /** Smoothed histogram. */
  smooth: Float64Array;
  /** Peak positions found (the two highest). */
  index: Int32Array;
  /** Their prominences. */
  prominence: Float64Array;
  /** findPeaks buffers. */
  peaks: PeakScratch;
}

/** Allocates the buffers of {@link photonPeaks}. */
export function createPhotonPeakScratch(nBins: number): PhotonPeakScratch {
  return { smooth: new Float64Array(nBins), index: new Int32Array(2), prominence: new Float64Array(2), peaks: createPeakScratch(nBins) };
}

/**
 * Analyses counts[offset, offset + nBins).
 * @param counts - histograms of many pixels, one after the other
 * @param offset - first bin of this pixel's histogram
 * @param nBins - bins per histogram
 * @param opts - settings
 * @param scratch - buffers from createPhotonPeakScratch(nBins)
 * @param out - out[0] spacing (bins), out[1] quality (0..1: 1 - valley / lower peak height of the
 *   smoothed histogram), out[2] / out[3] refined positions of the lower / upper peak (bins); NaN on failure
 * @returns a PhotonPeakStatus value
 */
export function photonPeaks(
  counts: ArrayLike<number>, offset: number, nBins: number, opts: PhotonPeakOptions,
  scratch: PhotonPeakScratch, out: Float64Array,
): number {
  out[0] = out[1] = out[2] = out[3] = NaN;
  // Only the populated part of the histogram (plus the smoothing margin) is smoothed and searched.
  let total = 0, first = -1, last = -1;
  for (let i = 0; i < nBins; i++) {
    const c = counts[offset + i];
    if (c > 0) {
      total += c;
      if (first < 0) first = i;
      last = i;
    }
  }
  if (total < opts.minEntries || total === 0) return PhotonPeakStatus.NO_ENTRIES;
  const half = (opts.smoothBins - 1) >>> 1;
  const b0 = Math.max(0, first - half - 1), b1 = Math.min(nBins, last + half + 2);
  const m = b1 - b0;
  const s = scratch.smooth;
  boxSmoothInto(counts, offset + b0, m, opts.smoothBins, s);
  let max = 0;
  for (let i = 0; i < m; i++) if (s[i] > max) max = s[i];
  const found = findPeaks(s, m, opts.minProminence * max, opts.minDistanceBins, scratch.index, scratch.prominence, scratch.peaks);
  if (found < 2) return PhotonPeakStatus.EVAL_ERROR;
  // a, b: positions in the searched part; the centroids are taken on the full histogram.
  const a = Math.min(scratch.index[0], scratch.index[1]), b = Math.max(scratch.index[0], scratch.index[1]);
  const halfWidth = Math.max(1, opts.peakWindow * (b - a));
  const ca = refinePeakCentroid(counts, offset, nBins, a + b0, halfWidth);
  const cb = refinePeakCentroid(counts, offset, nBins, b + b0, halfWidth);
  // A refined position more than half a window from its maximum belongs to something else (seed: maxPeakRelocation).
  if (!(Math.abs(ca - a - b0) <= halfWidth / 2 && Math.abs(cb - b - b0) <= halfWidth / 2)) return PhotonPeakStatus.EVAL_ERROR;
  const spacing = cb - ca;
  if (!(spacing >= opts.minDistanceBins)) return PhotonPeakStatus.EVAL_ERROR;
  let valley = Infinity;
  for (let i = a; i <= b; i++) if (s[i] < valley) valley = s[i];
  const lower = Math.min(s[a], s[b]);
  out[0] = spacing;
  out[1] = lower > 0 ? 1 - valley / lower : 0;
  out[2] = ca;
  out[3] = cb;
  return PhotonPeakStatus.OK;
}
