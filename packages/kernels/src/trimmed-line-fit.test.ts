import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { trimmedLineFit } from './trimmed-line-fit.js';

describe('trimmedLineFit (seed: shrink factor, polyfit degree 1, residual std)', () => {
  it('fits an exact line of one stage, ignoring other stages and the trimmed borders', () => {
    const n = 100;
    const y = new Float32Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i < 40 ? 0 : 1;
      y[i] = i < 40 ? 5000 + 25 * i : 3000 + 7.5 * i;
    }
    // borders of stage 1 (first and last 30% = 18 samples each) are garbage: they must not matter
    for (let i = 40; i < 58; i++) y[i] = 0;
    for (let i = 82; i < 100; i++) y[i] = 16000;
    const out = new Float64Array(3);
    expect(trimmedLineFit(y, labels, n, 1, 0.3, out)).toBe(24);
    expect(out[0]).toBeCloseTo(7.5, 9);
    expect(out[1]).toBeCloseTo(3000, 6);
    expect(out[2]).toBeCloseTo(0, 6);
    expect(trimmedLineFit(y, labels, n, 0, 0.3, out)).toBe(40 - 2 * 12);
    expect(out[0]).toBeCloseTo(25, 9);
    expect(out[1]).toBeCloseTo(5000, 6);
  });

  it('noisy line: slope within 4 standard errors (sigma * sqrt(12 / (n^3 - n))), residual std close to sigma', () => {
    const rng = new Random(11);
    const n = 400;
    const sigma = 10;
    const y = Float64Array.from({ length: n }, (_, i) => 100 + 3 * i + sigma * rng.normal());
    const labels = new Uint8Array(n);
    const out = new Float64Array(3);
    const used = trimmedLineFit(y, labels, n, 0, 0.3, out);
    expect(used).toBe(160);
    const se = sigma * Math.sqrt(12 / (used ** 3 - used));
    expect(Math.abs(out[0] - 3)).toBeLessThan(4 * se);
    // std of the residual std estimate ~ sigma / sqrt(2n)
    expect(Math.abs(out[2] - sigma)).toBeLessThan((4 * sigma) / Math.sqrt(2 * used));
  });

  it('too few samples (span < 5 steps or < 2 samples): NaN and 0 samples', () => {
    const y = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const labels = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const out = new Float64Array(3);
    expect(trimmedLineFit(y, labels, 8, 0, 0, out)).toBe(0);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(trimmedLineFit(y, labels, 8, 2, 0.3, out)).toBe(0);
  });
});
