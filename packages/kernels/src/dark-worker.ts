/**
 * Worker thread of the parallel dark pass: accumulates its pixel range [p0, p1) of every block the
 * main thread posts into accumulators that live on SharedArrayBuffers (no copies of the state).
 */
import { parentPort } from 'node:worker_threads';
import { DetcalError, pendingFrameReader, readPendingPixels, type PendingFrameRun } from '@detcal/core';
import { accumulateDarkRangeCpu, finalizeDarkRangeCpu } from './cpu-dark.js';
import { zeroDarkRange, type DarkAccumulator } from './dark-accumulator.js';
import { accumulateDarkPairCpu, finalizeDarkPairCpu, finalizeDarkPairRange, type DarkPairAccumulator, type DarkPairFinalizeOutput } from './dark-pair-accumulator.js';
import type { PairBlockOffsets } from './dark-pair-simd.js';
import { darkBadPixels, type DarkBadPixelCounts, type DarkBadPixelTarget } from './dark-bad-pixels.js';
import type { BlockData, FloatArray, GainData } from './compute-backend.js';

/** First message: the shared accumulators (two single ones, or one pair accumulator) and this worker's pixel range. */
export interface DarkWorkerInit {
  type: 'init';
  analog?: DarkAccumulator;
  digital?: DarkAccumulator;
  pair?: DarkPairAccumulator;
  p0: number;
  p1: number;
}

/** One block of analog and digital values for a pair accumulator (arrays are views on shared memory). */
export interface DarkWorkerPairBlock {
  type: 'pair-block';
  id: number;
  data: Uint16Array;
  gain: Uint16Array;
  cellIds: Uint16Array;
  first: Uint8Array;
  nFrames: number;
  /** Where data and gain lie in the pair accumulator's memory, when the reader put them there. */
  at?: PairBlockOffsets;
  /** The values are not read yet: read this worker's pixel range of them first (FrameBlock.pending). */
  pending?: readonly PendingFrameRun[];
}

/** One block to accumulate (arrays are views on shared slots). */
export interface DarkWorkerBlock {
  type: 'block';
  id: number;
  data: BlockData;
  gain?: GainData;
  cellIds: Uint16Array;
  nFrames: number;
  acceptGain?: number | readonly number[];
  mask?: Uint8Array;
  /** The values (and gain values) are not read yet: read this worker's pixel range of them first (FrameBlock.pending). */
  pending?: readonly PendingFrameRun[];
}

/** After a pair pass: finalize cells [c0, c1) into shared outputs and, with flags, apply the dark bad-pixel rules to them. */
export interface DarkWorkerPairFinish {
  type: 'pair-finish';
  id: number;
  /** Shared outputs (and badPixels.flags) holding cells from outCell0 on. */
  out: DarkPairFinalizeOutput;
  c0: number;
  c1: number;
  /** Cell at index 0 of the outputs and flags (0: arrays of all cells; a group's first cell: arrays of that group). */
  outCell0: number;
  badPixels?: DarkBadPixelTarget;
}

/**
 * After a pair pass whose state the next pass reuses at once: finalize this worker's pixel range of
 * every cell into shared outputs of all cells. Blocks of the next pass posted after this message are
 * then safe to accumulate (each worker only touches its range, and a cell's first frame of the next
 * pass starts that cell's state over).
 */
export interface DarkWorkerPairFinalizeRange {
  type: 'pair-finalize-range';
  id: number;
  /** Shared outputs of all cells. */
  out: DarkPairFinalizeOutput;
  /** Frames per cell of the finished pass (a copy: the main thread is already counting the next pass). */
  framesPerCell: Uint32Array;
}

/**
 * After a pass on general accumulators that the next pass does not reuse: finalize this worker's pixel
 * range of every cell of the bound accumulators into shared outputs of all cells. Posted before the
 * workers are bound to the next pass's accumulators.
 */
export interface DarkWorkerSingleFinalizeRange {
  type: 'single-finalize-range';
  id: number;
  /** Shared outputs of all cells (digital ones when the pass accumulated gain values). */
  out: { meanAdu: Float32Array; stdAdu: Float32Array; digitalMean?: Float32Array; digitalStd?: Float32Array };
}

/** The dark bad-pixel rules on cells [c0, c1) of finalized shared outputs of all cells (after every worker's finalize-range). */
export interface DarkWorkerRules {
  type: 'rules';
  id: number;
  /** Shared offset (mean) and noise (std) of all cells. */
  out: RuleInputs;
  c0: number;
  c1: number;
  nPixels: number;
  badPixels: DarkBadPixelTarget;
}

/** What the bad-pixel rules read: offset (mean) and noise (std) per (cell, pixel). */
export interface RuleInputs {
  meanAdu: FloatArray;
  stdAdu: FloatArray;
}

/** Reply to a pair-finish: the block id and the bad-pixel counts of the worker's cells; or why a block failed (a user-facing error). */
export interface DarkWorkerFinishReply {
  id: number;
  counts?: DarkBadPixelCounts;
  failure?: { code: string; message: string };
}

let init: DarkWorkerInit | undefined;

