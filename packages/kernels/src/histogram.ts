/** One-dimensional histograms with fixed bins and their Gaussian smoothing (X-ray photon histograms). */

/**
 * Counts values into bins [lo + i * binWidth, lo + (i + 1) * binWidth); values outside are not counted.
 * @param values - the values
 * @param n - number of values to use
 * @param lo - lower edge of bin 0, in the unit of the values
 * @param binWidth - bin width (> 0)
 * @param out - counts per bin, added to (its length is the number of bins)
 * @returns values that fell outside the bins
 */
export function histogram1d(values: ArrayLike<number>, n: number, lo: number, binWidth: number, out: Float64Array | Uint32Array): number {
  const nBins = out.length;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const b = Math.floor((values[i] - lo) / binWidth);
    if (b >= 0 && b < nBins) out[b]++;
    else outside++;
  }
  return outside;
}

/**
 * Normalised Gaussian kernel truncated at 3 sigma: 2 * ceil(3 sigma) + 1 taps.
 * @param sigmaBins - sigma in bins (0 gives the identity kernel [1])
 * @returns the kernel, centre tap in the middle
 */
export function gaussianKernel(sigmaBins: number): Float64Array {
  if (!(sigmaBins > 0)) return Float64Array.of(1);
  const half = Math.ceil(3 * sigmaBins);
  const k = new Float64Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) sum += k[i + half] = Math.exp(-(i * i) / (2 * sigmaBins * sigmaBins));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Convolves y[offset, offset + n) with a symmetric kernel; beyond the ends the values count as 0
 * (np.convolve mode 'same' with zero padding).
 * @param y - input values
 * @param offset - first input value
 * @param n - number of values
 * @param kernel - odd-length kernel (gaussianKernel)
 * @param out - smoothed values (length >= n), written from index 0
 */
export function smoothInto(y: ArrayLike<number>, offset: number, n: number, kernel: Float64Array, out: Float64Array): void {
  const half = (kernel.length - 1) >>> 1;
  for (let i = 0; i < n; i++) {
    const j0 = Math.max(0, i - half), j1 = Math.min(n - 1, i + half);
    let s = 0;
    for (let j = j0; j <= j1; j++) s += kernel[j - i + half] * y[offset + j];
    out[i] = s;
  }
}

/**
 * Moving sum over `width` bins centred on each bin (np.convolve(y, np.ones(width), 'same') with zero
 * padding, the AGIPD seed's histogram smoothing), by a running sum: O(n) whatever the width.
 * @param y - input values
 * @param offset - first input value
 * @param n - number of values
 * @param width - odd window width in bins (1 = copy)
 * @param out - smoothed values (length >= n), written from index 0
 */
export function boxSmoothInto(y: ArrayLike<number>, offset: number, n: number, width: number, out: Float64Array): void {
  const half = (width - 1) >>> 1;
  let s = 0;
  for (let j = 0; j < Math.min(half, n); j++) s += y[offset + j];
  for (let i = 0; i < n; i++) {
    if (i + half < n) s += y[offset + i + half];
    if (i - half - 1 >= 0) s -= y[offset + i - half - 1];
    out[i] = s;
  }
}
