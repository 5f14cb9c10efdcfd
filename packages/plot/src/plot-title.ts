/** The title block of every plot: a large title line and a smaller subtitle line. */
import { textHeight, textWidth } from './bitmap-font.js';
import { COLORS, type Raster } from './raster.js';

/** Scale of the title line. */
export const TITLE_SCALE = 2;
/** Scale of the subtitle line. */
export const SUBTITLE_SCALE = 1;
/** Margin around every plot, in pixels. */
export const PAD = 12;

/** Height of the title block (title, subtitle when given, and the gaps). */
export function titleBlockHeight(subtitle: string | undefined): number {
  return PAD + textHeight(TITLE_SCALE) + (subtitle ? 6 + textHeight(SUBTITLE_SCALE) : 0) + 14;
}

/** Width needed by the title block. */
export function titleBlockWidth(title: string, subtitle: string | undefined): number {
  return 2 * PAD + Math.max(textWidth(title, TITLE_SCALE), subtitle ? textWidth(subtitle, SUBTITLE_SCALE) : 0);
}

/** Draws the title at the top left (PAD, PAD) and the subtitle below it. */
export function drawTitleBlock(r: Raster, title: string, subtitle: string | undefined): void {
  r.drawText(PAD, PAD, title, COLORS.text, { scale: TITLE_SCALE });
  if (subtitle) r.drawText(PAD, PAD + textHeight(TITLE_SCALE) + 6, subtitle, [90, 90, 90], { scale: SUBTITLE_SCALE });
}
