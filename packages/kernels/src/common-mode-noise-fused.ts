/**
 * The common-mode noise pass of one frame in one sweep per row segment, for the single row-segment
 * common mode of ePix100 and pnCCD on worker threads: offset subtracted while the good values are
 * gathered, median, then one loop that corrects each value, tracks the maximum, marks cosmic-ray hits
 * and adds the corrected (and raw) value to the accumulators. Same numbers as the separate steps of
 * CommonModeNoiseContext (subtractOffset, rowSegmentCommonMode, subtractGroups, trackMax, markAbove,
 * accumulateDarkCpu), value for value, without writing the corrected frame to memory and reading it
 * back three times: every value is rounded to float32 where those steps store it in a Float32Array.
 * With `simd` (a worker context whose arrays live in WebAssembly memory) u2 blocks take the WebAssembly
 * SIMD kernels of common-mode-simd.ts, the same numbers bit for bit; other blocks take the JS loops here.
 */
import type { BlockData } from './compute-backend.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { medianBranchFree } from './fast-median.js';
import type { MedianCacheUse } from './common-mode-median-cache.js';
import { fusedRowSegmentFramesSimd, type CommonModeSimdState } from './common-mode-simd.js';
import { GROUP_FULL, GROUP_SKIP, type CommonModeSkipPlan } from './common-mode-skip-plan.js';

/** Per pixel, what the correction does: take part in the median and get the group's correction. */
export const ROLE_GOOD = 0;
/** Per pixel: left out of the median (bad pixel) but corrected with the group's float32 correction. */
export const ROLE_MASKED = 1;
/** Per pixel: never corrected (constant value, pass-1 noise 0). */
export const ROLE_FROZEN = 2;

/** Stand-in for hitPixel when there is no threshold (never written). */
const NO_HITS = new Uint8Array(0);

/** Inputs and outputs of {@link fusedRowSegmentFrames} (one context's arrays). */
export interface FusedRowSegmentState {
  /** Rows and columns of a frame. */
  rows: number;
  cols: number;
  /** Pixels per row segment (a last shorter one is its own group). */
  length: number;
  /** Offset per pixel, ADU. */
  offsetAdu: Float32Array;
  /** Per pixel ROLE_GOOD / ROLE_MASKED / ROLE_FROZEN. */
  role: Uint8Array;
  /** A segment needs more good values than this to be corrected. */
  minPixels: number;
  /** Work buffer of at least `length` values. */
  scratch: Float64Array;
  /** Accumulator of the corrected values. */
  corrected: DarkAccumulator;
  /** Accumulator of the raw values (with the same exclusions), if wanted. */
  raw?: DarkAccumulator;
  /** Largest corrected value per pixel, if wanted. */
  maxAdu?: Float32Array;
  /** Per pixel, corrected values above this are cosmic-ray hits (left out of both accumulators), if wanted. */
  thresholdAdu?: Float32Array;
  /** 1 where a hit was left out (with thresholdAdu). */
  hitPixel?: Uint8Array;
  /** Kept medians (take / keep), if any. */
  cache?: MedianCacheUse;
  /** Groups to leave out or to accumulate only in part (with `cache`: their kept medians are taken). */
  plan?: CommonModeSkipPlan;
  /** The WebAssembly SIMD kernels, when every array above lives in their memory (u2 blocks take them). */
  simd?: CommonModeSimdState;
}

/** Counters {@link fusedRowSegmentFrames} adds to. */
export interface FusedRowSegmentCounts {
  /** Segments corrected. */
  groupsCorrected: number;
  /** Segments seen. */
  groupsTotal: number;
  /** Values left out as hits. */
  excludedValues: number;
  /** Frames with at least one hit. */
  framesWithExclusions: number;
}

/**
 * Corrects frames [f0, f1) of a block and accumulates them, row by row across the frames: the
 * per-pixel arrays of a row (offset, role, both accumulators, max, threshold: ~60 bytes a pixel) stay
 * in cache while every frame's values of that row are added, instead of streaming through the whole
 * state once per frame. Each pixel still gets its frames in order, so the sums are the same as frame
 * by frame.
 * @param s - arrays and settings of the pass
 * @param data - raw values, frame-major
 * @param nPixels - values per frame (rows * cols)
 * @param f0 - first frame of the block to take
 * @param f1 - end of the frames to take (exclusive)
 * @param frameBase - index of the block's first frame among the run's non-empty frames (kept medians)
 * @param counts - counters, updated
 */
