import { describe, expect, it } from 'vitest';
import { defaultCtype, octal, parseBits, parseFeatures, parseWindow, PIXEL_STATUS_DEFAULTS } from './options.js';

describe('det_pixel_status options', () => {
  it('has the reference defaults', () => {
    expect(PIXEL_STATUS_DEFAULTS.snrmax).toBe(8);
    expect(PIXEL_STATUS_DEFAULTS.nrecs).toBe(1000);
    expect(PIXEL_STATUS_DEFAULTS.events).toBe(1000);
    expect(PIXEL_STATUS_DEFAULTS.shwind).toEqual([15, 15]);
    expect(PIXEL_STATUS_DEFAULTS.databits).toBe(16383);
    expect(PIXEL_STATUS_DEFAULTS.features).toEqual([1, 2, 3]);
  });
  it('parses feature lists like the reference, trailing comma included', () => {
    expect(parseFeatures('1,2,3')).toEqual([1, 2, 3]);
    expect(parseFeatures('6,1')).toEqual([1, 6]);
    expect(parseFeatures('11,')).toEqual([11]);
    expect(() => parseFeatures('4')).toThrow(/not implemented/);
    expect(() => parseFeatures('7')).toThrow(/unknown feature '7'/);
    expect(() => parseFeatures('')).toThrow(/comma-separated/);
  });
  it('parses windows and bit masks in decimal, octal and hex', () => {
    expect(parseWindow('15,15')).toEqual([15, 15]);
    expect(parseWindow('5, 4')).toEqual([5, 4]);
    expect(() => parseWindow('1,15')).toThrow(/at least 2/);
    expect(parseBits('0o37777', '--databits')).toBe(16383);
    expect(parseBits('16383', '--databits')).toBe(16383);
    expect(parseBits('0x3FFF', '--databits')).toBe(16383);
    expect(() => parseBits('-1', '--databits')).toThrow(/--databits '-1'/);
    expect(octal(8)).toBe('0o10');
  });
  it('chooses the ctype from the features as the reference', () => {
    expect(defaultCtype([1, 2, 3])).toBe('status_dark');
    expect(defaultCtype([1, 6])).toBe('status_light');
    expect(defaultCtype([11])).toBe('status_max');
    expect(defaultCtype([6, 11])).toBe('status_light');
  });
});
