/**
 * Dark accumulation on the CPU: one pass over contiguous frame memory, float64 sums of
 * (x - ref) per (cell, pixel). The inner loops are small top-level functions without closures
 * or allocations so V8 compiles each to a tight loop; the gain / mask variants are separate
 * loops so the common case (no gain selection, no mask) pays no per-value branch.
 */
import type { BlockData, DarkAccumulateOptions, DarkFinalizeOptions, DarkFinalizeOutput } from './compute-backend.js';
import { checkDarkBlock, type DarkAccumulator } from './dark-accumulator.js';
import { accumulateGroupedU16 } from './cpu-dark-grouped.js';
import { accumulateDarkSingleSimd, darkSingleSimdGainMask } from './dark-single-simd.js';
import { framesByCell } from './frames-by-cell.js';
import { DetcalError } from '@detcal/core';

/**
 * Accumulates one block of frames, all pixels.
 * @param state - accumulator updated in place
 * @param data - values of the block, frame-major (nFrames * nPixels), ADU (or gain values for the digital statistics)
 * @param cellIds - memory-cell id of each frame (< state.nCells)
 * @param nFrames - frames in the block
 * @param nPixels - pixels per frame (must equal state.nPixels)
 * @param opts - gain selection (gain + acceptGain) and mask (1 = exclude)
 */
export function accumulateDarkCpu(
  state: DarkAccumulator,
  data: BlockData,
  cellIds: Uint16Array,
  nFrames: number,
  nPixels: number,
  opts: DarkAccumulateOptions = {},
): void {
  accumulateDarkRangeCpu(state, data, cellIds, nFrames, nPixels, 0, nPixels, opts);
}

/**
 * Accumulates one block of frames for the pixel range [p0, p1) only; disjoint ranges may run
 * in different workers on a shared accumulator.
 * @param state - accumulator updated in place (only pixels [p0, p1) of every cell are touched)
 * @param data - values of the block, frame-major (nFrames * nPixels), ADU
 * @param cellIds - memory-cell id of each frame (< state.nCells)
 * @param nFrames - frames in the block
 * @param nPixels - pixels per frame (must equal state.nPixels)
 * @param p0 - first pixel (inclusive), 0 <= p0 <= p1
 * @param p1 - end pixel (exclusive), <= nPixels
 * @param opts - gain selection (gain + acceptGain) and mask (1 = exclude)
 */
export function accumulateDarkRangeCpu(
  state: DarkAccumulator,
  data: BlockData,
  cellIds: Uint16Array,
  nFrames: number,
  nPixels: number,
  p0: number,
  p1: number,
  opts: DarkAccumulateOptions = {},
): void {
  const { lut, maskStride } = checkDarkBlock(state, data, cellIds, nFrames, nPixels, p0, p1, opts);
  const mask = opts.mask;
  const gain = opts.gain;
  if (data instanceof Uint16Array && !mask && nFrames > 0 && state.wasm) {
    // integer frames into a state in a WebAssembly memory: the SIMD kernel, up to eight frames of a cell per pass
    const gainMask = lut !== null && opts.acceptGain !== undefined ? darkSingleSimdGainMask(opts.acceptGain) : 0;
    const useGain = lut !== null ? gain : undefined;
    if (gainMask !== undefined && accumulateDarkSingleSimd(state, data, framesByCell(cellIds, nFrames, state.nCells), p0, p1, useGain, gainMask)) return;
  }
  if (data instanceof Uint16Array && !mask && nFrames > 1) {
    // integer frames: four frames of a cell per pass over the state (same sums, a quarter of the state traffic)
    accumulateGroupedU16(state, data, cellIds, nFrames, nPixels, p0, p1, gain, lut);
    return;
  }
  const { count, ref, sum, sumSq, rejected } = state;
  for (let f = 0; f < nFrames; f++) {
    const base = cellIds[f] * nPixels;
    const off = f * nPixels;
    if (lut !== null && gain !== undefined) {
      if (mask) {
        accGainMask(count, rejected, ref, sum, sumSq, data, gain, lut, mask, f * maskStride, off, base, p0, p1);
      } else {
        accGain(count, rejected, ref, sum, sumSq, data, gain, lut, off, base, p0, p1);
      }
    } else if (mask) {
      accMask(count, ref, sum, sumSq, data, mask, f * maskStride, off, base, p0, p1);
    } else if (data instanceof Uint16Array) {
      accPlainU16(count, ref, sum, sumSq, data, off, base, p0, p1);
    } else {
      accPlain(count, ref, sum, sumSq, data, off, base, p0, p1);
    }
  }
}

function accPlain(
  count: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array,
  data: BlockData, off: number, base: number, p0: number, p1: number,
): void {
  const shift = off - base;
  for (let k = base + p0, end = base + p1; k < end; k++) {
    const x = data[k + shift];
    const n = count[k];
    let r: number;
    if (n === 0) {
      ref[k] = x;
      r = x;
    } else r = ref[k];
    const d = x - r;
    count[k] = n + 1;
    sum[k] += d;
    sumSq[k] += d * d;
  }
}

// Same loop as accPlain, kept monomorphic on Uint16Array (raw u2 data, the hot path): ~20% faster
// once other element types have also passed through accPlain.
function accPlainU16(
  count: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array,
  data: Uint16Array, off: number, base: number, p0: number, p1: number,
): void {
  const shift = off - base;
  for (let k = base + p0, end = base + p1; k < end; k++) {
    const x = data[k + shift];
    const n = count[k];
    let r: number;
    if (n === 0) {
      ref[k] = x;
      r = x;
    } else r = ref[k];
    const d = x - r;
    count[k] = n + 1;
    sum[k] += d;
    sumSq[k] += d * d;
  }
}

