/**
 * A 2-D map of one constant (rows x cols, raw frame orientation: row 0 at the top, col 0 at the left)
 * in viridis over a robust colour range, with axes, a colour bar with values, and NaN / masked pixels
 * in their own colours, counted in a legend.
 */
import { textHeight, textWidth } from './bitmap-font.js';
import { drawBottomTicks, drawLeftTicks, drawRightTicks, drawVerticalTitle, LABEL_SCALE, tickLabelWidth, TICK_LENGTH } from './axes.js';
import { colorIndex, COLORMAP_SIZE, VIRIDIS, viridis } from './colormap.js';
import { robustRange, type ValueRange } from './color-range.js';
import { mapScale, pixelCentre, type MapScale } from './map-scale.js';
import { formatValue, niceTicks } from './nice-ticks.js';
import { drawTitleBlock, PAD, titleBlockHeight, titleBlockWidth } from './plot-title.js';
import { COLORS, Raster, type Rgb } from './raster.js';

/** Options of renderMapPlot. */
export interface MapPlotOptions {
  /** Title line (constant, gain, cell, unit). */
  title: string;
  /** Smaller second line (detector, runs), if any. */
  subtitle?: string;
  /** Unit of the values, shown on the colour bar ('' for none). */
  unit: string;
  /** Colour range; default robustRange of the unmasked values. */
  range?: ValueRange;
  /** Non-zero entries mark bad pixels: ignored by the default colour range. */
  mask?: ArrayLike<number>;
  /** Draw the pixels that `mask` marks in the masked colour instead of their value (default false). */
  hideMasked?: boolean;
  /** Label of the vertical axis (default 'row'). */
  rowLabel?: string;
  /** Label of the horizontal axis (default 'col'). */
  colLabel?: string;
}

/** Where the parts of a map plot are, in canvas pixels. */
export interface MapLayout {
  /** Left edge of the image. */
  imageX: number;
  /** Top edge of the image. */
  imageY: number;
  /** Screen scale of the image. */
  scale: MapScale;
  /** Left edge of the colour bar. */
  barX: number;
  /** Top edge of the colour bar (range max). */
  barY: number;
  /** Width of the colour bar. */
  barWidth: number;
  /** Height of the colour bar (range max at the top, min at the bottom). */
  barHeight: number;
  /** Top of the legend line (NaN / masked counts). */
  legendY: number;
}

/** A rendered map plot. */
export interface MapPlot {
  /** The image. */
  raster: Raster;
  /** Positions of its parts. */
  layout: MapLayout;
  /** The colour range used. */
  range: ValueRange;
  /** Pixels that are NaN or infinite. */
  nonFinite: number;
  /** Pixels drawn in the masked colour. */
  masked: number;
}

const BAR_WIDTH = 18;
const MIN_BAR_HEIGHT = 160;

/** Draws the map of a rows x cols array (C order) of one constant. */
export function renderMapPlot(values: ArrayLike<number>, rows: number, cols: number, opts: MapPlotOptions): MapPlot {
  const range = opts.range ?? robustRange(values, { mask: opts.mask });
  const scale = mapScale(rows, cols);
  const rowTicks = niceTicks(0, rows - 1, Math.max(2, Math.min(8, Math.floor(scale.height / 60))), true);
  const colTicks = niceTicks(0, cols - 1, Math.max(2, Math.min(8, Math.floor(scale.width / 70))), true);
  const barHeight = Math.max(scale.height, MIN_BAR_HEIGHT);
  const barTicks = niceTicks(range.min, range.max, Math.max(3, Math.floor(barHeight / 50)));
  const lh = textHeight(LABEL_SCALE);

  const imageX = PAD + lh + 8 + tickLabelWidth(rowTicks) + TICK_LENGTH + 6;
  const imageY = titleBlockHeight(opts.subtitle) + lh + 14; // room for the unit above the colour bar
  const barX = imageX + scale.width + 24;
  const unitText = opts.unit ? `[${opts.unit}]` : '';
  const barRight = barX + BAR_WIDTH + TICK_LENGTH + 6 + Math.max(tickLabelWidth(barTicks), textWidth(unitText, LABEL_SCALE) - BAR_WIDTH);
  const plotBottom = imageY + Math.max(scale.height, barHeight);
  const legendY = Math.max(imageY + scale.height + TICK_LENGTH + 3 + lh + 8 + lh + 14, plotBottom + 14);

  const { nonFinite, masked } = countSpecial(values, opts.hideMasked ? opts.mask : undefined);
  const legend = legendItems(nonFinite, masked, opts.hideMasked === true, range);
  const legendWidth = legend.reduce((w, it) => w + 14 + 6 + textWidth(it.text, LABEL_SCALE) + 18, 0);
  const width = Math.max(barRight + PAD, titleBlockWidth(opts.title, opts.subtitle), imageX + legendWidth + PAD);
  const height = legendY + lh + PAD;
  const r = new Raster(width, height);
  drawTitleBlock(r, opts.title, opts.subtitle);

  drawImage(r, values, rows, cols, scale, imageX, imageY, range, opts.hideMasked ? opts.mask : undefined);
  r.strokeRect(imageX - 1, imageY - 1, scale.width + 2, scale.height + 2, COLORS.axis);
  drawLeftTicks(r, imageX - 1, rowTicks, (v) => imageY + pixelCentre(v, scale));
  drawBottomTicks(r, imageY + scale.height + 1, colTicks, (v) => imageX + pixelCentre(v, scale));
  drawVerticalTitle(r, PAD, imageY, imageY + scale.height, opts.rowLabel ?? 'row');
  r.drawText(imageX + scale.width / 2, imageY + scale.height + TICK_LENGTH + 3 + lh + 8, opts.colLabel ?? 'col', COLORS.text, { scale: LABEL_SCALE, align: 'center' });

  drawColorBar(r, barX, imageY, barHeight);
  drawRightTicks(r, barX + BAR_WIDTH, barTicks, (v) => imageY + (barHeight - 1) * (1 - (v - range.min) / (range.max - range.min)));
  if (unitText) r.drawText(barX, imageY - lh - 12, unitText, COLORS.text, { scale: LABEL_SCALE });

  let x = imageX;
  for (const it of legend) {
    if (it.color) {
      r.fillRect(x, legendY + 1, 14, lh - 2, it.color);
      r.strokeRect(x, legendY + 1, 14, lh - 2, COLORS.axis);
      x += 20;
    }
    r.drawText(x, legendY, it.text, COLORS.text, { scale: LABEL_SCALE });
    x += textWidth(it.text, LABEL_SCALE) + 18;
  }
  return { raster: r, layout: { imageX, imageY, scale, barX, barY: imageY, barWidth: BAR_WIDTH, barHeight, legendY }, range, nonFinite, masked };
}

