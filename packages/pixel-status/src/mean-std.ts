/**
 * Features 2 and 3: per-pixel mean and std (ddof 0, np.mean / np.std) of masked integer frames,
 * accumulated frame by frame around the first frame. The sums of the integer differences are exact
 * in float64 (below 2^53 for up to ~30 million frames of 14-bit data), so frames can be removed
 * again exactly (the frames feature 1 rejects) and the mean is the correctly rounded sum / n, as numpy's.
 */
import type { MaskedFrame } from './frame-data.js';

/** Per-pixel mean and standard deviation over the accumulated frames. */
export interface MeanStd {
  /** Mean per pixel (ADU). */
  mean: Float64Array;
  /** Standard deviation per pixel, ddof 0 (ADU). */
  std: Float64Array;
  /** Frames accumulated. */
  frames: number;
}

/** Pixels per tile of addFrames: the tile's sums (24 bytes per pixel) stay in the L2 cache. */
const TILE_PIXELS = 4096;

/** Exact running sums of masked integer frames: 3 float64 arrays (24 bytes per pixel). */
export class MeanStdAccumulator {
  private readonly ref: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private n = 0;

  /** @param pixels - values per frame */
  constructor(readonly pixels: number) {
    this.ref = new Float64Array(pixels);
    this.s1 = new Float64Array(pixels);
    this.s2 = new Float64Array(pixels);
  }

  /** Frames accumulated so far. */
  get frames(): number {
    return this.n;
  }

  /**
   * Adds one frame.
   * @param frame - masked values
   * @param offset - index of the frame's first value in `frame`
   */
  add(frame: MaskedFrame, offset = 0): void {
    const { ref, s1, s2 } = this;
    const n = this.pixels;
    if (this.n === 0) for (let p = 0; p < n; p++) ref[p] = frame[offset + p];
    for (let p = 0; p < n; p++) {
      const d = frame[offset + p] - ref[p];
      s1[p] += d;
      s2[p] += d * d;
    }
    this.n++;
  }

  /**
   * Adds `count` consecutive frames, pixel tile by pixel tile so that the sums stay in cache while
   * the frames stream past (the same result as `count` calls of add).
   * @param frames - masked values, frame after frame
   * @param offset - index of the first frame's first value
   * @param count - frames to add
   */
  addFrames(frames: MaskedFrame, offset: number, count: number): void {
    if (count <= 0) return;
    const { ref, s1, s2 } = this;
    const n = this.pixels;
    if (this.n === 0) for (let p = 0; p < n; p++) ref[p] = frames[offset + p];
    for (let p0 = 0; p0 < n; p0 += TILE_PIXELS) {
      const p1 = Math.min(n, p0 + TILE_PIXELS);
      for (let f = 0; f < count; f++) {
        const base = offset + f * n;
        for (let p = p0; p < p1; p++) {
          const d = frames[base + p] - ref[p];
          s1[p] += d;
          s2[p] += d * d;
        }
      }
    }
    this.n += count;
  }

  /**
   * Removes a frame added before (exactly: integer sums).
   * @param frame - the same masked values that were added
   * @param offset - index of the frame's first value
   */
  remove(frame: MaskedFrame, offset = 0): void {
    const { ref, s1, s2 } = this;
    const n = this.pixels;
    for (let p = 0; p < n; p++) {
      const d = frame[offset + p] - ref[p];
      s1[p] -= d;
      s2[p] -= d * d;
    }
    this.n--;
  }

  /** Mean and std of the frames now accumulated (NaN when none). */
  finish(): MeanStd {
    const { ref, s1, s2, n } = this;
    const mean = new Float64Array(this.pixels);
    const std = new Float64Array(this.pixels);
    for (let p = 0; p < this.pixels; p++) {
      // n * ref + s1 is the exact integer sum, so the mean is fl(sum / n) like np.mean
      mean[p] = (n * ref[p] + s1[p]) / n;
      const q = n * s2[p] - s1[p] * s1[p];
      std[p] = q > 0 ? Math.sqrt(q) / n : n > 0 ? 0 : NaN;
    }
    return { mean, std, frames: n };
  }
}
