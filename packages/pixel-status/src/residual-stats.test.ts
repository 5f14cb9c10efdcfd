import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { frameResiduals, windowGrid } from './plane-fit.js';
import { reduceAllTiles } from './residual-stats.js';
import { reduceResiduals } from './residual-parallel.js';

function npMedian(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

describe('feature 6 residual median / MAD over frames', () => {
  const rows = 9, cols = 10, wr = 4, wc = 3, frames = 6;
  const rng = new Random(11);
  const block = Uint16Array.from({ length: frames * rows * cols }, () => Math.round(500 + 10 * rng.normal()));
  const good = Int32Array.from([0, 2, 3, 5]);
  // brute force: residual frames, then per-pixel median and MAD with sorting
  const res = Array.from(good, (f) => frameResiduals(block.subarray(f * rows * cols, (f + 1) * rows * cols), rows, cols, wr, wc));
  const expMed = new Float64Array(rows * cols);
  const expMad = new Float64Array(rows * cols);
  for (let p = 0; p < rows * cols; p++) {
    const col = res.map((r) => r[p]);
    expMed[p] = npMedian(col);
    expMad[p] = npMedian(col.map((v) => Math.abs(v - expMed[p])));
  }

  it('matches a brute-force computation, whatever the tile budget', () => {
    for (const budget of [Infinity, 8 * good.length * 4 * 3]) {
      const outMedian = new Float64Array(rows * cols);
      const outMad = new Float64Array(rows * cols);
      reduceAllTiles({ block, good, grid: windowGrid(rows, cols, wr, wc), outMedian, outMad }, budget);
      for (let p = 0; p < rows * cols; p++) {
        expect(outMedian[p]).toBeCloseTo(expMed[p], 9);
        expect(outMad[p]).toBeCloseTo(expMad[p], 9);
      }
    }
  });
  it('runs in the calling thread from the sources (no built worker) with the same result', async () => {
    const r = await reduceResiduals(block, good, windowGrid(rows, cols, wr, wc), { threads: 2 });
    expect(r.threads).toBe(1);
    for (let p = 0; p < rows * cols; p++) expect(r.median[p]).toBeCloseTo(expMed[p], 9);
  });
});
