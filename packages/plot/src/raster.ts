/** An RGB canvas with the few drawing operations plots need: rectangles, lines, bitmap-font text, PNG encoding. */
import { PNG } from 'pngjs';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, textWidth } from './bitmap-font.js';

/** An opaque colour as [r, g, b], 0-255 each. */
export type Rgb = readonly [number, number, number];

/** Colours shared by every plot. */
export const COLORS = {
  background: [255, 255, 255] as Rgb,
  text: [20, 20, 20] as Rgb,
  axis: [60, 60, 60] as Rgb,
  grid: [225, 225, 225] as Rgb,
  /** NaN / infinite values: red, which viridis never uses. */
  nan: [228, 26, 28] as Rgb,
  /** Masked (bad) pixels when a map masks them: light grey, outside viridis too. */
  masked: [190, 190, 190] as Rgb,
};

/** Horizontal placement of text relative to x. */
export type TextAlign = 'left' | 'center' | 'right';

/** Options of Raster.drawText. */
export interface TextOptions {
  /** Integer magnification of the 5x8 font (default 1). */
  scale?: number;
  /** Where x is: the left end, the middle or the right end of the text (default 'left'). */
  align?: TextAlign;
  /** Draw bottom-to-top, rotated 90 degrees counter-clockwise (y-axis labels); x, y then name the text's left end on the page as seen rotated. */
  vertical?: boolean;
}

/** An opaque RGB image, row-major, 3 bytes per pixel, filled with the background colour. */
export class Raster {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Pixels, row-major RGB. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = COLORS.background) {
    this.width = Math.max(1, Math.round(width));
    this.height = Math.max(1, Math.round(height));
    this.data = new Uint8Array(this.width * this.height * 3);
    this.fillRect(0, 0, this.width, this.height, background);
  }

  /** Sets one pixel (ignored outside the canvas). */
  setPixel(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  /** The [r, g, b] of a pixel. */
  getPixel(x: number, y: number): [number, number, number] {
    const o = (y * this.width + x) * 3;
    return [this.data[o], this.data[o + 1], this.data[o + 2]];
  }

  /** Fills a w x h rectangle whose top-left corner is (x, y), clipped to the canvas. */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    // Paint the first row, then copy it to the others.
    const first = (y0 * this.width + x0) * 3, rowBytes = (x1 - x0) * 3;
    for (let o = first; o < first + rowBytes; o += 3) {
      this.data[o] = c[0];
      this.data[o + 1] = c[1];
      this.data[o + 2] = c[2];
    }
    for (let yy = y0 + 1; yy < y1; yy++) this.data.copyWithin((yy * this.width + x0) * 3, first, first + rowBytes);
  }

  /** Draws the 1-pixel outline of a w x h rectangle at (x, y). */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** Draws a 1-pixel line from (x0, y0) to (x1, y1), both ends included (Bresenham). */
  drawLine(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    let x = Math.round(x0), y = Math.round(y0);
    const xe = Math.round(x1), ye = Math.round(y1);
    const dx = Math.abs(xe - x), dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1, sy = y < ye ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.setPixel(x, y, c);
      if (x === xe && y === ye) return;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x += sx; }
      if (e2 <= dx) { err += dx; y += sy; }
    }
  }

  /** Draws text with the built-in font; (x, y) is the top of the glyph cells, horizontally placed by `align`. */
  drawText(x: number, y: number, text: string, c: Rgb = COLORS.text, opts: TextOptions = {}): void {
    const s = Math.max(1, Math.round(opts.scale ?? 1));
    const w = textWidth(text, s);
    const shift = opts.align === 'center' ? Math.round(w / 2) : opts.align === 'right' ? w : 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
          if (!glyphPixel(code, gx, gy)) continue;
          const along = i * GLYPH_ADVANCE * s + gx * s - shift;
          for (let a = 0; a < s; a++) {
            for (let b = 0; b < s; b++) {
              if (opts.vertical) this.setPixel(Math.round(x) + gy * s + b, Math.round(y) - along - a, c);
              else this.setPixel(Math.round(x) + along + a, Math.round(y) + gy * s + b, c);
            }
          }
        }
      }
    }
  }

  /** Copies another raster onto this one with its top-left corner at (x, y). */
  blit(src: Raster, x: number, y: number): void {
    for (let yy = 0; yy < src.height; yy++) {
      const ty = y + yy;
      if (ty < 0 || ty >= this.height) continue;
      for (let xx = 0; xx < src.width; xx++) {
        const tx = x + xx;
        if (tx < 0 || tx >= this.width) continue;
        const so = (yy * src.width + xx) * 3, to = (ty * this.width + tx) * 3;
        this.data[to] = src.data[so];
        this.data[to + 1] = src.data[so + 1];
        this.data[to + 2] = src.data[so + 2];
      }
    }
  }

  /** Encodes the canvas as an 8-bit RGB PNG (RGB in and out is pngjs's no-conversion path; the 'up' row filter is about twice as fast as its adaptive choice, and as small). */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, filterType: 2 });
  }

  /** Decodes a PNG (as written by toPng, or any 8-bit PNG; alpha is dropped) into a Raster. */
  static fromPng(bytes: Buffer): Raster {
    const png = PNG.sync.read(bytes);
    const r = new Raster(png.width, png.height);
    for (let i = 0, n = png.width * png.height; i < n; i++) {
      r.data[i * 3] = png.data[i * 4];
      r.data[i * 3 + 1] = png.data[i * 4 + 1];
      r.data[i * 3 + 2] = png.data[i * 4 + 2];
    }
    return r;
  }
}
