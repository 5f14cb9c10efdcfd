import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { VIRIDIS } from './colormap.js';
import { renderMapPlot } from './map-plot.js';
import { mapScale } from './map-scale.js';
import { PAD } from './plot-title.js';
import { COLORS, Raster } from './raster.js';
import { readText } from './read-text.js';

/** Index of the viridis entry nearest to a colour (the map colours are exact table entries). */
function viridisIndexOf(rgb: [number, number, number]): number {
  let best = -1, bestD = Infinity;
  for (let i = 0; i < 256; i++) {
    const d = (VIRIDIS[i * 3] - rgb[0]) ** 2 + (VIRIDIS[i * 3 + 1] - rgb[1]) ** 2 + (VIRIDIS[i * 3 + 2] - rgb[2]) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  }
  return bestD === 0 ? best : -1;
}

describe('map plot', () => {
  const rows = 40, cols = 64;
  const gradient = Float32Array.from({ length: rows * cols }, (_, i) => 100 + (i % cols) * 0.5);
  gradient[5 * cols + 7] = Number.NaN;
  gradient[30 * cols + 60] = Number.NaN;
  const plot = renderMapPlot(gradient, rows, cols, { title: 'Offset  gain 0 (high)  cell 3  [ADU]', unit: 'ADU', range: { min: 100, max: 131.5 } });
  const png = PNG.sync.read(plot.raster.toPng());
  const decoded = Raster.fromPng(plot.raster.toPng());
  const { imageX, imageY, scale } = plot.layout;

  it('upscales a small frame by a whole factor and the PNG decodes to the canvas size', () => {
    expect(scale).toEqual(mapScale(rows, cols));
    expect(scale.zoom).toBe(8); // 512 / 64
    expect([png.width, png.height]).toEqual([plot.raster.width, plot.raster.height]);
    expect(png.width).toBeGreaterThan(imageX + cols * scale.zoom);
    expect(png.height).toBeGreaterThan(imageY + rows * scale.zoom);
  });

  it('colours a gradient along the columns with strictly rising viridis entries, the same down each column', () => {
    const row = 10;
    let last = -1;
    for (let c = 0; c < cols; c++) {
      const idx = viridisIndexOf(decoded.getPixel(imageX + c * scale.zoom + 3, imageY + row * scale.zoom + 3));
      expect(idx, `col ${c}`).toBeGreaterThan(last);
      last = idx;
      expect(viridisIndexOf(decoded.getPixel(imageX + c * scale.zoom + 3, imageY + 20 * scale.zoom + 3))).toBe(idx);
    }
    expect(viridisIndexOf(decoded.getPixel(imageX + 1, imageY + 1))).toBe(0);
    expect(viridisIndexOf(decoded.getPixel(imageX + cols * scale.zoom - 2, imageY + 1))).toBe(255);
  });

  it('paints NaN pixels (all zoom x zoom screen pixels) in the NaN colour and counts them', () => {
    for (const [r, c] of [[5, 7], [30, 60]]) {
      for (let dy = 0; dy < scale.zoom; dy++) for (let dx = 0; dx < scale.zoom; dx++) {
        expect(decoded.getPixel(imageX + c * scale.zoom + dx, imageY + r * scale.zoom + dy)).toEqual([...COLORS.nan]);
      }
    }
    expect(plot.nonFinite).toBe(2);
    expect(readText(decoded, imageX + 20, plot.layout.legendY, 5, 2)).toBe('NaN 2');
  });

  it('draws the title, and a colour bar from the top (max) to the bottom (min) of the range', () => {
    let ink = 0;
    for (let y = PAD; y < PAD + 16; y++) for (let x = PAD; x < PAD + 200; x++) if (decoded.getPixel(x, y)[0] < 100) ink++;
    expect(ink).toBeGreaterThan(100);
    expect(readText(decoded, PAD, PAD, 40, 2)).toBe('Offset  gain 0 (high)  cell 3  [ADU]');
    const { barX, barY, barHeight } = plot.layout;
    expect(viridisIndexOf(decoded.getPixel(barX + 5, barY))).toBe(255);
    expect(viridisIndexOf(decoded.getPixel(barX + 5, barY + barHeight - 1))).toBe(0);
  });

  it('greys masked pixels when asked and leaves them out of the default range', () => {
    const v = Float64Array.from({ length: 16 }, (_, i) => i);
    v[15] = 1e6;
    const mask = new Uint8Array(16);
    mask[15] = 1;
    const p = renderMapPlot(v, 4, 4, { title: 'x', unit: '', mask, hideMasked: true });
    expect(p.range.max).toBeLessThan(15);
    expect(p.masked).toBe(1);
    const z = p.layout.scale.zoom;
    expect(p.raster.getPixel(p.layout.imageX + 3 * z + 1, p.layout.imageY + 3 * z + 1)).toEqual([...COLORS.masked]);
  });

  it('downscales frames longer than 1024 pixels by blocks (mean of the finite values)', () => {
    const big = new Float32Array(2048 * 8).fill(1);
    for (let c = 0; c < 8; c++) big[c] = Number.NaN; // row 0: NaN, row 1: 1 -> block (2 rows) is finite
    const p = renderMapPlot(big, 2048, 8, { title: 'x', unit: '', range: { min: 0, max: 2 } });
    expect(p.layout.scale).toMatchObject({ block: 2, zoom: 1, height: 1024, width: 4 });
    expect(p.raster.getPixel(p.layout.imageX, p.layout.imageY)).toEqual([VIRIDIS[128 * 3], VIRIDIS[128 * 3 + 1], VIRIDIS[128 * 3 + 2]]);
  });
});
