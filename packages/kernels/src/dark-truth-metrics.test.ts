import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { flagRecall, goodPixels, noiseAccuracy, offsetAccuracy } from './dark-truth-metrics.js';

describe('dark truth metrics', () => {
  it('offsetAccuracy separates the group-shared error from the independent one', () => {
    const rng = new Random(1);
    const n = 100, groups = 400, L = 50, P = groups * L;
    const truth = Float32Array.from({ length: P }, () => 1000 + rng.normal());
    const noiseCM = new Float32Array(P).fill(2), noise = new Float32Array(P).fill(Math.sqrt(4 + 25));
    const found = new Float32Array(P);
    for (let g = 0; g < groups; g++) {
      const shared = (5 * rng.normal()) / Math.sqrt(n);
      for (let p = g * L; p < (g + 1) * L; p++) found[p] = truth[p] + shared + (2 * rng.normal()) / Math.sqrt(n);
    }
    const r = offsetAccuracy(found, truth, noise, noiseCM, new Uint8Array(P).fill(1), n, L);
    expect(r.pixels).toBe(P);
    expect(Math.abs(r.withinFraction - 0.9973)).toBeLessThan(0.0015);
    expect(Math.abs(r.groupRmsAdu / 0.5 - 1)).toBeLessThan(0.1);
    expect(Math.abs(r.zRms - 1)).toBeLessThan(0.03);
  });

  it('noiseAccuracy measures in units of the std error', () => {
    const truth = new Float32Array(1000).fill(2);
    const found = truth.map((t, i) => t * (1 + (i % 2 ? 1 : -1) / Math.sqrt(2 * 50)));
    const r = noiseAccuracy(found, truth, goodPixels(new Uint32Array(1000)), 50);
    expect(r.zRms).toBeCloseTo(1, 6);
    expect(r.withinFraction).toBe(1);
  });

  it('flagRecall counts found kinds and false positives, also for uint64 status', () => {
    const truth = Uint32Array.of(0, 0, 1, 1, 2, 16386);
    const r = flagRecall(Uint32Array.of(0, 8, 1, 0, 2, 16384), truth);
    expect(r.good).toBe(2);
    expect(r.falsePositives).toBe(1);
    expect(r.kinds).toEqual([
      { truth: 1, pixels: 2, flagged: 1, expected: 1 },
      { truth: 2, pixels: 1, flagged: 1, expected: 1 },
      { truth: 16386, pixels: 1, flagged: 1, expected: 1 },
    ]);
    const s = flagRecall(BigUint64Array.of(0n, 0n, 16n, 16n, 1n, 2n), truth, (t) => (t === 1 ? 16 : 3));
    expect(s.kinds.map((k) => k.expected)).toEqual([2, 1, 1]);
  });
});
