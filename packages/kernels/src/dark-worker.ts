/**
 * Worker thread of the parallel dark pass: accumulates its pixel range [p0, p1) of every block the
 * main thread posts into accumulators that live on SharedArrayBuffers (no copies of the state).
 */
import { parentPort } from 'node:worker_threads';
import { accumulateDarkRangeCpu } from './cpu-dark.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { accumulateDarkPairCpu, finalizeDarkPairCpu, type DarkPairAccumulator, type DarkPairFinalizeOutput } from './dark-pair-accumulator.js';
import { darkBadPixels, type DarkBadPixelCounts, type DarkBadPixelLimits } from './dark-bad-pixels.js';
import type { BlockData, GainData } from './compute-backend.js';

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
  badPixels?: { flags: Uint32Array; limits: DarkBadPixelLimits };
}

/** Reply to a pair-finish: the block id and the bad-pixel counts of the worker's cells. */
export interface DarkWorkerFinishReply {
  id: number;
  counts?: DarkBadPixelCounts;
}

let init: DarkWorkerInit | undefined;

parentPort?.on('message', (msg: DarkWorkerInit | DarkWorkerBlock | DarkWorkerPairBlock | DarkWorkerPairFinish) => {
  if (msg.type === 'init') {
    init = msg;
    return;
  }
  if (!init) throw new Error('dark worker: block before init');
  const { analog, digital, pair, p0, p1 } = init;
  if (msg.type === 'pair-finish') {
    if (!pair) throw new Error('dark worker: pair finish without a pair accumulator');
    finalizeDarkPairCpu(pair, msg.out, msg.c0, msg.c1, msg.outCell0);
    let counts: DarkBadPixelCounts | undefined;
    if (msg.badPixels) {
      const nPixels = pair.nPixels;
      const [k0, k1] = [(msg.c0 - msg.outCell0) * nPixels, (msg.c1 - msg.outCell0) * nPixels];
      counts = darkBadPixels(msg.out.meanAdu.subarray(k0, k1) as Float32Array, msg.out.stdAdu.subarray(k0, k1) as Float32Array, msg.badPixels.flags.subarray(k0, k1), msg.badPixels.limits, { nCells: msg.c1 - msg.c0, nPixels });
    }
    const reply: DarkWorkerFinishReply = { id: msg.id, counts };
    parentPort?.postMessage(reply);
    return;
  }
  if (msg.type === 'pair-block') {
    if (!pair) throw new Error('dark worker: pair block without a pair accumulator');
    accumulateDarkPairCpu(pair, msg.data, msg.gain, msg.cellIds, msg.first, msg.nFrames, p0, p1);
    parentPort?.postMessage(msg.id);
    return;
  }
  if (!analog) throw new Error('dark worker: block without an accumulator');
  const nPixels = analog.nPixels;
  const gainOpts = msg.acceptGain !== undefined ? { gain: msg.gain, acceptGain: msg.acceptGain } : {};
  accumulateDarkRangeCpu(analog, msg.data, msg.cellIds, msg.nFrames, nPixels, p0, p1, { ...gainOpts, mask: msg.mask });
  if (digital && msg.gain) accumulateDarkRangeCpu(digital, msg.gain, msg.cellIds, msg.nFrames, nPixels, p0, p1, { mask: msg.mask });
  parentPort?.postMessage(msg.id);
});
