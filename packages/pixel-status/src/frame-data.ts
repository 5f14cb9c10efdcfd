/**
 * One frame as det_pixel_status sees it: the (sliced) raw values AND-ed with --databits, as
 * integers; and the exact median of such a frame from a histogram (feature 1).
 */
import { medianInPlace } from '@detcal/kernels';
import type { ResolvedSlice } from './frame-slice.js';

/** Integer frame buffer: Uint16Array when databits fits 16 bits, else Uint32Array. */
export type MaskedFrame = Uint16Array | Uint32Array;

/** Allocates a buffer for `length` masked values of `databits`. */
export function allocateMasked(databits: number, length: number, shared = false): MaskedFrame {
  const wide = databits > 0xffff;
  const bytes = length * (wide ? 4 : 2);
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return wide ? new Uint32Array(buffer) : new Uint16Array(buffer);
}

/**
 * Copies frame `f` of a block, sliced, AND-ed with databits, into `out` at `outOffset`. Float data
 * (datasets of f4 / f8 / i4 / u4) are truncated to integers first, as det_pixel_status reads integer raw values.
 * @param data - block values, frame-major (nFrames * srcRows * srcCols)
 * @param f - frame index within the block
 * @param srcCols - columns of the block's frames
 * @param srcPixels - pixels of the block's frames
 * @param s - the slice kept
 * @param whole - the slice is the whole frame (fast path)
 * @param databits - mask of the intensity bits
 * @param out - destination
 * @param outOffset - index in out of the first value
 */
export function maskFrame(
  data: ArrayLike<number>,
  f: number,
  srcCols: number,
  srcPixels: number,
  s: ResolvedSlice,
  whole: boolean,
  databits: number,
  out: MaskedFrame,
  outOffset = 0,
): void {
  const base = f * srcPixels;
  if (whole) {
    const n = s.rows * s.cols;
    if (data instanceof Uint16Array && out instanceof Uint16Array) maskU16(data, base, out, outOffset, n, databits);
    else for (let p = 0; p < n; p++) out[outOffset + p] = (data[base + p] | 0) & databits;
    return;
  }
  let o = outOffset;
  for (let r = 0; r < s.rows; r++) {
    const rowBase = base + (s.row0 + r * s.rowStep) * srcCols + s.col0;
    for (let c = 0, i = rowBase; c < s.cols; c++, i += s.colStep) out[o++] = (data[i] | 0) & databits;
  }
}

/** The common case, kept monomorphic for the JIT: u2 raw values into a u2 buffer. */
function maskU16(src: Uint16Array, from: number, dst: Uint16Array, to: number, n: number, databits: number): void {
  for (let p = 0; p < n; p++) dst[to + p] = src[from + p] & databits;
}

/** Largest databits for which frame medians use a histogram (beyond it: selection on a copy). */
const MAX_HISTOGRAM_BINS = 1 << 20;

/** Computes np.median of masked integer frames; reuses its work buffers from frame to frame. */
export class FrameMedian {
  private readonly hist: Uint32Array | null;
  private scratch: Float64Array | null = null;

  /** @param databits - mask of the values: they lie in 0 .. databits */
  constructor(databits: number) {
    this.hist = databits < MAX_HISTOGRAM_BINS ? new Uint32Array(databits + 1) : null;
  }

  /**
   * np.median of frame[offset, offset + n): the middle value, or the mean of the two middle values for even n.
   * @param frame - masked integer values
   * @param offset - first value
   * @param n - number of values, at least 1
   */
  median(frame: MaskedFrame, offset: number, n: number): number {
    const hist = this.hist;
    if (!hist) {
      if (!this.scratch || this.scratch.length < n) this.scratch = new Float64Array(n);
      for (let i = 0; i < n; i++) this.scratch[i] = frame[offset + i];
      return medianInPlace(this.scratch, 0, n);
    }
    hist.fill(0);
    for (let i = offset, end = offset + n; i < end; i++) hist[frame[i]]++;
    // order statistics k1 = (n - 1) >> 1 and k2 = n >> 1 (equal for odd n)
    const k1 = (n - 1) >>> 1;
    const k2 = n >>> 1;
    let seen = 0;
    let v1 = -1;
    for (let v = 0; v < hist.length; v++) {
      const c = hist[v];
      if (c === 0) continue;
      seen += c;
      if (v1 < 0 && seen > k1) v1 = v;
      if (seen > k2) return (v1 + v) / 2;
    }
    return NaN;
  }
}
