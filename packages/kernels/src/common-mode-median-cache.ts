/**
 * Group medians of one common-mode noise pass kept for the next pass over the same run. A group's
 * median in a frame depends only on the frame's values, the offset, and which pixels of the group the
 * mask leaves out; the European XFEL iterations (ePix100 cm_iterations, pnCCD iterations 2 and 3)
 * repeat the pass with the same offset and a bad-pixel mask that changes in a few groups only. The
 * next pass takes the kept median of every group whose mask is unchanged (the same number, so the
 * constants are bit-identical) and selects again only in the others. Row-segment passes only (the
 * ePix100 and pnCCD common mode); other groupings pass no cache.
 */
import { DetcalError } from '@detcal/core';
import { medianBranchFree } from './fast-median.js';

/** Kept medians: hand the same (initially empty) object to successive passes over one run. */
export interface CommonModeMedianCache {
  /** Combined mask (left out of the medians) of the pass that filled `medians`. */
  mask?: Uint8Array;
  /** Offset the medians were taken after: a pass with another offset array takes none of them. */
  offsetAdu?: Float32Array;
  /** Pixels per row segment of the kept medians. */
  rowLength?: number;
  /** minPixels of the pass that filled them. */
  minPixels?: number;
  /** Per (non-empty frame, group), the correction applied; NaN where the group was skipped. On shared memory (worker threads write it). */
  medians?: Float64Array;
}

/** Largest medians array a cache allocates (bytes); longer runs run without one. */
export const MEDIAN_CACHE_MAX_BYTES = 512 * 1024 * 1024;

/** What a context needs of a cache in one pass (structured-cloneable: the arrays are shared or small). */
export interface MedianCacheUse {
  /** Per (non-empty frame, group) medians: read where `reuse` is 1, written elsewhere. */
  medians: Float64Array;
  /** 1 = take the group's kept median. */
  reuse: Uint8Array;
  /** Groups per frame. */
  groups: number;
}

/** A new, empty cache. */
export function createCommonModeMedianCache(): CommonModeMedianCache {
  return {};
}

/**
 * Prepares a cache for a row-segment pass: which groups may take the kept medians (same offset
 * array, segment length, minPixels, and mask over all the group's pixels), and the medians array
 * (kept when it has the size, else new). Records the pass's settings for the next one.
 * @param cache - the cache of the run (updated)
 * @param rows - rows of a frame
 * @param cols - columns of a frame
 * @param rowLength - pixels per row segment
 * @param mask - combined mask of this pass (1 = left out of the medians)
 * @param offsetAdu - offset of this pass
 * @param minPixels - minPixels of this pass
 * @param maxFrames - frames of the run (an upper bound of its non-empty frames)
 * @returns the use of the cache in this pass, or undefined when the run is too long to keep medians
 */
export function prepareMedianCache(
  cache: CommonModeMedianCache, rows: number, cols: number, rowLength: number, mask: Uint8Array,
  offsetAdu: Float32Array, minPixels: number, maxFrames: number,
): MedianCacheUse | undefined {
  const nSeg = Math.ceil(cols / rowLength);
  const groups = rows * nSeg;
  const need = groups * maxFrames;
  if (need * 8 > MEDIAN_CACHE_MAX_BYTES || need === 0) return undefined;
  const reuse = new Uint8Array(groups);
  const prev = cache.mask;
  if (prev && cache.medians && cache.offsetAdu === offsetAdu && cache.rowLength === rowLength && cache.minPixels === minPixels && cache.medians.length >= need) {
    if (prev.length !== mask.length) throw new DetcalError('SHAPE_MISMATCH', `common-mode median cache: mask of ${mask.length} pixels, kept one of ${prev.length}`);
    for (let r = 0; r < rows; r++) {
      for (let s = 0; s < nSeg; s++) {
        const start = r * cols + s * rowLength, end = Math.min(start + rowLength, (r + 1) * cols);
        let same = 1;
        for (let k = start; k < end; k++) if (mask[k] !== prev[k]) { same = 0; break; }
        reuse[r * nSeg + s] = same;
      }
    }
  }
  if (!cache.medians || cache.medians.length < need) cache.medians = new Float64Array(new SharedArrayBuffer(need * 8));
  cache.mask = mask;
  cache.offsetAdu = offsetAdu;
  cache.rowLength = rowLength;
  cache.minPixels = minPixels;
  return { medians: cache.medians, reuse, groups };
}

/**
 * Row-segment median common mode as rowSegmentCommonMode (fast-median.ts), taking the kept median of
 * groups marked in `use.reuse` and keeping the others' for the next pass: per segment the median of
 * the good values (mask 0, not NaN) is subtracted from the good values when there are more than
 * minPixels of them.
 * @param frame - one frame, row-major, corrected in place
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param length - pixels per segment
 * @param mask - 1 = exclude from the median and the correction (values 0 / 1 only)
 * @param minPixels - a segment needs more good values than this
 * @param scratch - work buffer of at least `length` values
 * @param out - common mode per segment, 0 where skipped
 * @param use - the cache of this pass
 * @param frameIndex - index of the frame among the run's non-empty frames
 * @returns segments corrected
 */
export function rowSegmentCommonModeKept(
  frame: Float32Array, rows: number, cols: number, length: number, mask: Uint8Array, minPixels: number,
  scratch: Float64Array, out: Float32Array, use: MedianCacheUse, frameIndex: number,
): number {
  const nSeg = Math.ceil(cols / length);
  const { medians, reuse } = use;
  const base = frameIndex * use.groups;
  if (base + use.groups > medians.length) {
    throw new DetcalError('INTERNAL', `common-mode median cache: frame ${frameIndex} is beyond the ${medians.length / use.groups} frames it was sized for`);
  }
  let corrected = 0;
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < nSeg; s++) {
      const g = r * nSeg + s;
      const start = r * cols + s * length;
      const end = Math.min(start + length, (r + 1) * cols);
      let cm: number;
      if (reuse[g] === 1) cm = medians[base + g];
      else {
        let good = 0;
        for (let k = start; k < end; k++) {
          const v = frame[k];
          scratch[good] = v;
          good += +(v === v) & (mask[k] ^ 1);
        }
        cm = good > minPixels ? medianBranchFree(scratch, good) : NaN;
        medians[base + g] = cm;
      }
      if (cm === cm) {
        for (let k = start; k < end; k++) frame[k] -= cm * (mask[k] ^ 1);
        corrected++;
        out[g] = cm;
      } else out[g] = 0;
    }
  }
  return corrected;
}
