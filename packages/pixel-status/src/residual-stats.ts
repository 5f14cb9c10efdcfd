/**
 * Feature 6 statistics: per pixel, the median over good frames of its plane-fit residual and the
 * plain MAD of those residuals (np.median(res, axis=0), np.median(|res - med|, axis=0)). The held
 * frames are processed one tile of pixels at a time: the tile's residuals for every good frame go
 * into a float64 stack of at most `tileBytes`, then @detcal/kernels madOverFrames reduces it.
 */
import { madOverFrames } from '@detcal/kernels';
import type { MaskedFrame } from './frame-data.js';
import { residualTiles, tileBounds, tileResiduals, type ResidualTile, type WindowGrid } from './plane-fit.js';

/** Pixels per selection batch inside madOverFrames (scratch = this x frames float64 values). */
const PIXELS_PER_BATCH = 32;

/** Default bytes of one tile's residual stack (per thread). */
export const DEFAULT_TILE_BYTES = 32 * 1024 * 1024;

/** What one worker (or the main thread) needs to reduce tiles. */
export interface ResidualJob {
  /** Held frames, frame-major (records x rows x cols), masked. */
  block: MaskedFrame;
  /** Record indices of the good frames. */
  good: Int32Array;
  /** Window grid of the frame. */
  grid: WindowGrid;
  /** Median of residuals per pixel (output, rows x cols). */
  outMedian: Float64Array;
  /** MAD of residuals per pixel (output, rows x cols). */
  outMad: Float64Array;
}

/** Work buffers reused across tiles. */
export interface ResidualScratch {
  /** Residual stack of one tile, frames x tile pixels. */
  stack: Float64Array;
  /** Selection scratch for madOverFrames. */
  select: Float64Array;
  /** Tile medians. */
  med: Float64Array;
  /** Tile MADs. */
  mad: Float64Array;
}

/** Allocates the work buffers for tiles of at most `tilePixels` pixels over `frames` frames. */
export function residualScratch(frames: number, tilePixels: number): ResidualScratch {
  return {
    stack: new Float64Array(frames * tilePixels),
    select: new Float64Array(frames * Math.min(PIXELS_PER_BATCH, tilePixels)),
    med: new Float64Array(tilePixels),
    mad: new Float64Array(tilePixels),
  };
}

/** Largest pixel count of the tiles. */
export function maxTilePixels(grid: WindowGrid, tiles: readonly ResidualTile[]): number {
  let most = 0;
  for (const t of tiles) {
    const b = tileBounds(grid, t);
    most = Math.max(most, (b.r1 - b.r0) * (b.c1 - b.c0));
  }
  return most;
}

/**
 * Computes residual median and MAD for the pixels of one tile and writes them into the job's outputs.
 * @param job - held frames, good frames, grid, outputs
 * @param t - the tile
 * @param scratch - buffers from residualScratch, large enough for the tile
 */
export function reduceTile(job: ResidualJob, t: ResidualTile, scratch: ResidualScratch): void {
  const { grid, good, block } = job;
  const b = tileBounds(grid, t);
  const w = b.c1 - b.c0;
  const tilePixels = (b.r1 - b.r0) * w;
  const framePixels = grid.rows * grid.cols;
  const nFrames = good.length;
  const stack = scratch.stack.subarray(0, nFrames * tilePixels);
  for (let g = 0; g < nFrames; g++) tileResiduals(block, good[g] * framePixels, grid, t, stack, g * tilePixels);
  const med = scratch.med.subarray(0, tilePixels);
  const mad = scratch.mad.subarray(0, tilePixels);
  madOverFrames(stack, nFrames, tilePixels, mad, scratch.select, { outMedian: med });
  for (let r = b.r0; r < b.r1; r++) {
    const o = r * grid.cols + b.c0;
    const i = (r - b.r0) * w;
    job.outMedian.set(med.subarray(i, i + w), o);
    job.outMad.set(mad.subarray(i, i + w), o);
  }
}

/**
 * Reduces every tile in this thread.
 * @param job - held frames, good frames, grid, outputs
 * @param tileBytes - budget of one tile's residual stack
 */
export function reduceAllTiles(job: ResidualJob, tileBytes = DEFAULT_TILE_BYTES): void {
  const tiles = residualTiles(job.grid, job.good.length, tileBytes);
  const scratch = residualScratch(job.good.length, maxTilePixels(job.grid, tiles));
  for (const t of tiles) reduceTile(job, t, scratch);
}
