import { Random } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { asicIndexMap, drawPixelMaps } from './pixel-maps.js';

const geometry = { moduleRows: 64, moduleCols: 128, asics: { rows: 2, cols: 2, asicRows: 32, asicCols: 64 } };

describe('pixel maps', () => {
  it('numbers ASICs row-major', () => {
    const a = asicIndexMap(geometry);
    expect([a[0], a[64], a[32 * 128], a[64 * 128 - 1]]).toEqual([0, 1, 2, 3]);
  });

  it('draws offsets around the stage level and noise around the stage noise, per cell', () => {
    const stage = { offsetAdu: 1000, asicSpreadAdu: 0, pixelSpreadAdu: 20, cellSpreadAdu: 5, noiseAdu: 4, noiseRelativeSpread: 0.1 };
    const m = drawPixelMaps(new Random(1), geometry, [stage, { ...stage, offsetAdu: 3000 }], 3);
    const P = 64 * 128;
    expect(m.offsetAdu.length).toBe(2 * 3 * P);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(m.offsetAdu.subarray(0, P)) - 1000)).toBeLessThan(2);
    expect(Math.abs(mean(m.offsetAdu.subarray(5 * P, 6 * P)) - 3000)).toBeLessThan(2);
    expect(Math.abs(mean(m.sigmaAdu.subarray(0, P)) - 4)).toBeLessThan(0.05);
    // Same pixel level in every cell, up to the cell spread.
    let d = 0;
    for (let p = 0; p < P; p++) d += (m.offsetAdu[p] - m.offsetAdu[P + p]) ** 2;
    expect(Math.sqrt(d / P)).toBeCloseTo(5 * Math.SQRT2, 0);
    expect(m.sigmaAdu[7]).toBe(m.sigmaAdu[P + 7]);
  });
});
