/**
 * Worker thread of the parallel dark pass: accumulates its pixel range [p0, p1) of every block the
 * main thread posts into accumulators that live on SharedArrayBuffers (no copies of the state).
 */
import { parentPort } from 'node:worker_threads';
import { accumulateDarkRangeCpu } from './cpu-dark.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { accumulateDarkPairCpu, type DarkPairAccumulator } from './dark-pair-accumulator.js';
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

let init: DarkWorkerInit | undefined;

parentPort?.on('message', (msg: DarkWorkerInit | DarkWorkerBlock | DarkWorkerPairBlock) => {
  if (msg.type === 'init') {
    init = msg;
    return;
  }
  if (!init) throw new Error('dark worker: block before init');
  const { analog, digital, pair, p0, p1 } = init;
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
