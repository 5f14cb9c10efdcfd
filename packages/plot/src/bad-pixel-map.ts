/**
 * A categorical map of bad-pixel flags: each flagged pixel in the colour of its lowest set bit, good
 * pixels light grey, with a legend naming each bit present and how many pixels have it set.
 */
import { textHeight, textWidth } from './bitmap-font.js';
import { drawBottomTicks, drawLeftTicks, drawVerticalTitle, LABEL_SCALE, tickLabelWidth, TICK_LENGTH } from './axes.js';
import { bitColor, bitName, countBits, GOOD_COLOR, lowestBit, type FlagSet } from './flag-bits.js';
import { mapScale, pixelCentre, type MapScale } from './map-scale.js';
import { niceTicks } from './nice-ticks.js';
import { drawTitleBlock, PAD, titleBlockHeight, titleBlockWidth } from './plot-title.js';
import { COLORS, Raster } from './raster.js';

/** Options of renderBadPixelMap. */
export interface BadPixelMapOptions {
  /** Title line. */
  title: string;
  /** Smaller second line, if any. */
  subtitle?: string;
  /** The flag enum that names the bits (core's BadPixel, DarkStatus or PixelStatus). */
  flags: FlagSet;
}

/** One legend line: a bit present in the map and how many pixels have it set. */
export interface BadPixelLegendEntry {
  /** Bit number (0-31), or -1 for the good-pixel line. */
  bit: number;
  /** Flag name ('good' for the good-pixel line). */
  name: string;
  /** Pixels with the bit set (good line: pixels without any flag). */
  count: number;
  /** Left edge of the entry's text (count follows the name after two spaces). */
  textX: number;
  /** Top of the entry's text. */
  textY: number;
}

/** A rendered bad-pixel map. */
export interface BadPixelMap {
  /** The image. */
  raster: Raster;
  /** Left edge, top and screen scale of the image. */
  layout: { imageX: number; imageY: number; scale: MapScale };
  /** Legend lines, good pixels first, then bits in ascending order. */
  legend: BadPixelLegendEntry[];
}

const SWATCH = 14;

/** Draws the flag map of a rows x cols array (C order) of 32-bit flag values. */
export function renderBadPixelMap(values: ArrayLike<number>, rows: number, cols: number, opts: BadPixelMapOptions): BadPixelMap {
  const scale = mapScale(rows, cols);
  const counts = countBits(values);
  let good = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) good++;
  const lh = textHeight(LABEL_SCALE);
  const rowTicks = niceTicks(0, rows - 1, Math.max(2, Math.min(8, Math.floor(scale.height / 60))), true);
  const colTicks = niceTicks(0, cols - 1, Math.max(2, Math.min(8, Math.floor(scale.width / 70))), true);
  const imageX = PAD + lh + 8 + tickLabelWidth(rowTicks) + TICK_LENGTH + 6;
  const imageY = titleBlockHeight(opts.subtitle) + 4;

  const entries: Array<{ bit: number; name: string; count: number }> = [{ bit: -1, name: 'good', count: good }];
  for (let b = 0; b < 32; b++) if (counts[b] > 0) entries.push({ bit: b, name: bitName(opts.flags, b), count: counts[b] });
  const legendX = imageX + scale.width + 24;
  const header = 'colour: lowest set bit';
  const lineH = lh + 8;
  const legendTextW = Math.max(textWidth(header, LABEL_SCALE) - SWATCH - 8, ...entries.map((e) => textWidth(`${e.name}  ${e.count}`, LABEL_SCALE)));
  const width = Math.max(legendX + SWATCH + 8 + legendTextW + PAD, titleBlockWidth(opts.title, opts.subtitle));
  const height = Math.max(imageY + scale.height + TICK_LENGTH + 3 + lh + 8 + lh + PAD, imageY + (entries.length + 1) * lineH + PAD);
  const r = new Raster(width, height);
  drawTitleBlock(r, opts.title, opts.subtitle);

  drawFlags(r, values, rows, cols, scale, imageX, imageY);
  r.strokeRect(imageX - 1, imageY - 1, scale.width + 2, scale.height + 2, COLORS.axis);
  drawLeftTicks(r, imageX - 1, rowTicks, (v) => imageY + pixelCentre(v, scale));
  drawBottomTicks(r, imageY + scale.height + 1, colTicks, (v) => imageX + pixelCentre(v, scale));
  drawVerticalTitle(r, PAD, imageY, imageY + scale.height, 'row');
  r.drawText(imageX + scale.width / 2, imageY + scale.height + TICK_LENGTH + 3 + lh + 8, 'col', COLORS.text, { scale: LABEL_SCALE, align: 'center' });

  r.drawText(legendX, imageY, header, COLORS.text, { scale: LABEL_SCALE });
  const legend: BadPixelLegendEntry[] = entries.map((e, k) => {
    const y = imageY + (k + 1) * lineH;
    r.fillRect(legendX, y, SWATCH, lh - 1, e.bit < 0 ? GOOD_COLOR : bitColor(e.bit));
    r.strokeRect(legendX, y, SWATCH, lh - 1, COLORS.axis);
    const textX = legendX + SWATCH + 8;
    r.drawText(textX, y, `${e.name}  ${e.count}`, COLORS.text, { scale: LABEL_SCALE });
    return { ...e, textX, textY: y };
  });
  return { raster: r, layout: { imageX, imageY, scale }, legend };
}

/** Paints the flags: per screen cell the lowest bit of the OR of its block (one pixel when upscaling). */
function drawFlags(r: Raster, values: ArrayLike<number>, rows: number, cols: number, s: MapScale, x0: number, y0: number): void {
  for (let sy = 0; sy < rows; sy += s.block) {
    for (let sx = 0; sx < cols; sx += s.block) {
      let or = 0;
      const r1 = Math.min(rows, sy + s.block), c1 = Math.min(cols, sx + s.block);
      for (let rr = sy; rr < r1; rr++) for (let cc = sx; cc < c1; cc++) or |= values[rr * cols + cc];
      const b = lowestBit(or);
      r.fillRect(x0 + (sx / s.block) * s.zoom, y0 + (sy / s.block) * s.zoom, s.zoom, s.zoom, b < 0 ? GOOD_COLOR : bitColor(b));
    }
  }
}
