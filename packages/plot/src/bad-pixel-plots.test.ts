import { BadPixel, countFlags, DarkStatus } from '@detcal/core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { BAR_LENGTH, renderBadPixelBars } from './bad-pixel-bars.js';
import { renderBadPixelMap } from './bad-pixel-map.js';
import { bitColor, GOOD_COLOR, lowestBit } from './flag-bits.js';
import { Raster } from './raster.js';
import { readText } from './read-text.js';
import { LABEL_SCALE } from './axes.js';

const rows = 32, cols = 48;
const flags = new Uint32Array(rows * cols);
// A deterministic pattern: bits 0, 1, 3, 14 and a pixel with 1|4096 (lowest bit 0).
for (let i = 0; i < flags.length; i++) {
  if (i % 17 === 0) flags[i] |= BadPixel.OFFSET_OUT_OF_THRESHOLD;
  if (i % 23 === 0) flags[i] |= BadPixel.NOISE_OUT_OF_THRESHOLD;
  if (i % 101 === 5) flags[i] |= BadPixel.NO_DARK_DATA;
}
for (let c = 0; c < cols; c++) flags[7 * cols + c] |= BadPixel.DATA_STD_IS_ZERO;
flags[3] = BadPixel.OFFSET_OUT_OF_THRESHOLD | BadPixel.VALUE_OUT_OF_RANGE;

describe('bad-pixel map', () => {
  const p = renderBadPixelMap(flags, rows, cols, { title: 'BadPixelsDark  gain 0 (high)  cell 0  [flags]', flags: BadPixel });
  const r = Raster.fromPng(p.raster.toPng());

  it('has legend counts equal to core countFlags, readable in the image', () => {
    const expected = countFlags(BadPixel, flags).filter((f) => f.count > 0);
    expect(p.legend.slice(1).map((e) => [e.name, e.count])).toEqual(expected.map((f) => [f.name, f.count]));
    const good = flags.filter((v) => v === 0).length;
    expect(p.legend[0]).toMatchObject({ name: 'good', count: good });
    for (const e of p.legend) expect(readText(r, e.textX, e.textY, 40, LABEL_SCALE)).toBe(`${e.name}  ${e.count}`);
  });

  it('colours each pixel by its lowest set bit, good pixels grey', () => {
    const { imageX, imageY, scale } = p.layout;
    for (const i of [0, 3, 5, 17, 23, 7 * cols + 1, 2]) {
      const want = flags[i] === 0 ? GOOD_COLOR : bitColor(lowestBit(flags[i]));
      expect(r.getPixel(imageX + (i % cols) * scale.zoom + 1, imageY + Math.floor(i / cols) * scale.zoom + 1), `pixel ${i}`).toEqual([...want]);
    }
    expect(PNG.sync.read(p.raster.toPng()).width).toBe(p.raster.width);
  });

  it('names LCLS pixel_status bits from DarkStatus', () => {
    const q = renderBadPixelMap([0, DarkStatus.RMS_HIGH, DarkStatus.COLD | DarkStatus.SATURATED, 0], 2, 2, { title: 'pixel_status', flags: DarkStatus });
    expect(q.legend.map((e) => `${e.name} ${e.count}`)).toEqual(['good 2', 'RMS_HIGH 1', 'SATURATED 1', 'COLD 1']);
  });
});

describe('bad-pixel bars', () => {
  it('draws one bar per bit present, its length proportional to the count, labelled with name and count', () => {
    const p = renderBadPixelBars(flags, { title: 'BadPixelsDark', flags: BadPixel });
    const expected = countFlags(BadPixel, flags).filter((f) => f.count > 0);
    expect(p.bars.map((b) => [b.name, b.count])).toEqual(expected.map((f) => [f.name, f.count]));
    const peak = Math.max(...expected.map((f) => f.count));
    const r = Raster.fromPng(p.raster.toPng());
    for (const b of p.bars) {
      let len = 0;
      while (r.getPixel(b.x + len, b.y + 4).join() === bitColor(b.bit).join()) len++;
      expect(Math.abs(len - (b.count / peak) * BAR_LENGTH), b.name).toBeLessThanOrEqual(1);
      expect(readText(r, b.x + b.length + 8, b.y + 2, 6, LABEL_SCALE).split(' ')[0]).toBe(String(b.count));
    }
    expect(p.flagged).toBe(flags.filter((v) => v !== 0).length);
  });

  it('says so when no pixel is flagged', () => {
    const p = renderBadPixelBars(new Uint32Array(10), { title: 'BadPixelsDark', flags: BadPixel });
    expect(p.bars).toEqual([]);
    expect(p.flagged).toBe(0);
  });
});
