import { describe, expect, it } from 'vitest';
import { maxLimits, maxMinusPedestals, RunningMax } from './max-feature.js';

describe('feature 11: max - pedestals and its asymmetric limits', () => {
  it('keeps the running maximum', () => {
    const m = new RunningMax(3, false);
    m.add(Uint16Array.from([1, 9, 3]));
    m.add(Uint16Array.from([4, 2, 3]));
    expect(Array.from(m.max)).toEqual([4, 9, 3]);
    expect(m.frames).toBe(2);
  });
  it('computes the limits by hand', () => {
    // max - peds = [0, 1, 2, 3, 4, 10, 12]; med 3; d = [-3, -2, -1, 0, 1, 7, 9]
    // median(d < 0) = -2, median(d >= 0) = (1 + 7) / 2 = 4; snr 2: lo = 3 - 4 = -1, hi = 3 + 8 = 11
    const mp = maxMinusPedestals(Uint16Array.from([10, 11, 12, 13, 14, 20, 22]), [10, 10, 10, 10, 10, 10, 10]);
    expect(Array.from(mp)).toEqual([0, 1, 2, 3, 4, 10, 12]);
    expect(maxLimits(mp, 2)).toEqual({ median: 3, diffNeg: -2, diffPos: 4, limLo: -1, limHi: 11 });
  });
  it('leaves a side open when it has no deviations', () => {
    const l = maxLimits(Float64Array.from([5, 5, 5, 6]), 8);
    expect(l.limLo).toBe(-Infinity);
    expect(l.limHi).toBe(5 + 8 * 0);
  });
  it('rejects pedestals of another shape', () => {
    expect(() => maxMinusPedestals(new Uint16Array(4), [1, 2])).toThrow(/pedestals hold 2 values but a frame has 4/);
  });
});
