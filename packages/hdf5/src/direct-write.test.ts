import { describe, expect, it } from 'vitest';
import { slabRuns } from './direct-write.js';

describe('slabRuns (contiguous runs of a hyperslab, C order)', () => {
  it('a whole array is one run; a range of the first axis is one run', () => {
    expect(slabRuns([3, 4, 5], [[0, 3], [0, 4], [0, 5]])).toEqual([{ start: 0, count: 60, from: 0 }]);
    expect(slabRuns([3, 4, 5], [[1, 3], [0, 4], [0, 5]])).toEqual([{ start: 20, count: 40, from: 0 }]);
  });
  it('a cell range under a whole gain axis: one run per gain, the slab values one after the other', () => {
    // [gain 3][cell 4][pixel 5], cells 1..3
    expect(slabRuns([3, 4, 5], [[0, 3], [1, 3], [0, 5]])).toEqual([
      { start: 5, count: 10, from: 0 },
      { start: 25, count: 10, from: 10 },
      { start: 45, count: 10, from: 20 },
    ]);
    // one gain index and a cell range: one run
    expect(slabRuns([3, 4, 5], [[2, 3], [1, 3], [0, 5]])).toEqual([{ start: 45, count: 10, from: 0 }]);
  });
  it('a range of the last axis under two outer ranges: one run per outer index pair, last axis fastest', () => {
    const runs = slabRuns([2, 3, 4], [[0, 2], [1, 3], [1, 3]]);
    expect(runs.map((r) => r.start)).toEqual([5, 9, 17, 21]);
    expect(runs.every((r) => r.count === 2)).toBe(true);
    expect(runs.map((r) => r.from)).toEqual([0, 2, 4, 6]);
    expect(slabRuns([2, 3], [[1, 1], [0, 3]])).toEqual([]);
  });
});
