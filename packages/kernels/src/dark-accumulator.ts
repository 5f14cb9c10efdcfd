/**
 * Streaming state of a dark characterization: per (memory cell, pixel) the number of accepted
 * values, a reference value and the float64 sums of (x - ref) and (x - ref)^2. Subtracting a
 * reference close to the mean keeps the summed numbers small, so the variance needs no
 * cancellation-prone sum/sumsq of raw ADU and float32 partial sums (gpu.js) stay accurate.
 * Every array is cell-major: index = cell * nPixels + pixel.
 * Where WebAssembly SIMD runs, shared accumulators (and others on request) live in a WebAssembly.Memory
 * and blocks of u2 values (no mask) are accumulated by the kernel of dark-single-simd.ts (the same state
 * bit for bit).
 */
import { DetcalError, ensure } from '@detcal/core';
import type { BlockData, DarkAccumulateOptions } from './compute-backend.js';
import { allocateDarkSingleWasm, type DarkSingleWasmState } from './dark-single-simd.js';

/** Per-(cell, pixel) sums of one dark characterization (one gain stage, one module). */
export interface DarkAccumulator {
  /** Memory cells: the outer axis of every array; frame cell ids must be below it. */
  readonly nCells: number;
  /** Pixels per frame (rows * cols). */
  readonly nPixels: number;
  /** Accepted values per (cell, pixel). */
  readonly count: Uint32Array;
  /** Values rejected by acceptGain per (cell, pixel). */
  readonly rejected: Uint32Array;
  /** Reference per (cell, pixel), ADU: the first accepted value; equals the first frame of the cell when nothing is rejected. */
  readonly ref: Float32Array;
  /** Sum of (x - ref) per (cell, pixel), ADU. */
  readonly sum: Float64Array;
  /** Sum of (x - ref)^2 per (cell, pixel), ADU^2. */
  readonly sumSq: Float64Array;
  /** The WebAssembly memory the arrays above live in, when the SIMD kernel accumulates u2 blocks into this state. */
  readonly wasm?: DarkSingleWasmState;
}

/** How {@link createDarkAccumulator} allocates. */
export interface DarkAccumulatorOptions {
  /** Allocate on SharedArrayBuffers so worker threads can accumulate disjoint pixel ranges in place. */
  shared?: boolean;
  /**
   * Put the arrays in a WebAssembly memory so that the SIMD kernel accumulates u2 blocks (where WebAssembly SIMD
   * runs; else plain buffers). Default: with `shared` (the worker threads' state). An unshared state in a
   * WebAssembly memory cannot be posted to another thread (structured clone), so it is opt-in.
   */
  wasm?: boolean;
}

/**
 * Allocates a zeroed accumulator.
 * @param nCells - memory cells (1 for detectors without cells); cell ids of frames must be < nCells
 * @param nPixels - pixels per frame (rows * cols)
 * @param opts - allocation options
 * @returns the state; memory is nCells * nPixels * 28 bytes (+ 32 bytes per pixel of scratch with wasm)
 */
export function createDarkAccumulator(nCells: number, nPixels: number, opts: DarkAccumulatorOptions = {}): DarkAccumulator {
  ensure(Number.isInteger(nCells) && nCells > 0, `dark accumulator: nCells must be a positive integer, got ${nCells}`);
  ensure(Number.isInteger(nPixels) && nPixels > 0, `dark accumulator: nPixels must be a positive integer, got ${nPixels}`);
  const inWasm = (opts.wasm ?? opts.shared === true) ? allocateDarkSingleWasm(nCells, nPixels, opts.shared === true) : undefined;
  if (inWasm) return { nCells, nPixels, ...inWasm };
  const n = nCells * nPixels;
  const buf = (bytes: number): ArrayBuffer | SharedArrayBuffer =>
    opts.shared ? new SharedArrayBuffer(bytes * n) : new ArrayBuffer(bytes * n);
  return {
    nCells,
    nPixels,
    count: new Uint32Array(buf(4)),
    rejected: new Uint32Array(buf(4)),
    ref: new Float32Array(buf(4)),
    sum: new Float64Array(buf(8)),
    sumSq: new Float64Array(buf(8)),
  };
}

/**
 * Zeroes an accumulator for reuse (next gain stage or module).
 * @param state - the accumulator to clear in place
 */
export function resetDarkAccumulator(state: DarkAccumulator): void {
  state.count.fill(0);
  state.rejected.fill(0);
  state.ref.fill(0);
  state.sum.fill(0);
  state.sumSq.fill(0);
}

/**
 * Adds `from` into `into` (e.g. two workers that accumulated different frames), re-basing the
 * sums of `from` on the reference of `into`: with delta = ref_from - ref_into,
 * sum += sum_from + n_from * delta, sumSq += sumSq_from + 2 * delta * sum_from + n_from * delta^2.
 * @param into - accumulator that receives the sums (modified)
 * @param from - accumulator to add (unchanged); same nCells and nPixels
 */
export function mergeDarkAccumulator(into: DarkAccumulator, from: DarkAccumulator): void {
  if (into.nCells !== from.nCells || into.nPixels !== from.nPixels) {
    throw new DetcalError(
      'SHAPE_MISMATCH',
      `cannot merge dark accumulators of ${from.nCells}x${from.nPixels} into ${into.nCells}x${into.nPixels} (cells x pixels)`,
    );
  }
  const { count, rejected, ref, sum, sumSq } = into;
  const fc = from.count, fr = from.rejected, fref = from.ref, fs = from.sum, fq = from.sumSq;
  for (let k = 0; k < count.length; k++) {
    rejected[k] += fr[k];
    const m = fc[k];
    if (m === 0) continue;
    const n = count[k];
    if (n === 0) {
      ref[k] = fref[k];
      sum[k] = fs[k];
      sumSq[k] = fq[k];
    } else {
      const delta = fref[k] - ref[k];
      sumSq[k] += fq[k] + 2 * delta * fs[k] + m * delta * delta;
      sum[k] += fs[k] + m * delta;
    }
    count[k] = n + m;
  }
}

