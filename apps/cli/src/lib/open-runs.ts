/** Opens the runs a command was given as FrameStreams: run folders, sequence files, or any file with --dataset. */
import type { DetectorPlugin, FrameStream } from '@detcal/core';
import { discoverRun, openFrameSource } from '@detcal/hdf5';

/** Frame selection and block size shared by the commands that read runs. */
export interface RunSelection {
  /** Module index. */
  module: number;
  /** Read frames from this dataset instead of the detector's raw layout. */
  dataset?: string;
  /** First frame to read. */
  firstFrame?: number;
  /** End of the frame range (exclusive). */
  lastFrame?: number;
  /** Read every stride-th frame. */
  stride?: number;
  /** Frames per block (default: 64, fewer for large frames so a block holds at most about 8 MB). */
  blockFrames?: number;
  /** Without blockFrames: blocks of this many whole trains where they fit in 32 MB of values (the dark pass adds a cell's frames of one block together). */
  blockTrains?: number;
}

/** Target bytes of raw values per block read: large frames (ePix100, pnCCD: 1-2 MB) in small blocks keep the h5wasm heap small. */
const BLOCK_BYTES = 8 * 1024 * 1024;

/** Frames per block so that a block holds at most about 8 MB of raw values (at most `most`). */
export function blockFramesFor(frameBytes: number, most: number): number {
  return Math.max(1, Math.min(most, Math.floor(BLOCK_BYTES / frameBytes)));
}

/** Most bytes of values per block when blocks are sized in trains. */
const TRAIN_BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * Frames per block for `trains` whole trains of `cells` frames, within 32 MB of values, never fewer than
 * the 8 MB default. When not even one train fits (AGIPD with 352 cells), a block holds at most one frame
 * of each cell whatever its size, so it gets the 8 MB default: larger blocks would only cost memory.
 */
export function blockFramesForTrains(frameBytes: number, cells: number, trains: number): number {
  const fit = Math.floor(TRAIN_BLOCK_BYTES / frameBytes);
  if (cells > fit) return blockFramesFor(frameBytes, 64);
  return Math.max(blockFramesFor(frameBytes, 64), Math.min(cells * trains, fit));
}

/** A run opened as a FrameStream, with the files it reads. */
export interface OpenedRun extends FrameStream {
  /** Sequence files (or the one file) read, in order. */
  files: string[];
}

/** Opens one run as a FrameStream (metadata read now, frames streamed later). */
export async function openRun(plugin: DetectorPlugin, input: string, sel: RunSelection): Promise<OpenedRun> {
  const found = await discoverRun(input, { layout: sel.dataset ? undefined : plugin.layout, module: sel.module, dataset: sel.dataset });
  let source = await openFrameSource({
    files: found.files,
    layout: sel.dataset ? undefined : plugin.layout,
    module: sel.module,
    dataset: sel.dataset,
    blockFrames: sel.blockFrames ?? 64,
    firstFrame: sel.firstFrame,
    lastFrame: sel.lastFrame,
    stride: sel.stride,
  });
  if (sel.blockFrames === undefined) {
    const frameBytes = source.rows * source.cols * 2;
    const sized = sel.blockTrains && source.cellsPerTrain ? blockFramesForTrains(frameBytes, source.cellsPerTrain, sel.blockTrains) : blockFramesFor(frameBytes, source.blockFrames);
    if (sized !== source.blockFrames) source = source.withBlockFrames(sized);
  }
  return {
    label: input,
    run: found.run,
    nFrames: source.nFrames,
    rows: source.rows,
    cols: source.cols,
    cellsPerTrain: source.cellsPerTrain,
    hasGain: source.hasGain,
    u2Values: source.dtype === 'u1' || source.dtype === 'u2',
    blocks: (opts) => source.blocks(opts),
    files: found.files,
  };
}
