import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { binnedMedian, MEDIAN_BINS, type StridedRegion } from './binned-median.js';
import { medianInPlace } from './quickselect.js';

/** np.median of the finite values of a region, by sorting-based selection on a copy. */
function reference(values: Float32Array | Float64Array, g: StridedRegion): number {
  const finite: number[] = [];
  for (let r = 0; r < g.nRows; r++) for (let k = g.start + r * g.stride; k < g.start + r * g.stride + g.nCols; k++) if (Number.isFinite(values[k])) finite.push(values[k]);
  return finite.length ? medianInPlace(Float64Array.from(finite)) : NaN;
}

function median(values: Float32Array | Float64Array, g: StridedRegion): number {
  let n = 0, lo = Infinity, hi = -Infinity;
  for (let r = 0; r < g.nRows; r++) {
    for (let k = g.start + r * g.stride; k < g.start + r * g.stride + g.nCols; k++) {
      const v = values[k];
      if (!Number.isFinite(v)) continue;
      n++;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return binnedMedian(values, g, n, lo, hi, new Float64Array(g.nRows * g.nCols), new Uint32Array(MEDIAN_BINS));
}

describe('binnedMedian (exact median by histogram narrowing)', () => {
  const rng = new Random(11);
  const whole = (n: number): StridedRegion => ({ start: 0, nRows: 1, nCols: n, stride: n });
  it('equals the selection median on noisy values with outliers, ties, NaN and infinities, odd and even counts', () => {
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 5000);
      const v = new Float32Array(n);
      const kind = trial % 5;
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        v[i] =
          kind === 0 ? 5000 + 20 * rng.normal() // offsets
          : kind === 1 ? Math.round(8 + 2 * rng.normal()) // many ties
          : kind === 2 ? (u < 0.01 ? 1e30 * rng.normal() : 100 + rng.normal()) // outliers stretch the range
          : kind === 3 ? (u < 0.05 ? NaN : u < 0.07 ? Infinity : u < 0.09 ? -Infinity : rng.normal())
          : 3.25; // all equal
      }
      expect(median(v, whole(n))).toBe(reference(v, whole(n)));
    }
  });

  it('handles ranges binning cannot split (overflowing or subnormal widths) and middle values in different bins', () => {
    const wide = Float64Array.from([-1.7e308, 1.7e308, 0, 1, 2, 3]);
    expect(median(wide, whole(6))).toBe(reference(wide, whole(6)));
    const tiny = Float64Array.from([0, 5e-324, 1e-323, 5e-324]);
    expect(median(tiny, whole(4))).toBe(reference(tiny, whole(4)));
    // even count, the two middle values far apart: they fall into different bins with empty bins between
    const split = Float32Array.from([0, 1, 2, 1000, 1001, 1002]);
    expect(median(split, whole(6))).toBe(501);
    expect(median(new Float32Array([NaN, NaN]), whole(2))).toBeNaN();
  });

  it('takes the median of a strided tile (ASIC) only', () => {
    const rows = 8, cols = 12;
    const v = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols < 6 ? 10 + (i % 7) : 1000 + rng.normal()));
    const tile: StridedRegion = { start: 2 * cols, nRows: 4, nCols: 6, stride: cols };
    expect(median(v, tile)).toBe(reference(v, tile));
    expect(median(v, { start: 6, nRows: rows, nCols: 6, stride: cols })).toBe(reference(v, { start: 6, nRows: rows, nCols: 6, stride: cols }));
  });
});
