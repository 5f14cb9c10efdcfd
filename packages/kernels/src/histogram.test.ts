import { describe, expect, it } from 'vitest';
import { boxSmoothInto, gaussianKernel, histogram1d, smoothInto } from './histogram.js';

describe('histogram1d', () => {
  it('counts values into [lo + i w, lo + (i + 1) w) and reports the others', () => {
    const out = new Float64Array(4);
    const outside = histogram1d([-1, 0, 0.5, 1.99, 2, 7.9, 8, 100], 8, 0, 2, out);
    expect([...out]).toEqual([3, 1, 0, 1]);
    expect(outside).toBe(3);
  });
});

describe('Gaussian smoothing', () => {
  it('kernel is normalised, symmetric, 2 ceil(3 sigma) + 1 taps; sigma 0 is the identity', () => {
    const k = gaussianKernel(2.5);
    expect(k.length).toBe(2 * 8 + 1);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 0; i < k.length; i++) expect(k[i]).toBeCloseTo(k[k.length - 1 - i], 15);
    expect([...gaussianKernel(0)]).toEqual([1]);
  });

  it('keeps the sum and centroid of a peak away from the ends, and matches np.convolve(mode="same") at the ends', () => {
    const y = new Float64Array(60);
    for (let i = 0; i < 60; i++) y[i] = Math.exp(-((i - 30.3) ** 2) / 18);
    const out = new Float64Array(60);
    smoothInto(y, 0, 60, gaussianKernel(2), out);
    const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);
    const centroid = (a: Float64Array): number => a.reduce((s, v, i) => s + v * i, 0) / sum(a);
    expect(sum(out)).toBeCloseTo(sum(y), 9);
    expect(centroid(out)).toBeCloseTo(centroid(y), 9);
    // at index 0 only the taps inside the data count (zero padding)
    const k = gaussianKernel(1);
    const e = new Float64Array(5);
    smoothInto([1, 0, 0, 0, 0], 0, 5, k, e);
    expect(e[0]).toBeCloseTo(k[3], 15);
    expect(e[1]).toBeCloseTo(k[2], 15);
  });
});

describe('boxSmoothInto', () => {
  it('equals np.convolve(y, np.ones(w), "same") for odd widths', () => {
    const y = [3, 0, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    for (const w of [1, 3, 5, 11, 15]) {
      const out = new Float64Array(y.length);
      boxSmoothInto(y, 0, y.length, w, out);
      const h = (w - 1) / 2;
      const ref = y.map((_, i) => y.slice(Math.max(0, i - h), Math.min(y.length, i + h + 1)).reduce((a, b) => a + b, 0));
      expect([...out]).toEqual(ref);
    }
  });
});
