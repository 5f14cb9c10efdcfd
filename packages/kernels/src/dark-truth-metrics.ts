/**
 * Accuracy of dark constants against a simulation's truth, with the statistics behind each
 * tolerance (for tests and truth checks of the dark steps):
 * - offset: the error of a mean over n frames is (common mode averaged over the frames, shared by
 *   a readout group) + (pixel noise averaged over the frames, independent). The shared part is
 *   taken out as the median error of each group's good pixels; the rest is compared with
 *   k x NoiseCM / sqrt(n) (k = 3: 99.73 % of independent normal errors are inside).
 * - noise: the relative error of a std over n normal values is 1 / sqrt(2n); z = (found / truth - 1) sqrt(2n).
 * - bad pixels: recall per injected kind and the fraction of good pixels flagged.
 */

/** Offset errors of the good pixels, split into the group-shared and the independent part. */
export interface OffsetAccuracy {
  /** Good pixels compared. */
  pixels: number;
  /** Fraction of good pixels whose independent error is within k x NoiseCM / sqrt(n). */
  withinFraction: number;
  /** Fraction whose whole error is within k x Noise / sqrt(n) (Noise including the common mode). */
  withinRawFraction: number;
  /** Rms over groups of the group-shared error (the common mode averaged over the frames), ADU. */
  groupRmsAdu: number;
  /** Largest |group-shared error|, ADU. */
  groupMaxAdu: number;
  /** Rms of the independent error in units of NoiseCM / sqrt(n) (1 when the offsets are as good as a mean can be). */
  zRms: number;
}

/**
 * Offset accuracy against the truth.
 * @param offsetAdu - found offset per pixel
 * @param truthOffsetAdu - true offset per pixel
 * @param truthNoiseAdu - true noise including the common mode (the sd of a raw value)
 * @param truthNoiseCMAdu - true noise without the common mode
 * @param good - 1 for pixels to compare
 * @param nFrames - frames the offset was averaged over
 * @param groupLength - pixels of a readout group (consecutive pixels of a row)
 * @param k - tolerance in standard errors (default 3)
 */
export function offsetAccuracy(
  offsetAdu: ArrayLike<number>, truthOffsetAdu: ArrayLike<number>, truthNoiseAdu: ArrayLike<number>, truthNoiseCMAdu: ArrayLike<number>,
  good: Uint8Array, nFrames: number, groupLength: number, k = 3,
): OffsetAccuracy {
  const sq = Math.sqrt(nFrames);
  let pixels = 0, within = 0, withinRaw = 0, z2 = 0, g2 = 0, groups = 0, gMax = 0;
  const e = new Float64Array(groupLength);
  for (let g0 = 0; g0 < offsetAdu.length; g0 += groupLength) {
    let m = 0;
    for (let p = g0; p < g0 + groupLength; p++) if (good[p]) e[m++] = offsetAdu[p] - truthOffsetAdu[p];
    if (m === 0) continue;
    const sorted = e.subarray(0, m).sort();
    const shared = m & 1 ? sorted[m >> 1] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
    g2 += shared * shared;
    gMax = Math.max(gMax, Math.abs(shared));
    groups++;
    for (let p = g0; p < g0 + groupLength; p++) {
      if (!good[p]) continue;
      pixels++;
      const err = offsetAdu[p] - truthOffsetAdu[p];
      const z = ((err - shared) * sq) / truthNoiseCMAdu[p];
      z2 += z * z;
      if (Math.abs(z) <= k) within++;
      if (Math.abs(err) <= (k * truthNoiseAdu[p]) / sq) withinRaw++;
    }
  }
  return { pixels, withinFraction: within / pixels, withinRawFraction: withinRaw / pixels, groupRmsAdu: Math.sqrt(g2 / groups), groupMaxAdu: gMax, zRms: Math.sqrt(z2 / pixels) };
}

/** Noise errors of the good pixels in units of the std's own error. */
export interface NoiseAccuracy {
  /** Good pixels compared. */
  pixels: number;
  /** Fraction with |z| <= k, z = (found / truth - 1) sqrt(2n). */
  withinFraction: number;
  /** Rms of z (1 when the noise is as good as a std over n frames can be). */
  zRms: number;
  /** Median of found / truth. */
  medianRatio: number;
}

/**
 * Noise accuracy against the truth.
 * @param noiseAdu - found noise per pixel
 * @param truthNoiseAdu - true noise per pixel
 * @param good - 1 for pixels to compare
 * @param nFrames - frames the std was taken over
 * @param k - tolerance in standard errors (default 4)
 */
export function noiseAccuracy(noiseAdu: ArrayLike<number>, truthNoiseAdu: ArrayLike<number>, good: Uint8Array, nFrames: number, k = 4): NoiseAccuracy {
  const s = Math.sqrt(2 * nFrames);
  let pixels = 0, within = 0, z2 = 0;
  const ratios: number[] = [];
  for (let p = 0; p < noiseAdu.length; p++) {
    if (!good[p]) continue;
    pixels++;
    const r = noiseAdu[p] / truthNoiseAdu[p];
    const z = (r - 1) * s;
    z2 += z * z;
    if (Math.abs(z) <= k) within++;
    if (p % 7 === 0) ratios.push(r);
  }
  ratios.sort((a, b) => a - b);
  return { pixels, withinFraction: within / pixels, zRms: Math.sqrt(z2 / pixels), medianRatio: ratios[ratios.length >> 1] };
}

/** How the flags of a step compare with the injected defects. */
export interface FlagRecall {
  /** Per truth flag value (an injected kind): pixels, flagged with any bit, flagged with a bit of `expect`. */
  kinds: Array<{ truth: number; pixels: number; flagged: number; expected: number }>;
  /** Good pixels (truth 0). */
  good: number;
  /** Good pixels flagged. */
  falsePositives: number;
}

/**
 * Recall of injected defects and false positives.
 * @param flags - flags found per pixel (BadPixels u4 or pixel_status u8)
 * @param truthFlags - BadPixelsTruth per pixel (0 = good)
 * @param expect - bits counted as the right finding for a truth value (default: the truth value's own bits)
 */
export function flagRecall(flags: ArrayLike<number> | BigUint64Array, truthFlags: ArrayLike<number>, expect: (truth: number) => number = (t) => t): FlagRecall {
  const kinds = new Map<number, { truth: number; pixels: number; flagged: number; expected: number }>();
  let good = 0, falsePositives = 0;
  const big = flags instanceof BigUint64Array;
  for (let p = 0; p < truthFlags.length; p++) {
    const f = big ? Number((flags as BigUint64Array)[p]) : (flags as ArrayLike<number>)[p];
    const t = truthFlags[p];
    if (t === 0) {
      good++;
      if (f !== 0) falsePositives++;
      continue;
    }
    let k = kinds.get(t);
    if (!k) kinds.set(t, (k = { truth: t, pixels: 0, flagged: 0, expected: 0 }));
    k.pixels++;
    if (f !== 0) k.flagged++;
    if ((f & expect(t)) !== 0) k.expected++;
  }
  return { kinds: [...kinds.values()].sort((a, b) => a.truth - b.truth), good, falsePositives };
}

/** 1 where a truth bad-pixel map is 0. */
export function goodPixels(truthFlags: ArrayLike<number>): Uint8Array {
  return Uint8Array.from({ length: truthFlags.length }, (_, p) => (truthFlags[p] === 0 ? 1 : 0));
}
