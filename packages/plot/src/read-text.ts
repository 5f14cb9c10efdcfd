/** Reads text drawn with the built-in font back from a raster, by matching character cells to the glyphs (tests, checks). */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel } from './bitmap-font.js';
import type { Raster } from './raster.js';

/** Reads back text drawn by drawText (horizontal, known scale) by matching each character cell to the font; '?' where none matches. */
export function readText(r: Raster, x: number, y: number, maxChars: number, scale = 1, ink: (rgb: [number, number, number]) => boolean = isDark): string {
  let out = '';
  for (let i = 0; i < maxChars; i++) {
    const x0 = x + i * GLYPH_ADVANCE * scale;
    if (x0 + GLYPH_WIDTH * scale > r.width) break;
    let best = '?';
    for (let code = 0x20; code <= 0x7e; code++) {
      let same = true;
      for (let gx = 0; gx < GLYPH_WIDTH && same; gx++) {
        for (let gy = 0; gy < GLYPH_HEIGHT && same; gy++) {
          const px = x0 + gx * scale, py = y + gy * scale;
          const on = px < r.width && py < r.height && ink(r.getPixel(px, py));
          if (on !== glyphPixel(code, gx, gy)) same = false;
        }
      }
      if (same) { best = String.fromCharCode(code); break; }
    }
    out += best;
  }
  return out.trimEnd();
}

function isDark(rgb: [number, number, number]): boolean {
  return rgb[0] + rgb[1] + rgb[2] < 3 * 100;
}

/** Finds the first place (top to bottom, left to right) where a line starting with `prefix` is drawn at `scale`, and reads `maxChars` there; undefined if none. */
export function findText(r: Raster, prefix: string, maxChars: number, scale = 1, ink: (rgb: [number, number, number]) => boolean = isDark): { x: number; y: number; text: string } | undefined {
  const first = prefix.charCodeAt(0);
  for (let y = 0; y + GLYPH_HEIGHT * scale <= r.height; y++) {
    for (let x = 0; x + GLYPH_WIDTH * scale <= r.width; x++) {
      let match = true;
      for (let gx = 0; gx < GLYPH_WIDTH && match; gx++) {
        for (let gy = 0; gy < GLYPH_HEIGHT && match; gy++) if (ink(r.getPixel(x + gx * scale, y + gy * scale)) !== glyphPixel(first, gx, gy)) match = false;
      }
      if (!match) continue;
      const text = readText(r, x, y, maxChars, scale, ink);
      if (text.startsWith(prefix)) return { x, y, text };
    }
  }
  return undefined;
}
