import { Random } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { addCosmicHits, drawCosmicHits } from './cosmic-hits.js';

describe('cosmic hits', () => {
  it('draws Poisson hits per frame with amplitudes in range', () => {
    const hits = drawCosmicHits(new Random(4), 4000, 10_000, 3, 300, 3000);
    expect(hits.starts.length).toBe(4001);
    expect(Math.abs(hits.pixels.length / 4000 - 3)).toBeLessThan(4 * Math.sqrt(3 / 4000));
    for (const a of hits.amplitudeAdu) expect(a >= 300 && a <= 3000).toBe(true);
  });

  it('adds a small cluster around the centre, skips dead pixels and saturates', () => {
    const rows = 5, cols = 5;
    const hits = { starts: Int32Array.from([0, 2]), pixels: Int32Array.from([12, 0]), amplitudeAdu: Float32Array.from([1000, 20_000]) };
    const sigma = new Float32Array(25).fill(1);
    sigma[6] = 0;
    const out = new Uint16Array(25).fill(100);
    addCosmicHits(new Random(1), hits, 0, rows, cols, sigma, 16383, out, 0);
    expect(out[12]).toBe(1100);
    expect(out[0]).toBe(16383);
    expect(out[6]).toBe(100);
    for (const p of [7, 8, 11, 13, 16, 17, 18]) expect(out[p] === 100 || (out[p] >= 150 && out[p] <= 450)).toBe(true);
    expect(out[24]).toBe(100);
  });
});