function legendItems(nonFinite: number, masked: number, showMasked: boolean, range: ValueRange): Array<{ color?: Rgb; text: string }> {
  const items: Array<{ color?: Rgb; text: string }> = [{ color: COLORS.nan, text: `NaN ${nonFinite}` }];
  if (showMasked) items.push({ color: COLORS.masked, text: `masked ${masked}` });
  items.push({ text: `range ${formatValue(range.min)} .. ${formatValue(range.max)}` });
  return items;
}

function countSpecial(values: ArrayLike<number>, mask: ArrayLike<number> | undefined): { nonFinite: number; masked: number } {
  let nonFinite = 0, masked = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] !== 0) masked++;
    else if (!Number.isFinite(values[i])) nonFinite++;
  }
  return { nonFinite, masked };
}

const NAN_INDEX = -1;
const MASKED_INDEX = -2;

/** Colour-table index of one screen cell: the mean of the finite unmasked values of its block (one pixel when upscaling); NAN_INDEX / MASKED_INDEX where none. */
function blockIndex(values: ArrayLike<number>, cols: number, r0: number, r1: number, c0: number, c1: number, range: ValueRange, mask: ArrayLike<number> | undefined): number {
  let sum = 0, n = 0, bad = 0, total = 0;
  for (let rr = r0; rr < r1; rr++) {
    for (let cc = c0; cc < c1; cc++) {
      const i = rr * cols + cc;
      total++;
      if (mask && mask[i] !== 0) { bad++; continue; }
      const v = values[i];
      if (Number.isFinite(v)) { sum += v; n++; }
    }
  }
  if (n > 0) return colorIndex(sum / n, range.min, range.max);
  return bad === total ? MASKED_INDEX : NAN_INDEX;
}

/** Paints the image straight into the raster's bytes (no per-pixel objects). */
function drawImage(r: Raster, values: ArrayLike<number>, rows: number, cols: number, s: MapScale, x0: number, y0: number, range: ValueRange, mask: ArrayLike<number> | undefined): void {
  const data = r.data;
  for (let sy = 0; sy < rows; sy += s.block) {
    for (let sx = 0; sx < cols; sx += s.block) {
      const k = blockIndex(values, cols, sy, Math.min(rows, sy + s.block), sx, Math.min(cols, sx + s.block), range, mask);
      const cr = k >= 0 ? VIRIDIS[k * 3] : k === NAN_INDEX ? COLORS.nan[0] : COLORS.masked[0];
      const cg = k >= 0 ? VIRIDIS[k * 3 + 1] : k === NAN_INDEX ? COLORS.nan[1] : COLORS.masked[1];
      const cb = k >= 0 ? VIRIDIS[k * 3 + 2] : k === NAN_INDEX ? COLORS.nan[2] : COLORS.masked[2];
      const px = x0 + (sx / s.block) * s.zoom, py = y0 + (sy / s.block) * s.zoom;
      for (let dy = 0; dy < s.zoom; dy++) {
        let o = ((py + dy) * r.width + px) * 3;
        for (let dx = 0; dx < s.zoom; dx++, o += 3) {
          data[o] = cr;
          data[o + 1] = cg;
          data[o + 2] = cb;
        }
      }
    }
  }
}

function drawColorBar(r: Raster, x: number, y: number, h: number): void {
  for (let k = 0; k < h; k++) {
    const idx = Math.min(COLORMAP_SIZE - 1, Math.floor(((h - 1 - k) / Math.max(1, h - 1)) * COLORMAP_SIZE));
    r.fillRect(x, y + k, BAR_WIDTH, 1, viridis(idx));
  }
  r.strokeRect(x - 1, y - 1, BAR_WIDTH + 2, h + 2, COLORS.axis);
}
