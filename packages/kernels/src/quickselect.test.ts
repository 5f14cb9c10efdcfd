import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { medianInPlace, nanMedianInPlace, partitionNaN, selectInPlace } from './quickselect.js';

/** np.median by sorting: mean of the two middle values for even lengths. */
function sortedMedian(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >>> 1;
  return s.length & 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function randomValues(rng: Random, n: number, kind: 'continuous' | 'duplicates' | 'sorted' | 'reversed' | 'constant'): number[] {
  const v = Array.from({ length: n }, () => (kind === 'duplicates' ? Math.floor(rng.uniform() * 5) : kind === 'constant' ? 7 : rng.normal() * 100));
  if (kind === 'sorted') v.sort((a, b) => a - b);
  if (kind === 'reversed') v.sort((a, b) => b - a);
  return v;
}

const kinds = ['continuous', 'duplicates', 'sorted', 'reversed', 'constant'] as const;
const lengths = [1, 2, 3, 4, 5, 15, 16, 17, 32, 33, 100, 101, 1000, 1001];

describe('selectInPlace', () => {
  it.each(kinds)('puts the k-th smallest at k and partitions around it (%s values)', (kind) => {
    const rng = new Random(41);
    for (const n of lengths) {
      const values = randomValues(rng, n, kind);
      const sorted = [...values].sort((a, b) => a - b);
      for (const k of new Set([0, n >>> 1, n - 1, Math.floor(n / 3)])) {
        const a = Float64Array.from(values);
        const got = selectInPlace(a, k);
        expect(got, `n=${n} k=${k}`).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(got);
        for (let i = k + 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(got);
        expect([...a].sort((x, y) => x - y)).toEqual(sorted); // a permutation of the input
      }
    }
  });

  it('works on a sub-range of a Float32Array and leaves the rest alone', () => {
    const a = Float32Array.from([9, 8, 7, 5, 1, 3, 2, 6, 4, 0]);
    // k is absolute: range [7, 5, 1, 3, 2, 6] sorted is [1, 2, 3, 5, 6, 7]; a[4] is its third value
    expect(selectInPlace(a, 4, 2, 8)).toBe(3);
    expect(Array.from(a.subarray(0, 2))).toEqual([9, 8]);
    expect(Array.from(a.subarray(8))).toEqual([4, 0]);
    expect(() => selectInPlace(a, 9, 2, 8)).toThrow(RangeError);
  });
});

describe('medianInPlace / nanMedianInPlace', () => {
  it('equals the sort-based median for odd and even lengths, Float32 and Float64', () => {
    const rng = new Random(42);
    for (const kind of kinds) {
      for (const n of lengths) {
        const values = randomValues(rng, n, kind);
        expect(medianInPlace(Float64Array.from(values)), `${kind} n=${n}`).toBe(sortedMedian(values));
        const f32 = Float32Array.from(values);
        // the mean of two float32 middles is returned in float64, not rounded to float32
        expect(medianInPlace(Float32Array.from(f32)), `${kind} f32 n=${n}`).toBe(sortedMedian(Array.from(f32)));
      }
    }
    expect(medianInPlace(Float64Array.from([1, 2, 3, 4]))).toBe(2.5);
    expect(medianInPlace(new Float64Array(0))).toBeNaN();
  });

  it('np.median propagates NaN; np.nanmedian ignores it (all-NaN -> NaN)', () => {
    const rng = new Random(43);
    for (const n of [2, 3, 10, 11, 200, 201]) {
      const values = randomValues(rng, n, 'continuous');
      const withNaN = values.map((v, i) => (i % 4 === 1 ? NaN : v));
      expect(medianInPlace(Float64Array.from(withNaN))).toBeNaN();
      expect(nanMedianInPlace(Float64Array.from(withNaN))).toBe(sortedMedian(withNaN.filter((v) => !Number.isNaN(v))));
    }
    expect(nanMedianInPlace(Float64Array.from([NaN, NaN]))).toBeNaN();
    expect(nanMedianInPlace(Float64Array.from([NaN, 4, NaN, 2]))).toBe(3);
  });

  it('partitionNaN moves the non-NaN values to the front', () => {
    const a = Float64Array.from([NaN, 1, NaN, 2, 3, NaN]);
    const end = partitionNaN(a);
    expect(end).toBe(3);
    expect(Array.from(a.subarray(0, 3)).sort()).toEqual([1, 2, 3]);
    expect(Array.from(a.subarray(3)).every(Number.isNaN)).toBe(true);
  });

  it('selects in linear time on adversarial-looking inputs (sorted, organ-pipe, many equal)', () => {
    const n = 200_001;
    const inputs = [
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? i : n - i)),
      Float64Array.from({ length: n }, (_, i) => i % 3),
    ];
    const t0 = performance.now();
    for (const a of inputs) medianInPlace(a);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
