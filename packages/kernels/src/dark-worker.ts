/**
 * Worker thread of the parallel dark pass: accumulates its pixel range [p0, p1) of every block the
 * main thread posts into accumulators that live on SharedArrayBuffers (no copies of the state).
 */
import { parentPort } from 'node:worker_threads';
import { accumulateDarkPairRangeCpu, accumulateDarkRangeCpu } from './cpu-dark.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import type { BlockData, GainData } from './compute-backend.js';

/** First message: the shared accumulators and this worker's pixel range. */
export interface DarkWorkerInit {
  type: 'init';
  analog: DarkAccumulator;
  digital?: DarkAccumulator;
  p0: number;
  p1: number;
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

parentPort?.on('message', (msg: DarkWorkerInit | DarkWorkerBlock) => {
  if (msg.type === 'init') {
    init = msg;
    return;
  }
  if (!init) throw new Error('dark worker: block before init');
  const { analog, digital, p0, p1 } = init;
  const nPixels = analog.nPixels;
  if (digital && msg.gain && msg.acceptGain === undefined && !msg.mask) {
    accumulateDarkPairRangeCpu(analog, digital, msg.data, msg.gain, msg.cellIds, msg.nFrames, nPixels, p0, p1);
  } else {
    const gainOpts = msg.acceptGain !== undefined ? { gain: msg.gain, acceptGain: msg.acceptGain } : {};
    accumulateDarkRangeCpu(analog, msg.data, msg.cellIds, msg.nFrames, nPixels, p0, p1, { ...gainOpts, mask: msg.mask });
    if (digital && msg.gain) accumulateDarkRangeCpu(digital, msg.gain, msg.cellIds, msg.nFrames, nPixels, p0, p1, { mask: msg.mask });
  }
  parentPort?.postMessage(msg.id);
});
