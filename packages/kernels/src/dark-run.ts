/**
 * One pass of a dark characterization over one run: streams the run's frame blocks through a
 * backend's accumulateDark into per-(cell, pixel) sums and finalizes mean and std. Used by every
 * detector plugin's dark step, once per gain-stage run and once per common-mode iteration.
 * Memory: the accumulator (28 bytes per cell and pixel, twice with digital values) plus one block.
 */
import { DetcalError, type FrameBlock, type FrameStream } from '@detcal/core';
import type { BlockData, ComputeBackend } from './compute-backend.js';
import { createDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';
import { accumulateDarkPairCpu, createDarkPairAccumulator, finalizeDarkPairCpu, registerDarkPairFrames, type DarkPairAccumulator } from './dark-pair-accumulator.js';
import { BLOCKS_QUEUED, DarkWorkerPool } from './dark-worker-pool.js';
import { darkBadPixels, type DarkBadPixelCounts, type DarkBadPixelLimits } from './dark-bad-pixels.js';

/** Settings of one pass over a run. */
export interface DarkPassOptions {
  /** Backend whose kernels accumulate. */
  backend: ComputeBackend;
  /** Memory cells to allocate; frames with a larger cell id are an error naming the run. */
  nCells: number;
  /** Accept only values whose gain value is one of these (Jungfrau gain bits); others are counted as rejected. */
  acceptGain?: number | readonly number[];
  /** Also accumulate the per-pixel gain values (AGIPD digital values) into a second accumulator. */
  digital?: boolean;
  /** Skip frames whose values are all zero (empty frames) and count them. Default true. */
  skipEmptyFrames?: boolean;
  /** Per-pixel exclusion (1 = exclude), e.g. masked bad pixels in a later iteration. */
  mask?: Uint8Array;
  /**
   * Replaces a block's values before accumulation (offset and common-mode subtraction): fills `values`
   * (float ADU) and returns it. With excludeValues, `exclude` (one byte per value, pre-filled from
   * `mask`) may be set to 1 to leave single values out (cosmic-ray hits).
   */
  transform?(block: FrameBlock, values: Float32Array, exclude?: Uint8Array): Float32Array;
  /** Give transform a per-value exclusion buffer. */
  excludeValues?: boolean;
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress ('offset', 'noise-cm' ...). */
  phase?: string;
  /** Worker threads accumulating pixel ranges while the main thread reads (CPU backend; 1 = in-process). */
  threads?: number;
  /** Write the statistics into these arrays (nCells * nPixels each, e.g. views of a stacked constant) instead of new ones. */
  out?: DarkPassOutput;
  /** Keeps the accumulator between passes of the same shape (zeroed before reuse) instead of allocating one per pass. */
  reuse?: DarkPassReuse;
  /** Apply the dark bad-pixel rules (per memory cell) to the pass's mean and std, OR-ing into these flags; on the workers when they hold the state and the outputs are shared. */
  badPixels?: { flags: Uint32Array; limits: DarkBadPixelLimits };
}

/** Preallocated outputs of a pass, nCells * nPixels each. */
export interface DarkPassOutput {
  /** Mean per (cell, pixel), ADU. */
  meanAdu: Float32Array;
  /** Std per (cell, pixel), ADU. */
  stdAdu: Float32Array;
  /** Mean of the gain values, with digital. */
  digitalMean?: Float32Array;
  /** Std of the gain values, with digital. */
  digitalStd?: Float32Array;
}

/** Holder of a pair accumulator and its worker pool that successive passes share (one large allocation and one set of warmed-up workers instead of one per gain stage); close it with closeDarkPassReuse. */
export interface DarkPassReuse {
  /** The accumulator of the last pass (set by darkPass). */
  pair?: DarkPairAccumulator;
  /** Workers bound to `pair` (set by darkPass when it ran with threads). */
  pool?: DarkWorkerPool;
}

/**
 * Stops the workers a reuse holder keeps and drops its accumulator.
 * @param reuse - the holder passed to darkPass
 */
export async function closeDarkPassReuse(reuse: DarkPassReuse): Promise<void> {
  const pool = reuse.pool;
  reuse.pool = undefined;
  reuse.pair = undefined;
  await pool?.close();
}

/** Mean and std per (cell, pixel) of one pass, cell-major. */
export interface DarkPassResult {
  /** Memory cells. */
  nCells: number;
  /** Pixels per frame. */
  nPixels: number;
  /** Mean per (cell, pixel), ADU (NaN where no value was accepted). */
  meanAdu: Float32Array;
  /** Standard deviation (ddof 0) per (cell, pixel), ADU. */
  stdAdu: Float32Array;
  /** Accepted values per (cell, pixel). */
  count: Uint32Array;
  /** Values rejected by acceptGain per (cell, pixel). */
  rejected: Uint32Array;
  /** Mean of the gain values per (cell, pixel), when digital was asked for. */
  digitalMean?: Float32Array;
  /** Std of the gain values per (cell, pixel), when digital was asked for. */
  digitalStd?: Float32Array;
  /** Frames accumulated. */
  frames: number;
  /** Frames skipped because every value was zero. */
  emptyFrames: number;
  /** Frames per cell id (index = cell). */
  framesPerCell: Uint32Array;
  /** Every pixel of cell c has framesPerCell[c] accepted values and none rejected (nothing masked or rejected in this pass). */
  uniformCount?: boolean;
  /** What the bad-pixel rules flagged, when opts.badPixels was given. */
  flagged?: DarkBadPixelCounts;
}

/** count per (cell, pixel) from a count per cell. */
function broadcastPerCell(perCell: Uint32Array, nPixels: number): Uint32Array {
  const out = new Uint32Array(perCell.length * nPixels);
  for (let c = 0; c < perCell.length; c++) out.fill(perCell[c], c * nPixels, (c + 1) * nPixels);
  return out;
}

/** True when every value of frame f of the block is zero. */
function isEmptyFrame(data: BlockData, f: number, nPixels: number): boolean {
  const end = (f + 1) * nPixels;
  for (let i = f * nPixels; i < end; i++) if (data[i] !== 0) return false;
  return true;
}

/**
 * Keeps the non-empty frames of a block (copying only when some frame is empty).
 * @param block - a block as read
 * @param nPixels - pixels per frame
 * @returns the block of non-empty frames, how many were dropped, and the kept frames' indices in `block`
 */
export function dropEmptyFrames(block: FrameBlock, nPixels: number): { block: FrameBlock; dropped: number; kept: number[] } {
  const keep: number[] = [];
  for (let f = 0; f < block.nFrames; f++) if (!isEmptyFrame(block.data, f, nPixels)) keep.push(f);
  if (keep.length === block.nFrames) return { block, dropped: 0, kept: keep };
  const pick = <T extends Uint16Array | Uint8Array | Float32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(keep.length * nPixels);
    keep.forEach((f, k) => out.set(a.subarray(f * nPixels, (f + 1) * nPixels), k * nPixels));
    return out;
  };
  return {
    block: {
      ...block,
      nFrames: keep.length,
      data: pick(block.data),
      gain: block.gain ? pick(block.gain) : undefined,
      cellIds: Uint16Array.from(keep, (f) => block.cellIds[f]),
      trainIds: Float64Array.from(keep, (f) => block.trainIds[f]),
    },
    dropped: block.nFrames - keep.length,
    kept: keep,
  };
}

