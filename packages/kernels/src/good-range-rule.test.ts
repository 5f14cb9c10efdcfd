import { describe, expect, it } from 'vitest';
import { PixelStatus } from '@detcal/core';
import { goodRangeRule } from './good-range-rule.js';

const bits = { low: PixelStatus.F2_MEAN_LOW, high: PixelStatus.F2_MEAN_HIGH };

describe('goodRangeRule (det_pixel_status)', () => {
  it('flags x <= lo and x >= hi inclusively, with the plain MAD as spread', () => {
    const values = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const flags = new Uint32Array(values.length);
    const r = goodRangeRule(values, flags, { snr: 2 }, bits);
    expect([r.median, r.spread, r.spreadKind, r.lo, r.hi]).toEqual([4, 2, 'mad', 0, 8]);
    expect(flags[0]).toBe(PixelStatus.F2_MEAN_LOW);
    expect(flags[8]).toBe(PixelStatus.F2_MEAN_HIGH);
    expect(Array.from(flags.subarray(1, 8)).every((f) => f === 0)).toBe(true);
    expect([r.nLow, r.nHigh]).toEqual([1, 1]);
  });

  it('drops values <= vmin / >= vmax from the statistics and clips the range to them', () => {
    const values = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const flags = new Uint32Array(values.length);
    const r = goodRangeRule(values, flags, { snr: 2, vmin: 0, vmax: 100 }, bits);
    expect([r.nKept, r.median, r.spread]).toEqual([8, 4.5, 2]);
    expect([r.lo, r.hi]).toEqual([0.5, 8.5]);
    expect(flags[0]).toBe(PixelStatus.F2_MEAN_LOW); // 0 <= 0.5
    expect(flags[8]).toBe(0);
    const clipped = goodRangeRule(values, new Uint32Array(9), { snr: 100, vmin: 0, vmax: 7 }, bits);
    expect([clipped.lo, clipped.hi]).toEqual([0, 7]);
  });

  it('uses the std when the MAD is 0; NaN is never flagged low/high but can get its own bit', () => {
    const values = Float64Array.from([5, 5, 5, 5, 5, 5, 9, NaN]);
    const flags = new Uint32Array(values.length);
    const r = goodRangeRule(values, flags, { snr: 1 }, { ...bits, nan: PixelStatus.F11_MAX_HIGH });
    expect(r.spreadKind).toBe('std');
    // std (ddof 0) of the 7 kept values (NaN is not inside (vmin, vmax)): mean 39 / 7
    expect(r.spread).toBeCloseTo(Math.sqrt((6 * (5 - 39 / 7) ** 2 + (9 - 39 / 7) ** 2) / 7), 12);
    expect(flags[6]).toBe(PixelStatus.F2_MEAN_HIGH);
    expect(flags[7]).toBe(PixelStatus.F11_MAX_HIGH);
    expect(flags[0]).toBe(0);
  });
});
