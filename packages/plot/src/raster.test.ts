import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { textWidth } from './bitmap-font.js';
import { COLORS, Raster } from './raster.js';
import { readText } from './read-text.js';

describe('Raster', () => {
  it('fills, strokes and draws lines, clipped to the canvas', () => {
    const r = new Raster(20, 10);
    r.fillRect(-5, -5, 8, 8, [1, 2, 3]);
    expect(r.getPixel(0, 0)).toEqual([1, 2, 3]);
    expect(r.getPixel(2, 2)).toEqual([1, 2, 3]);
    expect(r.getPixel(3, 3)).toEqual([...COLORS.background]);
    r.drawLine(0, 9, 19, 9, [9, 9, 9]);
    for (let x = 0; x < 20; x++) expect(r.getPixel(x, 9)).toEqual([9, 9, 9]);
    r.drawLine(10, 0, 14, 4, [7, 7, 7]);
    for (let k = 0; k <= 4; k++) expect(r.getPixel(10 + k, k)).toEqual([7, 7, 7]);
    r.strokeRect(15, 0, 5, 5, [5, 5, 5]);
    expect(r.getPixel(15, 2)).toEqual([5, 5, 5]);
    expect(r.getPixel(17, 2)).toEqual([...COLORS.background]);
  });

  it('draws text that reads back, at scale 1 and 2, left / centre / right aligned', () => {
    const r = new Raster(300, 60);
    const text = 'Noise g2 -1.5e-3 [ADU] 99.5%';
    r.drawText(2, 2, text);
    expect(readText(r, 2, 2, text.length)).toBe(text);
    r.drawText(150, 20, 'cell 7', COLORS.text, { scale: 2, align: 'center' });
    expect(readText(r, 150 - textWidth('cell 7', 2) / 2, 20, 6, 2)).toBe('cell 7');
    r.drawText(298, 40, 'x=3', COLORS.text, { align: 'right' });
    expect(readText(r, 298 - textWidth('x=3'), 40, 3)).toBe('x=3');
  });

  it('draws vertical text bottom to top', () => {
    const r = new Raster(20, 40);
    r.drawText(5, 35, 'row', COLORS.text, { vertical: true });
    let inkTop = 40, inkBottom = -1;
    for (let y = 0; y < 40; y++) for (let x = 0; x < 20; x++) if (r.getPixel(x, y)[0] < 100) { inkTop = Math.min(inkTop, y); inkBottom = Math.max(inkBottom, y); }
    expect(inkBottom).toBeLessThanOrEqual(35);
    expect(inkBottom - inkTop + 1).toBeGreaterThan(12); // 3 characters along y
  });

  it('encodes a PNG that pngjs decodes to the same pixels', () => {
    const r = new Raster(33, 17);
    r.fillRect(3, 4, 10, 5, [200, 10, 30]);
    const png = PNG.sync.read(r.toPng());
    expect([png.width, png.height]).toEqual([33, 17]);
    const back = Raster.fromPng(r.toPng());
    expect(Buffer.from(back.data).equals(Buffer.from(r.data))).toBe(true);
  });
});
