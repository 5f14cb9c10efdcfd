/**
 * Per-pixel statistics over the frames of a run, by memory cell: count, mean and std of the pixel
 * (or gain) values of FrameBlocks. Used to check simulations against their truth.
 * Shared helper: identical in the four built-in detector plugins.
 */
import type { FrameBlock } from '@detcal/core';

/** Running sums per [cell][pixel] of one run's values. */
export class PixelStats {
  /** Frames seen per memory cell. */
  readonly counts: Float64Array;
  private readonly sum: Float64Array;
  private readonly sum2: Float64Array;

  /** Sums for `cells` memory cells of `pixels` pixels each. */
  constructor(readonly cells: number, readonly pixels: number) {
    this.counts = new Float64Array(cells);
    this.sum = new Float64Array(cells * pixels);
    this.sum2 = new Float64Array(cells * pixels);
  }

  /** Adds a block's analog values ('data') or gain values ('gain'). */
  add(block: FrameBlock, values: 'data' | 'gain' = 'data'): void {
    const v = values === 'data' ? block.data : block.gain;
    if (!v) return;
    const n = this.pixels;
    for (let f = 0; f < block.nFrames; f++) {
      const cell = block.cellIds[f];
      this.counts[cell]++;
      const base = cell * n, o = f * n;
      for (let p = 0; p < n; p++) {
        const x = v[o + p];
        this.sum[base + p] += x;
        this.sum2[base + p] += x * x;
      }
    }
  }

  /** Mean per [cell][pixel]. */
  mean(): Float64Array {
    const out = new Float64Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i] / this.counts[Math.floor(i / this.pixels)];
    return out;
  }

  /** Sample std (n - 1) per [cell][pixel]. */
  std(): Float64Array {
    const out = new Float64Array(this.sum.length);
    for (let i = 0; i < out.length; i++) {
      const n = this.counts[Math.floor(i / this.pixels)];
      const m = this.sum[i] / n;
      out[i] = Math.sqrt(Math.max(0, (this.sum2[i] - n * m * m) / (n - 1)));
    }
    return out;
  }
}
