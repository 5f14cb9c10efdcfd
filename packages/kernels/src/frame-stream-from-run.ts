/**
 * FrameStreams without files. frameStreamFromRun wraps a SimulatedRun, so dark steps can be tested
 * on simulated frames: every blocks() call starts the run's generator again (same frames each
 * pass; or replays them from memory with `cache`) and yields its blocks asynchronously; rows,
 * columns and whether blocks carry gain values are read from the run's first frame unless given.
 * frameStreamFromFrames streams frames already held in memory.
 */
import { DetcalError, type FrameBlock, type FrameStream, type SimulatedRun } from '@detcal/core';

/** How {@link frameStreamFromRun} presents a run. */
export interface FrameStreamFromRunOptions {
  /** Frames per block (default 32). */
  blockFrames?: number;
  /** Rows of a frame; read from the first frame when missing (with cols and hasGain). */
  rows?: number;
  /** Columns of a frame. */
  cols?: number;
  /** Blocks carry per-pixel gain values. */
  hasGain?: boolean;
  /** Label for messages (default 'simulated run <run> (<label>)'). */
  label?: string;
  /** Keep the blocks of the first complete pass in memory and replay them (multi-pass tests: the run is simulated once; memory = the whole run). */
  cache?: boolean;
}

/**
 * Wraps a SimulatedRun as a FrameStream.
 * @param run - the simulated run (plugin.steps.simulate(...).runs[i])
 * @param opts - block size, frame shape, label
 * @returns a stream that can be read any number of times
 */
export function frameStreamFromRun(run: SimulatedRun, opts: FrameStreamFromRunOptions = {}): FrameStream {
  const blockFrames = opts.blockFrames ?? 32;
  let { rows, cols, hasGain } = opts;
  if (rows === undefined || cols === undefined || hasGain === undefined) {
    const first = firstBlock(run);
    rows ??= first.rows;
    cols ??= first.cols;
    hasGain ??= first.gain !== undefined;
  }
  return {
    label: opts.label ?? `simulated run ${run.run} (${run.label})`,
    run: run.run,
    nFrames: run.nFrames,
    rows,
    cols,
    cellsPerTrain: run.cellsPerTrain,
    hasGain,
    blocks: opts.cache ? cachedBlocks(run, blockFrames) : () => asyncBlocks(run, blockFrames),
  };
}

function cachedBlocks(run: SimulatedRun, blockFrames: number): () => AsyncIterable<FrameBlock> {
  let cached: FrameBlock[] | undefined;
  return async function* blocks(): AsyncGenerator<FrameBlock> {
    if (cached) {
      yield* cached;
      return;
    }
    const kept: FrameBlock[] = [];
    for (const b of run.blocks(blockFrames)) {
      kept.push(b);
      yield b;
    }
    cached = kept;
  };
}

function firstBlock(run: SimulatedRun): FrameBlock {
  for (const b of run.blocks(1)) return b;
  throw new DetcalError('BAD_INPUT', `simulated run ${run.run} (${run.label}) has no frames: simulate at least one train`);
}

async function* asyncBlocks(run: SimulatedRun, blockFrames: number): AsyncGenerator<FrameBlock> {
  for (const b of run.blocks(blockFrames)) yield b;
}

/** Frames held in memory, as {@link frameStreamFromFrames} presents them. */
export interface FramesInMemory {
  /** Values, frame-major (nFrames * rows * cols). */
  data: Uint16Array | Float32Array;
  /** Frames. */
  nFrames: number;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
}

/**
 * A FrameStream over frames held in memory (single module, no memory cells, no gain values):
 * blocks are views of `frames.data`, train ids count from 10000.
 * @param frames - the values and their shape
 * @param opts - frames per block (default 32) and label
 * @returns a stream that can be read any number of times
 */
export function frameStreamFromFrames(frames: FramesInMemory, opts: { blockFrames?: number; label?: string } = {}): FrameStream {
  const { data, nFrames, rows, cols } = frames;
  const nPixels = rows * cols;
  if (data.length !== nFrames * nPixels) {
    throw new DetcalError('SHAPE_MISMATCH', `frameStreamFromFrames: ${data.length} values are not ${nFrames} frames of ${rows} x ${cols}`);
  }
  const step = opts.blockFrames ?? 32;
  async function* blocks(): AsyncGenerator<FrameBlock> {
    for (let first = 0; first < nFrames; first += step) {
      const n = Math.min(step, nFrames - first);
      yield {
        module: 0,
        firstFrame: first,
        nFrames: n,
        rows,
        cols,
        data: data.subarray(first * nPixels, (first + n) * nPixels),
        cellIds: new Uint16Array(n),
        trainIds: Float64Array.from({ length: n }, (_, i) => 10_000 + first + i),
      };
    }
  }
  return { label: opts.label ?? 'frames in memory', nFrames, rows, cols, cellsPerTrain: 1, hasGain: false, u2Values: data instanceof Uint16Array, blocks };
}
