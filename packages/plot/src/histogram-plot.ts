/**
 * A histogram of one constant: equal bins over a robust range (bars coloured as the map colours
 * their values), under- and overflow bars beside the axis, linear or logarithmic counts, nice ticks.
 */
import { textHeight, textWidth } from './bitmap-font.js';
import { drawBottomTicks, drawLeftTicks, drawVerticalTitle, LABEL_SCALE, tickLabelWidth, TICK_LENGTH } from './axes.js';
import { colorIndex, viridis } from './colormap.js';
import { robustRange, type ValueRange } from './color-range.js';
import { histogram, type Histogram } from './histogram.js';
import { decadeTicks, formatValue, niceTicks, type Ticks } from './nice-ticks.js';
import { drawTitleBlock, PAD, titleBlockHeight, titleBlockWidth } from './plot-title.js';
import { COLORS, Raster } from './raster.js';

/** Options of renderHistogramPlot. */
export interface HistogramPlotOptions {
  /** Title line. */
  title: string;
  /** Smaller second line, if any. */
  subtitle?: string;
  /** Unit of the values, shown in the x-axis title. */
  unit: string;
  /** Binned range; default robustRange of the unmasked values. */
  range?: ValueRange;
  /** Non-zero entries mark bad pixels: ignored by the default range. */
  mask?: ArrayLike<number>;
  /** Leave the pixels that `mask` marks out of the counts (default false: every pixel is counted). */
  hideMasked?: boolean;
  /** Number of bins (default 100). */
  bins?: number;
  /** Logarithmic count axis (default false). */
  logY?: boolean;
}

/** Where the parts of a histogram plot are, in canvas pixels. */
export interface HistogramLayout {
  /** Left edge of the first bin's bar. */
  plotX: number;
  /** Top of the plot area (the count axis maximum). */
  plotY: number;
  /** Width of the binned area. */
  plotWidth: number;
  /** Height of the plot area: a bar of the axis maximum is this tall. */
  plotHeight: number;
  /** Screen width of one bin. */
  binWidth: number;
  /** Left edge of the underflow bar. */
  underflowX: number;
  /** Left edge of the overflow bar. */
  overflowX: number;
  /** Width of the under- and overflow bars. */
  flowWidth: number;
  /** Count at the top of the axis. */
  yMax: number;
  /** Count at the bottom of the axis (0, or 0.5 with logY). */
  yMin: number;
}

/** A rendered histogram plot with the counts it shows. */
export interface HistogramPlot {
  /** The image. */
  raster: Raster;
  /** Positions of its parts. */
  layout: HistogramLayout;
  /** The counts drawn. */
  histogram: Histogram;
}

const PLOT_WIDTH_TARGET = 600;
const PLOT_HEIGHT = 320;
const FLOW_WIDTH = 14;
const FLOW_GAP = 10;
const FLOW_COLOR = [150, 150, 150] as const;

