import { describe, expect, it } from 'vitest';
import { renderHistogramPlot } from './histogram-plot.js';
import { COLORS, Raster } from './raster.js';

/** Height in pixels of the non-background run that ends at the axis in column x. */
function barHeight(r: Raster, x: number, axisY: number): number {
  let h = 0;
  for (let y = axisY - 1; y >= 0; y--) {
    const p = r.getPixel(x, y);
    if (p[0] === COLORS.background[0] && p[1] === COLORS.background[1] && p[2] === COLORS.background[2]) break;
    if (p[0] === COLORS.grid[0] && p[1] === COLORS.grid[1] && p[2] === COLORS.grid[2]) break;
    h++;
  }
  return h;
}

describe('histogram plot', () => {
  // Known input: bin k of 10 over [0, 10) holds 10*(k+1) values; 7 below, 13 above, 2 NaN.
  const values: number[] = [];
  for (let k = 0; k < 10; k++) for (let j = 0; j < 10 * (k + 1); j++) values.push(k + 0.5);
  for (let j = 0; j < 7; j++) values.push(-3);
  for (let j = 0; j < 13; j++) values.push(25);
  values.push(Number.NaN, Number.NaN);

  it('draws bars whose heights are proportional to the counts, and under / overflow bars', () => {
    const p = renderHistogramPlot(values, { title: 'Noise  gain 1  cell 0  [ADU]', unit: 'ADU', range: { min: 0, max: 10 }, bins: 10 });
    const r = Raster.fromPng(p.raster.toPng());
    const { plotX, plotY, plotHeight, binWidth, yMax, underflowX, overflowX } = p.layout;
    const axisY = plotY + plotHeight;
    expect(Array.from(p.histogram.counts)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    for (let k = 0; k < 10; k++) {
      const h = barHeight(r, plotX + k * binWidth + Math.floor(binWidth / 2), axisY);
      // Rounding to whole pixels: within 1 pixel of count / yMax * plot height.
      expect(Math.abs(h - (10 * (k + 1) * plotHeight) / yMax), `bin ${k}: ${h} px`).toBeLessThanOrEqual(1);
    }
    expect(Math.abs(barHeight(r, underflowX + 3, axisY) - (7 * plotHeight) / yMax)).toBeLessThanOrEqual(1);
    expect(Math.abs(barHeight(r, overflowX + 3, axisY) - (13 * plotHeight) / yMax)).toBeLessThanOrEqual(1);
    expect([p.histogram.underflow, p.histogram.overflow, p.histogram.nonFinite]).toEqual([7, 13, 2]);
  });

  it('draws log-y bars proportional to log(count / 0.5)', () => {
    const p = renderHistogramPlot(values, { title: 'x', unit: '', range: { min: 0, max: 10 }, bins: 10, logY: true });
    const { plotX, plotY, plotHeight, binWidth, yMax, yMin } = p.layout;
    expect([yMin, yMax]).toEqual([0.5, 1000]);
    for (const k of [0, 4, 9]) {
      const h = barHeight(p.raster, plotX + k * binWidth + 2, plotY + plotHeight);
      const want = (Math.log10((10 * (k + 1)) / yMin) / Math.log10(yMax / yMin)) * plotHeight;
      expect(Math.abs(h - want)).toBeLessThanOrEqual(1);
    }
  });
});
