import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { float32RanksJs } from './float32-rank-select.js';
import { float32RanksSimd } from './float32-ranks-simd.js';
import { F32R_CHUNK_VALUES, F32R_MAX_SLOTS } from './float32-ranks-simd-wat.js';

/** Values that stress the keys, the sums and the bins: NaN, infinities, signed zeros, extremes, subnormals, ties. */
function values(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 101;
    a[i] = k === 0 ? NaN : k === 1 ? Infinity : k === 2 ? -Infinity : k === 3 ? -0 : k === 4 ? 0 : k === 5 ? 3.4e38 : k === 6 ? -3.4e38 : k === 7 ? 1e-45 : k < 20 ? Math.round(rng.normal() * 3) : 5000 + 80 * rng.normal();
  }
  return a;
}

/** Sorted finite values (the reference ranks; -0 before +0, as the keys order them). */
const sorted = (a: Float32Array): number[] => Array.from(a).filter((v) => Number.isFinite(v)).sort((x, y) => x - y || (Object.is(x, -0) ? -1 : 0) - (Object.is(y, -0) ? -1 : 0));

describe('float32-ranks-simd', () => {
  it('runs here and gives the JS passes bit for bit: sums, count and values at every rank, over several chunks', () => {
    const data = values(F32R_CHUNK_VALUES * 2 + 13, 1); // two full chunks and a padded one
    const n = sorted(data).length;
    const ranks = [0, 1, 7, n >>> 1, (n >>> 1) - 1, Math.floor(0.01 * (n - 1)), Math.floor(0.99 * (n - 1)), n - 1, n, n + 3];
    const simd = float32RanksSimd(data, ranks);
    expect(simd).toBeDefined();
    const js = float32RanksJs(data, ranks);
    expect(simd).toEqual(js);
    expect(Object.is(simd!.sum, js.sum) && Object.is(simd!.sumSq, js.sumSq)).toBe(true);
  });

  it('gives the values of a sorted copy, with more wanted bins than one sweep of the second pass counts', () => {
    const data = values(50003, 2).subarray(3, 50001); // a view off the buffer's start, length not a multiple of 4
    const s = sorted(data);
    const ranks = Array.from({ length: 3 * F32R_MAX_SLOTS + 1 }, (_, k) => Math.floor((k * (s.length - 1)) / (3 * F32R_MAX_SLOTS)));
    const r = float32RanksSimd(data, ranks)!;
    expect(r.finite).toBe(s.length);
    expect(r.values).toEqual(ranks.map((k) => s[k]));
    expect(r).toEqual(float32RanksJs(data, ranks));
  });

  it('combines the four partial sums as (s0 + s1) + (s2 + s3)', () => {
    // lanes 1e20, 1, -1e20, 1: this order cancels the large pair first and rounds the ones away (0);
    // (s0 + s2) + (s1 + s3) would give 2
    const data = new Float32Array([1e20, 1, -1e20, 1]);
    expect(float32RanksSimd(data, [0])!.sum).toBe(0);
    expect(float32RanksJs(data, [0]).sum).toBe(0);
  });

  it('handles no values, no finite values and ranks from the finite count', () => {
    expect(float32RanksSimd(new Float32Array(0), [0])).toEqual({ finite: 0, sum: 0, sumSq: 0, values: [NaN] });
    expect(float32RanksSimd(new Float32Array([NaN, Infinity, -Infinity]), [0])).toEqual({ finite: 0, sum: 0, sumSq: 0, values: [NaN] });
    expect(float32RanksSimd(new Float32Array([5, NaN, 1, 3, 2]), (n) => [n >>> 1])!.values).toEqual([3]);
    expect(() => float32RanksSimd(new Float32Array([1]), [-1])).toThrow(/rank -1/);
  });
});
