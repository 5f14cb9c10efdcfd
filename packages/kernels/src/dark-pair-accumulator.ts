/**
 * Compact streaming state of the commonest dark pass: raw u2 analog values and u2 gain values
 * (AGIPD digital) of every frame accumulated together, nothing masked or rejected. Every pixel of
 * a cell then has the same count, so counts are kept per cell, the first value of a cell is the
 * reference (an integer: Uint16Array), and analog and digital sums are interleaved so one sweep
 * touches three arrays instead of ten. 36 bytes per (cell, pixel) instead of 56 for two
 * DarkAccumulators, and two to four times as fast. Sums of integers below 2^53 are exact in
 * float64, so adding frames in another grouping than the general path gives the same sums bit
 * for bit; the finalized statistics agree with it to ~1e-16 relative.
 * Arrays are cell-major; index 2k holds the analog and 2k + 1 the digital value of (cell, pixel) k.
 * Where WebAssembly SIMD runs, the arrays live in a WebAssembly.Memory and blocks are accumulated by
 * the kernel of dark-pair-simd.ts (2 to 3 times as fast, the same sums bit for bit), and float32
 * outputs are finalized by its finalize kernel (the same values bit for bit).
 * A cell's first frame of a pass (registerDarkPairFrames) sets its reference and starts its sums over,
 * so a state is reused by the next pass without zeroing, and fresh pages are written before read.
 */
import { DetcalError, ensure, type PendingFrameReader } from '@detcal/core';
import type { FloatArray } from './compute-backend.js';
import { framesByCell } from './frames-by-cell.js';
import { accumulateDarkPairSimd, allocateDarkPairWasm, finalizeDarkPairSimd, type DarkPairWasmState, type PairBlockOffsets } from './dark-pair-simd.js';

/** Per-(cell, pixel) sums of analog and digital values of one dark pass. */
export interface DarkPairAccumulator {
  /** Memory cells: frame cell ids must be below it. */
  readonly nCells: number;
  /** Pixels per frame (rows * cols). */
  readonly nPixels: number;
  /** First value per (cell, pixel), analog at 2k and digital at 2k + 1, ADU. */
  readonly ref: Uint16Array;
  /** Sum of (x - ref), interleaved like ref, ADU. */
  readonly sum: Float64Array;
  /** Sum of (x - ref)^2, interleaved like ref, ADU^2. */
  readonly sumSq: Float64Array;
  /** Frames accumulated per cell (every pixel of a cell has this many values). */
  readonly framesPerCell: Uint32Array;
  /** The WebAssembly memory the arrays above live in, when the SIMD kernel accumulates this state. */
  readonly wasm?: DarkPairWasmState;
}

/** Where {@link finalizeDarkPairCpu} writes, each nCells * nPixels, cell-major. */
export interface DarkPairFinalizeOutput {
  /** Mean of the analog values, ADU (NaN for cells without frames). */
  meanAdu: FloatArray;
  /** Std (ddof 0) of the analog values, ADU. */
  stdAdu: FloatArray;
  /** Mean of the digital values, ADU. */
  digitalMean: FloatArray;
  /** Std (ddof 0) of the digital values, ADU. */
  digitalStd: FloatArray;
}

/**
 * Allocates a zeroed pair accumulator.
 * @param nCells - memory cells (cell ids of frames must be < nCells)
 * @param nPixels - pixels per frame
 * @param opts - shared: allocate on SharedArrayBuffers for worker threads; wasm: false for plain buffers
 *   and the JS kernel (default: a WebAssembly memory and the SIMD kernel where they can be had);
 *   blockBytes: room in that memory for the reader's blocks (pairBlockMemory), read there in place
 * @returns the state; memory nCells * nPixels * 36 bytes (+ 32 bytes per pixel of scratch with wasm)
 */
export function createDarkPairAccumulator(nCells: number, nPixels: number, opts: { shared?: boolean; wasm?: boolean; blockBytes?: number } = {}): DarkPairAccumulator {
  ensure(Number.isInteger(nCells) && nCells > 0, `dark pair accumulator: nCells must be a positive integer, got ${nCells}`);
  ensure(Number.isInteger(nPixels) && nPixels > 0, `dark pair accumulator: nPixels must be a positive integer, got ${nPixels}`);
  const inWasm = opts.wasm !== false ? allocateDarkPairWasm(nCells, nPixels, opts.shared === true, opts.blockBytes ?? 0) : undefined;
  if (inWasm) return { nCells, nPixels, ...inWasm };
  const n = 2 * nCells * nPixels;
  const buf = (bytes: number): ArrayBuffer | SharedArrayBuffer => (opts.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    nCells,
    nPixels,
    ref: new Uint16Array(buf(2 * n)),
    sum: new Float64Array(buf(8 * n)),
    sumSq: new Float64Array(buf(8 * n)),
    framesPerCell: new Uint32Array(buf(4 * nCells)),
  };
}

