/**
 * The European XFEL dark bad-pixel rules on offset and noise maps of one gain stage:
 * n-sigma bands around the median (per memory cell, or per ASIC), hard ranges, NaN ->
 * OFFSET_NOISE_EVAL_ERROR, zero std -> DATA_STD_IS_ZERO. Flags are OR-ed into a BadPixels map.
 */
import { BadPixel } from '@detcal/core';
import { sigmaRule, type SigmaRuleOptions } from './sigma-rule.js';

/** Limits of the dark bad-pixel rules for one gain stage (pycalibration parameter names in the docs). */
export interface DarkBadPixelLimits {
  /** thresholds_offset_sigma: band around the median offset, in stds of the offsets. */
  offsetSigma: number;
  /** thresholds_offset_hard: absolute offset range [lo, hi], ADU ([0, 0] = off). */
  offsetHardAdu: readonly [number, number];
  /** thresholds_noise_sigma: band around the median noise, in stds of the noise values. */
  noiseSigma: number;
  /** thresholds_noise_hard: absolute noise range [lo, hi], ADU ([0, 0] = off). */
  noiseHardAdu: readonly [number, number];
}

/** The flags the dark rules of a pass OR into, and their limits. */
export interface DarkBadPixelTarget {
  /** Flags per (cell, pixel), cell-major. */
  flags: Uint32Array;
  /** Sigma bands and hard ranges. */
  limits: DarkBadPixelLimits;
  /**
   * The flags are all zero and nothing else writes them before the rules (e.g. just allocated): a worker
   * then writes its cells' zeros before the rules read them, so each fresh shared page faults in once
   * instead of twice (read, then copy on write).
   */
  zeroed?: boolean;
}

/** Where the statistics of the sigma rules are taken. */
export interface DarkBadPixelGroups {
  /** Memory cells (statistics per cell). */
  nCells: number;
  /** Pixels per frame. */
  nPixels: number;
  /** Statistics per ASIC tile instead of the whole module (ePix100 rule), given the frame shape. */
  tiles?: SigmaRuleOptions['tiles'];
}

/** Counts of pixels flagged per reason. */
export interface DarkBadPixelCounts {
  /** Offset outside the sigma band or the hard range. */
  offset: number;
  /** Noise outside the sigma band or the hard range. */
  noise: number;
  /** NaN / infinite offset or noise. */
  evalError: number;
  /** Zero std (constant value over the run). */
  stdZero: number;
}

/** Counts of two parts added (evalError: the sum of each part's larger NaN count, as parts report it). */
export function addBadPixelCounts(a: DarkBadPixelCounts, b: DarkBadPixelCounts): DarkBadPixelCounts {
  return { offset: a.offset + b.offset, noise: a.noise + b.noise, evalError: a.evalError + b.evalError, stdZero: a.stdZero + b.stdZero };
}

const hard = (r: readonly [number, number]): readonly [number, number] | undefined => (r[0] === 0 && r[1] === 0 ? undefined : r);

/**
 * Applies the rules to one gain stage's offset and noise (cell-major, nCells * nPixels each).
 * @param offsetAdu - offset per (cell, pixel), ADU
 * @param noiseAdu - noise per (cell, pixel), ADU
 * @param flags - BadPixels map of the same length; bits are OR-ed in
 * @param limits - sigma bands and hard ranges
 * @param groups - cells, pixels, optional ASIC tiles
 * @returns pixels flagged per reason
 */
export function darkBadPixels(
  offsetAdu: Float32Array,
  noiseAdu: Float32Array,
  flags: Uint32Array,
  limits: DarkBadPixelLimits,
  groups: DarkBadPixelGroups,
): DarkBadPixelCounts {
  const base = { blockSize: groups.nPixels, tiles: groups.tiles };
  const o = sigmaRule(offsetAdu, flags, { ...base, nSigma: limits.offsetSigma, hard: hard(limits.offsetHardAdu) }, {
    outOfRange: BadPixel.OFFSET_OUT_OF_THRESHOLD,
    nan: BadPixel.OFFSET_NOISE_EVAL_ERROR,
  });
  const n = sigmaRule(noiseAdu, flags, { ...base, nSigma: limits.noiseSigma, hard: hard(limits.noiseHardAdu) }, {
    outOfRange: BadPixel.NOISE_OUT_OF_THRESHOLD,
    nan: BadPixel.OFFSET_NOISE_EVAL_ERROR,
    zero: BadPixel.DATA_STD_IS_ZERO,
  });
  const stdZero = n.zero;
  return { offset: o.outOfRange + o.outOfHard, noise: n.outOfRange + n.outOfHard, evalError: Math.max(o.nonFinite, n.nonFinite), stdZero };
}