export function fusedRowSegmentFrames(s: FusedRowSegmentState, data: BlockData, nPixels: number, f0: number, f1: number, frameBase: number, counts: FusedRowSegmentCounts): void {
  if (s.simd !== undefined && data instanceof Uint16Array) {
    fusedRowSegmentFramesSimd(s, s.simd, data, nPixels, f0, f1, frameBase, counts);
    return;
  }
  const { rows, cols, length, offsetAdu, role, minPixels, scratch, cache, plan } = s;
  const nSeg = Math.ceil(cols / length);
  const groups = cache ? cache.groups : 0;
  const hitsPerFrame = new Uint32Array(f1 - f0);
  for (let r = 0; r < rows; r++) {
    for (let f = f0; f < f1; f++) {
      const o = f * nPixels;
      const base = (frameBase + f) * groups;
      let hits = 0;
      for (let g = r * nSeg, start = r * cols; start < (r + 1) * cols; g++, start += length) {
        const end = Math.min(start + length, (r + 1) * cols);
        if (plan !== undefined && cache !== undefined && plan.mode[g] !== GROUP_FULL) {
          hits += plannedGroup(s, plan, cache.medians[base + g], data, o, g, counts);
          continue;
        }
        let cm: number;
        if (cache !== undefined && cache.reuse[g] === 1) cm = cache.medians[base + g];
        else {
          let good = 0;
          for (let k = start; k < end; k++) {
            const v = Math.fround(data[o + k] - offsetAdu[k]);
            scratch[good] = v;
            good += +(v === v) & +(role[k] === ROLE_GOOD);
          }
          cm = good > minPixels ? medianBranchFree(scratch, good) : NaN;
          if (cache !== undefined) cache.medians[base + g] = cm;
        }
        hits += correctAccumulate(s, data, o, undefined, start, end, appliedCorrection(cm, counts));
      }
      hitsPerFrame[f - f0] += hits;
    }
  }
  counts.groupsTotal += rows * nSeg * (f1 - f0);
  for (const hits of hitsPerFrame) {
    counts.excludedValues += hits;
    if (hits > 0) counts.framesWithExclusions++;
  }
}

/**
 * A skipped or sparse group of a plan in one frame: counts the kept correction and corrects and
 * accumulates the group's candidate pixels alone (the JS kernel, pixel by pixel: the same numbers as
 * over the whole segment).
 * @param s - arrays and settings of the pass
 * @param plan - the pass's plan
 * @param kept - the group's kept median in this frame (NaN: not corrected)
 * @param data - raw values, frame-major
 * @param o - index of the frame's first value in data
 * @param g - the group
 * @param counts - counters, updated
 * @returns hits left out
 */
export function plannedGroup(s: FusedRowSegmentState, plan: CommonModeSkipPlan, kept: number, data: BlockData, o: number, g: number, counts: FusedRowSegmentCounts): number {
  const cm = appliedCorrection(kept, counts);
  if (plan.mode[g] === GROUP_SKIP) return 0;
  return correctAccumulate(s, data, o, plan.pixels, plan.start[g], plan.start[g + 1], cm);
}

/**
 * The correction a group's median stands for: the median, counted as a corrected group, or 0 where it is
 * NaN (too few good pixels: the group is left uncorrected).
 * @param cm - the group's median in a frame
 * @param counts - counters, updated
 * @returns the correction to subtract
 */
export function appliedCorrection(cm: number, counts: FusedRowSegmentCounts): number {
  if (cm !== cm) return 0;
  counts.groupsCorrected++;
  return cm;
}

/**
 * Corrects the values of pixels k = pixels[i] (or k = i without a list) for i in [i0, i1) of the frame at o
 * by cm and accumulates them; returns the hits left out.
 */
function correctAccumulate(s: FusedRowSegmentState, data: BlockData, o: number, pixels: Int32Array | undefined, i0: number, i1: number, cm: number): number {
  const { offsetAdu, role, maxAdu, thresholdAdu, hitPixel } = s;
  const { count, ref, sum, sumSq } = s.corrected;
  const raw = s.raw;
  const withRaw = raw !== undefined;
  // typed arrays in locals: V8 keeps property loads out of the loop only for locals
  const rCount = raw?.count ?? count, rRef = raw?.ref ?? ref, rSum = raw?.sum ?? sum, rSumSq = raw?.sumSq ?? sumSq;
  const hit = hitPixel ?? NO_HITS;
  // masked pixels get the correction as rowSegmentCommonMode writes it out: a float32
  const cm32 = Math.fround(cm);
  let hits = 0;
  for (let i = i0; i < i1; i++) {
    const k = pixels === undefined ? i : pixels[i];
    const d = Math.fround(data[o + k] - offsetAdu[k]);
    const ro = role[k];
    const v = ro === ROLE_GOOD ? Math.fround(d - cm) : ro === ROLE_MASKED ? Math.fround(d - cm32) : d;
    if (maxAdu !== undefined && v > maxAdu[k]) maxAdu[k] = v;
    if (thresholdAdu !== undefined && v > thresholdAdu[k]) {
      hit[k] = 1;
      hits++;
      continue;
    }
    const n = count[k];
    let rv: number;
    if (n === 0) {
      ref[k] = v;
      rv = v;
    } else rv = ref[k];
    const dv = v - rv;
    count[k] = n + 1;
    sum[k] += dv;
    sumSq[k] += dv * dv;
    if (withRaw) {
      const x = data[o + k];
      const m = rCount[k];
      let rx: number;
      if (m === 0) {
        rRef[k] = x;
        rx = x;
      } else rx = rRef[k];
      const dx = x - rx;
      rCount[k] = m + 1;
      rSum[k] += dx;
      rSumSq[k] += dx * dx;
    }
  }
  return hits;
}
