/** Counts of values in equal bins over a range, with under- and overflow, non-finite and masked counts kept apart. */

/** A histogram of one array. */
export interface Histogram {
  /** Lower edge of the first bin. */
  min: number;
  /** Upper edge of the last bin. */
  max: number;
  /** Counts per bin; bin i holds [min + i*w, min + (i+1)*w), the last bin includes max. */
  counts: Float64Array;
  /** Finite good values below min. */
  underflow: number;
  /** Finite good values above max. */
  overflow: number;
  /** NaN and infinite values (of good pixels). */
  nonFinite: number;
  /** Values skipped because their mask entry is non-zero. */
  masked: number;
}

/** Bins the values whose mask entry is 0 (all values without a mask) into `bins` equal bins over [min, max]. */
export function histogram(values: ArrayLike<number>, min: number, max: number, bins: number, mask?: ArrayLike<number>): Histogram {
  const counts = new Float64Array(bins);
  let underflow = 0, overflow = 0, nonFinite = 0, masked = 0;
  const scale = bins / (max - min);
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] !== 0) { masked++; continue; }
    const v = values[i];
    if (!Number.isFinite(v)) nonFinite++;
    else if (v < min) underflow++;
    else if (v > max) overflow++;
    else {
      const b = Math.floor((v - min) * scale);
      counts[b >= bins ? bins - 1 : b]++;
    }
  }
  return { min, max, counts, underflow, overflow, nonFinite, masked };
}