/**
 * Counts a block's frames into state.framesPerCell and says which frames start their cell (those
 * set the reference). Call once per block, before the pixel ranges are accumulated (by any thread).
 * @param state - accumulator (framesPerCell updated)
 * @param cellIds - cell id per frame
 * @param nFrames - frames in the block
 * @returns 1 per frame that is the first of its cell in this pass, else 0
 */
export function registerDarkPairFrames(state: DarkPairAccumulator, cellIds: Uint16Array, nFrames: number): Uint8Array {
  ensure(cellIds.length >= nFrames, `dark pair: ${cellIds.length} cell ids for ${nFrames} frames`, 'SHAPE_MISMATCH');
  const first = new Uint8Array(nFrames);
  const counts = state.framesPerCell;
  for (let f = 0; f < nFrames; f++) {
    const c = cellIds[f];
    if (c >= state.nCells) {
      throw new DetcalError('BAD_INPUT', `dark pair: frame ${f} has cell id ${c}, the accumulator has ${state.nCells} cells: create it with more cells or remap the cell ids`);
    }
    if (counts[c] === 0) first[f] = 1;
    counts[c]++;
  }
  return first;
}

/**
 * Accumulates pixels [p0, p1) of one block of analog and digital values. Disjoint ranges may run in
 * different threads on a shared state. A state in a WebAssembly memory is accumulated by the SIMD
 * kernel (dark-pair-simd.ts), others by the JS kernel below; both give the same sums bit for bit.
 * @param state - accumulator (sums of pixels [p0, p1) updated)
 * @param data - analog values, frame-major (nFrames * nPixels), ADU
 * @param gain - digital values, same layout
 * @param cellIds - cell id per frame
 * @param first - registerDarkPairFrames of this block
 * @param nFrames - frames in the block
 * @param p0 - first pixel (inclusive)
 * @param p1 - end pixel (exclusive)
 * @param at - where data and gain lie in the state's WebAssembly memory, when they were read there (pairBlockMemory)
 * @param pending - the block is not read yet (FrameBlock.pending): its frames are read from the files as they are added
 */
export function accumulateDarkPairCpu(
  state: DarkPairAccumulator,
  data: Uint16Array,
  gain: Uint16Array,
  cellIds: Uint16Array,
  first: Uint8Array,
  nFrames: number,
  p0: number,
  p1: number,
  at?: PairBlockOffsets,
  pending?: PendingFrameReader,
): void {
  const nPixels = state.nPixels;
  if (data.length !== nFrames * nPixels || gain.length !== data.length) {
    throw new DetcalError('SHAPE_MISMATCH', `dark pair: block has ${data.length} analog and ${gain.length} digital values, expected ${nFrames} frames x ${nPixels} pixels`);
  }
  ensure(Number.isInteger(p0) && Number.isInteger(p1) && 0 <= p0 && p0 <= p1 && p1 <= nPixels, `dark pair: pixel range [${p0}, ${p1}) is not inside [0, ${nPixels})`);
  ensure(first.length >= nFrames && cellIds.length >= nFrames, `dark pair: ${first.length} first-frame flags and ${cellIds.length} cell ids for ${nFrames} frames`, 'SHAPE_MISMATCH');
  const cells = framesByCell(cellIds, nFrames, state.nCells);
  if (accumulateDarkPairSimd(state, data, gain, first, cells, p0, p1, at, pending)) return;
  // without the SIMD kernel a pending block is read into its own arrays first
  for (let f = 0; pending && f < nFrames; f++) pending.read(f, data, 2 * (f * nPixels + p0), gain, 2 * (f * nPixels + p0));
  // Frames of one cell are added together, up to four at a time: the state is then loaded and stored
  // once per four values instead of once per value (2x faster when a block holds several trains).
  const ref = state.ref, sum = state.sum, sumSq = state.sumSq;
  const { order, start } = cells;
  for (let c = 0; c < state.nCells; c++) {
    let i = start[c];
    const end = start[c + 1];
    if (i === end) continue;
    const base = c * nPixels;
    if (first[order[i]] === 1) {
      // the cell's first frame of the pass: its state starts over (no zeroing between passes)
      setPairRef(ref, data, gain, order[i++] * nPixels, base, p0, p1);
      sum.fill(0, 2 * (base + p0), 2 * (base + p1));
      sumSq.fill(0, 2 * (base + p0), 2 * (base + p1));
    }
    for (; i + 4 <= end; i += 4) {
      addPair4(ref, sum, sumSq, data, gain, order[i] * nPixels, order[i + 1] * nPixels, order[i + 2] * nPixels, order[i + 3] * nPixels, base, p0, p1);
    }
    for (; i + 2 <= end; i += 2) addPair2(ref, sum, sumSq, data, gain, order[i] * nPixels, order[i + 1] * nPixels, base, p0, p1);
    if (i < end) addPair(ref, sum, sumSq, data, gain, order[i++] * nPixels, base, p0, p1);
  }
}

