import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { asicCommonModeCpu } from './asic-common-mode.js';

const opts = { rows: 8, cols: 8, asicRows: 4, asicCols: 4, darkRangeAdu: [-30, 30] as [number, number], darkFraction: 0.15, iterations: 4 };

describe('per-ASIC common mode', () => {
  it('removes a per-(frame, ASIC) shift from dark high-gain pixels and leaves bright, masked and medium-gain pixels out', () => {
    const rng = new Random(3);
    const n = 2 * 64;
    const data = new Float32Array(n), gain = new Uint8Array(n), mask = new Uint32Array(n);
    const shift = [7, -5, 12, 0, -9, 3, 1, 20];
    for (let f = 0; f < 2; f++) {
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const i = f * 64 + r * 8 + c;
          const asic = f * 4 + Math.floor(r / 4) * 2 + Math.floor(c / 4);
          data[i] = shift[asic] + 0.5 * rng.normal();
        }
      }
    }
    data[5] = 500; // a photon: outside the dark range, still corrected
    gain[6] = 1; // medium gain: not used, not corrected
    mask[7] = 4; // bad: not used, not corrected
    const before6 = data[6], before7 = data[7];
    const cm = new Float32Array(8);
    asicCommonModeCpu(data, gain, mask, 2, opts, cm);
    for (let a = 0; a < 8; a++) expect(Math.abs(cm[a] - shift[a])).toBeLessThan(0.6);
    expect(data[6]).toBe(before6);
    expect(data[7]).toBe(before7);
    expect(Math.abs(data[5] - (500 - shift[1]))).toBeLessThan(0.6);
    for (let i = 0; i < n; i++) if (i < 5 || i > 7) expect(Math.abs(data[i])).toBeLessThan(2);
  });

  it('skips an ASIC with too few dark pixels', () => {
    const data = new Float32Array(64).fill(1000), gain = new Uint8Array(64), mask = new Uint32Array(64);
    data[0] = 10; // 1 of 16 pixels dark < 15%
    const cm = new Float32Array(4);
    asicCommonModeCpu(data, gain, mask, 1, opts, cm);
    expect(cm[0]).toBe(0);
    expect(data[0]).toBe(10);
  });
});
