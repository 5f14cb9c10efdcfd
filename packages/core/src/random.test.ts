import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Random', () => {
  it('is reproducible from the seed', () => {
    const a = new Random(42), b = new Random(42);
    for (let i = 0; i < 10; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });
  it('gives standard normal deviates (mean within 4 sigma/sqrt(n), variance within 4 sd)', () => {
    const r = new Random(7);
    const n = 200_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
    const mean = s / n, variance = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
  it('gives Poisson counts with the requested mean', () => {
    const r = new Random(3);
    const n = 50_000;
    let s = 0;
    for (let i = 0; i < n; i++) s += r.poisson(2.5);
    expect(Math.abs(s / n - 2.5)).toBeLessThan(4 * Math.sqrt(2.5 / n));
  });
});
