/**
 * Feature 11: the running maximum over events of (raw & databits), minus pedestals. Its absolute
 * limits are asymmetric: with med = median(max - peds) and d = (max - peds) - med,
 * limLo = med + snr * median(d[d < 0]) and limHi = med + snr * median(d[d >= 0]); the good-range rule
 * then runs inside (limLo, limHi). An empty side (no d < 0) leaves that limit open.
 */
import { DetcalError } from '@detcal/core';
import { medianInPlace } from '@detcal/kernels';
import type { MaskedFrame } from './frame-data.js';

/** Running maximum of masked frames (the array det_pixel_status keeps for feature 11). */
export class RunningMax {
  /** Maximum per pixel so far. */
  readonly max: MaskedFrame;
  private n = 0;

  /**
   * @param pixels - values per frame
   * @param wide - values need 32 bits (databits above 16 bits)
   */
  constructor(readonly pixels: number, wide: boolean) {
    this.max = wide ? new Uint32Array(pixels) : new Uint16Array(pixels);
  }

  /** Events folded in. */
  get frames(): number {
    return this.n;
  }

  /** Folds `count` consecutive masked frames in. */
  addFrames(frames: MaskedFrame, offset: number, count: number): void {
    for (let f = 0; f < count; f++) this.add(frames, offset + f * this.pixels);
  }

  /** Folds one masked frame in. */
  add(frame: MaskedFrame, offset = 0): void {
    const m = this.max;
    for (let p = 0; p < this.pixels; p++) {
      const v = frame[offset + p];
      if (v > m[p]) m[p] = v;
    }
    this.n++;
  }
}

/** The absolute limits of feature 11. */
export interface MaxLimits {
  /** Median of max - pedestals (ADU). */
  median: number;
  /** Median of the negative deviations from it (ADU, <= 0; NaN when there are none). */
  diffNeg: number;
  /** Median of the non-negative deviations (ADU, >= 0). */
  diffPos: number;
  /** Lower absolute limit med + snr * diffNeg (-Infinity when there are no negative deviations). */
  limLo: number;
  /** Upper absolute limit med + snr * diffPos. */
  limHi: number;
}

/**
 * max - pedestals per pixel.
 * @param max - running maximum (masked ADU)
 * @param pedestals - pedestal per pixel (ADU), same length
 */
export function maxMinusPedestals(max: MaskedFrame, pedestals: ArrayLike<number>): Float64Array {
  if (pedestals.length !== max.length) {
    throw new DetcalError('SHAPE_MISMATCH', `feature 11: the pedestals hold ${pedestals.length} values but a frame has ${max.length}; pass the pedestals of this detector segment`);
  }
  const out = new Float64Array(max.length);
  for (let p = 0; p < max.length; p++) out[p] = max[p] - pedestals[p];
  return out;
}

/**
 * The asymmetric absolute limits of feature 11.
 * @param maxPeds - max - pedestals per pixel (ADU)
 * @param snr - snrmax
 */
export function maxLimits(maxPeds: Float64Array, snr: number): MaxLimits {
  const n = maxPeds.length;
  const buf = Float64Array.from(maxPeds);
  const med = medianInPlace(buf, 0, n);
  let nNeg = 0;
  let nPos = 0;
  const neg = new Float64Array(n);
  const pos = buf; // reused: fully rewritten below
  for (let i = 0; i < n; i++) {
    const d = maxPeds[i] - med;
    if (d < 0) neg[nNeg++] = d;
    else if (d >= 0) pos[nPos++] = d;
  }
  const diffNeg = nNeg > 0 ? medianInPlace(neg, 0, nNeg) : NaN;
  const diffPos = nPos > 0 ? medianInPlace(pos, 0, nPos) : NaN;
  return {
    median: med,
    diffNeg,
    diffPos,
    limLo: diffNeg === diffNeg ? med + snr * diffNeg : -Infinity,
    limHi: diffPos === diffPos ? med + snr * diffPos : Infinity,
  };
}
