/**
 * Reading a block's pending pixel values (FrameBlock.pending, BlockReadOptions.pendingPixels) by
 * position: pixels [p0, p1) of every frame (or of single frames), so each thread that owns a pixel
 * range or some frames reads only its own share of the block, in parallel with the others.
 */
import fs from 'node:fs';
import { DetcalError } from './errors.js';
import type { PendingFrameRun } from './plugin-types.js';

/** The block arrays a pending read fills (a block's, or copies of its layout). */
export interface PendingTarget {
  /** Receives the values, frame-major. */
  data: Uint8Array | Uint16Array | Float32Array;
  /** Receives the gain values, same layout. */
  gain?: Uint8Array | Uint16Array;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
}

/**
 * Reads pixels [p0, p1) of every frame of the runs into the block's arrays (nothing is read when a run
 * does not fit the block).
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
  const frames = new Set<number>();
  for (const run of runs) {
    const target = run.into === 'data' ? block.data : block.gain;
    if (!target) throw new DetcalError('INTERNAL', `${run.file}: a pending read of gain values into a block without a gain array`);
    if (run.frame < 0 || (run.frame + run.frames) * nPixels > target.length) {
      throw new DetcalError('INTERNAL', `${run.file}: a pending read of frames ${run.frame}..${run.frame + run.frames - 1} does not fit the block`);
    }
    for (let k = 0; k < run.frames; k++) frames.add(run.frame + k);
  }
  if (p1 === p0) return;
  const data = block.data.BYTES_PER_ELEMENT, gain = block.gain?.BYTES_PER_ELEMENT ?? 0;
  const reader = pendingFrameReader(runs, { data, gain }, p0, p1);
  try {
    for (const f of frames) reader.read(f, block.data, (f * nPixels + p0) * data, block.gain, (f * nPixels + p0) * gain);
  } finally {
    reader.close();
  }
}

/** Reads single frames of a pending block anywhere (pendingFrameReader). */
export interface PendingFrameReader {
  /**
   * Reads pixels [p0, p1) of block frame `frame`: its values to byte `dataAt` of `data` and its gain values
   * to byte `gainAt` of `gain` (where pixel p0 goes; a kernel's scratch, or the block's own arrays).
   */
  read(frame: number, data: NodeJS.ArrayBufferView, dataAt: number, gain: NodeJS.ArrayBufferView | undefined, gainAt: number): void;
  /** Closes the files it opened. */
  close(): void;
}

/**
 * A reader of pixels [p0, p1) of single frames of a pending block, in any order and to any place: a
 * consumer that adds a block's frames grouped by memory cell reads each group into a small scratch just
 * before it adds it, instead of reading the whole block into memory first.
 * @param runs - block.pending.runs
 * @param valueBytes - bytes per value of the block's data and gain arrays
 * @param p0 - first pixel
 * @param p1 - end pixel (exclusive)
 */
export function pendingFrameReader(runs: readonly PendingFrameRun[], valueBytes: { data: number; gain?: number }, p0: number, p1: number): PendingFrameReader {
  if (!(Number.isInteger(p0) && Number.isInteger(p1) && p0 >= 0 && p0 <= p1)) throw new RangeError(`bad pixel range [${p0}, ${p1})`);
  const byFrame = new Map<number, PendingFrameRun[]>();
  for (const run of runs) {
    for (let k = 0; k < run.frames; k++) {
      const list = byFrame.get(run.frame + k);
      if (list) list.push(run);
      else byFrame.set(run.frame + k, [run]);
    }
  }
  const fds = new Map<string, number>();
  return {
    read(frame, data, dataAt, gain, gainAt): void {
      const list = byFrame.get(frame);
      if (!list) throw new DetcalError('INTERNAL', `frame ${frame} is not in the pending block`);
      for (const run of list) {
        const bpe = run.into === 'data' ? valueBytes.data : valueBytes.gain;
        const target = run.into === 'data' ? data : gain;
        if (!target || bpe === undefined) throw new DetcalError('INTERNAL', `${run.file}: a pending read of gain values without a place for them`);
        let fd = fds.get(run.file);
        if (fd === undefined) {
          fd = openForReading(run.file);
          fds.set(run.file, fd);
        }
        readAll(fd, run.file, target, run.into === 'data' ? dataAt : gainAt, (p1 - p0) * bpe, run.position + (frame - run.frame) * run.strideBytes + p0 * bpe);
      }
    },
    close(): void {
      for (const fd of fds.values()) fs.closeSync(fd);
      fds.clear();
    },
  };
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
