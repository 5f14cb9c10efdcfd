/**
 * Building blocks of the European XFEL dark characterization of single-gain detectors (ePix100,
 * pnCCD): the run check, the bad-pixel map of one iteration, and the common-mode-corrected noise
 * pass. That pass streams the run once more, subtracts the offset, takes per frame the median of
 * the good pixels of each readout group (row segment, column segment, bank) and subtracts it,
 * and accumulates the corrected values: their std is NoiseCM. Optionally it leaves out single
 * values above sigma x noise (cosmic-ray hits, pnCCD notebook iteration 3) and accumulates the
 * raw values with the same exclusions (offset and noise without the hits).
 *
 * Row segments use the branch-free median of fast-median.ts (same result as commonModeRowMedian);
 * column and bank passes use commonModeBanked.
 *
 * Which pixels are corrected: the median is taken over the good pixels only (mask 0); it is then
 * subtracted from every pixel of the group that responds (pass-1 noise > 0), so bad pixels get a
 * NoiseCM too (a hot pixel's NoiseCM is its own noise, not noise plus common mode), while pixels
 * with a constant value (dead, std 0) are left alone and keep NoiseCM 0.
 */
import { BadPixel, DetcalError, type DarkRequest, type FrameBlock, type FrameStream } from '@detcal/core';
import { commonModeBanked, commonModeGroupCount, type BankShape, type CommonModeGroups, type CommonModePass } from './common-mode.js';
import type { ComputeBackend, FloatArray } from './compute-backend.js';
import { darkBadPixels, type DarkBadPixelCounts, type DarkBadPixelLimits } from './dark-bad-pixels.js';
import { createDarkAccumulator } from './dark-accumulator.js';
import { darkPass, type DarkPassResult } from './dark-run.js';
import { rowSegmentCommonMode } from './fast-median.js';
import type { SigmaRuleOptions } from './sigma-rule.js';

/**
 * The one run of a single-gain dark request, checked against the module shape.
 * @param request - the dark request
 * @param detector - detector name for messages ('ePix100')
 * @param rows - rows of the module
 * @param cols - columns of the module
 * @returns the run's stream
 */
export function singleGainRun(request: DarkRequest, detector: string, rows: number, cols: number): FrameStream {
  if (request.runs.length !== 1) {
    throw new DetcalError('BAD_INPUT', `${detector} dark takes one dark run, got ${request.runs.length} (${request.runs.map((r) => r.label).join(', ')}): give a single run`);
  }
  const r = request.runs[0];
  if (r.rows !== rows || r.cols !== cols) {
    throw new DetcalError('SHAPE_MISMATCH', `${r.label}: frames are ${r.rows}x${r.cols}, a ${detector} module is ${rows}x${cols}; check the detector and --dataset`);
  }
  if ((r.cellsPerTrain ?? 1) !== 1) {
    throw new DetcalError('BAD_INPUT', `${r.label}: ${r.cellsPerTrain} memory cells per train, but the ${detector} has none; check the run`);
  }
  return r;
}

/** Bad-pixel map of one iteration and what was flagged. */
export interface SingleGainBadPixels {
  /** EuXFEL BadPixels flags per pixel. */
  flags: Uint32Array;
  /** Pixels flagged per reason. */
  counts: DarkBadPixelCounts;
  /** Pixels with any flag. */
  bad: number;
}

/**
 * The EuXFEL dark rules on a single-gain offset and noise map: NO_DARK_DATA where no value was
 * accumulated, sigma bands (per ASIC tile where given) and hard ranges, NaN and zero std.
 * @param offsetAdu - offset per pixel, ADU
 * @param noiseAdu - noise per pixel (Noise or NoiseCM), ADU
 * @param count - values accumulated per pixel
 * @param limits - sigma bands and hard ranges ([0, 0] = off)
 * @param tiles - statistics per ASIC tile (ePix100), or whole module when missing
 * @returns flags and counts
 */
export function singleGainBadPixels(
  offsetAdu: Float32Array,
  noiseAdu: Float32Array,
  count: Uint32Array,
  limits: DarkBadPixelLimits,
  tiles?: SigmaRuleOptions['tiles'],
): SingleGainBadPixels {
  const flags = new Uint32Array(offsetAdu.length);
  for (let i = 0; i < flags.length; i++) if (count[i] === 0) flags[i] = BadPixel.NO_DARK_DATA;
  const counts = darkBadPixels(offsetAdu, noiseAdu, flags, limits, { nCells: 1, nPixels: offsetAdu.length, tiles });
  let bad = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) bad++;
  return { flags, counts, bad };
}

