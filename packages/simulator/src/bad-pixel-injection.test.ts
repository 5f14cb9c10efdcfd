import { BadPixel, Random } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { Defect, applyDefects, badPixelsTruth, defectFlags, pickDefects } from './bad-pixel-injection.js';
import type { PixelMaps } from './pixel-maps.js';

describe('bad-pixel injection', () => {
  it('picks exactly the requested number of distinct pixels per defect', () => {
    const d = pickDefects(new Random(5), 10_000, { hot: 0.01, noisy: 0.02, dead: 0.005 });
    expect([d.hot, d.noisy, d.dead]).toEqual([100, 200, 50]);
    const counts = [0, 0, 0, 0];
    for (const code of d.defect) counts[code]++;
    expect(counts).toEqual([10_000 - 350, 100, 200, 50]);
  });

  it('maps defects to EuXFEL flags and repeats them on every plane', () => {
    expect(defectFlags(Defect.NONE)).toBe(0);
    expect(defectFlags(Defect.HOT)).toBe(BadPixel.OFFSET_OUT_OF_THRESHOLD);
    expect(defectFlags(Defect.NOISY)).toBe(BadPixel.NOISE_OUT_OF_THRESHOLD);
    expect(defectFlags(Defect.DEAD)).toBe(BadPixel.DATA_STD_IS_ZERO | BadPixel.NOISE_OUT_OF_THRESHOLD);
    const d = { defect: Uint8Array.from([0, 1, 2, 3]), hot: 1, noisy: 1, dead: 1 };
    expect([...badPixelsTruth(d, 2)]).toEqual([0, 1, 2, 16386, 0, 1, 2, 16386]);
  });

  it('shifts hot offsets, scales noisy sigma, freezes dead pixels, and keeps hot pixels below the ADC maximum', () => {
    const maps: PixelMaps = {
      stages: 1, cells: 1, rows: 1, cols: 6,
      offsetAdu: Float32Array.from([100, 110, 90, 100.4, 100, 16000]),
      sigmaAdu: Float32Array.from([2, 2, 2, 2, 2, 2]),
    };
    const defect = Uint8Array.from([0, Defect.HOT, Defect.NOISY, Defect.DEAD, 0, Defect.HOT]);
    applyDefects(maps, { defect, hot: 2, noisy: 1, dead: 1 }, 16383, { hotSigma: 1, noisyFactor: 5 });
    expect(maps.offsetAdu[1]).toBeGreaterThan(110 + 5000);
    expect(maps.sigmaAdu[2]).toBe(10);
    expect([maps.offsetAdu[3], maps.sigmaAdu[3]]).toEqual([100, 0]);
    expect(maps.offsetAdu[5]).toBe(16383 - 20);
    expect(maps.offsetAdu[0]).toBe(100);
  });
});
