import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { modeQuantile, quantileRank, runningQuantile } from './running-quantile.js';

/** The k-th smallest value of the window, by sorting a copy (the naive reference). */
function naive(series: number[], t: number, window: number, q: number): number {
  const h = (window - 1) / 2;
  const w = series.slice(Math.max(0, t - h), Math.min(series.length, t + h + 1)).sort((a, b) => a - b);
  return w[quantileRank(w.length, q)];
}

describe('running quantile', () => {
  it('quantileRank rounds q * (n - 1) and clips', () => {
    expect(quantileRank(101, 0.5)).toBe(50);
    expect(quantileRank(100, 0.5)).toBe(50); // round(49.5) = 50
    expect(quantileRank(5, 0)).toBe(0);
    expect(quantileRank(5, 1)).toBe(4);
    expect(quantileRank(1, 0.3)).toBe(0);
  });

  it('equals the naive sorted-window order statistic at every frame, windows clipped at the ends', () => {
    const rng = new Random(3);
    const series = Array.from({ length: 300 }, (_, t) => Math.round(100 + 0.05 * t + 8 * rng.normal() + (rng.uniform() < 0.4 ? 60 : 0)));
    for (const [window, q] of [[1, 0.5], [11, 0.5], [51, 0.3], [101, 0.5], [401, 0.8]] as const) {
      const out = new Float64Array(series.length);
      runningQuantile(series, series.length, window, q, out, new Float64Array(window));
      for (let t = 0; t < series.length; t++) expect(out[t]).toBe(naive(series, t, window, q));
    }
  });

  it('rejects even windows', () => {
    expect(() => runningQuantile([1, 2, 3], 3, 4, 0.5, new Float64Array(3), new Float64Array(4))).toThrow(/odd/);
  });

  it('modeQuantile puts the rank inside the highest of two peaks, where a median would sit between them', () => {
    // 0-photon peak (50%) at 0 and 1-photon peak (50% minus a little) at 60: the median sits on the edge of a peak,
    // the mode quantile at the centre of the higher one.
    const rng = new Random(9);
    const n = 401;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = (i < 0.55 * n ? 0 : 60) + 5 * rng.normal();
    const copy = Float64Array.from(v).sort();
    const q = modeQuantile(v, n);
    const atQ = copy[quantileRank(n, q)];
    expect(Math.abs(atQ)).toBeLessThan(5); // within one sigma of the higher peak's centre
    expect(q).toBeGreaterThan(0.15);
    expect(q).toBeLessThan(0.4); // centre of the first 55%: about 0.275
  });
});
