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
  return widen({ min: percentileInPlace(finite, low), max: percentileInPlace(finite, high) });
}

/**
 * Percentile p (0-100) of values, as percentileOfSorted of the sorted values, by selection in O(n)
 * (reorders `values`): a frame needs two percentiles, and sorting a million pixels is ~10x slower.
 */
export function percentileInPlace(values: Float64Array, p: number): number {
  const n = values.length;
  if (n === 1) return values[0];
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  const a = selectInPlace(values, i);
  if (f === 0 || i + 1 >= n) return a;
  let b = Infinity;
  for (let k = i + 1; k < n; k++) if (values[k] < b) b = values[k];
  return a + f * (b - a);
}

/** Reorders values so that values[k] is the k-th smallest, smaller ones before it and larger ones after it (Hoare selection, median-of-three pivots). */
function selectInPlace(v: Float64Array, k: number): number {
  let lo = 0, hi = v.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot.
    if (v[mid] < v[lo]) swap(v, mid, lo);
    if (v[hi] < v[lo]) swap(v, hi, lo);
    if (v[hi] < v[mid]) swap(v, hi, mid);
    const pivot = v[mid];
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) { swap(v, i, j); i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

function swap(v: Float64Array, a: number, b: number): void {
  const t = v[a];
  v[a] = v[b];
  v[b] = t;
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