function setPairRef(ref: Uint16Array, data: Uint16Array, gain: Uint16Array, off: number, base: number, p0: number, p1: number): void {
  const shift = off - base;
  for (let k = base + p0, end = base + p1; k < end; k++) {
    ref[2 * k] = data[k + shift];
    ref[2 * k + 1] = gain[k + shift];
  }
}

function addPair(ref: Uint16Array, sum: Float64Array, sumSq: Float64Array, data: Uint16Array, gain: Uint16Array, off: number, base: number, p0: number, p1: number): void {
  const shift = off - base;
  for (let k = base + p0, end = base + p1; k < end; k++) {
    const j = 2 * k;
    const d = data[k + shift] - ref[j];
    const e = gain[k + shift] - ref[j + 1];
    sum[j] += d;
    sum[j + 1] += e;
    sumSq[j] += d * d;
    sumSq[j + 1] += e * e;
  }
}

function addPair2(ref: Uint16Array, sum: Float64Array, sumSq: Float64Array, data: Uint16Array, gain: Uint16Array, offA: number, offB: number, base: number, p0: number, p1: number): void {
  const sa = offA - base, sb = offB - base;
  for (let k = base + p0, end = base + p1; k < end; k++) {
    const j = 2 * k;
    const r = ref[j], q = ref[j + 1];
    const d1 = data[k + sa] - r, d2 = data[k + sb] - r;
    const e1 = gain[k + sa] - q, e2 = gain[k + sb] - q;
    sum[j] += d1 + d2;
    sum[j + 1] += e1 + e2;
    sumSq[j] += d1 * d1 + d2 * d2;
    sumSq[j + 1] += e1 * e1 + e2 * e2;
  }
}

function addPair4(
  ref: Uint16Array, sum: Float64Array, sumSq: Float64Array, data: Uint16Array, gain: Uint16Array,
  offA: number, offB: number, offC: number, offD: number, base: number, p0: number, p1: number,
): void {
  const sa = offA - base, sb = offB - base, sc = offC - base, sd = offD - base;
  for (let k = base + p0, end = base + p1; k < end; k++) {
    const j = 2 * k;
    const r = ref[j], q = ref[j + 1];
    const d1 = data[k + sa] - r, d2 = data[k + sb] - r, d3 = data[k + sc] - r, d4 = data[k + sd] - r;
    const e1 = gain[k + sa] - q, e2 = gain[k + sb] - q, e3 = gain[k + sc] - q, e4 = gain[k + sd] - q;
    sum[j] += d1 + d2 + (d3 + d4);
    sum[j + 1] += e1 + e2 + (e3 + e4);
    sumSq[j] += d1 * d1 + d2 * d2 + (d3 * d3 + d4 * d4);
    sumSq[j + 1] += e1 * e1 + e2 * e2 + (e3 * e3 + e4 * e4);
  }
}

/**
 * Mean and std (ddof 0) of analog and digital values per (cell, pixel), in float64 like
 * finalizeDarkCpu: mean = ref + S/n, var = (Q - S^2/n) / n (with 1/n computed once per cell).
 * On an unshared wasm state with float32 outputs the SIMD kernel runs (bit for bit the same values);
 * on a shared one the JS loop (threads finalizing other cells may be using the scratch).
 * @param state - the accumulator (unchanged but for its scratch)
 * @param out - four outputs (at least (c1 - outCell0) * nPixels values); cell c goes to values [(c - outCell0) * nPixels, (c - outCell0 + 1) * nPixels)
 * @param c0 - first cell to finalize (default 0); other cells' outputs are left alone
 * @param c1 - end of the cell range (default all cells)
 * @param outCell0 - cell the outputs start at (default 0: outputs of all nCells; c0 for outputs of just a cell group)
 * @param framesPerCell - frames per cell of the pass (default state.framesPerCell; a copy when the next pass already counts into the state)
 */
