/**
 * Block generator of simulated runs: consecutive FrameBlocks of at most maxFrames frames, with
 * memory-cell, train and pulse ids filled in, pixel values produced on the fly by a detector's filler.
 * Shared helper: identical in the four built-in detector plugins.
 */
import { DetcalError } from '@detcal/core';
import type { FrameBlock, SimulatedRun } from '@detcal/core';

/** What the block generator needs to know about the frames of one run. */
export interface RunFrames {
  /** Module index written into every block. */
  module: number;
  /** Number of trains. */
  trains: number;
  /** Frames (memory cells) per train; cell ids cycle 0..cellsPerTrain-1 within each train. */
  cellsPerTrain: number;
  /** Train id of the first train; the following trains count up by one. */
  firstTrainId: number;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
  /** Element type of the per-pixel gain values: none, u1 (Jungfrau gain bits) or u2 (AGIPD digital value). */
  gain: 'none' | 'u1' | 'u2';
  /** Whether blocks carry pulse ids (the frame's position in its train). */
  pulseIds: boolean;
}

/** Writes the pixel (and gain) values of one block whose ids are filled in; called for consecutive blocks, in order. */
export type BlockFiller = (block: FrameBlock) => void;

/** Description of a run besides its frames: number, label and gain stage. */
export interface RunLabel {
  /** Run number used in file names. */
  run: number;
  /** Human label (e.g. 'high', 'forceswitchg1', 'dark'). */
  label: string;
  /** Gain stage the run exercises. */
  gainStage: number;
}

/** Frames per block: whole trains when at least one train fits into maxFrames, else maxFrames. */
export function framesPerBlock(maxFrames: number, cellsPerTrain: number): number {
  if (!Number.isInteger(maxFrames) || maxFrames < 1) {
    throw new DetcalError('BAD_INPUT', `maxFrames must be a positive integer, got ${maxFrames}`);
  }
  return maxFrames >= cellsPerTrain ? maxFrames - (maxFrames % cellsPerTrain) : maxFrames;
}

/** Yields the run's frames in blocks of framesPerBlock(maxFrames) frames; fill writes the values of each. */
export function* frameBlocks(frames: RunFrames, maxFrames: number, fill: BlockFiller): Generator<FrameBlock> {
  const step = framesPerBlock(maxFrames, frames.cellsPerTrain);
  const nFrames = frames.trains * frames.cellsPerTrain;
  const pixels = frames.rows * frames.cols;
  for (let first = 0; first < nFrames; first += step) {
    const n = Math.min(step, nFrames - first);
    const block: FrameBlock = {
      module: frames.module,
      firstFrame: first,
      nFrames: n,
      rows: frames.rows,
      cols: frames.cols,
      data: new Uint16Array(n * pixels),
      cellIds: new Uint16Array(n),
      trainIds: new Float64Array(n),
    };
    if (frames.gain === 'u1') block.gain = new Uint8Array(n * pixels);
    if (frames.gain === 'u2') block.gain = new Uint16Array(n * pixels);
    if (frames.pulseIds) block.pulseIds = new Float64Array(n);
    for (let f = 0; f < n; f++) {
      const i = first + f;
      const cell = i % frames.cellsPerTrain;
      block.cellIds[f] = cell;
      block.trainIds[f] = frames.firstTrainId + Math.floor(i / frames.cellsPerTrain);
      if (block.pulseIds) block.pulseIds[f] = cell;
    }
    fill(block);
    yield block;
  }
}

/** A SimulatedRun whose every blocks() call starts over with a fresh filler, so each pass gives the same values. */
export function simulatedRun(label: RunLabel, frames: RunFrames, makeFiller: () => BlockFiller): SimulatedRun {
  return {
    run: label.run,
    label: label.label,
    gainStage: label.gainStage,
    trains: frames.trains,
    cellsPerTrain: frames.cellsPerTrain,
    nFrames: frames.trains * frames.cellsPerTrain,
    blocks(maxFrames: number): Iterable<FrameBlock> {
      framesPerBlock(maxFrames, frames.cellsPerTrain);
      return frameBlocks(frames, maxFrames, makeFiller());
    },
  };
}

/** Train id of a run's first train: 10000, then each run starts 1000 trains after the previous one ended. */
export function firstTrainIdOf(runIndex: number, trains: number): number {
  return 10_000 + runIndex * (trains + 1000);
}