function finalize(backend: ComputeBackend, acc: DarkAccumulator, mean: Float32Array = new Float32Array(acc.nCells * acc.nPixels), std: Float32Array = new Float32Array(acc.nCells * acc.nPixels)): { mean: Float32Array; std: Float32Array } {
  backend.finalizeDark(acc, { meanAdu: mean, stdAdu: std });
  return { mean, std };
}

/** A pair accumulator of this shape: the reused one (zeroed) when it fits, else a new one (kept in `reuse`). */
function pairAccumulator(opts: DarkPassOptions, nPixels: number, shared: boolean): DarkPairAccumulator {
  const old = opts.reuse?.pair;
  const fits = old && old.nCells === opts.nCells && old.nPixels === nPixels && (old.sum.buffer instanceof SharedArrayBuffer) === shared;
  if (fits) {
    old.ref.fill(0);
    old.sum.fill(0);
    old.sumSq.fill(0);
    old.framesPerCell.fill(0);
    return old;
  }
  if (opts.reuse) {
    opts.reuse.pair = undefined;
    void opts.reuse.pool?.close(); // bound to the old accumulator
    opts.reuse.pool = undefined;
  }
  const pair = createDarkPairAccumulator(opts.nCells, nPixels, { shared });
  if (opts.reuse) opts.reuse.pair = pair;
  return pair;
}

/** The accumulation state of one pass: the compact pair accumulator (raw u2 analog + digital, nothing excluded) or the general one. */
type PassState =
  | { kind: 'pair'; pair: DarkPairAccumulator; pool?: DarkWorkerPool }
  | { kind: 'single'; analog: DarkAccumulator; digital?: DarkAccumulator; pool?: DarkWorkerPool };

