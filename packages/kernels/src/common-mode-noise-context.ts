/**
 * The per-frame work of the common-mode noise pass (dark-single-gain.ts), separated from the
 * streaming so that it runs the same in-process and on worker threads: subtract the offset, take
 * the per-readout-group medians of the good pixels and subtract them from every responding pixel,
 * track the largest corrected value, mark cosmic-ray hits, and accumulate the raw (and, on a
 * worker, the corrected) values. A context is built from {@link CommonModeNoiseInit}, plain typed
 * arrays and numbers that a worker receives by structured clone; each context owns its
 * accumulators and counters, and the partial results of several contexts (disjoint frames) merge
 * with {@link mergeCommonModeNoisePartial}.
 */
import { DetcalError } from '@detcal/core';
import { commonModeBanked, commonModeGroupCount, type BankShape, type CommonModeGroups, type CommonModePass } from './common-mode.js';
import type { BlockData } from './compute-backend.js';
import { accumulateDarkCpu } from './cpu-dark.js';
import { createDarkAccumulator, mergeDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';
import { rowSegmentCommonMode } from './fast-median.js';
import { rowSegmentCommonModeKept, type MedianCacheUse } from './common-mode-median-cache.js';
import { allocateCommonModeSimd } from './common-mode-simd.js';
import { fusedRowSegmentFrames, ROLE_FROZEN, ROLE_MASKED, type FusedRowSegmentState } from './common-mode-noise-fused.js';
import type { CommonModeSkipPlan } from './common-mode-skip-plan.js';

/** Accumulates a block into a dark accumulator (a backend's accumulateDark; the CPU kernel on workers). */
export type AccumulateDark = (state: DarkAccumulator, data: BlockData, cellIds: Uint16Array, nFrames: number, nPixels: number, opts: { mask?: Uint8Array }) => void;

/** Everything a context needs, structured-cloneable (typed arrays, numbers, plain objects). */
export interface CommonModeNoiseInit {
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
  /** Offset per pixel subtracted before the common mode, ADU. */
  offsetAdu: Float32Array;
  /** 1 = pixel left out of the medians (bad or constant pixels). */
  mask: Uint8Array;
  /** Pixels left out of the medians that still respond: they get their groups' corrections. */
  fixIdx: Int32Array;
  /** Per pass, the group of each pixel of fixIdx. */
  fixGroups: Int32Array[];
  /** Bank shape of the readout groups. */
  bank: BankShape;
  /** Common-mode passes, in order. */
  passes: CommonModePass[];
  /** A group needs more than this many good pixels to be corrected. */
  minPixels: number;
  /** Per pixel, values above this (ADU, after the correction) are cosmic-ray hits and left out; none when missing. */
  thresholdAdu?: Float32Array;
  /** Track the largest corrected value of each pixel. */
  trackMax: boolean;
  /** Accumulate the raw values (with the same exclusions). */
  rawStatistics: boolean;
  /** Group medians kept from the previous pass / for the next one (a single row-segment pass only). */
  medianCache?: MedianCacheUse;
  /** With medianCache, on a context that accumulates its own corrected values: the groups whose statistics the previous pass has (left out or accumulated in part). */
  skipPlan?: CommonModeSkipPlan;
  /** false: a worker's one-sweep pass keeps the JS kernel even where WebAssembly SIMD runs (tests, comparisons). */
  useSimd?: boolean;
}

/** Settings of {@link createCommonModeNoiseInit}. */
export interface CommonModeNoiseInitOptions {
  /** Offset per pixel, ADU. */
  offsetAdu: Float32Array;
  /** 1 = pixel left out of the medians. */
  medianMask: Uint8Array;
  /** 1 = pixel never corrected (constant value); also left out of the medians. */
  frozen: Uint8Array;
  /** Bank shape. */
  bank: BankShape;
  /** Passes in order. */
  passes: readonly CommonModePass[];
  /** Minimum good pixels of a group (default 10). */
  minPixels?: number;
  /** Cosmic exclusion: sigma x noiseAdu per pixel. */
  cosmic?: { sigma: number; noiseAdu: Float32Array };
  /** Track the largest corrected value. */
  trackMax?: boolean;
  /** Accumulate the raw values. */
  rawStatistics?: boolean;
  /** Group medians to take and keep (from prepareMedianCache). */
  medianCache?: MedianCacheUse;
}

/**
 * Checks the per-pixel inputs and derives the masks, the group indices of the masked but responding
 * pixels and the cosmic thresholds.
 * @param rows - rows of a frame
 * @param cols - columns of a frame
 * @param opts - offset, masks, readout groups, exclusions
 * @returns the init data of a context
 */
export function createCommonModeNoiseInit(rows: number, cols: number, opts: CommonModeNoiseInitOptions): CommonModeNoiseInit {
  const nPixels = rows * cols;
  const { offsetAdu, medianMask, frozen, cosmic } = opts;
  for (const [name, a] of [['offsetAdu', offsetAdu], ['medianMask', medianMask], ['frozen', frozen], ['cosmic.noiseAdu', cosmic?.noiseAdu]] as const) {
    if (a && a.length !== nPixels) throw new DetcalError('SHAPE_MISMATCH', `commonModeNoisePass: ${name} has ${a.length} values, the frames ${rows} x ${cols}`);
  }
  const mask = new Uint8Array(nPixels);
  const fix: number[] = [];
  for (let p = 0; p < nPixels; p++) {
    mask[p] = medianMask[p] !== 0 || frozen[p] !== 0 ? 1 : 0;
    if (medianMask[p] !== 0 && frozen[p] === 0) fix.push(p);
  }
  const passes = [...opts.passes];
  const fixGroups = passes.map((pass) => {
    const group = groupOf(pass, rows, cols, opts.bank);
    return Int32Array.from(fix, (p) => group(Math.floor(p / cols), p % cols));
  });
  return {
    rows,
    cols,
    offsetAdu,
    mask,
    fixIdx: Int32Array.from(fix),
    fixGroups,
    bank: { bankRows: opts.bank.bankRows, bankCols: opts.bank.bankCols },
    passes,
    minPixels: opts.minPixels ?? 10,
    thresholdAdu: cosmic ? scaled(cosmic.noiseAdu, cosmic.sigma) : undefined,
    trackMax: opts.trackMax === true,
    rawStatistics: opts.rawStatistics === true,
    medianCache: opts.medianCache,
  };
}

/** sigma * noise per pixel, as float32 (a loop: Float32Array.from with a map function boxes every value, ~70 ms and a GC on 1 M pixels). */
function scaled(noiseAdu: ArrayLike<number>, sigma: number): Float32Array {
  const out = new Float32Array(noiseAdu.length);
  for (let i = 0; i < out.length; i++) out[i] = sigma * noiseAdu[i];
  return out;
}

/** What one context accumulated (plain data: posted back from a worker). */
export interface CommonModeNoisePartial {
  /** Corrected values, when the context accumulated them itself (workers). */
  corrected?: DarkAccumulator;
  /** Raw values with the same exclusions, with rawStatistics. */
  raw?: DarkAccumulator;
  /** Largest corrected value per pixel (-Infinity before any frame), with trackMax. */
  maxAdu?: Float32Array;
  /** 1 where a value was left out as a cosmic-ray hit, with a threshold. */
  hitPixel?: Uint8Array;
  /** Frames processed. */
  frames: number;
  /** Values left out as cosmic-ray hits. */
  excludedValues: number;
  /** Frames with at least one value left out. */
  framesWithExclusions: number;
  /** Group corrections applied. */
  groupsCorrected: number;
  /** Groups seen (corrected or skipped). */
  groupsTotal: number;
}

/**
 * Adds `from` into `into`: accumulators merged (re-based sums), max elementwise, hit pixels OR-ed,
 * counters summed. Both must have the same parts.
 * @param into - receives the merge (modified)
 * @param from - partial of other frames (unchanged)
 */
export function mergeCommonModeNoisePartial(into: CommonModeNoisePartial, from: CommonModeNoisePartial): void {
  if (into.corrected && from.corrected) mergeDarkAccumulator(into.corrected, from.corrected);
  if (into.raw && from.raw) mergeDarkAccumulator(into.raw, from.raw);
  if (into.maxAdu && from.maxAdu) {
    const a = into.maxAdu, b = from.maxAdu;
    for (let p = 0; p < a.length; p++) if (b[p] > a[p]) a[p] = b[p];
  }
  if (into.hitPixel && from.hitPixel) {
    const a = into.hitPixel, b = from.hitPixel;
    for (let p = 0; p < a.length; p++) a[p] |= b[p];
  }
  into.frames += from.frames;
  into.excludedValues += from.excludedValues;
  into.framesWithExclusions += from.framesWithExclusions;
  into.groupsCorrected += from.groupsCorrected;
  into.groupsTotal += from.groupsTotal;
}

/** Frames per chunk when a context accumulates a block itself: bounds its value buffer (8 frames of float32). */
const CHUNK_FRAMES = 8;

/** The per-frame work of a common-mode noise pass and its accumulators. */
export class CommonModeNoiseContext {
  /** Accumulators, max, hit pixels and counters so far. */
  readonly partial: CommonModeNoisePartial;
  private readonly nPixels: number;
  private readonly layouts: { rowLength?: number; pass: CommonModePass; out: Float32Array }[];
  private readonly scratch: Float64Array;
  private values = new Float32Array(0);
  private exclude = new Uint8Array(0);
  /** The one-sweep kernel's state, for a single row-segment pass that accumulates its own values (workers). */
  private readonly fused?: FusedRowSegmentState;

  /**
   * @param init - masks, groups, thresholds and options
   * @param accumulate - the accumulation kernel (backend.accumulateDark in-process, the CPU kernel on workers)
   * @param ownCorrected - also accumulate the corrected values in this context ({@link addBlock}); in-process darkPass does it
   */
  constructor(private readonly init: CommonModeNoiseInit, private readonly accumulate: AccumulateDark = accumulateDarkCpu, ownCorrected = false) {
    const { rows, cols, bank } = init;
    this.nPixels = rows * cols;
    this.layouts = init.passes.map((pass) => {
      if (pass === 'bank') return { pass, out: new Float32Array((rows / bank.bankRows) * (cols / bank.bankCols)) };
      const g = explicitGroups(pass, bank);
      return { pass, rowLength: g.axis === 'row' ? (g.length ?? cols) : undefined, out: new Float32Array(commonModeGroupCount(rows, cols, g)) };
    });
    // commonModeBanked wants a bank, a row and a column; column passes gather up to 64 columns at once.
    this.scratch = new Float64Array(Math.max(bank.bankRows * bank.bankCols, rows, cols, 64 * bank.bankRows));
    const rowLength = this.layouts.length === 1 ? this.layouts[0].rowLength : undefined;
    // a worker's one-sweep pass: its arrays in WebAssembly memory for the SIMD kernels where they run
    const simd = ownCorrected && rowLength !== undefined && init.useSimd !== false
      ? allocateCommonModeSimd(
        this.nPixels, cols, { raw: init.rawStatistics, max: init.trackMax, threshold: init.thresholdAdu !== undefined },
        init.skipPlan ? { pixels: init.skipPlan.pixels, rowLength } : undefined,
      )
      : undefined;
    this.partial = {
      corrected: simd?.corrected ?? (ownCorrected ? createDarkAccumulator(1, this.nPixels) : undefined),
      raw: simd?.raw ?? (init.rawStatistics ? createDarkAccumulator(1, this.nPixels) : undefined),
      maxAdu: simd?.maxAdu?.fill(-Infinity) ?? (init.trackMax ? new Float32Array(this.nPixels).fill(-Infinity) : undefined),
      hitPixel: simd?.hitPixel ?? (init.thresholdAdu ? new Uint8Array(this.nPixels) : undefined),
      frames: 0,
      excludedValues: 0,
      framesWithExclusions: 0,
      groupsCorrected: 0,
      groupsTotal: 0,
    };
    if (this.partial.corrected && rowLength !== undefined) {
      const role = simd?.role ?? new Uint8Array(this.nPixels);
      for (let p = 0; p < role.length; p++) role[p] = init.mask[p] !== 0 ? ROLE_FROZEN : 0;
      for (const p of init.fixIdx) role[p] = ROLE_MASKED;
      const offsetAdu = simd ? simd.offsetAdu : init.offsetAdu;
      if (simd) simd.offsetAdu.set(init.offsetAdu);
      const thresholdAdu = simd?.thresholdAdu ?? init.thresholdAdu;
      if (simd?.thresholdAdu && init.thresholdAdu) simd.thresholdAdu.set(init.thresholdAdu);
      this.fused = {
        rows, cols, length: rowLength, offsetAdu, role, minPixels: init.minPixels, scratch: this.scratch,
        corrected: this.partial.corrected, raw: this.partial.raw, maxAdu: this.partial.maxAdu,
        thresholdAdu, hitPixel: this.partial.hitPixel, cache: init.medianCache, plan: init.skipPlan, simd: simd?.simd,
      };
    }
  }

  /** True when the pass leaves single values out (cosmic thresholds or raw statistics): the corrected accumulation takes a per-value mask. */
  get excludeValues(): boolean {
    return this.init.thresholdAdu !== undefined || this.init.rawStatistics;
  }

  /**
   * darkPass transform: corrects the block's frames into `values`, marks hits in `exclude`, and
   * accumulates the raw values of the block (the corrected ones are accumulated by the caller).
   * @param data - raw values of the block, frame-major
   * @param cellIds - cell id per frame
   * @param nFrames - frames in the block
   * @param values - nFrames * nPixels output values, ADU
   * @param exclude - nFrames * nPixels, zeroed; 1 = value left out (with excludeValues)
   * @returns values
   */
  transform(data: BlockData, cellIds: Uint16Array, nFrames: number, values: Float32Array, exclude?: Uint8Array): Float32Array {
    this.correctFrames(data, 0, nFrames, values, exclude, this.partial.frames);
    if (this.partial.raw) this.accumulate(this.partial.raw, data, cellIds, nFrames, this.nPixels, { mask: exclude });
    return values;
  }

  /**
   * Corrects frames [f0, f1) of a block and accumulates the corrected (and raw) values into this
   * context's own accumulators, a few frames at a time (needs ownCorrected).
   * @param data - raw values of the block, frame-major (non-empty frames only)
   * @param cellIds - cell id per frame
   * @param nFrames - frames in the block
   * @param f0 - first frame to take (default 0)
   * @param f1 - end of the frames to take (exclusive, default nFrames)
   * @param frameBase - index of the block's first frame among the run's non-empty frames (for the median cache)
   */
  addBlock(data: BlockData, cellIds: Uint16Array, nFrames: number, f0 = 0, f1 = nFrames, frameBase = 0): void {
    const corrected = this.partial.corrected;
    if (!corrected) throw new DetcalError('INTERNAL', 'CommonModeNoiseContext.addBlock: context built without its own corrected accumulator');
    const n = this.nPixels;
    if (data.length !== nFrames * n) {
      throw new DetcalError('SHAPE_MISMATCH', `commonModeNoisePass: a block has ${data.length} values, expected ${nFrames} frames of ${this.init.rows} x ${this.init.cols}`);
    }
    if (!(Number.isInteger(f0) && Number.isInteger(f1) && 0 <= f0 && f0 <= f1 && f1 <= nFrames)) {
      throw new DetcalError('INTERNAL', `CommonModeNoiseContext.addBlock: frames [${f0}, ${f1}) are not inside a block of ${nFrames}`);
    }
    if (this.fused) {
      if (this.fused.plan?.integerOnly && !(data instanceof Uint16Array)) {
        throw new DetcalError('BAD_INPUT', `commonModeNoisePass: a block of ${data.constructor.name} values in a run whose first block had u2 values; the files of a run must store the same element type`);
      }
      fusedRowSegmentFrames(this.fused, data, n, f0, f1, frameBase, this.partial);
      this.partial.frames += f1 - f0;
      return;
    }
    const chunk = Math.max(1, Math.min(CHUNK_FRAMES, f1 - f0));
    if (this.values.length < chunk * n) this.values = new Float32Array(chunk * n);
    const withExclude = this.excludeValues;
    if (withExclude && this.exclude.length < chunk * n) this.exclude = new Uint8Array(chunk * n);
    for (let s = f0; s < f1; s += chunk) {
      const m = Math.min(chunk, f1 - s);
      const values = this.values.subarray(0, m * n);
      const exclude = withExclude ? this.exclude.subarray(0, m * n).fill(0) : undefined;
      this.correctFrames(data, s, m, values, exclude, frameBase + s);
      const ids = cellIds.subarray(s, s + m);
      this.accumulate(corrected, values, ids, m, n, { mask: exclude });
      if (this.partial.raw) this.accumulate(this.partial.raw, data.subarray(s * n, (s + m) * n), ids, m, n, { mask: exclude });
    }
  }

  /** Frames f0 .. f0 + nFrames - 1 of `data` into values (frame 0 = f0), hits into exclude; frameIndex = run index of frame f0 among the non-empty frames. */
  private correctFrames(data: BlockData, f0: number, nFrames: number, values: Float32Array, exclude: Uint8Array | undefined, frameIndex: number): void {
    const { rows, cols, bank, mask, minPixels, fixIdx, fixGroups, thresholdAdu } = this.init;
    const kept = this.init.medianCache !== undefined && this.layouts.length === 1 && this.layouts[0].rowLength !== undefined ? this.init.medianCache : undefined;
    const n = this.nPixels;
    const st = this.partial;
    const { layouts, scratch } = this;
    for (let f = 0; f < nFrames; f++) {
      const o = f * n;
      const frame = values.subarray(o, o + n);
      subtractOffset(data, (f0 + f) * n, this.init.offsetAdu, frame);
      for (const l of layouts) {
        const corrected = kept && l.rowLength !== undefined
          ? rowSegmentCommonModeKept(frame, rows, cols, l.rowLength, mask, minPixels, scratch, l.out, kept, frameIndex + f)
          : l.rowLength !== undefined
          ? rowSegmentCommonMode(frame, rows, cols, l.rowLength, mask, minPixels, scratch, l.out)
          : commonModeBanked(frame, rows, cols, bank, [l.pass], mask, { minPixels, scratch }, [l.out])[0].corrected;
        st.groupsCorrected += corrected;
        st.groupsTotal += l.out.length;
      }
      for (let k = 0; k < layouts.length; k++) subtractGroups(frame, fixIdx, fixGroups[k], layouts[k].out);
      if (st.maxAdu) trackMax(frame, st.maxAdu);
      if (thresholdAdu && exclude && st.hitPixel) {
        const hits = markAbove(frame, thresholdAdu, exclude, o, st.hitPixel);
        st.excludedValues += hits;
        if (hits > 0) st.framesWithExclusions++;
      }
    }
    st.frames += nFrames;
  }
}

/** The groups of a row / column pass ('row' = bank-wide row segments, 'col' = bank-high column segments). */
function explicitGroups(pass: Exclude<CommonModePass, 'bank'>, bank: BankShape): CommonModeGroups {
  return pass === 'row' ? { axis: 'row', length: bank.bankCols } : pass === 'col' ? { axis: 'col', length: bank.bankRows } : pass;
}

/** Group index of pixel (r, c) in a pass (the order commonModeBanked / rowSegmentCommonMode write their groups). */
function groupOf(pass: CommonModePass, rows: number, cols: number, bank: BankShape): (r: number, c: number) => number {
  if (pass === 'bank') {
    const nbc = cols / bank.bankCols;
    return (r, c) => Math.floor(r / bank.bankRows) * nbc + Math.floor(c / bank.bankCols);
  }
  const g = explicitGroups(pass, bank);
  if (g.axis === 'row') {
    const length = g.length ?? cols;
    const nSeg = Math.ceil(cols / length);
    return (r, c) => r * nSeg + Math.floor(c / length);
  }
  const length = g.length ?? rows;
  return (r, c) => Math.floor(r / length) * cols + c;
}

function subtractOffset(data: BlockData, o: number, offset: Float32Array, frame: Float32Array): void {
  if (data instanceof Uint16Array) subtractOffsetU16(data, o, offset, frame);
  else if (data instanceof Float32Array) subtractOffsetF32(data, o, offset, frame);
  else subtractOffsetU8(data, o, offset, frame);
}

// Separate loops per element type keep each one monomorphic (raw u2 is the hot path).
function subtractOffsetU16(data: Uint16Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let p = 0; p < frame.length; p++) frame[p] = data[o + p] - offset[p];
}

function subtractOffsetF32(data: Float32Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let p = 0; p < frame.length; p++) frame[p] = data[o + p] - offset[p];
}

function subtractOffsetU8(data: Uint8Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let p = 0; p < frame.length; p++) frame[p] = data[o + p] - offset[p];
}

function subtractGroups(frame: Float32Array, pixels: Int32Array, groups: Int32Array, cm: Float32Array): void {
  for (let i = 0; i < pixels.length; i++) frame[pixels[i]] -= cm[groups[i]];
}

function trackMax(frame: Float32Array, max: Float32Array): void {
  for (let p = 0; p < frame.length; p++) if (frame[p] > max[p]) max[p] = frame[p];
}

function markAbove(frame: Float32Array, threshold: Float32Array, exclude: Uint8Array, o: number, hit: Uint8Array): number {
  let n = 0;
  for (let p = 0; p < frame.length; p++) {
    if (frame[p] > threshold[p]) {
      exclude[o + p] = 1;
      hit[p] = 1;
      n++;
    }
  }
  return n;
}
