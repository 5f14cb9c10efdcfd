/**
 * The European XFEL n-sigma bad-pixel rule (dark notebooks: thresholds_offset_sigma /
 * thresholds_offset_hard, thresholds_noise_sigma / thresholds_noise_hard; ePix100 per ASIC):
 * per statistics group (per memory cell, per ASIC) take the median and the std (np.nanmedian /
 * np.nanstd, ddof 0) of the finite values, then flag
 *   v < median - nSigma * std  or  v > median + nSigma * std   -> outOfRange bit (boundary values stay good),
 *   v < hard[0]  or  v > hard[1]                                -> hard bit (default: outOfRange; boundaries good),
 *   v not finite (NaN, +-Infinity)                              -> nan bit (e.g. OFFSET_NOISE_EVAL_ERROR).
 * Bits are OR-ed into an existing Uint32Array of flags, so several rules add to one map.
 */
import { DetcalError, ensure } from '@detcal/core';
import type { FloatArray } from './compute-backend.js';
import { binnedMedian, MEDIAN_BINS, type StridedRegion } from './binned-median.js';

/** Statistics groups and limits of the n-sigma rule. */
export interface SigmaRuleOptions {
  /** Width of the band around the median, in standard deviations (exclusive: |v - median| must exceed it to flag). */
  nSigma: number;
  /** Absolute limits [lo, hi] in the unit of the values; outside (strictly) is flagged. */
  hard?: readonly [number, number];
  /** Values per statistics block (e.g. nPixels: statistics per memory cell); default all values in one block. */
  blockSize?: number;
  /** Split each block (a rows x cols image) into tiles with their own statistics (ePix100: 4 ASICs of 352 x 384). */
  tiles?: { rows: number; cols: number; tileRows: number; tileCols: number };
  /** Work buffer of at least the largest group's size, overwritten. */
  scratch?: Float64Array;
}

/** Flag bits the n-sigma rule sets (e.g. BadPixel.OFFSET_OUT_OF_THRESHOLD, BadPixel.OFFSET_NOISE_EVAL_ERROR). */
export interface SigmaRuleBits {
  /** Bit for values outside median +- nSigma * std. */
  outOfRange: number;
  /** Bit for values outside the hard limits (default: outOfRange). */
  hard?: number;
  /** Bit for non-finite values (default: none). */
  nan?: number;
}

/** What the n-sigma rule found, per statistics group (block-major, tiles row-major inside a block). */
export interface SigmaRuleResult {
  /** Median of the finite values per group. */
  median: Float64Array;
  /** Standard deviation (ddof 0) of the finite values per group. */
  std: Float64Array;
  /** Values flagged by the sigma band. */
  outOfRange: number;
  /** Values flagged by the hard limits. */
  outOfHard: number;
  /** Non-finite values. */
  nonFinite: number;
}

/** Count, sum, smallest and largest of the finite values of a region; sum in region order. */
function finiteStats(values: FloatArray, g: StridedRegion, out: Float64Array): void {
  let n = 0, s = 0, lo = Infinity, hi = -Infinity;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++) {
      const v = values[k];
      if (v - v !== 0) continue; // not finite
      n++;
      s += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  out[0] = n;
  out[1] = s;
  out[2] = lo;
  out[3] = hi;
}

/** Population std (ddof 0) of the finite values of a region about their mean, in float64 (np.nanstd). */
function stdAbout(values: FloatArray, g: StridedRegion, mean: number, n: number): number {
  let q = 0;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++) {
      const v = values[k];
      if (v - v !== 0) continue;
      const d = v - mean;
      q += d * d;
    }
  }
  return Math.sqrt(q / n);
}

/** Flags values[k0, k1) outside [lo, hi] / [hardLo, hardHi] or not finite; adds to counts [outOfRange, outOfHard, nonFinite]. */
function flagRange(
  values: FloatArray, flags: Uint32Array, k0: number, k1: number, lo: number, hi: number, hardLo: number, hardHi: number,
  outBit: number, hardBit: number, nanBit: number, counts: Float64Array,
): void {
  let out = 0, hard = 0, bad = 0;
  for (let k = k0; k < k1; k++) {
    const v = values[k];
    if (v - v !== 0) {
      bad++;
      flags[k] |= nanBit;
      continue;
    }
    if (v < lo || v > hi) {
      out++;
      flags[k] |= outBit;
    }
    if (v < hardLo || v > hardHi) {
      hard++;
      flags[k] |= hardBit;
    }
  }
  counts[0] += out;
  counts[1] += hard;
  counts[2] += bad;
}

