/**
 * Streaming per-pixel histograms of a time series minus its slow drift (the X-ray tube step): each
 * pixel's values are histogrammed relative to a running order statistic (low-pass) of the same pixel.
 *
 * The low-pass is the q-quantile of a window of `window` frames centred on every `step`-th frame
 * (knots), linear in between (step 1 = the exact running order statistic, runningQuantile). q is the
 * rank of the densest part of the first window (modeQuantile, as the seed's order filter) or 0.5.
 * Frames are kept in a ring of window + step + 1 frames (frame-major), so memory does not grow with
 * the run: ring + histograms = nPixels * ((window + step + 1) * 2 + nBins * countBytes) bytes.
 * Integer input keeps integer residuals (the low-pass is rounded), so 1-ADU bins do not alias.
 */
import { DetcalError } from '@detcal/core';
import { selectBranchFree } from './fast-median.js';
import { modeQuantile, quantileRank } from './running-quantile.js';

/** How the low-pass is taken and the residuals binned. */
export interface DetrendedHistogramOptions {
  /** Window of the running order statistic, frames (odd, >= 1). */
  window: number;
  /** Frames between knots of the low-pass (1 = every frame), >= 1. */
  step: number;
  /** Order statistic: 'mode' (rank of the densest part of the first window) or 'median'. */
  order: 'mode' | 'median';
  /** Subtract the running low-pass (true) or one constant per pixel taken from the first window (false). */
  driftCorrection: boolean;
  /** Lower edge of bin 0 relative to the low-pass, in the unit of the values (ADU). */
  lo: number;
  /** Bin width, same unit (> 0). */
  binWidth: number;
  /** Number of bins. */
  nBins: number;
  /** Element type of the values: integer input ('u2') rounds the low-pass, 'f4' does not. */
  valueType: 'u2' | 'f4';
  /** Counts type: 'u2' when no run has more than 65535 frames, else 'u4'. */
  countType: 'u2' | 'u4';
}

/** Pixels per chunk in the gather and histogram loops (keeps the ring rows and histograms of a chunk in cache). */
const CHUNK = 128;

/** Per-pixel detrended histograms of one pixel range, fed frame by frame. */
export class DetrendedHistograms {
  /** Counts per pixel and bin, pixel-major (nPixels * nBins). */
  readonly counts: Uint16Array | Uint32Array;
  /** Values below bin 0, per pixel. */
  readonly underflow: Uint32Array;
  /** Values above the last bin, per pixel. */
  readonly overflow: Uint32Array;
  /** Order-statistic quantile used per pixel (NaN until the first window is complete). */
  readonly quantile: Float64Array;
  /** Mean of the low-pass over the knots, per pixel (the baseline level the residuals are relative to). */
  readonly baselineMean: Float64Array;
  private readonly ring: Uint16Array | Float32Array;
  private readonly ringFrames: number;
  private readonly h: number;
  private readonly scratch: Float64Array;
  private prev: Float64Array;
  private next: Float64Array;
  private knots = 0;
  private frames = 0;
  private ready = false;
  private prevKnot = -1;
  private nextKnot = 0;
  private finished = false;

  /**
   * @param nPixels - pixels of the range
   * @param opts - low-pass and bins
   */
  constructor(readonly nPixels: number, readonly opts: DetrendedHistogramOptions) {
    if (!(opts.window >= 1 && opts.window % 2 === 1)) throw new DetcalError('BAD_INPUT', `lowpass_window must be an odd number of frames >= 1, got ${opts.window}`);
    if (!(Number.isInteger(opts.step) && opts.step >= 1)) throw new DetcalError('BAD_INPUT', `lowpass_step must be a positive integer, got ${opts.step}`);
    if (!(opts.binWidth > 0) || !(opts.nBins >= 3)) throw new DetcalError('BAD_INPUT', `histogram: need a bin width > 0 and at least 3 bins, got ${opts.binWidth} x ${opts.nBins}`);
    this.h = (opts.window - 1) >>> 1;
    this.ringFrames = opts.window + opts.step + 1;
    this.ring = opts.valueType === 'u2' ? new Uint16Array(this.ringFrames * nPixels) : new Float32Array(this.ringFrames * nPixels);
    this.counts = opts.countType === 'u2' ? new Uint16Array(nPixels * opts.nBins) : new Uint32Array(nPixels * opts.nBins);
    this.underflow = new Uint32Array(nPixels);
    this.overflow = new Uint32Array(nPixels);
    this.quantile = new Float64Array(nPixels).fill(NaN);
    this.baselineMean = new Float64Array(nPixels);
    this.scratch = new Float64Array(CHUNK * opts.window);
    this.prev = new Float64Array(nPixels);
    this.next = new Float64Array(nPixels);
  }

  /** Frames pushed so far. */
  get framesSeen(): number {
    return this.frames;
  }

  /**
   * Adds one frame: values[offset, offset + nPixels) are this range's pixels.
   * @param values - a block of frames (or one frame)
   * @param offset - index of this range's first pixel of the frame in values
   */
  push(values: Uint16Array | Float32Array | Uint8Array, offset: number): void {
    if (this.finished) throw new DetcalError('INTERNAL', 'DetrendedHistograms.push after finish');
    const t = this.frames++;
    const base = (t % this.ringFrames) * this.nPixels;
    const ring = this.ring, n = this.nPixels;
    for (let p = 0; p < n; p++) ring[base + p] = values[offset + p];
    if (!this.ready) {
      if (this.frames < this.opts.window) return;
      this.start(this.opts.window);
      return;
    }
    this.advance(t, false);
  }

