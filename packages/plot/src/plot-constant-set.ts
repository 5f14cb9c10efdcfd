/**
 * Plots of a whole ConstantSet for one memory cell: for each constant and gain stage a map and a
 * histogram (flag constants: a categorical map and a bar chart per bit), written as PNG files named
 * `<Constant>[-g<gain>][-c<cell>]-map.png` / `-hist.png`.
 */
import path from 'node:path';
import { DetcalError, dropSingletonAxes, type ConstantArray, type ConstantSet } from '@detcal/core';
import { renderBadPixelBars } from './bad-pixel-bars.js';
import { renderBadPixelMap } from './bad-pixel-map.js';
import { DEFAULT_PERCENTILES, robustRange, type ValueRange } from './color-range.js';
import { frameAt, frameAxes, GAIN_AXES, type FrameAxes } from './constant-slice.js';
import { flagSetFor, isFlagConstant } from './flag-bits.js';
import { renderHistogramPlot } from './histogram-plot.js';
import { renderMapPlot } from './map-plot.js';
import { ensureWritableDir, writePngAtomically } from './write-png.js';

/** Options of plotConstantSet. */
export interface PlotSetOptions {
  /** Memory cell to plot (default 0); must be below the set's number of cells. */
  cell?: number;
  /** Gain stages (and thresholds) to plot, by index (default all). */
  gains?: readonly number[];
  /** Names of the gain stages for titles (e.g. ['high', 'medium', 'low']). */
  gainNames?: readonly string[];
  /** Colour / histogram range per constant name, instead of the robust range. */
  ranges?: Readonly<Record<string, ValueRange>>;
  /** Percentiles of the robust range (default 0.5 and 99.5). */
  percentiles?: { low: number; high: number };
  /** Draw flagged pixels grey in maps and leave them out of histograms (default false: they are shown, only the range ignores them). */
  hideBad?: boolean;
  /** Logarithmic count axis of the histograms (default false). */
  logY?: boolean;
  /** Histogram bins (default 100). */
  bins?: number;
  /** How errors name the cell and the folder (default 'memory cell', 'plot folder'; the CLI passes its flags). */
  labels?: { cell?: string; dir?: string };
}

/** Number of memory cells of a set: the longest 'cell' axis of its constants (1 where none has one). */
export function cellsOf(set: ConstantSet): number {
  let cells = 1;
  for (const c of Object.values(set.constants)) {
    const k = c.dims.indexOf('cell');
    if (k >= 0) cells = Math.max(cells, c.shape[k]);
  }
  return cells;
}

/**
 * Writes the map and histogram PNGs of every constant of `set` for one memory cell into `dir`
 * (created if missing) and returns their paths. Axes of length 1 labelled 'gain' or 'cell'
 * (single-gain detectors, one memory cell) are dropped, so they get no -g / -c part.
 */
export async function plotConstantSet(set: ConstantSet, dir: string, opts: PlotSetOptions = {}): Promise<string[]> {
  const cell = opts.cell ?? 0;
  const cells = cellsOf(set);
  if (!Number.isInteger(cell) || cell < 0 || cell >= cells) {
    const what = opts.labels?.cell ?? 'memory cell';
    throw new DetcalError('BAD_INPUT', `${what} ${cell} is not in the constants: they have ${cells} memory cell${cells === 1 ? '' : 's'} (0..${cells - 1}); pick one below ${cells}`);
  }
  ensureWritableDir(dir, opts.labels?.dir);
  const flags = badPixelSource(set);
  const subtitle = subtitleOf(set);
  const p = opts.percentiles ?? DEFAULT_PERCENTILES;
  const rangeNote = `  colour range: p${p.low}..p${p.high} of unflagged pixels`;
  const files: string[] = [];
  for (const raw of Object.values(set.constants)) {
    const c = dropSingletonAxes(raw, ['gain', 'cell']);
    const axes = frameAxes(c);
    const rows = c.shape[axes.row], cols = c.shape[axes.col];
    const flagConstant = isFlagConstant(c.name, c.dtype);
    for (const at of framesToPlot(axes, cell, opts)) {
      const frame = frameAt(c, axes, at.index);
      const title = [c.name, ...at.labels.map((l) => l.title), flagConstant ? '[flags]' : c.unit ? `[${c.unit}]` : '[no unit]'].join('  ');
      const base = path.join(dir, `${safeName(c.name)}${at.labels.map((l) => l.file).join('')}`);
      if (flagConstant) {
        const flagSet = flagSetFor(c.name);
        await writePngAtomically(`${base}-map.png`, renderBadPixelMap(frame, rows, cols, { title, subtitle, flags: flagSet }).raster);
        await writePngAtomically(`${base}-hist.png`, renderBadPixelBars(frame, { title, subtitle, flags: flagSet }).raster);
      } else {
        const mask = flags && sameFrame(flags.c, rows, cols) ? maskFor(flags, at.gainAxis === 'gain' ? at.gain : -1, at.gainCount, cell) : undefined;
        const range = opts.ranges?.[c.name] ?? robustRange(frame, { mask, lowPercent: opts.percentiles?.low, highPercent: opts.percentiles?.high });
        await writePngAtomically(`${base}-map.png`, renderMapPlot(frame, rows, cols, { title, subtitle: subtitle + (opts.ranges?.[c.name] ? '' : rangeNote), unit: c.unit, range, mask, hideMasked: opts.hideBad }).raster);
        await writePngAtomically(`${base}-hist.png`, renderHistogramPlot(frame, { title, subtitle: subtitle + (opts.ranges?.[c.name] ? '' : rangeNote), unit: c.unit, range, mask, hideMasked: opts.hideBad, logY: opts.logY, bins: opts.bins }).raster);
      }
      files.push(`${base}-map.png`, `${base}-hist.png`);
    }
  }
  return files;
}

