/**
 * Worker thread of feature 6: takes tiles from a shared counter and writes residual median / MAD
 * into the shared outputs. Started by reduceResiduals (residual-parallel.ts) from the built package.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { windowGrid, residualTiles } from './plane-fit.js';
import { maxTilePixels, reduceTile, residualScratch, type ResidualJob } from './residual-stats.js';
import type { ResidualWorkerData } from './residual-parallel.js';

const d = workerData as ResidualWorkerData;
const grid = windowGrid(d.rows, d.cols, d.wr, d.wc);
const job: ResidualJob = {
  block: d.wide ? new Uint32Array(d.block) : new Uint16Array(d.block),
  good: d.good,
  grid,
  outMedian: new Float64Array(d.outMedian),
  outMad: new Float64Array(d.outMad),
};
const tiles = residualTiles(grid, d.good.length, d.tileBytes);
const counter = new Int32Array(d.counter);
const scratch = residualScratch(d.good.length, maxTilePixels(grid, tiles));
for (let i = Atomics.add(counter, 0, 1); i < tiles.length; i = Atomics.add(counter, 0, 1)) reduceTile(job, tiles[i], scratch);
parentPort?.postMessage('done');
