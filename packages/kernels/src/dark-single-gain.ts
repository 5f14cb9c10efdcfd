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
import { BadPixel, DetcalError, type BlockRing, type DarkRequest, type FrameStream } from '@detcal/core';
import type { BankShape, CommonModePass } from './common-mode.js';
import { CommonModeNoiseContext, createCommonModeNoiseInit, type CommonModeNoiseInit, type CommonModeNoisePartial } from './common-mode-noise-context.js';
import { buildSkipPlan, takePrevious, type CommonModeSkipPlan } from './common-mode-skip-plan.js';
import { commonModeNoiseInProcess } from './common-mode-noise-in-process.js';
import { commonModeNoiseOnWorkers } from './common-mode-noise-pool.js';
import { prepareMedianCache, type CommonModeMedianCache } from './common-mode-median-cache.js';
import type { ComputeBackend, FloatArray } from './compute-backend.js';
import { darkBadPixels, type DarkBadPixelCounts, type DarkBadPixelLimits } from './dark-bad-pixels.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { darkPass, type DarkPassResult } from './dark-run.js';
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
  /**
   * Group medians kept between passes over the same run with the same offset array (one object per
   * run, initially createCommonModeMedianCache()): groups whose mask did not change take the kept
   * median instead of selecting again. Single row-segment passes only; ignored otherwise.
   */
  medianCache?: CommonModeMedianCache;
  /**
   * The pass before this one over the same run, with the same offset array, frozen pixels, common mode
   * and medianCache, that left no value out (no hits; with rawStatistics / trackMax / cosmic it must
   * have the raw statistics / the maxima too). On the CPU backend, groups that take their kept medians
   * and whose pixels cannot have hits (previous maximum not above the threshold) take its statistics
   * instead of accumulating again: bit for bit the same numbers (common-mode-skip-plan.ts).
   */
  previous?: CommonModeNoiseResult;
  /**
   * With `previous` and rawStatistics, when the previous pass has no raw statistics: the raw statistics of
   * the same frames with nothing left out (the first pass's offset and noise), taken for the pixels the
   * plan takes. For u2 values (integers: every sum is exact) they are what this pass would accumulate, bit
   * for bit; a run of other values gets no plan.
   */
  previousRaw?: DarkPassResult;
  /** Worker threads (CPU backend): more than 1 corrects and accumulates whole blocks on that many workers (frame-parallel); 1 = in-process. */
  threads?: number;
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress. */
  phase?: string;
  /** Block arrays to read into, shared with the method's other passes over the run (CPU backend). */
  ring?: BlockRing;
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
  /** Pixels whose statistics were taken from the previous pass (opts.previous) instead of accumulated again. */
  takenPixels: number;
}

/**
 * Streams the run once: value - offset, common mode per readout group (median of good pixels)
 * subtracted from every responding pixel, optional cosmic exclusion; accumulates the corrected
 * (and optionally the raw) values. On the CPU backend with threads > 1, whole blocks go to worker
 * threads that each correct and accumulate their frames (the merged sums equal one thread's up to
 * float64 summation order); with one thread, this thread runs what one worker would.
 * @param stream - the dark run (single gain, no memory cells)
 * @param opts - offset, masks, readout groups, exclusions
 * @returns statistics of the corrected values (NoiseCM) and what was excluded
 */