/** Detector, module, runs and creation time of a set. */
function subtitleOf(s: ConstantSet): string {
  const m = s.metadata;
  const runs = m.sourceRuns.length > 0 ? `  runs ${m.sourceRuns.join(', ')}` : '';
  return `${m.detectorType} ${m.detectorId} module ${m.module}${runs}  ${m.createdAt}`;
}

/** The frames of a constant to plot: the chosen cell, each selected gain stage / threshold, every index of other axes. */
function framesToPlot(axes: FrameAxes, cellIndex: number, opts: PlotSetOptions): FrameChoice[] {
  const gains = opts.gains;
  let choices: FrameChoice[] = [{ index: {}, labels: [], gain: -1, gainAxis: undefined, gainCount: 0 }];
  for (const o of axes.others) {
    const next: FrameChoice[] = [];
    for (const ch of choices) {
      if (o.label === 'cell') {
        next.push({ ...ch, index: { ...ch.index, [o.axis]: cellIndex }, labels: [...ch.labels, { title: `cell ${cellIndex}`, file: `-c${cellIndex}` }] });
      } else if (GAIN_AXES.includes(o.label)) {
        for (let g = 0; g < o.length; g++) {
          if (gains && !gains.includes(g)) continue;
          next.push({ ...ch, index: { ...ch.index, [o.axis]: g }, labels: [...ch.labels, { title: gainTitle(o.label, g, opts.gainNames), file: `-g${g}` }], gain: g, gainAxis: o.label, gainCount: o.length });
        }
      } else {
        for (let k = 0; k < o.length; k++) {
          const sep = /\d$/.test(o.label) ? '_' : '';
          next.push({ ...ch, index: { ...ch.index, [o.axis]: k }, labels: [...ch.labels, { title: `${o.label} ${k}`, file: `-${safeName(o.label)}${sep}${k}` }] });
        }
      }
    }
    choices = next;
  }
  return choices;
}

/** 'gain 1 (medium)' or 'threshold 0 (high/medium)'. */
function gainTitle(label: string, g: number, names: readonly string[] | undefined): string {
  if (label === 'threshold') return names && names[g + 1] ? `threshold ${g} (${names[g]}/${names[g + 1]})` : `threshold ${g}`;
  return names && names[g] ? `gain ${g} (${names[g]})` : `gain ${g}`;
}

/** A frame to plot: indices of the non-image axes and the labels they add to the title and file name. */
interface FrameChoice {
  index: Record<number, number>;
  labels: Array<{ title: string; file: string }>;
  /** Gain (or threshold) index, -1 where the constant has no gain axis. */
  gain: number;
  /** Label of the gain axis, if any. */
  gainAxis: string | undefined;
  /** Length of the gain axis (0 where none). */
  gainCount: number;
}

/** The set's bad-pixel flags that value plots ignore in their ranges (BadPixelsDark, else any BadPixels*). */
interface FlagSource {
  c: ConstantArray;
  axes: FrameAxes;
  cache: Map<string, Float64Array>;
}

function badPixelSource(set: ConstantSet): FlagSource | undefined {
  const all = Object.values(set.constants);
  const c = set.constants.BadPixelsDark ?? all.find((a) => a.name.startsWith('BadPixels') && isFlagConstant(a.name, a.dtype));
  if (!c || c.shape.length < 2) return undefined;
  return { c, axes: frameAxes(c), cache: new Map() };
}

function sameFrame(c: ConstantArray, rows: number, cols: number): boolean {
  const a = frameAxes(c);
  return c.shape[a.row] === rows && c.shape[a.col] === cols;
}

/**
 * Flags of the pixels to ignore in a value frame: the flag frame of the same gain stage where the
 * value constant has a gain axis as long as the flags' one, else the OR over all gain stages; the
 * same cell where the flags have one.
 */
function maskFor(src: FlagSource, gain: number, valueGains: number, cell: number): Float64Array {
  const gainAxis = src.axes.others.find((o) => o.label === 'gain');
  const cellAxis = src.axes.others.find((o) => o.label === 'cell');
  const sameGain = gain >= 0 && gainAxis !== undefined && gainAxis.length === valueGains;
  const key = `${sameGain ? gain : 'any'}:${cell}`;
  const hit = src.cache.get(key);
  if (hit) return hit;
  const at = (g: number): Record<number, number> => {
    const index: Record<number, number> = {};
    if (gainAxis) index[gainAxis.axis] = g;
    if (cellAxis) index[cellAxis.axis] = Math.min(cell, cellAxis.length - 1);
    return index;
  };
  let mask: Float64Array;
  if (sameGain || !gainAxis) mask = frameAt(src.c, src.axes, at(sameGain ? gain : 0));
  else {
    mask = frameAt(src.c, src.axes, at(0));
    for (let g = 1; g < gainAxis.length; g++) {
      const m = frameAt(src.c, src.axes, at(g));
      for (let i = 0; i < mask.length; i++) mask[i] = (mask[i] | m[i]) >>> 0;
    }
  }
  src.cache.set(key, mask);
  return mask;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}
