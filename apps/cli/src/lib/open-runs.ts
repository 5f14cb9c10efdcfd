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
  /** Frames per block (default 64). */
  blockFrames?: number;
}

/** Opens one run as a FrameStream (metadata read now, frames streamed later). */
export async function openRun(plugin: DetectorPlugin, input: string, sel: RunSelection): Promise<FrameStream> {
  const found = await discoverRun(input, { layout: sel.dataset ? undefined : plugin.layout, module: sel.module, dataset: sel.dataset });
  const source = await openFrameSource({
    files: found.files,
    layout: sel.dataset ? undefined : plugin.layout,
    module: sel.module,
    dataset: sel.dataset,
    blockFrames: sel.blockFrames ?? 64,
    firstFrame: sel.firstFrame,
    lastFrame: sel.lastFrame,
    stride: sel.stride,
  });
  return {
    label: input,
    run: found.run,
    nFrames: source.nFrames,
    rows: source.rows,
    cols: source.cols,
    cellsPerTrain: source.cellsPerTrain,
    hasGain: source.hasGain,
    blocks: () => source.blocks(),
  };
}
