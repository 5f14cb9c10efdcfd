/**
 * Per-pixel robust statistics over a small stack of frames (nFrames x nPixels, frame-major), as
 * det_pixel_status computes them (median and plain MAD of residuals over frames). Pixels are
 * processed in tiles: a tile is transposed into the scratch buffer (pixel-major) with contiguous
 * reads of the stack, then each pixel's column is selected in place.
 */
import { DetcalError, ensure } from '@detcal/core';
import type { FloatArray } from './compute-backend.js';
import { medianInPlace, nanMedianInPlace } from './quickselect.js';

/** NaN policy of the per-pixel statistics. */
export interface FrameStackOptions {
  /** 'propagate' (np.median: a NaN in a pixel's column gives NaN, default) or 'omit' (np.nanmedian). */
  nan?: 'propagate' | 'omit';
}

function checkStack(stack: FloatArray, nFrames: number, nPixels: number, out: FloatArray, scratch: FloatArray, what: string): number {
  ensure(Number.isInteger(nFrames) && nFrames > 0, `${what}: nFrames must be a positive integer, got ${nFrames}`);
  ensure(Number.isInteger(nPixels) && nPixels >= 0, `${what}: nPixels must be a non-negative integer, got ${nPixels}`);
  if (stack.length !== nFrames * nPixels) {
    throw new DetcalError('SHAPE_MISMATCH', `${what}: stack has ${stack.length} values, expected nFrames * nPixels = ${nFrames} * ${nPixels}`);
  }
  if (out.length !== nPixels) throw new DetcalError('SHAPE_MISMATCH', `${what}: output has ${out.length} values, expected nPixels = ${nPixels}`);
  if (scratch.length < nFrames) {
    throw new DetcalError('SHAPE_MISMATCH', `${what}: scratch has ${scratch.length} values, needs at least nFrames = ${nFrames}`);
  }
  return Math.floor(scratch.length / nFrames);
}

/** Copies pixels [p0, p0 + w) of every frame into scratch, pixel-major (scratch[t * nFrames + f]). */
function transposeTile(stack: FloatArray, nFrames: number, nPixels: number, p0: number, w: number, scratch: FloatArray): void {
  for (let f = 0; f < nFrames; f++) {
    const off = f * nPixels + p0;
    for (let t = 0, j = f; t < w; t++, j += nFrames) scratch[j] = stack[off + t];
  }
}

/**
 * Median over frames of each pixel.
 * @param stack - values, frame-major (nFrames * nPixels), unchanged
 * @param nFrames - frames in the stack (records; det_pixel_status nrecs)
 * @param nPixels - pixels per frame
 * @param out - median per pixel (length nPixels), in the unit of the stack
 * @param scratch - work buffer of at least nFrames elements; k * nFrames elements process k pixels per tile (faster)
 * @param opts - NaN policy
 */
export function medianOverFrames(
  stack: FloatArray,
  nFrames: number,
  nPixels: number,
  out: FloatArray,
  scratch: FloatArray,
  opts: FrameStackOptions = {},
): void {
  const tile = checkStack(stack, nFrames, nPixels, out, scratch, 'medianOverFrames');
  const select = opts.nan === 'omit' ? nanMedianInPlace : medianInPlace;
  for (let p0 = 0; p0 < nPixels; p0 += tile) {
    const w = Math.min(tile, nPixels - p0);
    transposeTile(stack, nFrames, nPixels, p0, w, scratch);
    for (let t = 0; t < w; t++) out[p0 + t] = select(scratch, t * nFrames, (t + 1) * nFrames);
  }
}

/**
 * Plain MAD over frames of each pixel: median over frames of |x - median over frames|, no 1.4826 factor.
 * @param stack - values, frame-major (nFrames * nPixels), unchanged
 * @param nFrames - frames in the stack
 * @param nPixels - pixels per frame
 * @param outMad - MAD per pixel (length nPixels), in the unit of the stack
 * @param scratch - work buffer of at least nFrames elements (k * nFrames: k pixels per tile)
 * @param opts - NaN policy, and outMedian to receive the per-pixel median as well
 */
export function madOverFrames(
  stack: FloatArray,
  nFrames: number,
  nPixels: number,
  outMad: FloatArray,
  scratch: FloatArray,
  opts: FrameStackOptions & { outMedian?: FloatArray } = {},
): void {
  const tile = checkStack(stack, nFrames, nPixels, outMad, scratch, 'madOverFrames');
  const outMedian = opts.outMedian;
  if (outMedian && outMedian.length !== nPixels) {
    throw new DetcalError('SHAPE_MISMATCH', `madOverFrames: outMedian has ${outMedian.length} values, expected nPixels = ${nPixels}`);
  }
  const select = opts.nan === 'omit' ? nanMedianInPlace : medianInPlace;
  for (let p0 = 0; p0 < nPixels; p0 += tile) {
    const w = Math.min(tile, nPixels - p0);
    transposeTile(stack, nFrames, nPixels, p0, w, scratch);
    for (let t = 0; t < w; t++) {
      const lo = t * nFrames, hi = lo + nFrames;
      const med = select(scratch, lo, hi);
      if (outMedian) outMedian[p0 + t] = med;
      if (med !== med) {
        outMad[p0 + t] = NaN;
        continue;
      }
      for (let i = lo; i < hi; i++) scratch[i] = Math.abs(scratch[i] - med);
      outMad[p0 + t] = select(scratch, lo, hi);
    }
  }
}