/** True when the pass can use the compact pair accumulator for blocks like this one. */
function pairPath(opts: DarkPassOptions, block: FrameBlock): boolean {
  return (
    opts.backend.name === 'cpu' && opts.digital === true && opts.acceptGain === undefined && !opts.mask && !opts.transform &&
    block.data instanceof Uint16Array && block.gain instanceof Uint16Array
  );
}

function createPassState(opts: DarkPassOptions, nPixels: number, first: FrameBlock): PassState {
  const threads = opts.backend.name === 'cpu' ? Math.max(1, opts.threads ?? 1) : 1;
  const shared = { shared: threads > 1 };
  if (pairPath(opts, first)) {
    const pair = pairAccumulator(opts, nPixels, threads > 1);
    if (threads <= 1) return { kind: 'pair', pair };
    const reuse = opts.reuse;
    if (reuse?.pool && reuse.pool.threads === threads) return { kind: 'pair', pair, pool: reuse.pool };
    const pool = new DarkWorkerPool(threads, pair);
    if (reuse) {
      void reuse.pool?.close();
      reuse.pool = pool;
    }
    return { kind: 'pair', pair, pool };
  }
  const analog = createDarkAccumulator(opts.nCells, nPixels, shared);
  const digital = opts.digital ? createDarkAccumulator(opts.nCells, nPixels, shared) : undefined;
  return { kind: 'single', analog, digital, pool: threads > 1 ? new DarkWorkerPool(threads, analog, digital) : undefined };
}

/**
 * Streams a run once and returns mean / std per (cell, pixel).
 * @param stream - the run's frames (blocks of raw ADU, with gain values where the detector has them)
 * @param opts - backend, cells, gain acceptance, digital values, mask, transform, progress
 * @returns statistics per (cell, pixel) and frame counts
 */
export async function darkPass(stream: FrameStream, opts: DarkPassOptions): Promise<DarkPassResult> {
  const state: { current?: PassState } = {};
  try {
    return await streamPass(stream, opts, state);
  } finally {
    const pool = state.current?.pool;
    // a pool kept by opts.reuse outlives the pass (closeDarkPassReuse stops it)
    if (pool && opts.reuse?.pool !== pool) await pool.close();
  }
}

async function accumulateBlock(st: PassState, opts: DarkPassOptions, block: FrameBlock, values: BlockData, mask: Uint8Array | undefined, nPixels: number): Promise<void> {
  const n = block.nFrames;
  if (st.kind === 'pair') {
    if (!(values instanceof Uint16Array) || !(block.gain instanceof Uint16Array)) {
      throw new DetcalError('BAD_INPUT', `frames ${block.firstFrame}..${block.firstFrame + n - 1}: the values changed element type within the run (u2 expected); give files written the same way`);
    }
    const first = registerDarkPairFrames(st.pair, block.cellIds, n);
    if (st.pool) await st.pool.submitPair(values, block.gain, block.cellIds, first, n);
    else accumulateDarkPairCpu(st.pair, values, block.gain, block.cellIds, first, n, 0, nPixels);
    return;
  }
  if (st.pool) {
    await st.pool.submit(values, block.cellIds, n, { gain: block.gain, acceptGain: opts.acceptGain, mask });
    return;
  }
  const common = { mask, gain: opts.acceptGain !== undefined ? block.gain : undefined, acceptGain: opts.acceptGain };
  opts.backend.accumulateDark(st.analog, values, block.cellIds, n, nPixels, common);
  if (st.digital && block.gain) opts.backend.accumulateDark(st.digital, block.gain, block.cellIds, n, nPixels, { mask });
}

/** Blocks a pass keeps alive at once: those queued at the workers and the one being read. */
const BLOCKS_IN_FLIGHT = BLOCKS_QUEUED + 1;

