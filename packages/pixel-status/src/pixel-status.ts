/**
 * computePixelStatus: det_pixel_status on a FrameStream. One pass over the events:
 * - features 1, 2, 3, 6 use the first `nrecs` records after `evskip` (at most `events` read in total);
 *   feature 11 uses every event up to `events`;
 * - 1: median of each record; 2 / 3: exact running sums (24 bytes per pixel, no frames held);
 *   6: the records are held (2 bytes per pixel and record) for the per-pixel residual statistics;
 *   11: running maximum (2 bytes per pixel).
 * Frames feature 1 rejects are taken out of the sums afterwards: from the held records, or by a
 * second pass over the stream when none are held (only when some frame was rejected).
 */
import { DetcalError, type FrameBlock, type FrameStream } from '@detcal/core';
import { goodRangeRule } from '@detcal/kernels';
import { allocateMasked, FrameMedian, maskFrame, type MaskedFrame } from './frame-data.js';
import { isWholeFrame, parseSlice, resolveSlice, type ResolvedSlice } from './frame-slice.js';
import { selectGoodFrames } from './good-frames.js';
import { maxLimits, maxMinusPedestals, RunningMax } from './max-feature.js';
import { MeanStdAccumulator, type MeanStd } from './mean-std.js';
import { defaultCtype, parseFeatures, PIXEL_STATUS_DEFAULTS, type Feature } from './options.js';
import { pedestalPlane } from './pedestals.js';
import { windowGrid } from './plane-fit.js';
import { reduceResiduals } from './residual-parallel.js';
import { DEFAULT_TILE_BYTES } from './residual-stats.js';
import { bitLines, featureRange, STATUS_BITS, type FeatureRange, type PixelStatusSummary, type StatusBitLine } from './summary.js';

/** Pedestals for feature 11, as read from a file (the plane matching the frames is picked here). */
export interface PedestalSource {
  /** Values in C order (ADU). */
  values: ArrayLike<number>;
  /** Shape of the array. */
  shape: readonly number[];
  /** Axis names, when known (detcal constants files). */
  dims?: readonly string[];
  /** File (or store entry) name, for messages. */
  label: string;
}

/** Log levels of the messages computePixelStatus emits. */
export type PixelStatusLogLevel = 'debug' | 'info' | 'warning';

/** Options of computePixelStatus; missing ones take det_pixel_status defaults. */
export interface PixelStatusOptions {
  /** Features (default 1, 2, 3), as numbers or text "1,6". */
  features?: readonly number[] | string;
  /** Half-width of the good range in spreads (default 8). */
  snrmax?: number;
  /** Most records held / used by features 1, 2, 3, 6 (default 1000). */
  nrecs?: number;
  /** Most events read in total, skipped ones included (default 1000; Infinity for all). */
  events?: number;
  /** Events skipped at the start (default 0). */
  evskip?: number;
  /** Feature-6 window rows, cols (default 15, 15). */
  shwind?: readonly [number, number];
  /** Mask of the intensity bits (default 0o37777). */
  databits?: number;
  /** Gain bits: recorded in the parameters, not used (as det_pixel_status). */
  gainbits?: number;
  /** Segment index: picks the pedestal plane; recorded (the stream already holds one segment). */
  segind?: number;
  /** numpy-style 2-D slice of the frames, e.g. "0:144,0:192". */
  slice?: string;
  /** Calibration type to save as (default from the features). */
  ctype?: string;
  /** Pedestals for feature 11. */
  pedestals?: PedestalSource;
  /** Worker threads for feature 6 (default 1; the built package only). */
  threads?: number;
  /** Bytes of one feature-6 residual stack per thread (default 32 MiB). */
  tileBytes?: number;
  /** Called after each block read: frames used, raw bytes, phase. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Receives det_pixel_status-style log messages. */
  log?(level: PixelStatusLogLevel, message: string): void;
}

/** The status array and its summary. */
export interface PixelStatusResult {
  /** Status bits per pixel (rows x cols, row-major); saved as uint64. */
  status: Uint32Array;
  /** Counts, limits, frames, memory and time. */
  summary: PixelStatusSummary;
  /** The parameters used, for the constants metadata. */
  parameters: Record<string, unknown>;
}

interface Resolved {
  features: Feature[];
  snrmax: number;
  nrecs: number;
  events: number;
  evskip: number;
  shwind: [number, number];
  databits: number;
  gainbits: number;
  segind: number;
  ctype: string;
  threads: number;
  tileBytes: number;
}

