/**
 * In-place selection on float typed arrays: quickselect (Hoare partition, median-of-three pivot,
 * insertion sort below 16 elements) and the median built on it, with numpy semantics:
 * `medianInPlace` is np.median (NaN if any value is NaN; even length -> mean of the two middle
 * values), `nanMedianInPlace` is np.nanmedian (NaNs ignored). All functions reorder the range.
 */
import type { FloatArray } from './compute-backend.js';

/**
 * Reorders a[lo, hi) so that a[k] holds the value it would have after sorting, everything before
 * it is <= a[k] and everything after it is >= a[k]. The range must not contain NaN.
 * @param a - values, reordered in place
 * @param k - absolute index to select, lo <= k < hi
 * @param lo - start of the range (inclusive, default 0)
 * @param hi - end of the range (exclusive, default a.length)
 * @returns a[k], the (k - lo)-th smallest value of the range
 */
export function selectInPlace(a: FloatArray, k: number, lo = 0, hi = a.length): number {
  if (!(k >= lo && k < hi)) throw new RangeError(`selectInPlace: k = ${k} is outside [${lo}, ${hi})`);
  let l = lo;
  let r = hi - 1;
  while (r - l >= 16) {
    // median of three to a[m], with a[l] <= a[m] <= a[r]
    const m = (l + r) >>> 1;
    if (a[m] < a[l]) swap(a, m, l);
    if (a[r] < a[l]) swap(a, r, l);
    if (a[r] < a[m]) swap(a, r, m);
    const pivot = a[m];
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // now a[l..j] <= pivot <= a[i..r], and j < i
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return a[k];
  }
  // insertion sort of the small remainder
  for (let i = l + 1; i <= r; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= l && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return a[k];
}

function swap(a: FloatArray, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Moves the non-NaN values of a[lo, hi) to its front (order not kept).
 * @param a - values, reordered in place
 * @param lo - start of the range (inclusive)
 * @param hi - end of the range (exclusive)
 * @returns end of the non-NaN part: a[lo, end) holds no NaN
 */
export function partitionNaN(a: FloatArray, lo = 0, hi = a.length): number {
  let end = lo;
  for (let i = lo; i < hi; i++) {
    const v = a[i];
    if (v === v) {
      if (i !== end) {
        a[i] = a[end];
        a[end] = v;
      }
      end++;
    }
  }
  return end;
}

/**
 * Median of a NaN-free range; reorders it.
 * @param a - values
 * @param lo - start (inclusive)
 * @param hi - end (exclusive), hi > lo
 */
function medianNoNaN(a: FloatArray, lo: number, hi: number): number {
  const n = hi - lo;
  const kHi = lo + (n >>> 1);
  const upper = selectInPlace(a, kHi, lo, hi);
  if (n & 1) return upper;
  // lower middle = largest value left of kHi
  let lower = a[lo];
  for (let i = lo + 1; i < kHi; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/**
 * np.median of a[lo, hi): NaN if the range is empty or holds a NaN; the mean of the two middle
 * values for even lengths. Reorders the range.
 * @param a - values, reordered in place
 * @param lo - start of the range (inclusive, default 0)
 * @param hi - end of the range (exclusive, default a.length)
 * @returns the median, in the unit of the values
 */
export function medianInPlace(a: FloatArray, lo = 0, hi = a.length): number {
  if (hi <= lo) return NaN;
  for (let i = lo; i < hi; i++) if (a[i] !== a[i]) return NaN;
  return medianNoNaN(a, lo, hi);
}

/**
 * np.nanmedian of a[lo, hi): NaNs ignored; NaN if no value is left. Reorders the range.
 * @param a - values, reordered in place
 * @param lo - start of the range (inclusive, default 0)
 * @param hi - end of the range (exclusive, default a.length)
 * @returns the median of the non-NaN values, in the unit of the values
 */
export function nanMedianInPlace(a: FloatArray, lo = 0, hi = a.length): number {
  const end = partitionNaN(a, lo, hi);
  if (end <= lo) return NaN;
  return medianNoNaN(a, lo, end);
}
