import { describe, expect, it } from 'vitest';
import { COLORMAP_SIZE, colorIndex, VIRIDIS, viridis } from './colormap.js';

describe('viridis', () => {
  it('matches matplotlib viridis within 2/255 per channel, between the anchors too', () => {
    // matplotlib _cm_listed._viridis_data entries x 255 (CC0); 40, 100, 130, 250 lie between anchors.
    const ref: Record<number, number[]> = {
      0: [68.09, 1.24, 84.0],
      40: [69.0, 54.59, 129.3],
      100: [42.49, 118.25, 142.32],
      130: [31.98, 146.45, 140.02],
      200: [112.23, 206.84, 86.95],
      250: [241.14, 229.45, 28.77],
      255: [253.28, 231.07, 36.7],
    };
    for (const [i, rgb] of Object.entries(ref)) {
      const got = viridis(Number(i));
      rgb.forEach((v, ch) => expect(Math.abs(got[ch] - v), `entry ${i} channel ${ch}: ${got[ch]} vs ${v}`).toBeLessThanOrEqual(2));
    }
  });

  it('has 256 entries whose lightness (R+G+B proxy: green) rises monotonically', () => {
    expect(VIRIDIS.length).toBe(COLORMAP_SIZE * 3);
    for (let i = 1; i < COLORMAP_SIZE; i++) expect(VIRIDIS[i * 3 + 1]).toBeGreaterThanOrEqual(VIRIDIS[(i - 1) * 3 + 1]);
  });

  it('maps values to indices, clamping outside the range, -1 for NaN', () => {
    expect(colorIndex(0, 0, 1)).toBe(0);
    expect(colorIndex(1, 0, 1)).toBe(255);
    expect(colorIndex(0.5, 0, 1)).toBe(128);
    expect(colorIndex(-5, 0, 1)).toBe(0);
    expect(colorIndex(7, 0, 1)).toBe(255);
    expect(colorIndex(Number.NaN, 0, 1)).toBe(-1);
  });
});