function resolveOptions(o: PixelStatusOptions): Resolved {
  const d = PIXEL_STATUS_DEFAULTS;
  const features = typeof o.features === 'string' ? parseFeatures(o.features) : parseFeatures((o.features ?? d.features).join(','));
  const r: Resolved = {
    features,
    snrmax: o.snrmax ?? d.snrmax,
    nrecs: o.nrecs ?? d.nrecs,
    events: o.events ?? d.events,
    evskip: o.evskip ?? d.evskip,
    shwind: [...(o.shwind ?? d.shwind)] as [number, number],
    databits: o.databits ?? d.databits,
    gainbits: o.gainbits ?? d.gainbits,
    segind: o.segind ?? d.segind,
    ctype: o.ctype ?? defaultCtype(features),
    threads: Math.max(1, Math.floor(o.threads ?? 1)),
    tileBytes: o.tileBytes ?? DEFAULT_TILE_BYTES,
  };
  const whole = (v: number, min: number, flag: string): void => {
    if (!(Number.isInteger(v) || v === Infinity) || v < min) throw new DetcalError('BAD_INPUT', `${flag} ${v}: must be a whole number, ${min} or more`);
  };
  whole(r.nrecs, 1, '--nrecs');
  whole(r.events, 1, '--events');
  whole(r.evskip, 0, '--evskip');
  if (!(r.snrmax > 0) || !Number.isFinite(r.snrmax)) throw new DetcalError('BAD_INPUT', `--snrmax ${r.snrmax}: must be a positive number of spreads (default 8)`);
  if (!Number.isInteger(r.databits) || r.databits < 1 || r.databits > 0xffffffff) throw new DetcalError('BAD_INPUT', `--databits ${r.databits}: must be a bit mask of 1 to 32 bits, e.g. 0o37777`);
  if (!/^[A-Za-z0-9_.-]+$/.test(r.ctype)) throw new DetcalError('BAD_INPUT', `--ctype '${r.ctype}': use letters, digits, '_', '-' or '.', e.g. status_dark`);
  return r;
}

/** Bytes per value of a masked frame. */
function bytesPerValue(data: FrameBlock['data']): number {
  return data.BYTES_PER_ELEMENT;
}

/**
 * Evaluates the pixel status of the frames of `stream`.
 * @param stream - frames of one detector segment (re-readable; read twice only when F2/F3 run without
 *   F6 and feature 1 rejects frames)
 * @param options - det_pixel_status options
 */
