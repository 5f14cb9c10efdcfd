/**
 * One pass of a dark characterization over one run: streams the run's frame blocks through a
 * backend's accumulateDark into per-(cell, pixel) sums and finalizes mean and std. Used by every
 * detector plugin's dark step, once per gain-stage run and once per common-mode iteration.
 * Memory: the accumulator (28 bytes per cell and pixel, twice with digital values) plus one block.
 */
import { DetcalError, type FrameBlock, type FrameStream } from '@detcal/core';
import type { BlockData, ComputeBackend } from './compute-backend.js';
import { accumulateDarkPairRangeCpu } from './cpu-dark.js';
import { createDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';
import { DarkWorkerPool } from './dark-worker-pool.js';

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
}

/** True when every value of frame f of the block is zero. */
function isEmptyFrame(data: BlockData, f: number, nPixels: number): boolean {
  const end = (f + 1) * nPixels;
  for (let i = f * nPixels; i < end; i++) if (data[i] !== 0) return false;
  return true;
}

/** Keeps the non-empty frames of a block (copying only when some frame is empty). */
function dropEmptyFrames(block: FrameBlock, nPixels: number): { block: FrameBlock; dropped: number } {
  const keep: number[] = [];
  for (let f = 0; f < block.nFrames; f++) if (!isEmptyFrame(block.data, f, nPixels)) keep.push(f);
  if (keep.length === block.nFrames) return { block, dropped: 0 };
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
  };
}

function finalize(backend: ComputeBackend, acc: DarkAccumulator): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(acc.nCells * acc.nPixels);
  const std = new Float32Array(acc.nCells * acc.nPixels);
  backend.finalizeDark(acc, { meanAdu: mean, stdAdu: std });
  return { mean, std };
}

/**
 * Streams a run once and returns mean / std per (cell, pixel).
 * @param stream - the run's frames (blocks of raw ADU, with gain values where the detector has them)
 * @param opts - backend, cells, gain acceptance, digital values, mask, transform, progress
 * @returns statistics per (cell, pixel) and frame counts
 */
export async function darkPass(stream: FrameStream, opts: DarkPassOptions): Promise<DarkPassResult> {
  const nPixels = stream.rows * stream.cols;
  const { backend, nCells } = opts;
  const threads = backend.name === 'cpu' ? Math.max(1, opts.threads ?? 1) : 1;
  const shared = { shared: threads > 1 };
  const analog = createDarkAccumulator(nCells, nPixels, shared);
  const digital = opts.digital ? createDarkAccumulator(nCells, nPixels, shared) : undefined;
  const pool = threads > 1 ? new DarkWorkerPool(threads, analog, digital) : undefined;
  try {
    return await streamPass(stream, opts, analog, digital, pool);
  } finally {
    await pool?.close();
  }
}

async function streamPass(
  stream: FrameStream,
  opts: DarkPassOptions,
  analog: DarkAccumulator,
  digital: DarkAccumulator | undefined,
  pool: DarkWorkerPool | undefined,
): Promise<DarkPassResult> {
  const { backend, nCells } = opts;
  const nPixels = analog.nPixels;
  if (opts.digital && !stream.hasGain) throw new DetcalError('BAD_INPUT', `${stream.label}: no per-pixel gain values in this run; the digital statistics need them`);
  const framesPerCell = new Uint32Array(nCells);
  const skipEmpty = opts.skipEmptyFrames ?? true;
  const phase = opts.phase ?? 'dark';
  let frames = 0;
  let emptyFrames = 0;
  let scratch = new Float32Array(0);
  let exclude = new Uint8Array(0);
  for await (const raw of stream.blocks()) {
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
      if (pool) {
        await pool.submit(values, block.cellIds, n, { gain: block.gain, acceptGain: opts.acceptGain, mask });
      } else {
        if (backend.name === 'cpu' && digital && block.gain && opts.acceptGain === undefined && !mask) {
          accumulateDarkPairRangeCpu(analog, digital, values, block.gain, block.cellIds, n, nPixels, 0, nPixels);
        } else {
          const common = { mask, gain: opts.acceptGain !== undefined ? block.gain : undefined, acceptGain: opts.acceptGain };
          backend.accumulateDark(analog, values, block.cellIds, n, nPixels, common);
          if (digital && block.gain) backend.accumulateDark(digital, block.gain, block.cellIds, n, nPixels, { mask });
        }
      }
      frames += n;
    }
    opts.progress?.(raw.nFrames, bytes, phase);
  }
  await pool?.drain();
  if (frames === 0) {
    throw new DetcalError('BAD_INPUT', `${stream.label}: no non-empty frames${emptyFrames ? ` (${emptyFrames} empty frames skipped)` : ''}; a dark run needs data`);
  }
  const a = finalize(backend, analog);
  const d = digital ? finalize(backend, digital) : undefined;
  return {
    nCells,
    nPixels,
    meanAdu: a.mean,
    stdAdu: a.std,
    count: analog.count,
    rejected: analog.rejected,
    digitalMean: d?.mean,
    digitalStd: d?.std,
    frames,
    emptyFrames,
    framesPerCell,
  };
}
