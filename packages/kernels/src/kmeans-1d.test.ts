import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { initLevelsFromEnds, kmeans1d, levelOf } from './kmeans-1d.js';

describe('kmeans1d (fast 1-D k-means, seed get3DigitalMeans)', () => {
  it('recovers three digital levels of a rising scan from the ends-initialised levels', () => {
    const rng = new Random(3);
    const levels = [4500, 5500, 6500];
    const lengths = [120, 150, 130];
    const v: number[] = [];
    levels.forEach((l, j) => {
      for (let i = 0; i < lengths[j]; i++) v.push(l + 12 * rng.normal());
    });
    const means = new Float64Array(3);
    const counts = new Float64Array(3);
    initLevelsFromEnds(v, v.length, 3, means);
    expect(means[0]).toBeCloseTo(4500, -2);
    expect(means[2]).toBeCloseTo(6500, -2);
    kmeans1d(v, v.length, 3, means, 3, counts);
    expect(Array.from(counts)).toEqual(lengths);
    // each mean within 5 standard errors (12 / sqrt(n) ADU) of its level
    levels.forEach((l, j) => expect(Math.abs(means[j] - l)).toBeLessThan((5 * 12) / Math.sqrt(lengths[j])));
  });

  it('a series that never leaves the first level gives collapsed levels (the caller rejects them by spacing)', () => {
    const rng = new Random(5);
    const v = Array.from({ length: 200 }, () => 4500 + 12 * rng.normal());
    const means = new Float64Array(3);
    const counts = new Float64Array(3);
    initLevelsFromEnds(v, v.length, 3, means);
    kmeans1d(v, v.length, 3, means, 3, counts);
    expect(means[2] - means[0]).toBeLessThan(100);
  });

  it('levelOf: strict mid-point intervals, a value on a mid-point belongs to none', () => {
    const m = Float64Array.from([0, 10, 20]);
    expect([levelOf(-1, m, 3), levelOf(4.9, m, 3), levelOf(5, m, 3), levelOf(5.1, m, 3), levelOf(15, m, 3), levelOf(99, m, 3)]).toEqual([0, 0, -1, 1, -1, 2]);
  });
});
