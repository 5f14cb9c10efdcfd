import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { commonModeRowMedian } from './common-mode.js';
import { medianBranchFree, rowSegmentCommonMode, selectBranchFree } from './fast-median.js';

function sortedMedian(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

describe('branch-free median', () => {
  const rng = new Random(5);
  const cases: Array<[string, (i: number) => number]> = [
    ['normal', () => rng.normal()],
    ['integers with many ties', () => Math.round(3 * rng.normal()) + 0],
    ['all equal', () => 7],
    ['sorted', (i) => i],
    ['reversed', (i) => -i],
    ['two values', (i) => i % 2],
  ];
  for (const [name, draw] of cases) {
    it(`equals np.median on ${name} values (odd and even lengths)`, () => {
      for (const n of [1, 2, 3, 23, 24, 25, 100, 383, 384, 512]) {
        const v = Array.from({ length: n }, (_, i) => draw(i));
        const a = Float64Array.from(v);
        expect(medianBranchFree(a, n)).toBe(sortedMedian(v));
        expect([...a].sort((x, y) => x - y)).toEqual([...v].sort((x, y) => x - y)); // a permutation
      }
    });
  }

  it('selects every rank with the selection invariant', () => {
    const v = Array.from({ length: 200 }, () => Math.round(10 * rng.normal()) + 0); // + 0: no -0
    const s = [...v].sort((x, y) => x - y);
    for (let k = 0; k < 200; k += 7) {
      const a = Float64Array.from(v);
      expect(selectBranchFree(a, k, 0, 200)).toBe(s[k]);
      for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
      for (let i = k + 1; i < 200; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
    }
    expect(() => selectBranchFree(new Float64Array(3), 3, 0, 3)).toThrow(/outside/);
  });
});

describe('rowSegmentCommonMode', () => {
  it('gives the same frame and corrections as commonModeRowMedian (masked, NaN, short last segment, too few pixels)', () => {
    const rng = new Random(9);
    const rows = 6, cols = 50, length = 16;
    const frame = Float32Array.from({ length: rows * cols }, () => Math.round(20 * rng.normal()) - 0.25);
    const mask = Uint8Array.from({ length: rows * cols }, () => (rng.uniform() < 0.2 ? 1 : 0));
    frame[3] = NaN;
    for (let c = 0; c < 16; c++) mask[cols + c] = c < 10 ? 1 : 0; // row 1, segment 0: 6 good pixels <= 10
    const ref = frame.slice(), mine = frame.slice();
    const outRef = new Float32Array(rows * 4), outMine = new Float32Array(rows * 4);
    const r = commonModeRowMedian(ref, rows, cols, { axis: 'row', length }, mask, { minPixels: 5 }, outRef);
    const corrected = rowSegmentCommonMode(mine, rows, cols, length, mask, 5, new Float64Array(length), outMine);
    expect(corrected).toBe(r.corrected);
    expect([...outMine]).toEqual([...outRef]);
    expect([...mine]).toEqual([...ref]);
    const skipped = new Float32Array(rows * 4);
    rowSegmentCommonMode(frame.slice(), rows, cols, length, mask, 10, new Float64Array(length), skipped);
    expect(skipped[4]).toBe(0);
  });
});
