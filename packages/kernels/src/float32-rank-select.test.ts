import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { float32Ranks } from './float32-rank-select.js';

describe('float32Ranks (two-pass radix selection)', () => {
  it('gives the values of a sorted copy at every requested rank, skipping NaN and infinities', () => {
    const rng = new Random(3);
    const data = new Float32Array(50001);
    for (let i = 0; i < data.length; i++) data[i] = i % 97 === 0 ? NaN : i % 89 === 0 ? Infinity : (rng.normal() * 30 - 5) * (i % 7 === 0 ? 1e-6 : 1);
    data[10] = -0;
    data[11] = 0;
    data[12] = -3.4e38;
    data[13] = 3.4e38;
    data[14] = -Infinity;
    const finite = Array.from(data).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const ranks = [0, 1, 17, Math.floor(finite.length / 2), finite.length - 2, finite.length - 1, finite.length, finite.length + 5];
    const r = float32Ranks(data, ranks);
    expect(r.finite).toBe(finite.length);
    expect(r.values).toEqual([...ranks.slice(0, 6).map((k) => finite[k]), NaN, NaN]);
    // four partial sums by position modulo 4, combined as (s0 + s1) + (s2 + s3) (the +-3.4e38 pair makes the order matter)
    const lanes = [0, 0, 0, 0];
    data.forEach((v, i) => { if (Number.isFinite(v)) lanes[i & 3] += v; });
    expect(r.sum).toBe((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]));
  });

  it('finds ranks inside one crowded bin (many equal and nearly equal values) and handles empty input', () => {
    const data = new Float32Array(1000).map((_, i) => 1 + (i % 10) * 2 ** -20);
    const sorted = Array.from(data).sort((a, b) => a - b);
    expect(float32Ranks(data, [0, 499, 500, 999]).values).toEqual([sorted[0], sorted[499], sorted[500], sorted[999]]);
    expect(float32Ranks(new Float32Array([NaN, NaN]), [0])).toEqual({ finite: 0, sum: 0, sumSq: 0, values: [NaN] });
    expect(() => float32Ranks(data, [1.5])).toThrow(/rank 1.5/);
    // ranks chosen from the finite count (median of an odd count)
    expect(float32Ranks(new Float32Array([5, NaN, 1, 3]), (n) => [n >>> 1]).values).toEqual([3]);
  });

  it('works on a subarray view (offset into a larger buffer)', () => {
    const all = new Float32Array([9, 9, 3, 1, 2, 9]);
    expect(float32Ranks(all.subarray(2, 5), [0, 1, 2]).values).toEqual([1, 2, 3]);
  });
});
