import { describe, expect, it } from 'vitest';
import { allocateMasked, FrameMedian, maskFrame } from './frame-data.js';
import { parseSlice, resolveSlice } from './frame-slice.js';

describe('masked frames and their median (feature 1)', () => {
  it('ANDs with databits and slices', () => {
    const data = Uint16Array.from([0x4001, 2, 3, 4, 5, 6, 0xffff, 8, 9, 10, 11, 12]); // 2 frames of 2 x 3
    const out = allocateMasked(0o37777, 6);
    const s = resolveSlice(undefined, 2, 3);
    maskFrame(data, 0, 3, 6, s, true, 0o37777, out);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    maskFrame(data, 1, 3, 6, s, true, 0o37777, out);
    expect(out[0]).toBe(0x3fff);
    const part = allocateMasked(0o37777, 2);
    maskFrame(data, 1, 3, 6, resolveSlice(parseSlice('0:2,1:2'), 2, 3), false, 0o37777, part);
    expect(Array.from(part)).toEqual([8, 11]);
  });
  it('truncates float data to integers before the mask, as integer raw data', () => {
    const out = allocateMasked(0o37777, 3);
    maskFrame(Float32Array.from([2.7, -1, 16384.5]), 0, 3, 3, resolveSlice(undefined, 1, 3), true, 0o37777, out);
    expect(Array.from(out)).toEqual([2, 16383, 0]);
  });
  it('gives np.median for odd and even counts, histogram or selection', () => {
    const m = new FrameMedian(0o37777);
    expect(m.median(Uint16Array.from([5, 1, 9]), 0, 3)).toBe(5);
    expect(m.median(Uint16Array.from([5, 1, 9, 2]), 0, 4)).toBe(3.5);
    expect(m.median(Uint16Array.from([7, 7, 7, 8]), 0, 4)).toBe(7);
    expect(m.median(Uint16Array.from([0, 0, 4, 3, 3, 1]), 2, 3)).toBe(3);
    const wide = new FrameMedian(0xffffffff);
    expect(wide.median(Uint32Array.from([5, 1, 9, 2]), 0, 4)).toBe(3.5);
  });
});
