/** Robust colour / histogram range of a constant: percentiles of the finite values of the good pixels. */

/** A closed value range [min, max]. */
export interface ValueRange {
  /** Lower end. */
  min: number;
  /** Upper end. */
  max: number;
}

/** Options of robustRange. */
export interface RobustRangeOptions {
  /** Non-zero entries mark pixels to ignore (bad pixels); same length as the values. */
  mask?: ArrayLike<number>;
  /** Lower percentile, 0-100 (default 0.5). */
  lowPercent?: number;
  /** Upper percentile, 0-100 (default 99.5). */
  highPercent?: number;
}

/** Default percentiles of the robust range. */
export const DEFAULT_PERCENTILES = { low: 0.5, high: 99.5 } as const;

/**
 * The [lowPercent, highPercent] percentiles (linear interpolation, numpy's default) of the finite
 * values whose mask entry is 0; where none are good, of all finite values; where none are finite,
 * [0, 1]. A range of zero width is widened to +-0.5 (or +-0.5% of the value) so that it can be drawn.
 */
export function robustRange(values: ArrayLike<number>, opts: RobustRangeOptions = {}): ValueRange {
  const low = opts.lowPercent ?? DEFAULT_PERCENTILES.low;
  const high = opts.highPercent ?? DEFAULT_PERCENTILES.high;
  let finite = collectFinite(values, opts.mask);
  if (finite.length === 0 && opts.mask) finite = collectFinite(values, undefined);
  if (finite.length === 0) return { min: 0, max: 1 };
  finite.sort();
  return widen({ min: percentileOfSorted(finite, low), max: percentileOfSorted(finite, high) });
}

/** Widens a zero-width (or reversed) range so that it has a positive width. */
export function widen(r: ValueRange): ValueRange {
  if (r.max > r.min) return r;
  const half = r.min === 0 ? 0.5 : Math.max(0.5, Math.abs(r.min) * 0.005);
  return { min: r.min - half, max: r.min + half };
}

/** Percentile p (0-100) of ascending sorted values, interpolating linearly between ranks. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0];
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
}

function collectFinite(values: ArrayLike<number>, mask: ArrayLike<number> | undefined): Float64Array {
  const out = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && (!mask || mask[i] === 0)) out[k++] = v;
  }
  return out.subarray(0, k);
}
