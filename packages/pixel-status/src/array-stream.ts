/**
 * A FrameStream over frames already in memory or made on demand (tests, benchmarks, callers that
 * hold their frames): blocks of consecutive frames, re-readable from the first frame.
 */
import type { FrameBlock, FrameStream } from '@detcal/core';

/** Options of arrayFrameStream / generatedFrameStream. */
export interface ArrayStreamOptions {
  /** Frames per block (default 32). */
  blockFrames?: number;
  /** Label for messages (default 'memory'). */
  label?: string;
}

function makeBlock(data: Uint16Array | Float32Array, first: number, n: number, rows: number, cols: number): FrameBlock {
  const trainIds = new Float64Array(n);
  for (let i = 0; i < n; i++) trainIds[i] = first + i;
  return { module: 0, firstFrame: first, nFrames: n, rows, cols, data, cellIds: new Uint16Array(n), trainIds };
}

/**
 * Streams frames held in one array.
 * @param data - nFrames x rows x cols values, frame-major
 * @param rows - rows per frame
 * @param cols - columns per frame
 * @param opts - block size, label
 */
export function arrayFrameStream(data: Uint16Array | Float32Array, rows: number, cols: number, opts: ArrayStreamOptions = {}): FrameStream {
  const pixels = rows * cols;
  const nFrames = Math.floor(data.length / pixels);
  const bf = opts.blockFrames ?? 32;
  return {
    label: opts.label ?? 'memory',
    nFrames,
    rows,
    cols,
    hasGain: false,
    async *blocks() {
      for (let f = 0; f < nFrames; f += bf) {
        const n = Math.min(bf, nFrames - f);
        yield makeBlock(data.subarray(f * pixels, (f + n) * pixels), f, n, rows, cols);
      }
    },
  };
}

/**
 * Streams frames made on demand by `fill` (bounded memory: one block at a time).
 * @param nFrames - frames in the stream
 * @param rows - rows per frame
 * @param cols - columns per frame
 * @param fill - writes frame `index` into out (rows x cols values)
 * @param opts - block size, label
 */
export function generatedFrameStream(
  nFrames: number,
  rows: number,
  cols: number,
  fill: (index: number, out: Uint16Array) => void,
  opts: ArrayStreamOptions = {},
): FrameStream {
  const pixels = rows * cols;
  const bf = opts.blockFrames ?? 32;
  return {
    label: opts.label ?? 'generated',
    nFrames,
    rows,
    cols,
    hasGain: false,
    async *blocks() {
      const buf = new Uint16Array(bf * pixels);
      for (let f = 0; f < nFrames; f += bf) {
        const n = Math.min(bf, nFrames - f);
        for (let i = 0; i < n; i++) fill(f + i, buf.subarray(i * pixels, (i + 1) * pixels));
        yield makeBlock(buf.subarray(0, n * pixels), f, n, rows, cols);
      }
    },
  };
}
