/**
 * Feature 6 across worker threads: the held frames and the outputs live in SharedArrayBuffers, the
 * workers take tiles from a shared counter. Runs in the calling thread when threads <= 1, when the
 * frames are not shared, or when the package runs from its TypeScript sources (no built worker file).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DetcalError } from '@detcal/core';
import type { MaskedFrame } from './frame-data.js';
import type { WindowGrid } from './plane-fit.js';
import { DEFAULT_TILE_BYTES, reduceAllTiles } from './residual-stats.js';

/** What a residual worker receives. */
export interface ResidualWorkerData {
  /** Held frames (shared). */
  block: SharedArrayBuffer;
  /** Frames are Uint32 (databits above 16 bits) rather than Uint16. */
  wide: boolean;
  /** Record indices of the good frames. */
  good: Int32Array;
  /** Frame rows. */
  rows: number;
  /** Frame columns. */
  cols: number;
  /** Window rows. */
  wr: number;
  /** Window columns. */
  wc: number;
  /** Residual median per pixel (shared float64). */
  outMedian: SharedArrayBuffer;
  /** Residual MAD per pixel (shared float64). */
  outMad: SharedArrayBuffer;
  /** Next tile index (shared int32). */
  counter: SharedArrayBuffer;
  /** Budget of one tile's residual stack, bytes. */
  tileBytes: number;
}

/** Residual median and MAD per pixel, and how they were computed. */
export interface ResidualStats {
  /** Median over good frames of each pixel's residual (ADU). */
  median: Float64Array;
  /** Plain MAD over good frames of each pixel's residual (ADU). */
  mad: Float64Array;
  /** Threads that ran (1 = the calling thread). */
  threads: number;
}

const WORKER_URL = new URL('./residual-worker.js', import.meta.url);

/** True when the built worker script exists next to this module (false when running from src/*.ts). */
export function residualWorkerAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Residual median and MAD per pixel over the good frames.
 * @param block - held masked frames, frame-major
 * @param good - record indices of the good frames
 * @param grid - window grid of the frame
 * @param opts - threads (default 1) and tile budget in bytes
 */
export async function reduceResiduals(
  block: MaskedFrame,
  good: Int32Array,
  grid: WindowGrid,
  opts: { threads?: number; tileBytes?: number } = {},
): Promise<ResidualStats> {
  const pixels = grid.rows * grid.cols;
  const tileBytes = opts.tileBytes ?? DEFAULT_TILE_BYTES;
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  const shared = block.buffer instanceof SharedArrayBuffer;
  if (threads <= 1 || !shared || !residualWorkerAvailable() || good.length === 0) {
    const median = new Float64Array(pixels);
    const mad = new Float64Array(pixels);
    reduceAllTiles({ block, good, grid, outMedian: median, outMad: mad }, tileBytes);
    return { median, mad, threads: 1 };
  }
  const outMedian = new SharedArrayBuffer(pixels * 8);
  const outMad = new SharedArrayBuffer(pixels * 8);
  const counter = new SharedArrayBuffer(4);
  const data: ResidualWorkerData = {
    block: block.buffer as SharedArrayBuffer,
    wide: block instanceof Uint32Array,
    good,
    rows: grid.rows,
    cols: grid.cols,
    wr: grid.wr,
    wc: grid.wc,
    outMedian,
    outMad,
    counter,
    tileBytes,
  };
  await Promise.all(
    Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(WORKER_URL, { workerData: data });
      let done = false;
      w.once('message', () => { done = true; });
      w.once('error', (err) => reject(new DetcalError('INTERNAL', `feature 6 worker failed: ${err.message}`, { cause: err })));
      w.once('exit', (code) => (done ? resolve() : reject(new DetcalError('INTERNAL', `feature 6 worker exited with code ${code} before finishing; run with --threads 1`))));
    })),
  );
  return { median: new Float64Array(outMedian), mad: new Float64Array(outMad), threads };
}
