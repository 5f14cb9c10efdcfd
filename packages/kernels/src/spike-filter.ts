/**
 * Spike removal on a 1-D series (AGIPD seed removeSpikes): a running median over 2*maxSpikeWidth+1
 * samples; a sample that differs from it by at least minSpikeHeight is replaced by the median. Spikes
 * up to maxSpikeWidth samples wide go, steps (gain switches) stay. At the ends the window is cut to
 * the samples that exist (scipy's medfilt pads with zeros instead; with positive ADU values the cut
 * window keeps the end samples, the padded one would pull them towards 0).
 */

/** Largest maxSpikeWidth the filter accepts (window of 2 * 8 + 1 samples). */
export const MAX_SPIKE_WIDTH = 8;

/**
 * Removes spikes from series[0, n) in place.
 * @param series - values (ADU), overwritten where a spike is found
 * @param n - number of samples
 * @param maxSpikeWidth - widest spike removed, samples (window 2w+1)
 * @param minSpikeHeight - smallest |value - running median| that counts as a spike, ADU
 * @param scratch - at least n + 2 * maxSpikeWidth + 1 values of workspace (the original values and the window)
 * @returns number of samples replaced
 */
export function removeSpikes(series: Float32Array | Float64Array, n: number, maxSpikeWidth: number, minSpikeHeight: number, scratch: Float64Array): number {
  const w = maxSpikeWidth;
  if (!(Number.isInteger(w) && w >= 0 && w <= MAX_SPIKE_WIDTH)) throw new RangeError(`removeSpikes: maxSpikeWidth ${w} must be an integer in [0, ${MAX_SPIKE_WIDTH}]`);
  if (w === 0 || n < 3) return 0;
  const win = 2 * w + 1;
  if (scratch.length < n + win) throw new RangeError(`removeSpikes: scratch holds ${scratch.length} values, needs ${n + win}`);
  // The filter reads the original values: keep a copy before replacing any.
  for (let i = 0; i < n; i++) scratch[i] = series[i];
  const wo = n;
  let replaced = 0;
  for (let i = 0; i < n; i++) {
    const lo = i - w < 0 ? 0 : i - w;
    const hi = i + w >= n ? n - 1 : i + w;
    const m = hi - lo + 1;
    // Quick accept: the window's median lies between the smallest and largest neighbour, so a sample
    // within minSpikeHeight of both is no spike (smooth stretches of a scan never sort a window).
    const x = scratch[i];
    let nMin = Infinity, nMax = -Infinity;
    for (let k = lo; k <= hi; k++) {
      if (k === i) continue;
      const v = scratch[k];
      if (v < nMin) nMin = v;
      if (v > nMax) nMax = v;
    }
    if (x > nMax - minSpikeHeight && x < nMin + minSpikeHeight) continue;
    // insertion sort of the (small) window
    for (let k = 0; k < m; k++) {
      const v = scratch[lo + k];
      let j = k - 1;
      while (j >= 0 && scratch[wo + j] > v) {
        scratch[wo + j + 1] = scratch[wo + j];
        j--;
      }
      scratch[wo + j + 1] = v;
    }
    // odd window: the middle; even (cut at an end): mean of the two middle values, as np.median
    const median = (m & 1) === 1 ? scratch[wo + (m >> 1)] : 0.5 * (scratch[wo + (m >> 1) - 1] + scratch[wo + (m >> 1)]);
    const d = scratch[i] - median;
    if (d >= minSpikeHeight || -d >= minSpikeHeight) {
      series[i] = median;
      replaced++;
    }
  }
  return replaced;
}
