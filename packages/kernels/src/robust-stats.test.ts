import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { finiteMeanStd, mad, median, nanMad, nanMedian } from './robust-stats.js';
import { checkTolerance, formatToleranceReport } from './tolerance.js';

/** numpy reference values, written by fixtures/make_robust_stats.py (JSON null = NaN). */
interface Fixture {
  cases: Array<{ values: number[]; median: number; mad: number; valuesNaN: Array<number | null>; nanmedian: number; nanmad: number }>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/robust-stats.json', import.meta.url), 'utf8')) as Fixture;
const nanOf = (v: Array<number | null>) => v.map((x) => (x === null ? NaN : x));

describe('median / mad against numpy', () => {
  it('median, mad, nanmedian, nanmad equal np.median & co. (1e-12 relative)', () => {
    const got: number[] = [], want: number[] = [];
    for (const c of fixture.cases) {
      got.push(median(c.values), mad(c.values), nanMedian(nanOf(c.valuesNaN)), nanMad(nanOf(c.valuesNaN)));
      want.push(c.median, c.mad, c.nanmedian, c.nanmad);
    }
    const report = checkTolerance(got, want, (_i, e) => 1e-12 * Math.max(1, Math.abs(e)));
    expect(report.ok, formatToleranceReport(report, 'numpy robust stats')).toBe(true);
  });

  it('is plain MAD (no 1.4826) and leaves the input unchanged', () => {
    const values = [1, 2, 3, 4, 100];
    expect(median(values)).toBe(3);
    expect(mad(values)).toBe(1);
    expect(mad([1, 2, 3, 4])).toBe(1);
    expect(mad([1, 2, 3, 4], undefined, 0)).toBe(2.5);
    expect(values).toEqual([1, 2, 3, 4, 100]);
    const scratch = new Float64Array(10);
    expect(median(Float32Array.from([5, 1, 3]), scratch)).toBe(3);
  });

  it('plain variants propagate NaN, nan variants ignore it', () => {
    expect(median([1, NaN, 3])).toBeNaN();
    expect(mad([1, NaN, 3])).toBeNaN();
    expect(nanMedian([1, NaN, 3])).toBe(2);
    expect(nanMad([1, NaN, 3])).toBe(1);
    expect(nanMedian([NaN])).toBeNaN();
    expect(median([])).toBeNaN();
  });

  it('finiteMeanStd is np.nanmean / np.nanstd (ddof 0) over the finite values', () => {
    const r = finiteMeanStd([2, 4, 4, 4, 5, 5, 7, 9, NaN, Infinity]);
    expect(r).toEqual({ mean: 5, std: 2, n: 8 });
    const e = finiteMeanStd([NaN]);
    expect(e.n).toBe(0);
    expect(e.mean).toBeNaN();
  });
});
