/** Worker pools post pixel arrays that live on shared memory; anything else is copied into a reusable shared slot. */
import { readPendingPixels, type PendingFrameRun } from '@detcal/core';
import type { BlockData, GainData } from './compute-backend.js';

/**
 * `src` itself when it already lives on a SharedArrayBuffer (blocks from @detcal/hdf5 do), else a copy
 * into `slot` (reused when it has the same type and is large enough, else a new shared array).
 * @param src - values to hand to workers
 * @param slot - the previous copy made for this slot, if any
 * @returns a view on shared memory with src's values
 */
export function sharedCopy<T extends BlockData | GainData | Uint8Array>(src: T, slot: T | undefined): T {
  if (src.buffer instanceof SharedArrayBuffer) return src;
  const Ctor = src.constructor as new (buf: SharedArrayBuffer | number, off?: number, len?: number) => T;
  const fits = slot && slot.constructor === src.constructor && slot.buffer.byteLength >= src.byteLength;
  const target = fits ? new Ctor(slot.buffer as SharedArrayBuffer, 0, src.length) : new Ctor(new SharedArrayBuffer(src.byteLength), 0, src.length);
  target.set(src as never);
  return target;
}

/**
 * The pending reads (FrameBlock.pending) workers can do into these arrays: `pending` when the arrays live on
 * shared memory (blocks from @detcal/hdf5 do), else none, the values having been read here first.
 * @param pending - the block's pending runs
 * @param data - the block's values
 * @param gain - its gain values, if any
 * @param nFrames - frames in the block
 * @returns the runs to post to the workers, or undefined
 */
export function pendingForWorkers(pending: readonly PendingFrameRun[] | undefined, data: BlockData, gain: GainData | undefined, nFrames: number): readonly PendingFrameRun[] | undefined {
  if (!pending || (data.buffer instanceof SharedArrayBuffer && (!gain || gain.buffer instanceof SharedArrayBuffer))) return pending;
  readPendingPixels({ data, gain, rows: 1, cols: data.length / nFrames }, pending);
  return undefined;
}
