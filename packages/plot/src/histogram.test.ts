import { describe, expect, it } from 'vitest';
import { histogram } from './histogram.js';

describe('histogram', () => {
  it('counts into equal bins, the last bin including max, with under/overflow, NaN and masked apart', () => {
    const v = [0, 0.5, 1, 1.99, 2, 3.99, 4, -1, 4.01, Number.NaN, Number.POSITIVE_INFINITY, 2.5];
    const mask = v.map((_, i) => (i === 11 ? 1 : 0));
    const h = histogram(v, 0, 4, 4, mask);
    expect(Array.from(h.counts)).toEqual([2, 2, 1, 2]);
    expect([h.underflow, h.overflow, h.nonFinite, h.masked]).toEqual([1, 1, 2, 1]);
  });
});
