/**
 * Simulated runs with per-frame truth (light, X-ray) of any detector: the filler writes the raw values and the truth
 * of each block together, so blocks() and truthBlocks() replay the same random draws.
 */
import type { FrameBlock, SimulatedRun, TruthBlock } from '@detcal/core';
import { frameBlocks, type RunFrames, type RunLabel } from './frame-blocks.js';

/** One per-pixel truth array of a light run: its name and element type. */
export interface TruthArraySpec {
  /** Name (e.g. 'energyKev', 'gainStage'). */
  name: string;
  /** Element type: f4 (Float32Array) or u1 (Uint8Array). */
  dtype: 'f4' | 'u1';
}

/** Writes the raw values of a block and its truth (arrays sized like block.data). */
export type LightFiller = (block: FrameBlock, truth: TruthBlock) => void;

function* withTruth(frames: RunFrames, maxFrames: number, specs: readonly TruthArraySpec[], fill: LightFiller): Generator<[FrameBlock, TruthBlock]> {
  let truth: TruthBlock | undefined;
  const gen = frameBlocks(frames, maxFrames, (block) => {
    const n = block.nFrames * block.rows * block.cols;
    const arrays: TruthBlock['arrays'] = {};
    for (const s of specs) arrays[s.name] = s.dtype === 'f4' ? new Float32Array(n) : new Uint8Array(n);
    truth = { firstFrame: block.firstFrame, nFrames: block.nFrames, arrays };
    fill(block, truth);
  });
  for (const block of gen) yield [block, truth as TruthBlock];
}

/** A SimulatedRun with truthBlocks(); every call starts over with a fresh filler, so passes agree frame by frame. */
export function simulatedTruthRun(label: RunLabel, frames: RunFrames, specs: readonly TruthArraySpec[], makeFiller: () => LightFiller): SimulatedRun {
  return {
    run: label.run,
    label: label.label,
    gainStage: label.gainStage,
    trains: frames.trains,
    cellsPerTrain: frames.cellsPerTrain,
    nFrames: frames.trains * frames.cellsPerTrain,
    *blocks(maxFrames: number): Iterable<FrameBlock> {
      for (const [block] of withTruth(frames, maxFrames, specs, makeFiller())) yield block;
    },
    *truthBlocks(maxFrames: number): Iterable<TruthBlock> {
      for (const [, truth] of withTruth(frames, maxFrames, specs, makeFiller())) yield truth;
    },
  };
}