function accMask(
  count: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array,
  data: BlockData, mask: Uint8Array, moff: number, off: number, base: number, p0: number, p1: number,
): void {
  for (let p = p0; p < p1; p++) {
    if (mask[moff + p] !== 0) continue;
    const k = base + p;
    const x = data[off + p];
    const n = count[k];
    let r: number;
    if (n === 0) {
      ref[k] = x;
      r = x;
    } else r = ref[k];
    const d = x - r;
    count[k] = n + 1;
    sum[k] += d;
    sumSq[k] += d * d;
  }
}

function accGain(
  count: Uint32Array, rejected: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array,
  data: BlockData, gain: Uint8Array | Uint16Array, lut: Uint8Array, off: number, base: number, p0: number, p1: number,
): void {
  for (let p = p0; p < p1; p++) {
    const k = base + p;
    if (lut[gain[off + p]] === 0) {
      rejected[k]++;
      continue;
    }
    const x = data[off + p];
    const n = count[k];
    let r: number;
    if (n === 0) {
      ref[k] = x;
      r = x;
    } else r = ref[k];
    const d = x - r;
    count[k] = n + 1;
    sum[k] += d;
    sumSq[k] += d * d;
  }
}

function accGainMask(
  count: Uint32Array, rejected: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array,
  data: BlockData, gain: Uint8Array | Uint16Array, lut: Uint8Array, mask: Uint8Array, moff: number,
  off: number, base: number, p0: number, p1: number,
): void {
  for (let p = p0; p < p1; p++) {
    if (mask[moff + p] !== 0) continue;
    const k = base + p;
    if (lut[gain[off + p]] === 0) {
      rejected[k]++;
      continue;
    }
    const x = data[off + p];
    const n = count[k];
    let r: number;
    if (n === 0) {
      ref[k] = x;
      r = x;
    } else r = ref[k];
    const d = x - r;
    count[k] = n + 1;
    sum[k] += d;
    sumSq[k] += d * d;
  }
}

/**
 * Checks the output buffers of a finalize call.
 * @param state - the accumulator
 * @param out - output buffers
 */
export function checkFinalizeOutput(state: DarkAccumulator, out: DarkFinalizeOutput): void {
  const n = state.nCells * state.nPixels;
  for (const [name, arr] of [['meanAdu', out.meanAdu], ['stdAdu', out.stdAdu], ['count', out.count]] as const) {
    if (arr !== undefined && arr.length !== n) {
      throw new DetcalError('SHAPE_MISMATCH', `finalizeDark: out.${name} has ${arr.length} values, expected nCells * nPixels = ${n}`);
    }
  }
}

/**
 * Mean and standard deviation per (cell, pixel) from the sums, in float64:
 * mean = ref + S/n, var = (Q - S^2/n) / (n - ddof) with S = sum(x - ref), Q = sum((x - ref)^2).
 * @param state - the accumulator (unchanged)
 * @param out - meanAdu / stdAdu (ADU) and optional count, each nCells * nPixels
 * @param opts - ddof (default 0) and minCount (default 1; fewer accepted values give NaN)
 */
export function finalizeDarkCpu(state: DarkAccumulator, out: DarkFinalizeOutput, opts: DarkFinalizeOptions = {}): void {
  checkFinalizeOutput(state, out);
  finalizeRange(state, out, opts, 0, state.count.length);
}

/**
 * finalizeDarkCpu of pixels [p0, p1) of every cell (a worker finalizes the pixel range it accumulated).
 * @param state - the accumulator (unchanged)
 * @param out - meanAdu / stdAdu (ADU) and optional count, each nCells * nPixels
 * @param p0 - first pixel
 * @param p1 - end of the pixel range
 * @param opts - as finalizeDarkCpu
 */
export function finalizeDarkRangeCpu(state: DarkAccumulator, out: DarkFinalizeOutput, p0: number, p1: number, opts: DarkFinalizeOptions = {}): void {
  checkFinalizeOutput(state, out);
  if (!(Number.isInteger(p0) && Number.isInteger(p1) && 0 <= p0 && p0 <= p1 && p1 <= state.nPixels)) {
    throw new DetcalError('INTERNAL', `finalizeDark: pixel range [${p0}, ${p1}) is not inside [0, ${state.nPixels})`);
  }
  for (let c = 0; c < state.nCells; c++) finalizeRange(state, out, opts, c * state.nPixels + p0, c * state.nPixels + p1);
}

function finalizeRange(state: DarkAccumulator, out: DarkFinalizeOutput, opts: DarkFinalizeOptions, k0: number, k1: number): void {
  const ddof = opts.ddof ?? 0;
  const minCount = Math.max(1, opts.minCount ?? 1);
  const { count, ref, sum, sumSq } = state;
  const mean = out.meanAdu, std = out.stdAdu, cnt = out.count;
  for (let k = k0; k < k1; k++) {
    const n = count[k];
    if (cnt !== undefined) cnt[k] = n;
    if (n < minCount) {
      mean[k] = NaN;
      std[k] = NaN;
      continue;
    }
    const s = sum[k];
    mean[k] = ref[k] + s / n;
    const dof = n - ddof;
    if (dof <= 0) {
      std[k] = NaN;
      continue;
    }
    const v = (sumSq[k] - (s * s) / n) / dof;
    std[k] = v > 0 ? Math.sqrt(v) : 0;
  }
}
