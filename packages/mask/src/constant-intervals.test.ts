import { describe, expect, it } from 'vitest';
import { BadPixel, makeConstant } from '@detcal/core';
import { applyInterval, mergeMask, parseInterval, unmaskedValues } from './constant-intervals.js';
import { formatTextHistogram } from './text-histogram.js';

const extent = { cells: 2, rows: 2, cols: 3 };

describe('confidence intervals on constants', () => {
  it('masks (cell, pixel) pairs outside [lo, hi] in any gain plane and flags NaN separately', () => {
    // Offset [gain=2][cell=2][row=2][col=3]
    const data = Float32Array.from([
      10, 11, 12, 13, 14, 15, /* g0 c0 */ 10, 10, 10, 10, 10, NaN, /* g0 c1 */
      20, 20, 99, 20, 20, 20, /* g1 c0 */ 20, 20, 20, 20, 20, 20, /* g1 c1 */
    ]);
    const c = makeConstant('Offset', data, [2, 2, 2, 3], ['gain', 'cell', 'row', 'col'], 'ADU');
    const mask = new Uint8Array(12), flags = new Uint32Array(12);
    expect(applyInterval(c, extent, 10, 50, mask, flags)).toBe(2);
    expect([...mask]).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(flags[2]).toBe(BadPixel.VALUE_OUT_OF_RANGE);
    expect(flags[11]).toBe(BadPixel.VALUE_IS_NAN);
    // only gain plane 1: the 99 (g1, c0, pixel 2) is out of [15, 25], plane 0 is not looked at
    const m1 = new Uint8Array(12), f1 = new Uint32Array(12);
    expect(applyInterval(c, extent, 15, 25, m1, f1, 1)).toBe(1);
    expect(m1[2]).toBe(1);
    expect([...unmaskedValues(c, extent, new Uint8Array(12), 0)].length).toBe(11);
    expect(() => applyInterval(c, extent, 0, 1, m1, f1, 2)).toThrow(/Offset\[2\]: axis gain has 2 entries/);
  });

  it('leaves masked cells out of later histograms and does not re-flag them', () => {
    const noise = makeConstant('Noise', Float32Array.from([1, 2, 3, 4, 5, 100, 1, 2, 3, 4, 5, 6]), [2, 2, 3], ['cell', 'row', 'col'], 'ADU');
    const mask = new Uint8Array(12), flags = new Uint32Array(12);
    mergeMask(Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), BadPixel.EXPERT_CHOICE, mask, flags);
    expect([...unmaskedValues(noise, extent, mask)]).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6]); // 100 is masked already
    expect(applyInterval(noise, extent, 0, 5.5, mask, flags)).toBe(1); // only cell 1's 6; cell 0's 100 is already masked
    expect(flags[5]).toBe(BadPixel.EXPERT_CHOICE);
    expect(flags[11]).toBe(BadPixel.VALUE_OUT_OF_RANGE);
  });

  it('applies a constant without a cell axis (photonSpacing) to every cell', () => {
    const ps = makeConstant('photonSpacing', Float32Array.from([60, 61, 30, 62, 63, 64]), [2, 3], ['row', 'col'], 'ADU');
    const mask = new Uint8Array(12), flags = new Uint32Array(12);
    expect(applyInterval(ps, extent, 50, 80, mask, flags)).toBe(2);
    expect([mask[2], mask[8]]).toEqual([1, 1]);
    // a pixel is left out of the histogram only when all its cells are masked
    expect([...unmaskedValues(ps, extent, mask)]).toEqual([60, 61, 62, 63, 64]);
  });

  it('rejects constants that do not fit the mask', () => {
    const wrong = makeConstant('Offset', new Float32Array(3 * 6), [3, 2, 3], ['cell', 'row', 'col'], 'ADU');
    expect(() => applyInterval(wrong, extent, 0, 1, new Uint8Array(12), new Uint32Array(12))).toThrow(/3 memory cells, the mask 2/);
    const noFrame = makeConstant('x', new Float32Array(6), [6], ['frame'], '');
    expect(() => unmaskedValues(noFrame, extent, new Uint8Array(12))).toThrow(/needs 'row' and 'col'/);
  });

  it('parses intervals with open ends and rejects malformed ones', () => {
    expect(parseInterval('3000:7000', '--interval Offset')).toEqual([3000, 7000]);
    expect(parseInterval(':7.5', 'x')).toEqual([-Infinity, 7.5]);
    expect(parseInterval('-2:', 'x')).toEqual([-2, Infinity]);
    expect(() => parseInterval('7:3', '--interval Offset')).toThrow(/--interval Offset 7:3: write LO:HI/);
    expect(() => parseInterval('abc', 'x')).toThrow(/LO:HI/);
  });

  it('prints a text histogram with edges, counts, bars and the tails', () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => i % 10);
    const lines = formatTextHistogram(v, 5, 10);
    expect(lines[0]).toBe('1000 values, median 5.0000, min 0.0000, max 9.0000');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^\[0\.0000, 1\.8000\)\s+200 #+$/);
    expect(lines.slice(1).map((l) => Number(l.split(/\s+/)[2]))).toEqual([200, 200, 200, 200, 200]);
    const tails = formatTextHistogram(Float64Array.from([...Array.from({ length: 998 }, (_, i) => i), -1e4, 1e4]), 4);
    expect(tails.some((l) => l.startsWith('< '))).toBe(true);
    expect(formatTextHistogram(new Float64Array(0))).toEqual(['(no values left to histogram)']);
  });
});
