import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { findPeaks, prominenceAt, refinePeakCentroid } from './peak-finder.js';

function run(y: number[], minProminence: number, minDistance: number, max = 10): { index: number[]; prominence: number[] } {
  const index = new Int32Array(max), prominence = new Float64Array(max);
  const n = findPeaks(y, y.length, minProminence, minDistance, index, prominence);
  return { index: [...index.subarray(0, n)], prominence: [...prominence.subarray(0, n)] };
}

describe('findPeaks', () => {
  it('finds local maxima with scipy.signal.peak_prominences values, highest first', () => {
    // scipy 1.x: find_peaks([0,2,1,3,1,5,0,4,4,1,0]) -> [1,3,5,7], peak_prominences -> [1,2,5,4] (plateau 7-8 -> 7)
    const y = [0, 2, 1, 3, 1, 5, 0, 4, 4, 1, 0];
    const r = run(y, 0, 1);
    expect(r.index).toEqual([5, 7, 3, 1]);
    expect(r.prominence).toEqual([5, 4, 2, 1]);
    expect(prominenceAt(y, y.length, 3)).toBe(2);
  });

  it('drops peaks below the prominence and those closer than minDistance to a higher one', () => {
    const y = [0, 2, 1, 3, 1, 5, 0, 4, 4, 1, 0];
    expect(run(y, 2.5, 1).index).toEqual([5, 7]); // prominences 5 and 4
    expect(run(y, 0, 3).index).toEqual([5, 1]); // scipy distance=3 keeps 1 and 5 too
    expect(run(y, 0, 1, 2).index).toEqual([5, 7]); // capacity 2: the two highest
    expect(run([1, 1, 1, 1], 0, 1).index).toEqual([]);
  });

  it('finds the photon peaks of a noisy comb and ignores ripples on their flanks', () => {
    const rng = new Random(4);
    const truth = [40, 105, 170];
    const heights = [1000, 700, 250];
    const y = Array.from({ length: 240 }, (_, i) => {
      let v = 0;
      truth.forEach((c, k) => (v += heights[k] * Math.exp(-((i - c) ** 2) / (2 * 9 ** 2))));
      return v + 3 * rng.normal();
    });
    const r = run(y, 0.1 * 1000, 20);
    expect(r.index.length).toBe(3);
    r.index.forEach((i, k) => expect(Math.abs(i - truth[k])).toBeLessThanOrEqual(2));
  });
});

describe('refinePeakCentroid', () => {
  it('converges on the centre of a symmetric peak with a neighbour outside the window', () => {
    const y = Array.from({ length: 200 }, (_, i) => 500 * Math.exp(-((i - 60.37) ** 2) / 200) + 300 * Math.exp(-((i - 125.81) ** 2) / 200));
    // start 3 bins off; window +-23 bins (0.35 x 65); the other peak is 65 bins (6.5 sigma) away
    expect(refinePeakCentroid(y, 0, y.length, 63, 23)).toBeCloseTo(60.37, 2);
    expect(refinePeakCentroid(y, 0, y.length, 123, 23)).toBeCloseTo(125.81, 2);
  });

  it('reads a histogram at an offset and returns NaN for an empty window', () => {
    const y = new Float64Array(100);
    y[50 + 10] = 1;
    y[50 + 11] = 3;
    y[50 + 12] = 1;
    expect(refinePeakCentroid(y, 50, 50, 10, 3)).toBeCloseTo(11, 10);
    expect(refinePeakCentroid(new Float64Array(20), 0, 20, 10, 3)).toBeNaN();
  });
});