export function finalizeDarkPairCpu(state: DarkPairAccumulator, out: DarkPairFinalizeOutput, c0 = 0, c1 = state.nCells, outCell0 = 0, framesPerCell: Uint32Array = state.framesPerCell): void {
  ensure(Number.isInteger(c0) && Number.isInteger(c1) && 0 <= c0 && c0 <= c1 && c1 <= state.nCells, `finalizeDarkPair: cell range [${c0}, ${c1}) is not inside [0, ${state.nCells})`);
  ensure(Number.isInteger(outCell0) && 0 <= outCell0 && outCell0 <= c0, `finalizeDarkPair: outputs start at cell ${outCell0}, after the first cell ${c0} to finalize`);
  const n = (c1 - outCell0) * state.nPixels;
  for (const [name, arr] of Object.entries(out)) {
    if (arr.length < n) throw new DetcalError('SHAPE_MISMATCH', `finalizeDarkPair: out.${name} has ${arr.length} values, cells ${outCell0}..${c1} of ${state.nPixels} pixels need ${n}`);
  }
  // the whole scratch is this thread's only on an unshared memory (on a shared one, other threads may
  // finalize other cells through it at the same time): there the SIMD kernel, else the JS loop
  const own = state.wasm !== undefined && !(state.wasm.memory.buffer instanceof SharedArrayBuffer);
  if (own && finalizeDarkPairSimd(state, out, c0, c1, 0, state.nPixels, outCell0, framesPerCell, 0, state.nPixels)) return;
  for (let c = c0; c < c1; c++) {
    finalizeCell(state, out, c * state.nPixels, (c + 1) * state.nPixels, (c - outCell0) * state.nPixels, framesPerCell[c]);
  }
}

/**
 * finalizeDarkPairCpu of pixels [p0, p1) of every cell into outputs of all cells: a worker
 * finalizes the pixel range it accumulates, so it can take the next pass's blocks without waiting
 * for the other workers. With a wasm state and float32 outputs the SIMD kernel
 * runs (bit for bit the same values); it uses scratch pixels [p0, p1), so only the thread that
 * accumulates [p0, p1) may call it while others work on the state.
 * @param state - the accumulator (unchanged but for its scratch)
 * @param out - four outputs of nCells * nPixels values
 * @param p0 - first pixel
 * @param p1 - end of the pixel range
 * @param framesPerCell - frames per cell of the pass
 */
export function finalizeDarkPairRange(state: DarkPairAccumulator, out: DarkPairFinalizeOutput, p0: number, p1: number, framesPerCell: Uint32Array): void {
  const { nCells, nPixels } = state;
  ensure(Number.isInteger(p0) && Number.isInteger(p1) && 0 <= p0 && p0 <= p1 && p1 <= nPixels, `finalizeDarkPair: pixel range [${p0}, ${p1}) is not inside [0, ${nPixels})`);
  for (const [name, arr] of Object.entries(out)) {
    if (arr.length < nCells * nPixels) throw new DetcalError('SHAPE_MISMATCH', `finalizeDarkPair: out.${name} has ${arr.length} values, ${nCells} cells of ${nPixels} pixels need ${nCells * nPixels}`);
  }
  // the SIMD kernel writes through this thread's own part [p0, p1) of the scratch (the part it accumulates through)
  if (finalizeDarkPairSimd(state, out, 0, nCells, p0, p1, 0, framesPerCell, p0, p1)) return;
  for (let c = 0; c < nCells; c++) finalizeCell(state, out, c * nPixels + p0, c * nPixels + p1, c * nPixels + p0, framesPerCell[c]);
}

function finalizeCell(state: DarkPairAccumulator, out: DarkPairFinalizeOutput, k0: number, k1: number, o0: number, n: number): void {
  const { ref, sum, sumSq } = state;
  const { meanAdu, stdAdu, digitalMean, digitalStd } = out;
  if (n === 0) {
    const o1 = o0 + (k1 - k0);
    meanAdu.fill(NaN, o0, o1);
    stdAdu.fill(NaN, o0, o1);
    digitalMean.fill(NaN, o0, o1);
    digitalStd.fill(NaN, o0, o1);
    return;
  }
  // one division per cell instead of four per pixel (results agree with finalizeDarkCpu to ~1e-16 relative)
  const inv = 1 / n;
  const shift = o0 - k0;
  for (let k = k0; k < k1; k++) {
    const j = 2 * k;
    const o = k + shift;
    const s = sum[j], t = sum[j + 1];
    meanAdu[o] = ref[j] + s * inv;
    digitalMean[o] = ref[j + 1] + t * inv;
    const v = (sumSq[j] - s * s * inv) * inv;
    const w = (sumSq[j + 1] - t * t * inv) * inv;
    stdAdu[o] = v > 0 ? Math.sqrt(v) : 0;
    digitalStd[o] = w > 0 ? Math.sqrt(w) : 0;
  }
}
