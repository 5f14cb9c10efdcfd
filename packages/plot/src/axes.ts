/** Drawing axes: a frame, ticks with labels at nice numbers, and axis titles, on a Raster. */
import { textWidth, textHeight } from './bitmap-font.js';
import type { Ticks } from './nice-ticks.js';
import { COLORS, type Raster } from './raster.js';

/** Scale of tick labels and axis titles. */
export const LABEL_SCALE = 2;
/** Length of a tick mark in pixels. */
export const TICK_LENGTH = 5;

/** Draws ticks below a horizontal axis at y; `toX` maps a value to its pixel column. */
export function drawBottomTicks(r: Raster, y: number, ticks: Ticks, toX: (v: number) => number): void {
  ticks.values.forEach((v, i) => {
    const x = Math.round(toX(v));
    r.fillRect(x, y, 1, TICK_LENGTH, COLORS.axis);
    r.drawText(x, y + TICK_LENGTH + 3, ticks.labels[i], COLORS.text, { scale: LABEL_SCALE, align: 'center' });
  });
}

/** Draws ticks left of a vertical axis at x; `toY` maps a value to its pixel row. */
export function drawLeftTicks(r: Raster, x: number, ticks: Ticks, toY: (v: number) => number): void {
  ticks.values.forEach((v, i) => {
    const y = Math.round(toY(v));
    r.fillRect(x - TICK_LENGTH, y, TICK_LENGTH, 1, COLORS.axis);
    r.drawText(x - TICK_LENGTH - 4, y - textHeight(LABEL_SCALE) / 2 + 1, ticks.labels[i], COLORS.text, { scale: LABEL_SCALE, align: 'right' });
  });
}

/** Draws ticks right of a vertical axis at x; `toY` maps a value to its pixel row. */
export function drawRightTicks(r: Raster, x: number, ticks: Ticks, toY: (v: number) => number): void {
  ticks.values.forEach((v, i) => {
    const y = Math.round(toY(v));
    r.fillRect(x, y, TICK_LENGTH, 1, COLORS.axis);
    r.drawText(x + TICK_LENGTH + 4, y - textHeight(LABEL_SCALE) / 2 + 1, ticks.labels[i], COLORS.text, { scale: LABEL_SCALE });
  });
}

/** Width in pixels of the widest tick label. */
export function tickLabelWidth(ticks: Ticks): number {
  return Math.max(0, ...ticks.labels.map((l) => textWidth(l, LABEL_SCALE)));
}

/** Draws a vertical axis title centred on the span [y0, y1], reading bottom to top, its left side at x. */
export function drawVerticalTitle(r: Raster, x: number, y0: number, y1: number, text: string): void {
  const w = textWidth(text, LABEL_SCALE);
  r.drawText(x, Math.round((y0 + y1) / 2 + w / 2), text, COLORS.text, { scale: LABEL_SCALE, vertical: true });
}