/** Applies the dark bad-pixel rules to cells [c0, c1) of outputs whose index 0 holds cell outCell0. */
function cellRules(out: RuleInputs, badPixels: DarkBadPixelTarget, c0: number, c1: number, outCell0: number, nPixels: number): DarkBadPixelCounts {
  const [k0, k1] = [(c0 - outCell0) * nPixels, (c1 - outCell0) * nPixels];
  if (badPixels.zeroed) badPixels.flags.fill(0, k0, k1); // written before read: one fault per fresh page
  return darkBadPixels(out.meanAdu.subarray(k0, k1) as Float32Array, out.stdAdu.subarray(k0, k1) as Float32Array, badPixels.flags.subarray(k0, k1), badPixels.limits, { nCells: c1 - c0, nPixels });
}

/**
 * Runs work that reads from the run's files; a user-facing error (a short file) is replied for block `id`
 * instead of thrown, so the pool fails with its message.
 * @returns false when it failed (the reply is posted)
 */
function readOwnRange(id: number, work: () => void): boolean {
  try {
    work();
    return true;
  } catch (err) {
    if (!(err instanceof DetcalError)) throw err;
    const reply: DarkWorkerFinishReply = { id, failure: { code: err.code, message: err.message } };
    parentPort?.postMessage(reply);
    return false;
  }
}

type DarkWorkerMessage = DarkWorkerInit | DarkWorkerBlock | DarkWorkerPairBlock | DarkWorkerPairFinish | DarkWorkerPairFinalizeRange | DarkWorkerSingleFinalizeRange | DarkWorkerRules;

parentPort?.on('message', (msg: DarkWorkerMessage) => {
  if (msg.type === 'init') {
    init = msg;
    // bound accumulators are zero; writing the range first faults each fresh page in once (the kernels read before they write)
    if (msg.analog) zeroDarkRange(msg.analog, msg.p0, msg.p1);
    if (msg.digital) zeroDarkRange(msg.digital, msg.p0, msg.p1);
    return;
  }
  if (msg.type === 'rules') {
    const reply: DarkWorkerFinishReply = { id: msg.id, counts: cellRules(msg.out, msg.badPixels, msg.c0, msg.c1, 0, msg.nPixels) };
    parentPort?.postMessage(reply);
    return;
  }
  if (!init) throw new Error('dark worker: block before init');
  const { analog, digital, pair, p0, p1 } = init;
  if (msg.type === 'pair-finish') {
    if (!pair) throw new Error('dark worker: pair finish without a pair accumulator');
    finalizeDarkPairCpu(pair, msg.out, msg.c0, msg.c1, msg.outCell0);
    const counts = msg.badPixels ? cellRules(msg.out, msg.badPixels, msg.c0, msg.c1, msg.outCell0, pair.nPixels) : undefined;
    const reply: DarkWorkerFinishReply = { id: msg.id, counts };
    parentPort?.postMessage(reply);
    return;
  }
  if (msg.type === 'pair-finalize-range') {
    if (!pair) throw new Error('dark worker: pair finalize without a pair accumulator');
    finalizeDarkPairRange(pair, msg.out, p0, p1, msg.framesPerCell);
    parentPort?.postMessage(msg.id);
    return;
  }
  if (msg.type === 'single-finalize-range') {
    if (!analog) throw new Error('dark worker: finalize without an accumulator');
    finalizeDarkRangeCpu(analog, { meanAdu: msg.out.meanAdu, stdAdu: msg.out.stdAdu }, p0, p1);
    if (digital && msg.out.digitalMean && msg.out.digitalStd) finalizeDarkRangeCpu(digital, { meanAdu: msg.out.digitalMean, stdAdu: msg.out.digitalStd }, p0, p1);
    parentPort?.postMessage(msg.id);
    return;
  }
  if (msg.type === 'pair-block') {
    if (!pair) throw new Error('dark worker: pair block without a pair accumulator');
    // a pending block: this worker reads its pixel range of each chunk of frames just before adding it
    const reader = msg.pending && pendingFrameReader(msg.pending, { data: 2, gain: 2 }, p0, p1);
    let added: boolean;
    try {
      added = readOwnRange(msg.id, () => accumulateDarkPairCpu(pair, msg.data, msg.gain, msg.cellIds, msg.first, msg.nFrames, p0, p1, msg.at, reader));
    } finally {
      reader?.close();
    }
    if (!added) return;
    parentPort?.postMessage(msg.id);
    return;
  }
  if (!analog) throw new Error('dark worker: block without an accumulator');
  const nPixels = analog.nPixels;
  if (msg.pending && !readOwnRange(msg.id, () => readPendingPixels({ data: msg.data, gain: msg.gain, rows: 1, cols: nPixels }, msg.pending ?? [], p0, p1))) return;
  const gainOpts = msg.acceptGain !== undefined ? { gain: msg.gain, acceptGain: msg.acceptGain } : {};
  accumulateDarkRangeCpu(analog, msg.data, msg.cellIds, msg.nFrames, nPixels, p0, p1, { ...gainOpts, mask: msg.mask });
  if (digital && msg.gain) accumulateDarkRangeCpu(digital, msg.gain, msg.cellIds, msg.nFrames, nPixels, p0, p1, { mask: msg.mask });
  parentPort?.postMessage(msg.id);
});
