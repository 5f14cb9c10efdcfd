/**
 * The outcome of a pixel-status evaluation and its printed summary, laid out like det_pixel_status's:
 * one line per status bit (octal bit, count / total, percent, feature and limit), then
 * "Any bad status bit", then the consumed time.
 */
import { PixelStatus } from '@detcal/core';
import type { GoodRangeResult } from '@detcal/kernels';
import { octal, type Feature } from './options.js';

/** One status bit as the summary reports it. */
export interface StatusBitLine {
  /** The bit value (0o1 ... 0o1000). */
  bit: number;
  /** The bit as Python's oct() writes it ("0o10"). */
  octal: string;
  /** PixelStatus enum name (e.g. 'F3_STD_HIGH'). */
  name: string;
  /** Feature that sets it. */
  feature: Feature;
  /** Feature title as det_pixel_status prints it (e.g. 'Feat.3 std'). */
  title: string;
  /** 'low': value <= limit; 'high': value >= limit. */
  side: 'low' | 'high';
  /** Pixels with this bit. */
  count: number;
  /** Pixels evaluated. */
  total: number;
  /** 100 * count / total. */
  percent: number;
  /** The limit (inclusive), in the feature's unit. */
  limit: number;
}

/** The good range found for one feature. */
export interface FeatureRange {
  /** Feature number. */
  feature: Feature;
  /** Title as printed ('Feat.2 mean', 'Feat.6 res_med', ...). */
  title: string;
  /** Values <= vmin or >= vmax are left out of the statistics. */
  vmin: number;
  /** See vmin. */
  vmax: number;
  /** Values kept for the statistics. */
  kept: number;
  /** Median of the kept values. */
  median: number;
  /** Spread: plain MAD, or std where the MAD is 0. */
  spread: number;
  /** Which spread was used. */
  spreadKind: 'mad' | 'std';
  /** Lower limit: value <= lo gets the low bit. */
  lo: number;
  /** Upper limit: value >= hi gets the high bit. */
  hi: number;
}

/** Feature 1: the frames kept. */
export interface GoodFramesSummary {
  /** Records evaluated. */
  records: number;
  /** Records kept as good frames. */
  good: number;
  /** Good range of the frame medians (absent when feature 1 was not requested). */
  range?: FeatureRange;
  /** All frame medians were equal: every frame kept (det_pixel_status would reject all of them). */
  allEqual?: boolean;
}

/** Memory held by the evaluation. */
export interface MemoryUse {
  /** Bytes of the frames held for feature 6 (records x pixels x 2, or x 4 for databits above 16 bits). */
  heldFramesBytes: number;
  /** Bytes of the per-pixel accumulators (feature 2/3 sums, feature 11 maximum, outputs). */
  accumulatorBytes: number;
  /** Bytes of the feature-6 residual stacks (tile budget x threads). */
  residualStackBytes: number;
}

/** Everything a pixel-status evaluation produced, besides the status array. */
export interface PixelStatusSummary {
  /** Calibration type the status is saved as. */
  ctype: string;
  /** Features evaluated. */
  features: Feature[];
  /** Rows of the status array (after --slice). */
  rows: number;
  /** Columns of the status array. */
  cols: number;
  /** snrmax used. */
  snrmax: number;
  /** Mask of the intensity bits. */
  databits: number;
  /** Gain bits (recorded; not used, as in det_pixel_status). */
  gainbits: number;
  /** Feature-6 window. */
  shwind: [number, number];
  /** Events read (skipped ones included). */
  eventsRead: number;
  /** Events used by feature 11. */
  maxEvents: number;
  /** Feature 1 outcome and the records used by features 1, 2, 3, 6. */
  frames: GoodFramesSummary;
  /** Good ranges per feature. */
  ranges: FeatureRange[];
  /** Feature-11 limits, when computed. */
  maxLimits?: { median: number; diffNeg: number; diffPos: number; limLo: number; limHi: number };
  /** One line per status bit of the requested features. */
  bits: StatusBitLine[];
  /** Pixels with any status bit. */
  anyBad: { count: number; total: number; percent: number };
  /** Memory held. */
  memory: MemoryUse;
  /** Threads used by feature 6. */
  threads: number;
  /** Seconds from start to the status array. */
  seconds: number;
  /** Notes on deviations from det_pixel_status behaviour met in this run. */
  warnings: string[];
}