async function streamPass(stream: FrameStream, opts: DarkPassOptions, state: { current?: PassState }): Promise<DarkPassResult> {
  const { nCells } = opts;
  const nPixels = stream.rows * stream.cols;
  if (opts.digital && !stream.hasGain) throw new DetcalError('BAD_INPUT', `${stream.label}: no per-pixel gain values in this run; the digital statistics need them`);
  const framesPerCell = new Uint32Array(nCells);
  const skipEmpty = opts.skipEmptyFrames ?? true;
  const phase = opts.phase ?? 'dark';
  let frames = 0;
  let emptyFrames = 0;
  let scratch = new Float32Array(0);
  let exclude = new Uint8Array(0);
  for await (const raw of stream.blocks({ keep: BLOCKS_IN_FLIGHT })) {
    const bytes = raw.data.byteLength + (raw.gain?.byteLength ?? 0);
    let block = raw;
    if (skipEmpty) {
      const r = dropEmptyFrames(raw, nPixels);
      block = r.block;
      emptyFrames += r.dropped;
    }
    const n = block.nFrames;
    for (let f = 0; f < n; f++) {
      const c = block.cellIds[f];
      if (c >= nCells) {
        throw new DetcalError('SHAPE_MISMATCH', `${stream.label}: frame ${block.firstFrame + f} has memory cell ${c} but the run was opened with ${nCells} cells; pass --cells ${c + 1} or check the cell ids`);
      }
      framesPerCell[c]++;
    }
    if (n > 0) {
      let values: BlockData = block.data;
      let mask = opts.mask;
      if (opts.transform) {
        if (scratch.length < n * nPixels) scratch = new Float32Array(n * nPixels);
        if (opts.excludeValues) {
          if (exclude.length < n * nPixels) exclude = new Uint8Array(n * nPixels);
          mask = exclude.subarray(0, n * nPixels);
          if (opts.mask) for (let f = 0; f < n; f++) mask.set(opts.mask, f * nPixels);
          else mask.fill(0);
        }
        values = opts.transform(block, scratch.subarray(0, n * nPixels), opts.excludeValues ? mask : undefined);
      }
      state.current ??= createPassState(opts, nPixels, block);
      await accumulateBlock(state.current, opts, block, values, mask, nPixels);
      frames += n;
    }
    opts.progress?.(raw.nFrames, bytes, phase);
  }
  const st = state.current;
  await st?.pool?.drain();
  if (frames === 0 || !st) {
    throw new DetcalError('BAD_INPUT', `${stream.label}: no non-empty frames${emptyFrames ? ` (${emptyFrames} empty frames skipped)` : ''}; a dark run needs data`);
  }
  const base = { nCells, nPixels, frames, emptyFrames, framesPerCell };
  if (st.kind === 'pair') {
    const size = nCells * nPixels;
    const given = opts.out;
    const out = {
      meanAdu: given?.meanAdu ?? new Float32Array(size),
      stdAdu: given?.stdAdu ?? new Float32Array(size),
      digitalMean: given?.digitalMean ?? new Float32Array(size),
      digitalStd: given?.digitalStd ?? new Float32Array(size),
    };
    const shared = Object.values(out).every((a) => a.buffer instanceof SharedArrayBuffer);
    let flagged: DarkBadPixelCounts | undefined;
    if (st.pool && shared) {
      // the workers finalize and flag their share of the cells (both cores instead of the main thread alone)
      flagged = await st.pool.finishPair(out, opts.badPixels);
    } else {
      finalizeDarkPairCpu(st.pair, out);
      if (opts.badPixels) flagged = darkBadPixels(out.meanAdu, out.stdAdu, opts.badPixels.flags, opts.badPixels.limits, { nCells, nPixels });
    }
    // Every pixel of a cell has framesPerCell[c] values: the per-pixel arrays are only built when read
    // (fresh memory costs page faults: ~0.2 s per 92 MB array on a 352-cell module).
    let count: Uint32Array | undefined, rejected: Uint32Array | undefined;
    const result = { ...base, ...out, uniformCount: true, flagged } as DarkPassResult;
    Object.defineProperty(result, 'count', {
      enumerable: true,
      get: () => (count ??= broadcastPerCell(framesPerCell, nPixels)),
    });
    Object.defineProperty(result, 'rejected', { enumerable: true, get: () => (rejected ??= new Uint32Array(size)) });
    return result;
  }
  const a = finalize(opts.backend, st.analog, opts.out?.meanAdu, opts.out?.stdAdu);
  const d = st.digital ? finalize(opts.backend, st.digital, opts.out?.digitalMean, opts.out?.digitalStd) : undefined;
  const flagged = opts.badPixels ? darkBadPixels(a.mean, a.std, opts.badPixels.flags, opts.badPixels.limits, { nCells, nPixels }) : undefined;
  return {
    flagged, ...base, meanAdu: a.mean, stdAdu: a.std, count: st.analog.count, rejected: st.analog.rejected, digitalMean: d?.mean, digitalStd: d?.std };
}
