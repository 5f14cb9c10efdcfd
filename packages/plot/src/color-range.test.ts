import { describe, expect, it } from 'vitest';
import { percentileInPlace, percentileOfSorted, robustRange } from './color-range.js';

describe('robustRange', () => {
  it('gives the 0.5 and 99.5 percentiles with linear interpolation (numpy default)', () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => 999 - i);
    // numpy.percentile(arange(1000), [0.5, 99.5]) = [4.995, 994.005]
    const r = robustRange(v);
    expect(r.min).toBeCloseTo(4.995, 9);
    expect(r.max).toBeCloseTo(994.005, 9);
  });

  it('ignores NaN, infinities and masked pixels; percentiles can be overridden', () => {
    const v = new Float64Array(1000).map((_, i) => i);
    const mask = new Uint8Array(1000);
    v[0] = Number.NaN;
    v[1] = Number.POSITIVE_INFINITY;
    for (let i = 900; i < 1000; i++) mask[i] = 1;
    expect(robustRange(v, { mask, lowPercent: 0, highPercent: 100 })).toEqual({ min: 2, max: 899 });
  });

  it('falls back to all finite values when every pixel is masked, to [0, 1] when none is finite, widens constant data', () => {
    const v = Float64Array.from([3, 5]);
    expect(robustRange(v, { mask: [1, 1], lowPercent: 0, highPercent: 100 })).toEqual({ min: 3, max: 5 });
    expect(robustRange(Float64Array.from([Number.NaN]))).toEqual({ min: 0, max: 1 });
    expect(robustRange(Float64Array.from([0, 0]))).toEqual({ min: -0.5, max: 0.5 });
    const r = robustRange(Float64Array.from([8000, 8000]));
    expect(r.min).toBeLessThan(8000);
    expect(r.max).toBeGreaterThan(8000);
  });

  it('interpolates percentiles between ranks', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileOfSorted([7], 99)).toBe(7);
  });

  it('selects the same percentiles as sorting, on shuffled data with ties', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [2, 3, 10, 1001, 65536]) {
      const v = Float64Array.from({ length: n }, () => Math.floor(rand() * 50) + rand() * 0.01 * (rand() < 0.5 ? 0 : 1));
      const sorted = Float64Array.from(v).sort();
      for (const p of [0, 0.5, 25, 50, 99.5, 100]) expect(percentileInPlace(Float64Array.from(v), p), `n ${n} p ${p}`).toBe(percentileOfSorted(sorted, p));
    }
  });
});
