import { describe, expect, it } from 'vitest';
import { BadPixel, PixelStatus, countFlags, flagNames, parseFlags } from './bad-pixels.js';

describe('bad-pixel flags', () => {
  it('matches the EuXFEL bit positions', () => {
    expect(BadPixel.OFFSET_OUT_OF_THRESHOLD).toBe(1);
    expect(BadPixel.GAIN_THRESHOLDING_ERROR).toBe(1 << 13);
    expect(BadPixel.WRONG_GAIN_VALUE).toBe(1 << 21);
    expect(BadPixel.USER2).toBe(2 ** 31);
  });
  it('matches the det_pixel_status octal bits', () => {
    expect(PixelStatus.F2_MEAN_LOW).toBe(1);
    expect(PixelStatus.F11_MAX_HIGH).toBe(512);
  });
  it('parses names, numbers and lists and rejects unknown names', () => {
    expect(parseFlags(BadPixel, 'noise_out_of_threshold,OFFSET_OUT_OF_THRESHOLD')).toBe(3);
    expect(parseFlags(BadPixel, '0x4|USER2')).toBe((4 + 2 ** 31) >>> 0);
    expect(() => parseFlags(BadPixel, 'HOT')).toThrow(/unknown bad-pixel flag 'HOT'/);
  });
  it('names and counts bits, including bit 31', () => {
    expect(flagNames(BadPixel, 3)).toEqual(['OFFSET_OUT_OF_THRESHOLD', 'NOISE_OUT_OF_THRESHOLD']);
    expect(flagNames(BadPixel, 2 ** 31)).toEqual(['USER2']);
    const counts = countFlags(BadPixel, new Uint32Array([0, 1, 3, 2 ** 31]));
    expect(counts.find((c) => c.name === 'OFFSET_OUT_OF_THRESHOLD')?.count).toBe(2);
    expect(counts.find((c) => c.name === 'USER2')?.count).toBe(1);
  });
});