/** Draws the histogram of the values of one constant. */
export function renderHistogramPlot(values: ArrayLike<number>, opts: HistogramPlotOptions): HistogramPlot {
  const range = opts.range ?? robustRange(values, { mask: opts.mask });
  const bins = Math.max(1, Math.round(opts.bins ?? 100));
  const h = histogram(values, range.min, range.max, bins, opts.hideMasked ? opts.mask : undefined);
  let peak = Math.max(h.underflow, h.overflow);
  for (let i = 0; i < bins; i++) if (h.counts[i] > peak) peak = h.counts[i];
  const logY = opts.logY === true;
  const yMin = logY ? 0.5 : 0;
  const logTop = Math.max(10, 10 ** (Math.floor(Math.log10(Math.max(1, peak))) + 1));
  const yTicks: Ticks = logY ? decadeTicks(1, logTop) : niceTicks(0, Math.max(1, peak), 5, true);
  const yMax = logY ? logTop : Math.max(1, peak, yTicks.values[yTicks.values.length - 1]);
  const binWidth = Math.max(1, Math.floor(PLOT_WIDTH_TARGET / bins));
  const plotWidth = binWidth * bins;
  const lh = textHeight(LABEL_SCALE);
  const underflowX = PAD + lh + 8 + tickLabelWidth(yTicks) + TICK_LENGTH + 6;
  const plotX = underflowX + FLOW_WIDTH + FLOW_GAP;
  const overflowX = plotX + plotWidth + FLOW_GAP;
  const plotY = titleBlockHeight(opts.subtitle) + 6;
  const xTicks = niceTicks(range.min, range.max, 6);
  const legend = `under ${h.underflow}  over ${h.overflow}  NaN ${h.nonFinite}${opts.hideMasked ? `  masked ${h.masked}` : ''}  bins ${bins} x ${formatValue((range.max - range.min) / bins, 3)}`;
  const axisY = plotY + PLOT_HEIGHT;
  const legendY = axisY + TICK_LENGTH + 3 + lh + 10 + lh + 14;
  const width = Math.max(overflowX + FLOW_WIDTH + PAD + textWidth(xTicks.labels[xTicks.labels.length - 1] ?? '', LABEL_SCALE) / 2, titleBlockWidth(opts.title, opts.subtitle), underflowX + textWidth(legend, LABEL_SCALE) + PAD);
  const r = new Raster(width, legendY + lh + PAD);
  drawTitleBlock(r, opts.title, opts.subtitle);

  const heightOf = (count: number): number => {
    if (count <= 0) return 0;
    if (!logY) return Math.round((count / yMax) * PLOT_HEIGHT);
    return Math.round(((Math.log10(count) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * PLOT_HEIGHT);
  };
  const toY = (v: number): number => axisY - 1 - (logY ? ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * PLOT_HEIGHT : (v / yMax) * PLOT_HEIGHT);
  for (const v of yTicks.values) r.fillRect(plotX, Math.round(toY(v)), plotWidth, 1, COLORS.grid);
  for (let i = 0; i < bins; i++) {
    const bh = heightOf(h.counts[i]);
    if (bh === 0) continue;
    const centre = range.min + ((i + 0.5) / bins) * (range.max - range.min);
    r.fillRect(plotX + i * binWidth, axisY - bh, binWidth, bh, viridis(colorIndex(centre, range.min, range.max)));
  }
  const uh = heightOf(h.underflow), oh = heightOf(h.overflow);
  r.fillRect(underflowX, axisY - uh, FLOW_WIDTH, uh, FLOW_COLOR);
  r.fillRect(overflowX, axisY - oh, FLOW_WIDTH, oh, FLOW_COLOR);

  r.fillRect(underflowX - 1, axisY, overflowX + FLOW_WIDTH - underflowX + 2, 1, COLORS.axis);
  r.fillRect(underflowX - 1, plotY, 1, PLOT_HEIGHT + 1, COLORS.axis);
  drawLeftTicks(r, underflowX - 1, yTicks, toY);
  drawBottomTicks(r, axisY + 1, xTicks, (v) => plotX + ((v - range.min) / (range.max - range.min)) * plotWidth);
  drawVerticalTitle(r, PAD, plotY, axisY, logY ? 'pixels (log)' : 'pixels');
  const xTitle = opts.unit ? `value [${opts.unit}]` : 'value';
  r.drawText(plotX + plotWidth / 2, axisY + TICK_LENGTH + 3 + lh + 10, xTitle, COLORS.text, { scale: LABEL_SCALE, align: 'center' });
  r.drawText(underflowX, legendY, legend, COLORS.text, { scale: LABEL_SCALE });
  return {
    raster: r,
    layout: { plotX, plotY, plotWidth, plotHeight: PLOT_HEIGHT, binWidth, underflowX, overflowX, flowWidth: FLOW_WIDTH, yMax, yMin },
    histogram: h,
  };
}
