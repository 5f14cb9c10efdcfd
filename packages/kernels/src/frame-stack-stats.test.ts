import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { madOverFrames, medianOverFrames } from './frame-stack-stats.js';
import { mad, median } from './robust-stats.js';
import { checkTolerance, formatToleranceReport } from './tolerance.js';

interface StackFixture {
  stack: {
    frames: number; pixels: number; values: number[]; median: number[]; mad: number[];
    valuesNaN: Array<number | null>; nanmedian: Array<number | null>; nanmad: Array<number | null>;
  };
}
const { stack: fx } = JSON.parse(readFileSync(new URL('./fixtures/robust-stats.json', import.meta.url), 'utf8')) as StackFixture;
const nanOf = (v: Array<number | null>) => v.map((x) => (x === null ? NaN : x));
const tol = (_i: number, e: number) => 1e-12 * Math.max(1, Math.abs(e));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  const report = checkTolerance(actual, expected, tol);
  expect(report.ok, formatToleranceReport(report, label)).toBe(true);
}

describe('medianOverFrames / madOverFrames', () => {
  it.each([1, 2, 5, 100])('match numpy median / MAD over axis 0 (scratch of %i pixels)', (tilePixels) => {
    const { frames, pixels } = fx;
    const stack = Float64Array.from(fx.values);
    const scratch = new Float64Array(frames * tilePixels);
    const med = new Float64Array(pixels);
    medianOverFrames(stack, frames, pixels, med, scratch);
    expectClose(med, fx.median, 'median over frames');
    const m = new Float64Array(pixels), outMedian = new Float64Array(pixels);
    madOverFrames(stack, frames, pixels, m, scratch, { outMedian });
    expectClose(m, fx.mad, 'MAD over frames');
    expectClose(outMedian, fx.median, 'median from madOverFrames');
    expect(Array.from(stack)).toEqual(fx.values); // stack unchanged
  });

  it("NaN: 'propagate' gives NaN where a pixel has one; 'omit' is np.nanmedian (all-NaN pixel -> NaN)", () => {
    const { frames, pixels } = fx;
    const stack = Float32Array.from(nanOf(fx.valuesNaN));
    const out = new Float64Array(pixels);
    medianOverFrames(stack, frames, pixels, out, new Float32Array(frames * 4), { nan: 'omit' });
    // the fixture values are float64; the stack here is float32, so compare with the float32-rounded inputs
    const ref = new Float64Array(pixels);
    for (let p = 0; p < pixels; p++) {
      const col = Array.from({ length: frames }, (_, f) => stack[f * pixels + p]).filter((v) => !Number.isNaN(v));
      ref[p] = col.length ? median(col) : NaN;
      if (fx.nanmedian[p] === null) expect(out[p]).toBeNaN();
      else expect(Math.abs(out[p] - (fx.nanmedian[p] as number))).toBeLessThan(1e-5);
    }
    expectClose(out, ref, 'nanmedian over frames');
    const nm = new Float64Array(pixels);
    madOverFrames(Float64Array.from(nanOf(fx.valuesNaN)), frames, pixels, nm, new Float64Array(frames), { nan: 'omit' });
    expectClose(nm, nanOf(fx.nanmad), 'nan MAD over frames');
    medianOverFrames(stack, frames, pixels, out, new Float32Array(frames));
    for (let p = 0; p < pixels; p++) {
      const hasNaN = Array.from({ length: frames }, (_, f) => stack[f * pixels + p]).some(Number.isNaN);
      expect(Number.isNaN(out[p])).toBe(hasNaN);
    }
  });

  it('agrees with per-pixel median() / mad() on a random stack and checks shapes', () => {
    const rng = new Random(51);
    const frames = 20, pixels = 333;
    const stack = Float32Array.from({ length: frames * pixels }, () => rng.normal() * 10);
    const med = new Float32Array(pixels), m = new Float32Array(pixels);
    medianOverFrames(stack, frames, pixels, med, new Float64Array(frames * 64));
    madOverFrames(stack, frames, pixels, m, new Float64Array(frames * 7));
    const refMed: number[] = [], refMad: number[] = [];
    for (let p = 0; p < pixels; p++) {
      const col = Array.from({ length: frames }, (_, f) => stack[f * pixels + p]);
      refMed.push(Math.fround(median(col)));
      refMad.push(Math.fround(mad(col)));
    }
    expectClose(med, refMed, 'median');
    expectClose(m, refMad, 'mad');
    expect(() => medianOverFrames(stack, frames, pixels, med, new Float64Array(frames - 1))).toThrow(/scratch/);
    expect(() => medianOverFrames(stack, frames, pixels + 1, med, new Float64Array(frames))).toThrow(/stack has/);
  });
});
