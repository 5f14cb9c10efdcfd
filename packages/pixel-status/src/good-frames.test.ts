import { describe, expect, it } from 'vitest';
import { selectGoodFrames } from './good-frames.js';

describe('feature 1: good frames from frame medians', () => {
  it('rejects frames outside med +- snr * MAD, inclusively', () => {
    // med 10, |d| = [0, 1, 1, 2, 2, 0, 90] -> MAD 1; snr 2 -> range [8, 12]: 12 is on the bound and rejected
    const g = selectGoodFrames(Float64Array.from([10, 9, 11, 12, 8.5, 10, 100]), 2, 16383);
    expect(Array.from(g.good)).toEqual([1, 1, 1, 0, 1, 1, 0]);
    expect(g.count).toBe(5);
    expect([g.range.lo, g.range.hi]).toEqual([8, 12]);
  });
  it('uses the std when the MAD is 0', () => {
    // med 10, MAD 0 -> std of [10, 10, 10, 10, 14] = 1.6; snr 2: (6.8, 13.2)
    const g = selectGoodFrames(Float64Array.from([10, 10, 10, 10, 14]), 2, 16383);
    expect(g.range.spreadKind).toBe('std');
    expect(g.range.spread).toBeCloseTo(1.6, 12);
    expect(Array.from(g.good)).toEqual([1, 1, 1, 1, 0]);
  });
  it('keeps all frames when every median is equal (the reference would reject all)', () => {
    const g = selectGoodFrames(Float64Array.from([7, 7, 7]), 8, 16383);
    expect(g.allEqual).toBe(true);
    expect(g.count).toBe(3);
  });
});
