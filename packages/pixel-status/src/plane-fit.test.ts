import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { frameResiduals, ownedRanges, residualTiles, tileBounds, windowEdges, windowGrid } from './plane-fit.js';

/** Least squares z = a*x + b*y + c on a window by the normal equations (uncentred design, 3x3 solve). */
function solverResiduals(z: number[][]): number[][] {
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const v = [0, 0, 0];
  z.forEach((row, y) => row.forEach((val, x) => {
    const a = [x, y, 1];
    for (let i = 0; i < 3; i++) {
      v[i] += a[i] * val;
      for (let j = 0; j < 3; j++) m[i][j] += a[i] * a[j];
    }
  }));
  // Gaussian elimination
  for (let i = 0; i < 3; i++) {
    for (let k = i + 1; k < 3; k++) {
      const f = m[k][i] / m[i][i];
      for (let j = i; j < 3; j++) m[k][j] -= f * m[i][j];
      v[k] -= f * v[i];
    }
  }
  const p = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let s = v[i];
    for (let j = i + 1; j < 3; j++) s -= m[i][j] * p[j];
    p[i] = s / m[i][i];
  }
  return z.map((row, y) => row.map((val, x) => val - (p[0] * x + p[1] * y + p[2])));
}

describe('feature 6 windows', () => {
  it('pushes the last window flush with the edge, as the reference edges', () => {
    expect(Array.from(windowEdges(704, 15)).slice(-3)).toEqual([660, 675, 689]);
    expect(windowEdges(704, 15).length).toBe(47);
    expect(Array.from(windowEdges(768, 15)).slice(-2)).toEqual([750, 753]);
    expect(Array.from(windowEdges(30, 15))).toEqual([0, 15]);
    expect(Array.from(windowEdges(15, 15))).toEqual([0]);
    expect(() => windowEdges(10, 15)).toThrow(/does not fit/);
  });
  it('gives overlapped pixels to the window fitted last', () => {
    const own = ownedRanges(windowEdges(5, 3), 3); // windows [0, 3) and [2, 5)
    expect(Array.from(own.from)).toEqual([0, 2]);
    expect(Array.from(own.to)).toEqual([2, 5]);
  });
  it('splits tiles by the budget, at least one window each', () => {
    const g = windowGrid(30, 45, 15, 15);
    expect(residualTiles(g, 10, Infinity)).toEqual([{ k: 0, j0: 0, j1: 3 }, { k: 1, j0: 0, j1: 3 }]);
    const small = residualTiles(g, 10, 8 * 10 * 15 * 20);
    expect(small).toHaveLength(6);
    expect(tileBounds(g, small[4])).toEqual({ r0: 15, r1: 30, c0: 15, c1: 30 });
  });
});

describe('feature 6 closed-form plane fit', () => {
  it('matches a 2x2 window computed by hand', () => {
    // a = 1.5, b = 2.5, mean 2.75: residuals +-0.25
    expect(Array.from(frameResiduals([1, 2, 3, 5], 2, 2, 2, 2))).toEqual([0.25, -0.25, -0.25, 0.25]);
  });
  it('leaves no residual on a plane, and matches a least-squares solver on random windows', () => {
    const plane = Array.from({ length: 6 * 7 }, (_, i) => 3 * (i % 7) - 2 * Math.floor(i / 7) + 100);
    expect(frameResiduals(plane, 6, 7, 3, 4).every((v) => Math.abs(v) < 1e-9)).toBe(true);
    const rng = new Random(3);
    const rows = 7, cols = 11, wr = 3, wc = 4;
    const frame = Array.from({ length: rows * cols }, () => Math.round(1000 + 50 * rng.normal()));
    const res = frameResiduals(frame, rows, cols, wr, wc);
    // expected: fit every window in row-major order, later windows overwrite (reference semantics)
    const expected = new Float64Array(rows * cols);
    for (const r0 of windowEdges(rows, wr)) {
      for (const c0 of windowEdges(cols, wc)) {
        const z = Array.from({ length: wr }, (_, y) => Array.from({ length: wc }, (_, x) => frame[(r0 + y) * cols + c0 + x]));
        solverResiduals(z).forEach((row, y) => row.forEach((v, x) => { expected[(r0 + y) * cols + c0 + x] = v; }));
      }
    }
    for (let i = 0; i < res.length; i++) expect(res[i]).toBeCloseTo(expected[i], 9);
  });
});
