/**
 * Fast k-means of 1-D values around sorted levels (the AGIPD seed's "simplified k-means" of digital
 * gain values): start from given means, then a few Lloyd iterations where a value belongs to the
 * level whose mid-point interval holds it. Linear in the number of values per iteration; no sorting.
 */

/**
 * Initial levels of a scan that starts in the first level and ends in the last one (seed
 * get3DigitalMeans): median of samples [1, 6) and of samples [n-6, n-1) (the very first and last
 * sample are often off), the levels between spaced evenly.
 * @param values - the series (e.g. digital values over the scan steps)
 * @param n - number of samples (at least 3)
 * @param k - number of levels
 * @param means - output, k values ascending if the series rises
 */
export function initLevelsFromEnds(values: ArrayLike<number>, n: number, k: number, means: Float64Array): void {
  const first = medianOfRange(values, Math.min(1, n - 1), Math.min(6, n));
  const last = medianOfRange(values, Math.max(0, n - 6), Math.max(1, n - 1));
  for (let j = 0; j < k; j++) means[j] = k === 1 ? first : first + ((last - first) * j) / (k - 1);
}

/**
 * Lloyd iterations of 1-D k-means with levels kept in ascending order. A value v belongs to level j
 * when (m[j-1]+m[j])/2 < v < (m[j]+m[j+1])/2 (values exactly on a mid-point belong to none, as in the
 * seed). A level that gets no value keeps its previous mean.
 * @param values - samples
 * @param n - number of samples
 * @param k - number of levels (<= means.length)
 * @param means - in: initial levels ascending; out: refined levels
 * @param iterations - number of refinement steps (seed: 3)
 * @param counts - output, samples per level after the last iteration (k values)
 */
export function kmeans1d(values: ArrayLike<number>, n: number, k: number, means: Float64Array, iterations: number, counts: Float64Array): void {
  for (let it = 0; it < iterations; it++) {
    for (let j = 0; j < k; j++) counts[j] = 0;
    // sums kept in counts' sibling: reuse a small stack array per call (k <= 8 in practice)
    const sums = SUMS.length >= k ? SUMS : (SUMS = new Float64Array(k));
    for (let j = 0; j < k; j++) sums[j] = 0;
    if (k === 3) {
      // the common case (three gain stages) without the generic search
      const t0 = 0.5 * (means[0] + means[1]), t1 = 0.5 * (means[1] + means[2]);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v < t0) {
          sums[0] += v;
          counts[0]++;
        } else if (v > t0 && v < t1) {
          sums[1] += v;
          counts[1]++;
        } else if (v > t1) {
          sums[2] += v;
          counts[2]++;
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = values[i];
        const j = levelOf(v, means, k);
        if (j >= 0) {
          sums[j] += v;
          counts[j]++;
        }
      }
    }
    for (let j = 0; j < k; j++) if (counts[j] > 0) means[j] = sums[j] / counts[j];
  }
}

let SUMS = new Float64Array(8);

/**
 * Level of a value among ascending means: j where the value lies strictly between the mid-points
 * around m[j]; -1 when it sits exactly on a mid-point.
 */
export function levelOf(v: number, means: Float64Array, k: number): number {
  for (let j = 0; j < k - 1; j++) {
    const t = 0.5 * (means[j] + means[j + 1]);
    if (v < t) return j;
    if (v === t) return -1;
  }
  return k - 1;
}

/** Median of values[lo, hi) by insertion into a small buffer (ranges of a few samples). */
function medianOfRange(values: ArrayLike<number>, lo: number, hi: number): number {
  const m = hi - lo;
  if (m <= 0) return NaN;
  const buf = MEDIAN_BUF.length >= m ? MEDIAN_BUF : (MEDIAN_BUF = new Float64Array(m));
  for (let k = 0; k < m; k++) {
    const v = values[lo + k];
    let j = k - 1;
    while (j >= 0 && buf[j] > v) {
      buf[j + 1] = buf[j];
      j--;
    }
    buf[j + 1] = v;
  }
  return (m & 1) === 1 ? buf[m >> 1] : 0.5 * (buf[(m >> 1) - 1] + buf[m >> 1]);
}

let MEDIAN_BUF = new Float64Array(8);
