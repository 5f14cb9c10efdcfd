import { describe, expect, it } from 'vitest';
import { parseSlice, resolveSlice } from './frame-slice.js';
import { parseTextArray, pedestalPlane } from './pedestals.js';

const target = (rows: number, cols: number, segind = 0, slice?: string) => ({ rows, cols, segind, slice: resolveSlice(slice ? parseSlice(slice) : undefined, rows, cols) });

describe('pedestals for feature 11', () => {
  it('parses the LCLS text format with and without SHAPE', () => {
    const a = parseTextArray('# TITLE pedestals\n# SHAPE (2,2,3)\n1 2 3\n4 5 6\n\n7 8 9\n10 11 12\n');
    expect(a.shape).toEqual([2, 2, 3]);
    expect(Array.from(a.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(parseTextArray('1.5 2\n3 4e1\n').shape).toEqual([2, 2]);
    expect(() => parseTextArray('1 x\n', 'p.txt')).toThrow(/p.txt: 'x' on data line 1/);
    expect(() => parseTextArray('# SHAPE (3,3)\n1 2\n')).toThrow(/holds 9 values but the file has 2/);
  });
  it('picks the segment plane, then the slice', () => {
    const v = Float64Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(pedestalPlane(v, [2, 2, 3], target(2, 3, 1)))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(pedestalPlane(v, [4, 3], target(2, 3, 1)))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(pedestalPlane(v.subarray(0, 6), [1, 1, 2, 3], target(2, 3, 0, '1:2,0:2')))).toEqual([3, 4]);
    expect(Array.from(pedestalPlane([3, 4], [1, 2], target(2, 3, 0, '1:2,0:2')))).toEqual([3, 4]);
    expect(() => pedestalPlane(v, [2, 2, 3], target(2, 3, 2))).toThrow(/--segind 2/);
    expect(() => pedestalPlane(v, [2, 1, 2, 3], target(2, 3), 'Offset', ['gain', 'cell', 'row', 'col'])).toThrow(/planes along a segment axis/);
    expect(() => pedestalPlane(v, [3, 4], target(2, 3))).toThrow(/does not match the 2x3 frames/);
  });
});