export async function computePixelStatus(stream: FrameStream, options: PixelStatusOptions = {}): Promise<PixelStatusResult> {
  const t0 = performance.now();
  const o = resolveOptions(options);
  const log = options.log ?? (() => {});
  const has = (f: Feature): boolean => o.features.includes(f);
  const slice: ResolvedSlice = resolveSlice(options.slice ? parseSlice(options.slice) : undefined, stream.rows, stream.cols, options.slice);
  const whole = isWholeFrame(slice, stream.rows, stream.cols);
  const { rows, cols } = slice;
  const pixels = rows * cols;
  const grid = has(6) ? windowGrid(rows, cols, o.shwind[0], o.shwind[1]) : null;
  let pedestals: Float64Array | null = null;
  if (has(11)) {
    if (!options.pedestals) throw new DetcalError('BAD_INPUT', 'feature 11 (max - pedestals) needs pedestals: pass --pedestals FILE (a detcal constants file with Offset / pedestals, or a psana text file)');
    const p = options.pedestals;
    pedestals = pedestalPlane(p.values, p.shape, { rows: stream.rows, cols: stream.cols, segind: o.segind, slice }, p.label, p.dims);
    log('info', `pedestals for feature 11: ${p.label}`);
  }

  const usable = Math.min(stream.nFrames, o.events) - o.evskip;
  if (usable <= 0) {
    throw new DetcalError('BAD_INPUT', `${stream.label}: no events to process: the run has ${stream.nFrames} frames, --evskip ${o.evskip}, --events ${o.events}; lower --evskip or raise --events`);
  }
  const recordFeatures = o.features.some((f) => f !== 11);
  const recCap = recordFeatures ? Math.min(o.nrecs, usable) : 0;
  const end = o.evskip + (has(11) ? usable : recCap);
  const wide = o.databits > 0xffff;
  const held = grid ? allocateMasked(o.databits, recCap * pixels, o.threads > 1) : null;
  const medians = new Float64Array(recCap);
  const frameMedian = has(1) ? new FrameMedian(o.databits) : null;
  const acc = has(2) || has(3) ? new MeanStdAccumulator(pixels) : null;
  const runMax = has(11) ? new RunningMax(pixels, wide) : null;
  if (held) log('info', `holding ${recCap} records of ${rows}x${cols} for feature 6: ${held.byteLength} bytes`);

  let records = 0;
  let read = 0;
  let index = 0;
  let work: MaskedFrame | null = null;
  for await (const block of stream.blocks({ keep: 2 })) { // frames are copied (maskFrame) before the next block
    if (block.rows !== stream.rows || block.cols !== stream.cols) {
      throw new DetcalError('SHAPE_MISMATCH', `${stream.label}: a block has frames of ${block.rows}x${block.cols}, the run ${stream.rows}x${stream.cols}`);
    }
    const srcPixels = block.rows * block.cols;
    const first = index;
    index += block.nFrames;
    // frames of this block to use: [fa, fb); records among them: [fa, rb) (records are consecutive)
    const fa = Math.max(0, o.evskip - first);
    const fb = Math.min(block.nFrames, end - first);
    read += Math.max(0, Math.min(block.nFrames, end - first));
    if (fb <= fa) {
      if (first + block.nFrames >= end) break;
      continue;
    }
    const rb = Math.min(fb, o.evskip + recCap - first);
    if (!work || work.length < block.nFrames * pixels) work = allocateMasked(o.databits, block.nFrames * pixels);
    if (rb > fa) {
      const n = rb - fa;
      const dest: MaskedFrame = held ?? work;
      const off = held ? records * pixels : 0;
      for (let f = 0; f < n; f++) maskFrame(block.data, fa + f, block.cols, srcPixels, slice, whole, o.databits, dest, off + f * pixels);
      if (frameMedian) for (let f = 0; f < n; f++) medians[records + f] = frameMedian.median(dest, off + f * pixels, pixels);
      acc?.addFrames(dest, off, n);
      runMax?.addFrames(dest, off, n);
      records += n;
    }
    if (runMax && fb > Math.max(fa, rb)) {
      const f0 = Math.max(fa, rb);
      const n = fb - f0;
      for (let f = 0; f < n; f++) maskFrame(block.data, f0 + f, block.cols, srcPixels, slice, whole, o.databits, work, f * pixels);
      runMax.addFrames(work, 0, n);
    }
    const used = fb - fa;
    options.progress?.(used, used * srcPixels * bytesPerValue(block.data), 'read');
    if (first + block.nFrames >= end) break;
  }
  if (recordFeatures && records === 0) throw new DetcalError('BAD_INPUT', `${stream.label}: no frames read after skipping ${o.evskip} events; lower --evskip`);
  log('info', `read ${read} events: ${records} records${runMax ? `, ${runMax.frames} events for feature 11` : ''}`);

  // Feature 1: good frames.
  const warnings: string[] = [];
  let good: Uint8Array = new Uint8Array(records).fill(1);
  let nGood = records;
  let f1Range: FeatureRange | undefined;
  let allEqual = false;
  if (has(1)) {
    const sel = selectGoodFrames(medians.subarray(0, records), o.snrmax, o.databits);
    good = sel.good;
    nGood = sel.count;
    f1Range = sel.range;
    allEqual = sel.allEqual;
    if (allEqual) warnings.push(`all ${records} frame medians are equal (${sel.range.median}): every frame kept as good (det_pixel_status would reject them all)`);
    log('info', `Feat.1: ${nGood} good frames of ${records}`);
    log('debug', `frame medians: ${Array.from(medians.subarray(0, Math.min(records, 20))).join(' ')}${records > 20 ? ' ...' : ''}`);
  }
  if (recordFeatures && nGood === 0) throw new DetcalError('BAD_INPUT', `${stream.label}: feature 1 left no good frame of ${records}; check the data, or leave out feature 1 (-F 2,3)`);

  // Take the rejected frames out of the feature 2 / 3 sums.
  if (acc && nGood < records) {
    if (held) {
      for (let r = 0; r < records; r++) if (!good[r]) acc.remove(held, r * pixels);
    } else {
      await removeFrames(stream, o.evskip, good, slice, whole, o.databits, allocateMasked(o.databits, pixels), acc, options.progress);
    }
  }

  const status = new Uint32Array(pixels);
  const scratch = new Float64Array(pixels);
  const ranges: FeatureRange[] = [];
  const bits: StatusBitLine[] = [];
  const apply = (feature: Feature, title: string, values: Float64Array, vmin: number, vmax: number): void => {
    const spec = STATUS_BITS.find((b) => b.title === title);
    if (!spec) throw new DetcalError('INTERNAL', `no status bits for ${title}`);
    const r = goodRangeRule(values, status, { vmin, vmax, snr: o.snrmax }, { low: spec.low, high: spec.high }, scratch);
    const range = featureRange(feature, title, vmin, vmax, r);
    ranges.push(range);
    bits.push(...bitLines(range, spec.low, spec.high, { low: r.nLow, high: r.nHigh }, pixels));
    if (r.spreadKind === 'std') log('warning', `${title}: median of spread is 0, replaced with std = ${r.spread.toFixed(3)}`);
    log('info', `${title}: selected ${r.nKept} of ${pixels} pixels, med ${r.median.toFixed(3)} spr ${r.spread.toFixed(3)}, limits (${r.lo.toFixed(3)}, ${r.hi.toFixed(3)})`);
  };

  let meanStd: MeanStd | null = null;
  if (acc) meanStd = acc.finish();
  if (has(2) && meanStd) apply(2, 'Feat.2 mean', meanStd.mean, 0, o.databits);
  if (has(3) && meanStd) apply(3, 'Feat.3 std', meanStd.std, 0, o.databits);

  let threadsUsed = 1;
  let residualStackBytes = 0;
  if (grid && held) {
    const goodIdx = new Int32Array(nGood);
    for (let r = 0, k = 0; r < records; r++) if (good[r]) goodIdx[k++] = r;
    const t6 = performance.now();
    const res = await reduceResiduals(held, goodIdx, grid, { threads: o.threads, tileBytes: o.tileBytes });
    threadsUsed = res.threads;
    residualStackBytes = res.threads * Math.min(o.tileBytes, nGood * pixels * 8);
    log('info', `Feat.6: residuals of ${nGood} good frames reduced in ${((performance.now() - t6) / 1000).toFixed(3)} s on ${res.threads} thread(s)`);
    apply(6, 'Feat.6 res_med', res.median, -o.databits, o.databits);
    apply(6, 'Feat.6 res_spr', res.mad, -o.databits, o.databits);
  }

  let limits: PixelStatusSummary['maxLimits'];
  if (runMax && pedestals) {
    if (runMax.frames === 0) throw new DetcalError('BAD_INPUT', `${stream.label}: no events for feature 11 after skipping ${o.evskip}; lower --evskip`);
    const maxPeds = maxMinusPedestals(runMax.max, pedestals);
    limits = maxLimits(maxPeds, o.snrmax);
    log('info', `Feat.11: median(max-peds) ${limits.median.toFixed(3)}, limits (${limits.limLo.toFixed(3)}, ${limits.limHi.toFixed(3)})`);
    apply(11, 'Feat.11 max-peds', maxPeds, limits.limLo, limits.limHi);
  }

  let bad = 0;
  for (let p = 0; p < pixels; p++) if (status[p] !== 0) bad++;
  const summary: PixelStatusSummary = {
    ctype: o.ctype,
    features: o.features,
    rows,
    cols,
    snrmax: o.snrmax,
    databits: o.databits,
    gainbits: o.gainbits,
    shwind: o.shwind,
    eventsRead: read,
    maxEvents: runMax?.frames ?? 0,
    frames: { records, good: nGood, ...(f1Range ? { range: f1Range } : {}), ...(allEqual ? { allEqual } : {}) },
    ranges,
    ...(limits ? { maxLimits: limits } : {}),
    bits,
    anyBad: { count: bad, total: pixels, percent: pixels > 0 ? (100 * bad) / pixels : 0 },
    memory: {
      heldFramesBytes: held?.byteLength ?? 0,
      accumulatorBytes: (acc ? 24 * pixels : 0) + (runMax ? runMax.max.byteLength : 0) + status.byteLength + scratch.byteLength,
      residualStackBytes,
    },
    threads: threadsUsed,
    seconds: (performance.now() - t0) / 1000,
    warnings,
  };
  for (const w of warnings) log('warning', w);
  const parameters: Record<string, unknown> = {
    features: o.features.join(','),
    snrmax: o.snrmax,
    nrecs: o.nrecs,
    events: Number.isFinite(o.events) ? o.events : 'all',
    evskip: o.evskip,
    shwind: o.shwind.join(','),
    databits: o.databits,
    gainbits: o.gainbits,
    segind: o.segind,
    ...(options.slice ? { slice: options.slice } : {}),
    ...(options.pedestals ? { pedestals: options.pedestals.label } : {}),
    records,
    goodFrames: nGood,
    method: 'det_pixel_status',
  };
  return { status, summary, parameters };
}

/** Second pass: subtracts the rejected records from the feature 2 / 3 sums. */
async function removeFrames(
  stream: FrameStream,
  evskip: number,
  good: Uint8Array,
  slice: ResolvedSlice,
  whole: boolean,
  databits: number,
  buf: MaskedFrame,
  acc: MeanStdAccumulator,
  progress: PixelStatusOptions['progress'],
): Promise<void> {
  let last = -1;
  for (let r = 0; r < good.length; r++) if (!good[r]) last = r;
  let index = 0;
  for await (const block of stream.blocks({ keep: 2 })) { // frames are copied (maskFrame) before the next block
    const srcPixels = block.rows * block.cols;
    for (let f = 0; f < block.nFrames; f++, index++) {
      const r = index - evskip;
      if (r > last) return;
      if (r < 0 || good[r]) continue;
      maskFrame(block.data, f, block.cols, srcPixels, slice, whole, databits, buf, 0);
      acc.remove(buf, 0);
    }
    progress?.(block.nFrames, block.nFrames * srcPixels * bytesPerValue(block.data), 're-read');
  }
}