/** Readout groups of a detector's common mode: bank shape and the passes, run in order on each frame. */
export interface CommonModeSpec {
  /** Bank (ASIC) shape; 'row' passes use bankCols pixels, 'col' passes bankRows pixels. */
  bank: BankShape;
  /** Passes in order, e.g. ['row'] or ['row', 'col'], or explicit groups ({ axis: 'row', length: 512 }). */
  passes: readonly CommonModePass[];
  /** A group needs more than this many good pixels to be corrected (psana npix_min; default 10). */
  minPixels?: number;
}

/** Cosmic-ray (single value) exclusion of a common-mode pass. */
export interface CosmicExclusion {
  /** Leave out values above sigma x noise after offset and common-mode subtraction. */
  sigma: number;
  /** Noise per pixel the threshold scales, ADU (e.g. NoiseCM of the previous pass). */
  noiseAdu: Float32Array;
}

/** Settings of {@link commonModeNoisePass}. */
export interface CommonModeNoiseOptions {
  /** Backend whose kernels accumulate. */
  backend: ComputeBackend;
  /** Offset per pixel subtracted before the common mode, ADU. */
  offsetAdu: Float32Array;
  /** 1 = pixel left out of the medians (bad pixels of the previous map). */
  medianMask: Uint8Array;
  /** 1 = pixel never corrected (constant value: std 0); also left out of the medians. */
  frozen: Uint8Array;
  /** Readout groups. */
  commonMode: CommonModeSpec;
  /** Leave out single values above sigma x noise (cosmic-ray hits). */
  cosmic?: CosmicExclusion;
  /** Also accumulate the raw values (with the same exclusions): offset and noise without the hits. */
  rawStatistics?: boolean;
  /** Track the largest corrected value of each pixel (for {@link stdWithoutMax}). */
  trackMax?: boolean;
  /** Worker threads accumulating the corrected values (darkPass threads; the correction itself runs on the calling thread). */
  threads?: number;
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress. */
  phase?: string;
}

/** What one common-mode pass found. */
export interface CommonModeNoiseResult {
  /** Statistics of the corrected values: stdAdu is NoiseCM, meanAdu the residual mean (about 0). */
  corrected: DarkPassResult;
  /** Statistics of the raw values with the same exclusions, when rawStatistics was asked for. */
  raw?: DarkPassResult;
  /** Largest corrected value per pixel, ADU, when trackMax was asked for. */
  maxAdu?: Float32Array;
  /** Values left out as cosmic-ray hits. */
  excludedValues: number;
  /** Frames with at least one value left out. */
  framesWithExclusions: number;
  /** Pixels with at least one value left out. */
  pixelsWithExclusions: number;
  /** Group corrections applied (groups x frames x passes). */
  groupsCorrected: number;
  /** Groups left uncorrected because they had too few good pixels. */
  groupsSkipped: number;
}

/** Group layout of one pass, to find the correction a masked pixel gets. */
interface PassLayout {
  /** The pass. */
  pass: CommonModePass;
  /** Segment length of a row pass (run by the branch-free median), undefined for column and bank passes. */
  rowLength?: number;
  /** Common mode per group of the current frame. */
  out: Float32Array;
  /** Group index of pixel (r, c). */
  group(r: number, c: number): number;
}

function passLayout(pass: CommonModePass, rows: number, cols: number, bank: BankShape): PassLayout {
  if (pass === 'bank') {
    const nbc = cols / bank.bankCols;
    return { pass, out: new Float32Array((rows / bank.bankRows) * nbc), group: (r, c) => Math.floor(r / bank.bankRows) * nbc + Math.floor(c / bank.bankCols) };
  }
  const g: CommonModeGroups = pass === 'row' ? { axis: 'row', length: bank.bankCols } : pass === 'col' ? { axis: 'col', length: bank.bankRows } : pass;
  const out = new Float32Array(commonModeGroupCount(rows, cols, g));
  if (g.axis === 'row') {
    const length = g.length ?? cols;
    const nSeg = Math.ceil(cols / length);
    return { pass, rowLength: length, out, group: (r, c) => r * nSeg + Math.floor(c / length) };
  }
  const length = g.length ?? rows;
  return { pass, out, group: (r, c) => Math.floor(r / length) * cols + c };
}

