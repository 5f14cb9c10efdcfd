import { Random } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { fillRowCommonModeFrame } from './row-common-mode.js';

describe('row common mode', () => {
  it('shifts each row group of a frame together by a common value with the requested rms; dead pixels stay put', () => {
    const rows = 200, cols = 64, group = 32, frames = 20;
    const offset = new Float32Array(rows * cols).fill(1000);
    const sigma = new Float32Array(rows * cols).fill(0.5);
    sigma[5] = 0;
    const out = new Uint16Array(frames * rows * cols);
    const rng = new Random(9);
    for (let f = 0; f < frames; f++) fillRowCommonModeFrame(rng, offset, sigma, 10, rows, cols, group, out, f * rows * cols);
    let s2 = 0, n = 0;
    for (let f = 0; f < frames; f++) {
      for (let r = 0; r < rows; r++) {
        for (let g = 0; g < cols / group; g++) {
          let m = 0;
          for (let c = 1; c < group; c++) m += out[f * rows * cols + r * cols + g * group + c] - 1000;
          m /= group - 1;
          s2 += m * m;
          n++;
        }
      }
      expect(out[f * rows * cols + 5]).toBe(1000);
    }
    expect(Math.sqrt(s2 / n)).toBeGreaterThan(9.3);
    expect(Math.sqrt(s2 / n)).toBeLessThan(10.7);
  });
});
