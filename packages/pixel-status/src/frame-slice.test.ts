import { describe, expect, it } from 'vitest';
import { isWholeFrame, parseSlice, resolveSlice, sliceArray } from './frame-slice.js';

describe('--slice (numpy rules)', () => {
  it('resolves start:stop:step with clipping and negative indices', () => {
    expect(resolveSlice(parseSlice('0:144,0:192'), 704, 768)).toEqual({ row0: 0, rowStep: 1, rows: 144, col0: 0, colStep: 1, cols: 192 });
    expect(resolveSlice(parseSlice('-4:,::2'), 10, 7)).toEqual({ row0: 6, rowStep: 1, rows: 4, col0: 0, colStep: 2, cols: 4 });
    expect(resolveSlice(parseSlice('5:1000'), 10, 7)).toMatchObject({ row0: 5, rows: 5, cols: 7 });
    expect(isWholeFrame(resolveSlice(undefined, 3, 4), 3, 4)).toBe(true);
  });
  it('rejects empty selections and malformed text in one line', () => {
    expect(() => resolveSlice(parseSlice('5:5'), 10, 7, '5:5')).toThrow(/selects no pixels/);
    expect(() => parseSlice('3')).toThrow(/start:stop/);
    expect(() => parseSlice('0:4:0')).toThrow(/step/);
    expect(() => parseSlice('0:a')).toThrow(/not a whole number/);
  });
  it('slices a full-frame array', () => {
    const full = Float64Array.from({ length: 12 }, (_, i) => i); // 3 x 4
    expect(Array.from(sliceArray(full, 4, resolveSlice(parseSlice('1:3,1::2'), 3, 4)))).toEqual([5, 7, 9, 11]);
  });
});