export async function commonModeNoisePass(stream: FrameStream, opts: CommonModeNoiseOptions): Promise<CommonModeNoiseResult> {
  const { rows, cols } = stream;
  const nPixels = rows * cols;
  const { commonMode } = opts;
  const init = createCommonModeNoiseInit(rows, cols, {
    offsetAdu: opts.offsetAdu,
    medianMask: opts.medianMask,
    frozen: opts.frozen,
    bank: commonMode.bank,
    passes: commonMode.passes,
    minPixels: commonMode.minPixels,
    cosmic: opts.cosmic,
    trackMax: opts.trackMax,
    rawStatistics: opts.rawStatistics,
  });
  const rowLength = singleRowSegmentLength(commonMode, cols);
  if (opts.medianCache && rowLength !== undefined) {
    init.medianCache = prepareMedianCache(opts.medianCache, rows, cols, rowLength, init.mask, opts.offsetAdu, init.minPixels, stream.nFrames);
  }
  const phase = opts.phase ?? 'noise-cm';
  const threads = opts.backend.name === 'cpu' ? Math.max(1, Math.floor(opts.threads ?? 1)) : 1;
  const plan = opts.backend.name === 'cpu' && rowLength !== undefined && init.medianCache ? await skipPlanFrom(stream, opts, init, rowLength) : undefined;
  init.skipPlan = plan;
  let corrected: DarkPassResult;
  let partial: CommonModeNoisePartial;
  if (opts.backend.name === 'cpu') {
    // workers, or this thread running what one worker would (the SIMD kernels where they apply)
    const r = threads > 1 ? await commonModeNoiseOnWorkers(stream, init, { threads, progress: opts.progress, phase, ring: opts.ring }) : await commonModeNoiseInProcess(stream, init, { progress: opts.progress, phase, ring: opts.ring });
    partial = r.partial;
    const frames = partial.frames;
    corrected = { ...finalizeStatistics(opts.backend, r.partial.corrected), nCells: 1, nPixels, frames, emptyFrames: r.emptyFrames, framesPerCell: Uint32Array.of(frames) };
  } else {
    const accumulate = opts.backend.accumulateDark.bind(opts.backend);
    const context = new CommonModeNoiseContext(init, accumulate);
    partial = context.partial;
    corrected = await darkPass(stream, {
      backend: opts.backend,
      nCells: 1,
      transform: (block, values, exclude) => context.transform(block.data, block.cellIds, block.nFrames, values, exclude),
      excludeValues: context.excludeValues,
      threads: opts.threads,
      progress: opts.progress,
      phase,
    });
  }
  const raw: DarkPassResult | undefined = partial.raw ? { ...corrected, ...finalizeStatistics(opts.backend, partial.raw) } : undefined;
  if (plan && opts.previous && rowLength !== undefined) {
    const prev = opts.previous;
    if (prev.corrected.frames !== corrected.frames || prev.corrected.emptyFrames !== corrected.emptyFrames) {
      throw new DetcalError('INTERNAL', `commonModeNoisePass: the previous pass had ${prev.corrected.frames} frames, this one ${corrected.frames}: pass the previous pass over the same run only`);
    }
    const arrays: Array<readonly [Float32Array, Float32Array] | readonly [Uint32Array, Uint32Array]> = [];
    for (const [into, from] of [[corrected, prev.corrected], [raw, prev.raw ?? opts.previousRaw]] as const) {
      if (into && from) arrays.push([into.meanAdu, from.meanAdu], [into.stdAdu, from.stdAdu], [into.count, from.count], [into.rejected, from.rejected]);
    }
    if (partial.maxAdu && prev.maxAdu) arrays.push([partial.maxAdu, prev.maxAdu]);
    takePrevious(plan, rows, cols, rowLength, arrays);
  }
  let pixelsWithExclusions = 0;
  if (partial.hitPixel) for (let p = 0; p < nPixels; p++) pixelsWithExclusions += partial.hitPixel[p];
  return {
    corrected,
    raw,
    maxAdu: partial.maxAdu,
    excludedValues: partial.excludedValues,
    framesWithExclusions: partial.framesWithExclusions,
    pixelsWithExclusions,
    groupsCorrected: partial.groupsCorrected,
    groupsSkipped: partial.groupsTotal - partial.groupsCorrected,
    takenPixels: plan?.taken ?? 0,
  };
}

/**
 * The skip plan of a pass with a usable previous pass (see CommonModeNoiseOptions.previous), else undefined.
 * @param stream - the run (whether its values are u2 matters when raw statistics are taken from previousRaw)
 * @param opts - the pass's options
 * @param init - its init data (thresholds, kept medians)
 * @param rowLength - pixels per row segment
 * @returns the plan
 */
async function skipPlanFrom(stream: FrameStream, opts: CommonModeNoiseOptions, init: CommonModeNoiseInit, rowLength: number): Promise<CommonModeSkipPlan | undefined> {
  const prev = opts.previous;
  if (!prev || !init.medianCache || prev.excludedValues !== 0 || (opts.trackMax && !prev.maxAdu)) return undefined;
  let integerOnly = false;
  if (opts.rawStatistics && !prev.raw) {
    if (!opts.previousRaw || prev.corrected.frames !== opts.previousRaw.frames) return undefined;
    // the other pass's raw sums equal this pass's only for integer values: u2 runs only (blocks of a run share
    // their element type; a stream that does not say is asked by its first frame)
    integerOnly = stream.u2Values ?? (await firstBlockIsU2(stream));
    if (!integerOnly) return undefined;
  }
  const plan = buildSkipPlan(init.medianCache.reuse, stream.rows, stream.cols, rowLength, init.thresholdAdu, prev.maxAdu);
  if (plan) plan.integerOnly = integerOnly;
  return plan;
}

/** Whether the first block of a stream holds u2 values (a Uint16Array). */
async function firstBlockIsU2(stream: FrameStream): Promise<boolean> {
  for await (const block of stream.blocks({ frames: 1 })) return block.data instanceof Uint16Array;
  return false;
}

/** Pixels per row segment when the common mode is one row-segment pass, else undefined. */
function singleRowSegmentLength(spec: CommonModeSpec, cols: number): number | undefined {
  if (spec.passes.length !== 1) return undefined;
  const pass = spec.passes[0];
  if (pass === 'row') return spec.bank.bankCols;
  if (typeof pass === 'object' && pass.axis === 'row') return pass.length ?? cols;
  return undefined;
}

/** Mean, std, count and rejected of an accumulator (one cell). */
function finalizeStatistics(backend: ComputeBackend, acc: DarkAccumulator): Pick<DarkPassResult, 'meanAdu' | 'stdAdu' | 'count' | 'rejected'> {
  const meanAdu = new Float32Array(acc.nPixels), stdAdu = new Float32Array(acc.nPixels);
  backend.finalizeDark(acc, { meanAdu, stdAdu });
  return { meanAdu, stdAdu, count: acc.count, rejected: acc.rejected };
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
