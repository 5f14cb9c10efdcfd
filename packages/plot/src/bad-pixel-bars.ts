/** A bar chart of bad-pixel flags: one horizontal bar per bit present, its length the pixels with that bit set. */
import { textHeight, textWidth } from './bitmap-font.js';
import { LABEL_SCALE } from './axes.js';
import { bitColor, bitName, countBits, type FlagSet } from './flag-bits.js';
import { drawTitleBlock, PAD, titleBlockHeight, titleBlockWidth } from './plot-title.js';
import { COLORS, Raster } from './raster.js';

/** Options of renderBadPixelBars. */
export interface BadPixelBarsOptions {
  /** Title line. */
  title: string;
  /** Smaller second line, if any. */
  subtitle?: string;
  /** The flag enum that names the bits. */
  flags: FlagSet;
}

/** One bar: a bit, its count and where its bar is. */
export interface BadPixelBar {
  /** Bit number (0-31). */
  bit: number;
  /** Flag name. */
  name: string;
  /** Pixels with the bit set. */
  count: number;
  /** Left edge of the bar. */
  x: number;
  /** Top of the bar. */
  y: number;
  /** Length of the bar in pixels (BAR_LENGTH for the largest count). */
  length: number;
}

/** A rendered bar chart. */
export interface BadPixelBars {
  /** The image. */
  raster: Raster;
  /** The bars, bits ascending. */
  bars: BadPixelBar[];
  /** Pixels with any flag. */
  flagged: number;
}

/** Length in pixels of the bar of the most frequent bit. */
export const BAR_LENGTH = 360;

/** Draws the per-bit counts of 32-bit flag values. */
export function renderBadPixelBars(values: ArrayLike<number>, opts: BadPixelBarsOptions): BadPixelBars {
  const counts = countBits(values);
  let flagged = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) flagged++;
  const present: Array<{ bit: number; name: string; count: number }> = [];
  for (let b = 0; b < 32; b++) if (counts[b] > 0) present.push({ bit: b, name: bitName(opts.flags, b), count: counts[b] });
  const peak = Math.max(1, ...present.map((p) => p.count));
  const lh = textHeight(LABEL_SCALE);
  const rowH = lh + 10;
  const top = titleBlockHeight(opts.subtitle);
  const header = `${flagged} of ${values.length} pixels flagged (${((100 * flagged) / Math.max(1, values.length)).toFixed(3)}%)`;
  const barsY = top + lh + 14;
  const nameW = Math.max(0, ...present.map((p) => textWidth(p.name, LABEL_SCALE)));
  const barX = PAD + nameW + 10;
  const countText = (c: number): string => `${c} (${((100 * c) / Math.max(1, values.length)).toFixed(2)}%)`;
  const countW = Math.max(0, ...present.map((p) => textWidth(countText(p.count), LABEL_SCALE)));
  const width = Math.max(barX + BAR_LENGTH + 10 + countW + PAD, titleBlockWidth(opts.title, opts.subtitle), 2 * PAD + textWidth(header, LABEL_SCALE));
  const height = barsY + Math.max(1, present.length) * rowH + PAD;
  const r = new Raster(width, height);
  drawTitleBlock(r, opts.title, opts.subtitle);
  r.drawText(PAD, top, header, COLORS.text, { scale: LABEL_SCALE });
  if (present.length === 0) r.drawText(PAD, barsY, 'no flagged pixels', COLORS.text, { scale: LABEL_SCALE });
  r.fillRect(barX - 1, barsY - 4, 1, Math.max(1, present.length) * rowH, COLORS.axis);
  const bars = present.map((p, k) => {
    const y = barsY + k * rowH;
    const length = Math.max(1, Math.round((p.count / peak) * BAR_LENGTH));
    r.drawText(barX - 10, y, p.name, COLORS.text, { scale: LABEL_SCALE, align: 'right' });
    r.fillRect(barX, y - 2, length, lh + 2, bitColor(p.bit));
    r.drawText(barX + length + 8, y, countText(p.count), COLORS.text, { scale: LABEL_SCALE });
    return { ...p, x: barX, y: y - 2, length };
  });
  return { raster: r, bars, flagged };
}
