/**
 * The European XFEL n-sigma bad-pixel rule (dark notebooks: thresholds_offset_sigma /
 * thresholds_offset_hard, thresholds_noise_sigma / thresholds_noise_hard; ePix100 per ASIC):
 * per statistics group (per memory cell, per ASIC) take the median and the std (np.nanmedian /
 * np.nanstd, ddof 0) of the finite values, then flag
 *   v < median - nSigma * std  or  v > median + nSigma * std   -> outOfRange bit (boundary values stay good),
 *   v < hard[0]  or  v > hard[1]                                -> hard bit (default: outOfRange; boundaries good),
 *   v not finite (NaN, +-Infinity)                              -> nan bit (e.g. OFFSET_NOISE_EVAL_ERROR),
 *   v exactly 0                                                 -> zero bit (e.g. DATA_STD_IS_ZERO of a noise map).
 * Bits are OR-ed into an existing Uint32Array of flags, so several rules add to one map.
 * The sums behind the mean and the std are float64 in four partial sums, one per position modulo 4 in
 * the group (row-major), combined as (s0 + s1) + (s2 + s3): the order of the SIMD kernels of
 * sigma-rule-simd.ts, which take float32 groups wherever WebAssembly SIMD runs, bit for bit the same.
 */
import { DetcalError, ensure } from '@detcal/core';
import type { FloatArray } from './compute-backend.js';
import { binnedMedian, MEDIAN_BINS, type StridedRegion } from './binned-median.js';
import { SIGMA_RES, sigmaGroupSimd, type SigmaGroupRule } from './sigma-rule-simd.js';

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
  /** Bit for values exactly 0 (default: none). */
  zero?: number;
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
  /** Values exactly 0. */
  zero: number;
}

/** Count, sum (four partial sums by position modulo 4, as the SIMD kernels), smallest and largest of the finite values of a region. */
function finiteStats(values: FloatArray, g: StridedRegion, out: Float64Array): void {
  let n = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0, lo = Infinity, hi = -Infinity, p = 0;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++, p++) {
      const v = values[k];
      if (v - v !== 0) continue; // not finite
      n++;
      switch (p & 3) {
        case 0: s0 += v; break;
        case 1: s1 += v; break;
        case 2: s2 += v; break;
        default: s3 += v;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  out[0] = n;
  out[1] = (s0 + s1) + (s2 + s3);
  out[2] = lo;
  out[3] = hi;
}

/** Population std (ddof 0) of the finite values of a region about their mean, in float64 (np.nanstd), summed like finiteStats. */
function stdAbout(values: FloatArray, g: StridedRegion, mean: number, n: number): number {
  let q0 = 0, q1 = 0, q2 = 0, q3 = 0, p = 0;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride, end = k + g.nCols; k < end; k++, p++) {
      const v = values[k];
      if (v - v !== 0) continue;
      const d = v - mean;
      switch (p & 3) {
        case 0: q0 += d * d; break;
        case 1: q1 += d * d; break;
        case 2: q2 += d * d; break;
        default: q3 += d * d;
      }
    }
  }
  return Math.sqrt(((q0 + q1) + (q2 + q3)) / n);
}

/** Flags values[k0, k1) outside [lo, hi] / [hardLo, hardHi], not finite or 0; adds to counts [outOfRange, outOfHard, nonFinite, zero]. */
function flagRange(
  values: FloatArray, flags: Uint32Array, k0: number, k1: number, lo: number, hi: number, hardLo: number, hardHi: number,
  outBit: number, hardBit: number, nanBit: number, zeroBit: number, counts: Float64Array,
): void {
  let out = 0, hard = 0, bad = 0, zero = 0;
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
    if (v === 0) {
      zero++;
      flags[k] |= zeroBit;
    }
  }
  counts[0] += out;
  counts[1] += hard;
  counts[2] += bad;
  counts[3] += zero;
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
  let scratch: Float64Array | undefined; // JS groups only
  const median = new Float64Array(regions.length);
  const std = new Float64Array(regions.length);
  const hardLo = opts.hard ? opts.hard[0] : -Infinity;
  const hardHi = opts.hard ? opts.hard[1] : Infinity;
  const outBit = bits.outOfRange >>> 0;
  const hardBit = (bits.hard ?? bits.outOfRange) >>> 0;
  const nanBit = (bits.nan ?? 0) >>> 0;
  const zeroBit = (bits.zero ?? 0) >>> 0;
  const counts = new Float64Array(4); // outOfRange, outOfHard, nonFinite, zero
  const stats = new Float64Array(4);
  const simd = values instanceof Float32Array ? { rule: { nSigma: opts.nSigma, hardLo, hardHi, outBit, hardBit, nanBit, zeroBit } satisfies SigmaGroupRule, res: new Float64Array(6) } : undefined;
  let hist: Uint32Array | undefined;
  for (let gi = 0; gi < regions.length; gi++) {
    const g = regions[gi];
    if (simd && sigmaGroupSimd(values as Float32Array, flags, g, simd.rule, simd.res)) {
      const r = simd.res;
      median[gi] = r[SIGMA_RES.median] + 0; // -0 -> +0: which zero a selection ends on differs between the paths
      std[gi] = r[SIGMA_RES.std];
      counts[0] += r[SIGMA_RES.outOfRange];
      counts[1] += r[SIGMA_RES.outOfHard];
      counts[2] += r[SIGMA_RES.nonFinite];
      counts[3] += r[SIGMA_RES.zero];
      continue;
    }
    hist ??= new Uint32Array(MEDIAN_BINS);
    scratch ??= opts.scratch && opts.scratch.length >= groupSize ? opts.scratch : new Float64Array(groupSize);
    finiteStats(values, g, stats);
    const n = stats[0];
    let med = NaN, sd = NaN;
    if (n > 0) {
      sd = stdAbout(values, g, stats[1] / n, n);
      med = binnedMedian(values, g, n, stats[2], stats[3], scratch, hist); // exact: same value as medianInPlace of the finite values
    }
    median[gi] = med + 0;
    std[gi] = sd;
    const lo = med - opts.nSigma * sd, hi = med + opts.nSigma * sd;
    for (let r = 0; r < g.nRows; r++) {
      const k0 = g.start + r * g.stride;
      flagRange(values, flags, k0, k0 + g.nCols, lo, hi, hardLo, hardHi, outBit, hardBit, nanBit, zeroBit, counts);
    }
  }
  const [outOfRange, outOfHard, nonFinite, zero] = counts;
  return { median, std, outOfRange, outOfHard, nonFinite, zero };
}
