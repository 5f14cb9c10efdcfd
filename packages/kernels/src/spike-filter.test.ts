import { describe, expect, it } from 'vitest';
import { removeSpikes } from './spike-filter.js';

const scratch = new Float64Array(1000);

describe('removeSpikes (running median, seed removeSpikes)', () => {
  it('removes spikes up to maxSpikeWidth samples wide from a ramp and leaves the other samples alone', () => {
    const n = 100;
    const ramp = Float32Array.from({ length: n }, (_, i) => 5000 + 20 * i);
    const s = ramp.slice();
    s[10] += 800; // width 1
    s[40] += 500;
    s[41] += 450; // width 2
    s[70] -= 1200; // negative, width 1
    const replaced = removeSpikes(s, n, 2, 300, scratch);
    expect(replaced).toBe(4);
    for (let i = 0; i < n; i++) {
      if ([10, 40, 41, 70].includes(i)) {
        // the median of a ramp window sits at most 2 samples away: within 2 * slope of the true value
        expect(Math.abs(s[i] - ramp[i])).toBeLessThanOrEqual(40);
      } else {
        expect(s[i]).toBe(ramp[i]);
      }
    }
  });

  it('keeps gain-switch steps (a sawtooth drop of 3000 ADU) and spikes below minSpikeHeight', () => {
    const n = 60;
    const s = Float32Array.from({ length: n }, (_, i) => (i < 30 ? 5000 + 100 * i : 4000 + 30 * i));
    s[15] += 299;
    const before = s.slice();
    expect(removeSpikes(s, n, 2, 300, scratch)).toBe(0);
    expect(Array.from(s)).toEqual(Array.from(before));
  });

  it('does not remove a plateau wider than maxSpikeWidth (3 samples with width 2)', () => {
    const s = new Float32Array(30).fill(1000);
    s[10] = s[11] = s[12] = 2000;
    expect(removeSpikes(s, 30, 2, 300, scratch)).toBe(0);
    expect(removeSpikes(s, 30, 3, 300, scratch)).toBe(3);
    expect(s[11]).toBe(1000);
  });

  it('cuts the window at the ends: a spike on the first sample is removed', () => {
    const s = Float32Array.from([9000, 1000, 1001, 1002, 1003, 1004]);
    expect(removeSpikes(s, 6, 2, 300, scratch)).toBe(1);
    expect(s[0]).toBe(1001); // median of {9000, 1000, 1001}
  });
});