/**
 * Builds the accept table of acceptGain: lut[g] = 1 where a gain value g is accumulated.
 * @param acceptGain - accepted gain value(s)
 * @param gain - the gain array (its element type sets the table size: 256 or 65536)
 * @returns the table, indexed by gain value
 */
export function acceptGainTable(acceptGain: number | readonly number[], gain: Uint8Array | Uint16Array): Uint8Array {
  const lut = new Uint8Array(gain instanceof Uint8Array ? 256 : 65536);
  const values = typeof acceptGain === 'number' ? [acceptGain] : acceptGain;
  for (const g of values) {
    ensure(Number.isInteger(g) && g >= 0 && g < lut.length, `acceptGain ${g} is not a valid ${lut.length === 256 ? 'u1' : 'u2'} gain value`);
    lut[g] = 1;
  }
  return lut;
}

/** Block arguments after validation: what the kernels need besides the data. */
export interface CheckedBlock {
  /** Accept table of acceptGain, or null when every value is accepted. */
  lut: Uint8Array | null;
  /** Frame stride of the mask: 0 for a per-pixel mask, nPixels for a per-value mask. */
  maskStride: number;
}

/**
 * Validates one accumulate call and returns the derived lookup data; throws a DetcalError
 * naming the argument that does not fit.
 * @param state - the accumulator
 * @param data - block values, frame-major
 * @param cellIds - cell id per frame
 * @param nFrames - frames in the block
 * @param nPixels - pixels per frame
 * @param p0 - first pixel of the range (inclusive)
 * @param p1 - end of the pixel range (exclusive)
 * @param opts - gain / mask options
 */
export function checkDarkBlock(
  state: DarkAccumulator,
  data: BlockData,
  cellIds: Uint16Array,
  nFrames: number,
  nPixels: number,
  p0: number,
  p1: number,
  opts: DarkAccumulateOptions,
): CheckedBlock {
  ensure(Number.isInteger(nFrames) && nFrames >= 0, `accumulateDark: nFrames must be a non-negative integer, got ${nFrames}`);
  if (nPixels !== state.nPixels) {
    throw new DetcalError('SHAPE_MISMATCH', `accumulateDark: block has ${nPixels} pixels per frame, the accumulator ${state.nPixels}`);
  }
  if (data.length !== nFrames * nPixels) {
    throw new DetcalError('SHAPE_MISMATCH', `accumulateDark: data has ${data.length} values, expected nFrames * nPixels = ${nFrames} * ${nPixels}`);
  }
  ensure(cellIds.length >= nFrames, `accumulateDark: ${cellIds.length} cell ids for ${nFrames} frames`, 'SHAPE_MISMATCH');
  ensure(Number.isInteger(p0) && Number.isInteger(p1) && 0 <= p0 && p0 <= p1 && p1 <= nPixels, `accumulateDark: pixel range [${p0}, ${p1}) is not inside [0, ${nPixels})`);
  for (let f = 0; f < nFrames; f++) {
    if (cellIds[f] >= state.nCells) {
      throw new DetcalError(
        'BAD_INPUT',
        `accumulateDark: frame ${f} has cell id ${cellIds[f]}, the accumulator has ${state.nCells} cells: create it with more cells or remap the cell ids`,
      );
    }
  }
  let lut: Uint8Array | null = null;
  if (opts.acceptGain !== undefined) {
    ensure(opts.gain !== undefined, 'accumulateDark: acceptGain needs the gain array (opts.gain)');
    if (opts.gain.length !== data.length) {
      throw new DetcalError('SHAPE_MISMATCH', `accumulateDark: gain has ${opts.gain.length} values, data ${data.length}`);
    }
    lut = acceptGainTable(opts.acceptGain, opts.gain);
  }
  let maskStride = 0;
  if (opts.mask) {
    if (opts.mask.length === nPixels) maskStride = 0;
    else if (opts.mask.length === nFrames * nPixels) maskStride = nPixels;
    else {
      throw new DetcalError(
        'SHAPE_MISMATCH',
        `accumulateDark: mask has ${opts.mask.length} values, expected nPixels (${nPixels}) or nFrames * nPixels (${nFrames * nPixels})`,
      );
    }
  }
  return { lut, maskStride };
}

/**
 * Zeroes pixels [p0, p1) of every cell of all five arrays. A worker does this for its range when a
 * pool binds a new accumulator: the kernels read before they write, and reading fresh memory first
 * maps a shared zero page that the write then replaces (two page faults per page instead of one).
 * @param acc - the accumulator
 * @param p0 - first pixel
 * @param p1 - end of the pixel range
 */
export function zeroDarkRange(acc: DarkAccumulator, p0: number, p1: number): void {
  for (let c = 0; c < acc.nCells; c++) {
    const k0 = c * acc.nPixels + p0, k1 = c * acc.nPixels + p1;
    acc.count.fill(0, k0, k1);
    acc.rejected.fill(0, k0, k1);
    acc.ref.fill(0, k0, k1);
    acc.sum.fill(0, k0, k1);
    acc.sumSq.fill(0, k0, k1);
  }
}