/**
 * Streams the run once: value - offset, common mode per readout group (median of good pixels)
 * subtracted from every responding pixel, optional cosmic exclusion; accumulates the corrected
 * (and optionally the raw) values.
 * @param stream - the dark run (single gain, no memory cells)
 * @param opts - offset, masks, readout groups, exclusions
 * @returns statistics of the corrected values (NoiseCM) and what was excluded
 */
export async function commonModeNoisePass(stream: FrameStream, opts: CommonModeNoiseOptions): Promise<CommonModeNoiseResult> {
  const { rows, cols } = stream;
  const nPixels = rows * cols;
  const { offsetAdu, frozen, commonMode, cosmic } = opts;
  for (const [name, a] of [['offsetAdu', offsetAdu], ['medianMask', opts.medianMask], ['frozen', frozen], ['cosmic.noiseAdu', cosmic?.noiseAdu]] as const) {
    if (a && a.length !== nPixels) throw new DetcalError('SHAPE_MISMATCH', `commonModeNoisePass: ${name} has ${a.length} values, the frames ${rows} x ${cols}`);
  }
  const mask = new Uint8Array(nPixels);
  const fix: number[] = [];
  for (let p = 0; p < nPixels; p++) {
    mask[p] = opts.medianMask[p] !== 0 || frozen[p] !== 0 ? 1 : 0;
    if (opts.medianMask[p] !== 0 && frozen[p] === 0) fix.push(p);
  }
  const layouts = commonMode.passes.map((p) => passLayout(p, rows, cols, commonMode.bank));
  // Group index of each masked-but-responding pixel, per pass.
  const fixIdx = Int32Array.from(fix);
  const fixGroups = layouts.map((l) => Int32Array.from(fix, (p) => l.group(Math.floor(p / cols), p % cols)));
  const { bankRows, bankCols } = commonMode.bank;
  // commonModeBanked wants a bank, a row and a column; column passes gather up to 64 columns at once.
  const scratch = new Float64Array(Math.max(bankRows * bankCols, rows, cols, 64 * bankRows));
  const minPixels = commonMode.minPixels ?? 10;
  const threshold = cosmic ? Float32Array.from(cosmic.noiseAdu, (n) => cosmic.sigma * n) : undefined;
  const maxAdu = opts.trackMax ? new Float32Array(nPixels).fill(-Infinity) : undefined;
  const rawAcc = opts.rawStatistics ? createDarkAccumulator(1, nPixels) : undefined;
  const hitPixel = threshold ? new Uint8Array(nPixels) : undefined;
  let excludedValues = 0, framesWithExclusions = 0, groupsCorrected = 0, groupsTotal = 0;

  const transform = (block: FrameBlock, values: Float32Array, exclude?: Uint8Array): Float32Array => {
    const data = block.data;
    for (let f = 0; f < block.nFrames; f++) {
      const o = f * nPixels;
      const frame = values.subarray(o, o + nPixels);
      subtractOffset(data, o, offsetAdu, frame);
      for (const l of layouts) {
        const corrected = l.rowLength !== undefined
          ? rowSegmentCommonMode(frame, rows, cols, l.rowLength, mask, minPixels, scratch, l.out)
          : commonModeBanked(frame, rows, cols, commonMode.bank, [l.pass], mask, { minPixels, scratch }, [l.out])[0].corrected;
        groupsCorrected += corrected;
        groupsTotal += l.out.length;
      }
      for (let k = 0; k < layouts.length; k++) subtractGroups(frame, fixIdx, fixGroups[k], layouts[k].out);
      if (maxAdu) trackMax(frame, maxAdu);
      if (threshold && exclude && hitPixel) {
        const n = markAbove(frame, threshold, exclude, o, hitPixel);
        excludedValues += n;
        if (n > 0) framesWithExclusions++;
      }
    }
    if (rawAcc) opts.backend.accumulateDark(rawAcc, data, block.cellIds, block.nFrames, nPixels, { mask: exclude });
    return values;
  };

  const corrected = await darkPass(stream, {
    backend: opts.backend,
    nCells: 1,
    transform,
    excludeValues: threshold !== undefined || rawAcc !== undefined,
    threads: opts.threads,
    progress: opts.progress,
    phase: opts.phase ?? 'noise-cm',
  });
  let raw: DarkPassResult | undefined;
  if (rawAcc) {
    const meanAdu = new Float32Array(nPixels), stdAdu = new Float32Array(nPixels);
    opts.backend.finalizeDark(rawAcc, { meanAdu, stdAdu });
    raw = { ...corrected, meanAdu, stdAdu, count: rawAcc.count, rejected: rawAcc.rejected };
  }
  let pixelsWithExclusions = 0;
  if (hitPixel) for (let p = 0; p < nPixels; p++) pixelsWithExclusions += hitPixel[p];
  return {
    corrected,
    raw,
    maxAdu,
    excludedValues,
    framesWithExclusions,
    pixelsWithExclusions,
    groupsCorrected,
    groupsSkipped: groupsTotal - groupsCorrected,
  };
}