/**
 * Applies the EuXFEL n-sigma rule, OR-ing bits into `flags`.
 * @param values - per-pixel values (offset or noise, ADU), blocks of blockSize; unchanged
 * @param flags - bad-pixel flags, same length as values; bits are OR-ed in
 * @param opts - nSigma, hard limits, statistics blocks / tiles
 * @param bits - which bits to set
 * @returns per-group median and std and the number of flagged values per reason
 */
export function sigmaRule(values: FloatArray, flags: Uint32Array, opts: SigmaRuleOptions, bits: SigmaRuleBits): SigmaRuleResult {
  if (flags.length !== values.length) throw new DetcalError('SHAPE_MISMATCH', `sigmaRule: flags has ${flags.length} values, values ${values.length}`);
  ensure(opts.nSigma >= 0, `sigmaRule: nSigma must be >= 0, got ${opts.nSigma}`);
  const blockSize = opts.blockSize ?? values.length;
  ensure(Number.isInteger(blockSize) && blockSize > 0 && values.length % blockSize === 0, `sigmaRule: blockSize ${blockSize} does not divide ${values.length} values`, 'SHAPE_MISMATCH');
  const regions: StridedRegion[] = [];
  const nBlocks = values.length / blockSize;
  const t = opts.tiles;
  if (t) {
    ensure(
      t.rows * t.cols === blockSize && t.rows % t.tileRows === 0 && t.cols % t.tileCols === 0,
      `sigmaRule: tiles of ${t.tileRows} x ${t.tileCols} do not tile a ${t.rows} x ${t.cols} block of ${blockSize} values`,
      'SHAPE_MISMATCH',
    );
    for (let b = 0; b < nBlocks; b++) {
      for (let tr = 0; tr < t.rows; tr += t.tileRows) {
        for (let tc = 0; tc < t.cols; tc += t.tileCols) {
          regions.push({ start: b * blockSize + tr * t.cols + tc, nRows: t.tileRows, nCols: t.tileCols, stride: t.cols });
        }
      }
    }
  } else {
    for (let b = 0; b < nBlocks; b++) regions.push({ start: b * blockSize, nRows: 1, nCols: blockSize, stride: blockSize });
  }
  const groupSize = regions.length ? regions[0].nRows * regions[0].nCols : 0;
  const scratch = opts.scratch && opts.scratch.length >= groupSize ? opts.scratch : new Float64Array(groupSize);
  const median = new Float64Array(regions.length);
  const std = new Float64Array(regions.length);
  const hardLo = opts.hard ? opts.hard[0] : -Infinity;
  const hardHi = opts.hard ? opts.hard[1] : Infinity;
  const outBit = bits.outOfRange >>> 0;
  const hardBit = (bits.hard ?? bits.outOfRange) >>> 0;
  const nanBit = (bits.nan ?? 0) >>> 0;
  const counts = new Float64Array(3); // outOfRange, outOfHard, nonFinite
  const stats = new Float64Array(4);
  const hist = new Uint32Array(MEDIAN_BINS);
  for (let gi = 0; gi < regions.length; gi++) {
    const g = regions[gi];
    finiteStats(values, g, stats);
    const n = stats[0];
    let med = NaN, sd = NaN;
    if (n > 0) {
      sd = stdAbout(values, g, stats[1] / n, n);
      med = binnedMedian(values, g, n, stats[2], stats[3], scratch, hist); // exact: same value as medianInPlace of the finite values
    }
    median[gi] = med;
    std[gi] = sd;
    const lo = med - opts.nSigma * sd, hi = med + opts.nSigma * sd;
    for (let r = 0; r < g.nRows; r++) {
      const k0 = g.start + r * g.stride;
      flagRange(values, flags, k0, k0 + g.nCols, lo, hi, hardLo, hardHi, outBit, hardBit, nanBit, counts);
    }
  }
  const [outOfRange, outOfHard, nonFinite] = counts;
  return { median, std, outOfRange, outOfHard, nonFinite };
}
