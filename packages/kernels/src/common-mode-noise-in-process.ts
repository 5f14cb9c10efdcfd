/**
 * The common-mode noise pass on this thread alone (--threads 1 on the CPU backend): the same
 * CommonModeNoiseContext a worker runs, accumulating its own corrected values, so a single row-segment
 * pass takes the WebAssembly SIMD kernels here too (the darkPass transform path corrects into a value
 * buffer and accumulates it with the JS kernel: ~3.5x slower on the ePix100 bench). Frames are taken in
 * read order, as one worker of commonModeNoiseOnWorkers would take all of them.
 */
import { DetcalError, type BlockRing, type FrameStream } from '@detcal/core';
import { CommonModeNoiseContext, type CommonModeNoiseInit } from './common-mode-noise-context.js';
import { nonEmptySingleCellFrames, type CommonModeNoiseWorkersResult } from './common-mode-noise-pool.js';
import { noDarkFramesError } from './dark-run.js';

/** Settings of {@link commonModeNoiseInProcess}. */
export interface CommonModeNoiseInProcessOptions {
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress. */
  phase: string;
  /** Block arrays to read into, shared with the method's other passes over the run. */
  ring?: BlockRing;
}

/**
 * Streams the run once through one context on this thread.
 * @param stream - the dark run (single gain, one memory cell)
 * @param init - the context's init data (createCommonModeNoiseInit)
 * @param opts - progress
 * @returns the accumulators and counters (plain arrays), and the empty frames skipped
 */
export async function commonModeNoiseInProcess(stream: FrameStream, init: CommonModeNoiseInit, opts: CommonModeNoiseInProcessOptions): Promise<CommonModeNoiseWorkersResult> {
  const nPixels = stream.rows * stream.cols;
  const context = new CommonModeNoiseContext(init, undefined, true);
  let emptyFrames = 0, frames = 0;
  for await (const raw of stream.blocks({ keep: 1, ring: opts.ring })) {
    const { block, dropped } = nonEmptySingleCellFrames(stream, raw, nPixels);
    emptyFrames += dropped;
    if (block.nFrames > 0) context.addBlock(block.data, block.cellIds, block.nFrames, 0, block.nFrames, frames);
    frames += block.nFrames;
    opts.progress?.(raw.nFrames, raw.data.byteLength + (raw.gain?.byteLength ?? 0), opts.phase);
  }
  if (frames === 0) {
    throw noDarkFramesError(stream.label, emptyFrames);
  }
  // copies of the arrays that live in the kernels' WebAssembly memory: results may be posted to workers later
  const partial = context.partial;
  if (!partial.corrected) throw new DetcalError('INTERNAL', 'common-mode context returned no corrected accumulator');
  return { partial: partial as CommonModeNoiseWorkersResult['partial'], emptyFrames };
}