  /** Histograms the frames still held (the last knots use windows clipped at the last frame). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.frames === 0) return;
    if (!this.ready) this.start(this.frames);
    this.advance(this.frames - 1, true);
    if (this.knots > 0) for (let p = 0; p < this.nPixels; p++) this.baselineMean[p] /= this.knots;
  }

  /** First window complete (or end of data): quantiles, then every knot and frame that can be done. */
  private start(available: number): void {
    this.ready = true;
    const n = this.nPixels, s = this.scratch, w = this.opts.window;
    for (let c0 = 0; c0 < n; c0 += CHUNK) {
      const c1 = Math.min(n, c0 + CHUNK);
      this.gather(0, available - 1, c0, c1);
      for (let p = c0; p < c1; p++) {
        const off = (p - c0) * w;
        this.quantile[p] = this.opts.order === 'median' ? 0.5 : modeQuantile(s.subarray(off, off + available), available);
      }
    }
    if (!this.opts.driftCorrection) {
      // One constant per pixel: the order statistic of the first window; frames are then binned as they come.
      this.knotValues(0, available - 1, this.prev);
      this.next.set(this.prev);
      this.knots = 1;
      for (let p = 0; p < n; p++) this.baselineMean[p] = this.prev[p];
      this.binFrames(0, available - 1, 0, 1);
      return;
    }
    this.advance(available - 1, false);
  }

  /** Computes the knots whose windows end at or before frame `last` and bins the frames between them. */
  private advance(last: number, atEnd: boolean): void {
    if (!this.opts.driftCorrection) {
      if (!atEnd && last >= this.opts.window) this.binFrames(last, last, 0, 1);
      return;
    }
    const h = this.h, S = this.opts.step;
    while (this.nextKnot + h <= last || (atEnd && this.nextKnot <= last)) {
      const k = this.nextKnot;
      this.knotValues(Math.max(0, k - h), Math.min(last, k + h), this.next);
      this.addKnot(k);
      this.nextKnot = k + S;
    }
    if (atEnd && this.prevKnot < last) {
      // A last knot on the last frame, so the final frames have a low-pass on both sides.
      this.knotValues(Math.max(0, last - h), last, this.next);
      this.addKnot(last);
    }
    if (atEnd) this.binFrames(this.prevKnot, this.prevKnot, this.prevKnot, this.prevKnot + 1);
  }

  /** Bins the frames [prevKnot, k) with the low-pass between the two knots, then makes k the previous knot. */
  private addKnot(k: number): void {
    const n = this.nPixels;
    for (let p = 0; p < n; p++) this.baselineMean[p] += this.next[p];
    this.knots++;
    if (this.prevKnot >= 0) this.binFrames(this.prevKnot, k - 1, this.prevKnot, k);
    const t = this.prev;
    this.prev = this.next;
    this.next = t;
    this.prevKnot = k;
  }

  /** Copies frames [t0, t1] of pixels [c0, c1) from the ring into scratch, pixel-major with stride `window`. */
  private gather(t0: number, t1: number, c0: number, c1: number): void {
    const ring = this.ring, s = this.scratch, w = this.opts.window, n = this.nPixels, R = this.ringFrames;
    for (let t = t0; t <= t1; t++) {
      const base = (t % R) * n, col = t - t0;
      for (let p = c0; p < c1; p++) s[(p - c0) * w + col] = ring[base + p];
    }
  }

  /** Order statistic of frames [t0, t1] per pixel into out (rounded for integer values). */
  private knotValues(t0: number, t1: number, out: Float64Array): void {
    const n = this.nPixels, s = this.scratch, w = this.opts.window, len = t1 - t0 + 1;
    const round = this.opts.valueType === 'u2';
    for (let c0 = 0; c0 < n; c0 += CHUNK) {
      const c1 = Math.min(n, c0 + CHUNK);
      this.gather(t0, t1, c0, c1);
      for (let p = c0; p < c1; p++) {
        const off = (p - c0) * w;
        const v = selectBranchFree(s, off + quantileRank(len, this.quantile[p]), off, off + len);
        out[p] = round ? Math.round(v) : v;
      }
    }
  }

  /**
   * Bins frames [t0, t1] with the low-pass prev + (next - prev) * (t - k0) / (k1 - k0).
   * @param t0 - first frame
   * @param t1 - last frame (inclusive)
   * @param k0 - frame of the previous knot
   * @param k1 - frame of the next knot (k1 > k0)
   */
  private binFrames(t0: number, t1: number, k0: number, k1: number): void {
    const n = this.nPixels, ring = this.ring, R = this.ringFrames, counts = this.counts;
    const prev = this.prev, next = this.next, under = this.underflow, over = this.overflow;
    const { lo, binWidth, nBins } = this.opts;
    const round = this.opts.valueType === 'u2';
    const unitBins = binWidth === 1 && round && Number.isInteger(lo);
    for (let c0 = 0; c0 < n; c0 += CHUNK) {
      const c1 = Math.min(n, c0 + CHUNK);
      for (let t = t0; t <= t1; t++) {
        const base = (t % R) * n;
        const f = (t - k0) / (k1 - k0);
        for (let p = c0; p < c1; p++) {
          let b = prev[p] + (next[p] - prev[p]) * f;
          if (round) b = Math.round(b);
          const x = ring[base + p] - b - lo;
          const bin = unitBins ? x : Math.floor(x / binWidth);
          if (bin < 0) under[p]++;
          else if (bin >= nBins) over[p]++;
          else counts[p * nBins + bin]++;
        }
      }
    }
  }
}
