/**
 * Reading a block's pending pixel values (FrameBlock.pending, BlockReadOptions.pendingPixels) by
 * position: pixels [p0, p1) of every frame, so each thread that owns a pixel range reads only its own
 * share of the block into the block's shared arrays, in parallel with the others.
 */
import fs from 'node:fs';
import { DetcalError } from './errors.js';
import type { FrameBlock, PendingFrameRun } from './plugin-types.js';

/** The block arrays a pending read fills. */
export type PendingTarget = Pick<FrameBlock, 'data' | 'gain' | 'rows' | 'cols'>;

/**
 * Reads pixels [p0, p1) of every frame of the runs into the block's arrays (whole frames in one read
 * per run when the range is the whole frame and the frames lie back to back).
 * @param block - the block whose data / gain arrays receive the values
 * @param runs - block.pending.runs
 * @param p0 - first pixel (index within a frame)
 * @param p1 - end pixel (exclusive)
 */
export function readPendingPixels(block: PendingTarget, runs: readonly PendingFrameRun[], p0 = 0, p1 = block.rows * block.cols): void {
  const nPixels = block.rows * block.cols;
  if (!(Number.isInteger(p0) && Number.isInteger(p1) && p0 >= 0 && p0 <= p1 && p1 <= nPixels)) {
    throw new RangeError(`pixel range [${p0}, ${p1}) outside a frame of ${nPixels} pixels`);
  }
  if (p1 === p0) return;
  const fds = new Map<string, number>();
  try {
    for (const run of runs) {
      const target = run.into === 'data' ? block.data : block.gain;
      if (!target) throw new DetcalError('INTERNAL', `${run.file}: a pending read of gain values into a block without a gain array`);
      let fd = fds.get(run.file);
      if (fd === undefined) {
        fd = openForReading(run.file);
        fds.set(run.file, fd);
      }
      const bpe = target.BYTES_PER_ELEMENT;
      const frameBytes = nPixels * bpe;
      if (run.frame < 0 || (run.frame + run.frames) * frameBytes > target.byteLength) {
        throw new DetcalError('INTERNAL', `${run.file}: a pending read of frames ${run.frame}..${run.frame + run.frames - 1} does not fit the block`);
      }
      if (p0 === 0 && p1 === nPixels && run.strideBytes === frameBytes) {
        readAll(fd, run.file, target, run.frame * frameBytes, run.frames * frameBytes, run.position);
        continue;
      }
      const bytes = (p1 - p0) * bpe;
      for (let k = 0; k < run.frames; k++) {
        readAll(fd, run.file, target, (run.frame + k) * frameBytes + p0 * bpe, bytes, run.position + k * run.strideBytes + p0 * bpe);
      }
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
}

function openForReading(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DetcalError('NOT_FOUND', `${file}: cannot be opened for reading (${code}); check that the run's files are still there`);
  }
}

/** Reads `length` bytes at file offset `position` into `into` at byte `at`, or throws naming the file. */
function readAll(fd: number, file: string, into: NodeJS.ArrayBufferView, at: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, into, at + done, length - done, position + done);
    if (n <= 0) {
      throw new DetcalError('BAD_INPUT', `${file}: ${length} bytes at offset ${position} could not be read (the file is shorter than its HDF5 layout says: truncated or changed while reading); copy the file again`);
    }
    done += n;
  }
}
