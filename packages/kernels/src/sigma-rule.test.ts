import { describe, expect, it } from 'vitest';
import { BadPixel } from '@detcal/core';
import { sigmaRule } from './sigma-rule.js';

const bits = { outOfRange: BadPixel.OFFSET_OUT_OF_THRESHOLD, nan: BadPixel.OFFSET_NOISE_EVAL_ERROR };

describe('sigmaRule (EuXFEL n-sigma bad pixels)', () => {
  it('boundary values (|v - median| == nSigma * std) are good; beyond is flagged (exclusive)', () => {
    // median 10, std exactly 1 (ddof 0)
    const values = Float64Array.from([9, 11, 9, 11, 9, 11, 9, 11]);
    const flags = new Uint32Array(values.length);
    const r = sigmaRule(values, flags, { nSigma: 1 }, bits);
    expect([r.median[0], r.std[0]]).toEqual([10, 1]);
    expect(Array.from(flags).every((f) => f === 0)).toBe(true);
    sigmaRule(values, flags, { nSigma: 0.999 }, bits);
    expect(Array.from(flags).every((f) => f === BadPixel.OFFSET_OUT_OF_THRESHOLD)).toBe(true);
    // std 0: the median itself is not flagged
    const flat = new Uint32Array(4);
    expect(sigmaRule(Float32Array.from([5, 5, 5, 5]), flat, { nSigma: 3 }, bits).outOfRange).toBe(0);
  });

  it('hard limits: outside [lo, hi] is flagged, lo and hi themselves are good', () => {
    const values = Float64Array.from([100, 99.999, 200, 200.001, 150]);
    const flags = new Uint32Array(values.length);
    const r = sigmaRule(values, flags, { nSigma: 1e9, hard: [100, 200] }, { ...bits, hard: BadPixel.VALUE_OUT_OF_RANGE });
    expect(Array.from(flags)).toEqual([0, BadPixel.VALUE_OUT_OF_RANGE, 0, BadPixel.VALUE_OUT_OF_RANGE, 0]);
    expect(r.outOfHard).toBe(2);
  });

  it('NaN and infinities get the NaN bit only and do not enter median / std; bits are OR-ed into existing flags', () => {
    const values = Float64Array.from([9, 11, NaN, 9, 11, Infinity, 9, 11, 9, 11, 40]);
    const flags = new Uint32Array(values.length);
    flags[0] = BadPixel.USER2;
    const r = sigmaRule(values, flags, { nSigma: 3.1 }, bits);
    expect(r.nonFinite).toBe(2);
    expect(flags[2]).toBe(BadPixel.OFFSET_NOISE_EVAL_ERROR);
    expect(flags[5]).toBe(BadPixel.OFFSET_NOISE_EVAL_ERROR);
    expect(flags[0]).toBe(BadPixel.USER2);
    expect(r.median[0]).toBe(11);
    // std over the 9 finite values is 9.476 (mean 13.33); 40 is (40 - 11) / 9.476 = 3.06 std from the median
    expect(r.std[0]).toBeCloseTo(Math.sqrt((4 * (9 - 120 / 9) ** 2 + 4 * (11 - 120 / 9) ** 2 + (40 - 120 / 9) ** 2) / 9), 12);
    expect(flags[10]).toBe(0);
    sigmaRule(values, flags, { nSigma: 3 }, bits);
    expect(flags[10]).toBe(BadPixel.OFFSET_OUT_OF_THRESHOLD);
  });

  it('statistics per memory cell (blockSize) and per ASIC (tiles)', () => {
    // 2 cells x (2 x 4 image, 2 ASICs of 2 x 2); ASIC 1 of cell 1 sits at 1000
    const cell0 = [10, 11, 20, 21, 10, 11, 20, 21];
    const cell1 = [10, 11, 1000, 1001, 10, 11, 1000, 1001];
    const values = Float32Array.from([...cell0, ...cell1]);
    const flags = new Uint32Array(values.length);
    const r = sigmaRule(values, flags, { nSigma: 1.5, blockSize: 8, tiles: { rows: 2, cols: 4, tileRows: 2, tileCols: 2 } }, bits);
    expect(Array.from(r.median)).toEqual([10.5, 20.5, 10.5, 1000.5]);
    expect(Array.from(r.std)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(flags).every((f) => f === 0)).toBe(true);
    // one statistics group over both ASICs of cell 1 would flag the 1000s or the 10s at nSigma 0.9
    const whole = new Uint32Array(values.length);
    sigmaRule(values, whole, { nSigma: 0.9, blockSize: 8 }, bits);
    expect(whole.subarray(8).some((f) => f !== 0)).toBe(true);
    expect(() => sigmaRule(values, flags, { nSigma: 1, blockSize: 5 }, bits)).toThrow(/does not divide/);
    expect(() => sigmaRule(values, flags, { nSigma: 1, blockSize: 8, tiles: { rows: 2, cols: 4, tileRows: 3, tileCols: 2 } }, bits)).toThrow(/do not tile/);
  });
});