/** Feature, title and bits of the status lines, in det_pixel_status order. */
export const STATUS_BITS: ReadonlyArray<{ feature: Feature; title: string; low: PixelStatus; high: PixelStatus }> = [
  { feature: 2, title: 'Feat.2 mean', low: PixelStatus.F2_MEAN_LOW, high: PixelStatus.F2_MEAN_HIGH },
  { feature: 3, title: 'Feat.3 std', low: PixelStatus.F3_STD_LOW, high: PixelStatus.F3_STD_HIGH },
  { feature: 6, title: 'Feat.6 res_med', low: PixelStatus.F6_RESIDUAL_MEDIAN_LOW, high: PixelStatus.F6_RESIDUAL_MEDIAN_HIGH },
  { feature: 6, title: 'Feat.6 res_spr', low: PixelStatus.F6_RESIDUAL_MAD_LOW, high: PixelStatus.F6_RESIDUAL_MAD_HIGH },
  { feature: 11, title: 'Feat.11 max-peds', low: PixelStatus.F11_MAX_LOW, high: PixelStatus.F11_MAX_HIGH },
];

/** Builds a FeatureRange from the good-range rule's result. */
export function featureRange(feature: Feature, title: string, vmin: number, vmax: number, r: GoodRangeResult): FeatureRange {
  return { feature, title, vmin, vmax, kept: r.nKept, median: r.median, spread: r.spread, spreadKind: r.spreadKind, lo: r.lo, hi: r.hi };
}

/** The two status lines of a feature's range. */
export function bitLines(range: FeatureRange, low: number, high: number, counts: { low: number; high: number }, total: number): StatusBitLine[] {
  const line = (bit: number, side: 'low' | 'high', count: number, limit: number): StatusBitLine => ({
    bit,
    octal: octal(bit),
    name: PixelStatus[bit] ?? octal(bit),
    feature: range.feature,
    title: range.title,
    side,
    count,
    total,
    percent: total > 0 ? (100 * count) / total : 0,
    limit,
  });
  return [line(low, 'low', counts.low, range.lo), line(high, 'high', counts.high, range.hi)];
}

/** Python's '%.Nf' for finite values, 'inf' / '-inf' / 'nan' otherwise. */
export function fixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(digits);
}

/** A limit as str() prints it for whole numbers, else with 3 decimals. */
function plain(v: number): string {
  return Number.isInteger(v) ? String(v) : fixed(v, 3);
}

/** One status line: '%20s: %8d / %d (%6.3f%%) pixels %s <= %.3f'. */
export function formatBitLine(b: StatusBitLine): string {
  const op = b.side === 'low' ? '<=' : '>=';
  return `${b.octal.padStart(20)}: ${String(b.count).padStart(8)} / ${b.total} (${fixed(b.percent, 3).padStart(6)}%) pixels ${b.title} ${op} ${fixed(b.limit, 3)}`;
}

/**
 * The summary as det_pixel_status prints it (without the time line; see formatConsumedTime).
 * @param s - the evaluation summary
 */
export function formatSummary(s: PixelStatusSummary): string {
  const lines = [`Summary of the bad pixel status evaluation for SNR=${fixed(s.snrmax, 2)}, ${s.ctype} array`];
  for (const b of s.bits) lines.push(`  ${formatBitLine(b)}`);
  const a = s.anyBad;
  lines.push(`    Any bad status bit: ${String(a.count).padStart(8)} / ${a.total} (${fixed(a.percent, 3).padStart(6)}%) pixels`);
  return lines.join('\n');
}

/** "Consumed time 12.345 sec". */
export function formatConsumedTime(seconds: number): string {
  return `Consumed time ${fixed(seconds, 3)} sec`;
}

/**
 * The details det_pixel_status logs at INFO level before the summary: frames used, and per feature
 * the values kept, median, spread and the limits.
 */
export function formatDetails(s: PixelStatusSummary): string[] {
  const out: string[] = [];
  const f = s.frames;
  if (f.range) {
    const r = f.range;
    out.push(`Feat.1: ${f.good} good frames of ${f.records} records: frame medians med ${fixed(r.median, 3)} spr ${fixed(r.spread, 3)} (${r.spreadKind}), kept in (${fixed(r.lo, 3)}, ${fixed(r.hi, 3)})`);
  } else if (f.records > 0) {
    out.push(`Feature 1 not requested: all ${f.records} records used`);
  }
  for (const r of s.ranges) {
    if (r.feature === 11 && s.maxLimits) {
      const m = s.maxLimits;
      out.push(`Feat.11: median(max-peds) ${fixed(m.median, 3)} over ${s.maxEvents} events, absolute limits med + ${fixed(s.snrmax, 1)} * ${fixed(m.diffNeg, 3)}/${fixed(m.diffPos, 3)}: (${fixed(m.limLo, 3)}, ${fixed(m.limHi, 3)})`);
    }
    out.push(`${r.title}: selected ${r.kept} of ${s.rows * s.cols} pixels in range (${plain(r.vmin)}, ${plain(r.vmax)}) med: ${fixed(r.median, 3)} spr: ${fixed(r.spread, 3)}${r.spreadKind === 'std' ? ' (MAD 0: std)' : ''}; limits (${fixed(r.lo, 3)}, ${fixed(r.hi, 3)})`);
  }
  return out;
}