function subtractOffset(data: FrameBlock['data'], o: number, offset: Float32Array, frame: Float32Array): void {
  if (data instanceof Uint16Array) subtractOffsetU16(data, o, offset, frame);
  else subtractOffsetF32(data, o, offset, frame);
}

// Separate loops per element type keep each one monomorphic (raw u2 is the hot path).
function subtractOffsetU16(data: Uint16Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let p = 0; p < frame.length; p++) frame[p] = data[o + p] - offset[p];
}

function subtractOffsetF32(data: Float32Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let p = 0; p < frame.length; p++) frame[p] = data[o + p] - offset[p];
}

function subtractGroups(frame: Float32Array, pixels: Int32Array, groups: Int32Array, cm: Float32Array): void {
  for (let i = 0; i < pixels.length; i++) frame[pixels[i]] -= cm[groups[i]];
}

function trackMax(frame: Float32Array, max: Float32Array): void {
  for (let p = 0; p < frame.length; p++) if (frame[p] > max[p]) max[p] = frame[p];
}

function markAbove(frame: Float32Array, threshold: Float32Array, exclude: Uint8Array, o: number, hit: Uint8Array): number {
  let n = 0;
  for (let p = 0; p < frame.length; p++) {
    if (frame[p] > threshold[p]) {
      exclude[o + p] = 1;
      hit[p] = 1;
      n++;
    }
  }
  return n;
}

/**
 * Std of each pixel's values without its largest value (leave-max-out): a single cosmic-ray hit
 * inflates a pixel's std over a short run so much that a threshold of sigma x std cannot catch it;
 * without the largest value the std is the pixel's noise again. Pixels with fewer than 3 values keep their std.
 * @param mean - mean per pixel (ADU)
 * @param std - std (ddof 0) per pixel (ADU)
 * @param count - values per pixel
 * @param max - largest value per pixel (ADU)
 * @returns the std of the other n - 1 values (ddof 0), ADU
 */
export function stdWithoutMax(mean: FloatArray, std: FloatArray, count: Uint32Array, max: FloatArray): Float32Array {
  const out = new Float32Array(mean.length);
  for (let p = 0; p < out.length; p++) {
    const n = count[p], m = mean[p], s = std[p], x = max[p];
    if (n < 3 || !Number.isFinite(m) || !Number.isFinite(s) || !Number.isFinite(x)) {
      out[p] = s;
      continue;
    }
    // Sums relative to the mean keep the cancellation small: sum(d) = 0, sum(d^2) = n s^2.
    const d = x - m;
    const k = n - 1;
    const s1 = -d, s2 = n * s * s - d * d;
    const v = s2 / k - (s1 / k) * (s1 / k);
    out[p] = v > 0 ? Math.sqrt(v) : 0;
  }
  return out;
}

/** 1 where the noise is exactly 0 (a constant value over the run: dead pixel). */
export function zeroNoiseMask(noiseAdu: FloatArray): Uint8Array {
  const out = new Uint8Array(noiseAdu.length);
  for (let p = 0; p < out.length; p++) out[p] = noiseAdu[p] === 0 ? 1 : 0;
  return out;
}

/** 1 where a bad-pixel map has any flag. */
export function flaggedMask(flags: Uint32Array): Uint8Array {
  const out = new Uint8Array(flags.length);
  for (let p = 0; p < out.length; p++) out[p] = flags[p] !== 0 ? 1 : 0;
  return out;
}
