/**
 * Peak finding on a (smoothed) histogram: local maxima with a prominence threshold and a minimum
 * distance (scipy.signal.find_peaks semantics for `prominence` and `distance`), and the refinement
 * of one peak's position by an iterated centroid over a symmetric window.
 *
 * The AGIPD seed used scipy's find_peaks_cwt (continuous wavelet transform over widths 5..50 bins),
 * later a first-difference finder with a relative height threshold and a minimum distance. We use
 * local maxima with a prominence threshold instead: prominence (height above the higher of the two
 * lowest points that separate a peak from higher ground) tells a photon peak from a noise ripple on
 * its flank independently of the peak's absolute height, needs no wavelet widths, and costs O(n).
 */

/** Work buffers of findPeaks for histograms of up to `capacity` bins (allocate once, reuse per pixel). */
export interface PeakScratch {
  /** Candidate positions. */
  index: Int32Array;
  /** Candidate prominences. */
  prominence: Float64Array;
  /** 1 = candidate taken or suppressed. */
  done: Uint8Array;
}

/** Allocates findPeaks work buffers for up to `capacity` bins. */
export function createPeakScratch(capacity: number): PeakScratch {
  const c = (capacity >>> 1) + 1;
  return { index: new Int32Array(c), prominence: new Float64Array(c), done: new Uint8Array(c) };
}

/**
 * Finds local maxima of y[0, n) whose prominence is at least minProminence and that are at least
 * minDistance bins from any higher kept peak. A plateau counts once, at its middle.
 * @param y - values (e.g. a smoothed histogram)
 * @param n - number of values
 * @param minProminence - smallest prominence kept, in the unit of y
 * @param minDistance - smallest distance in bins between kept peaks (the higher one wins)
 * @param outIndex - positions of the kept peaks, highest peak first (capacity: the most peaks wanted)
 * @param outProminence - their prominences (same capacity)
 * @param scratch - work buffers (createPeakScratch(n)); allocated when missing
 * @returns number of peaks written (at most outIndex.length; the highest win when there are more)
 */
export function findPeaks(
  y: ArrayLike<number>, n: number, minProminence: number, minDistance: number,
  outIndex: Int32Array, outProminence: Float64Array, scratch: PeakScratch = createPeakScratch(n),
): number {
  const cand = scratch.index, prom = scratch.prominence, done = scratch.done;
  // A peak's prominence is at most its height above the lowest value: lower maxima need no prominence walk.
  let floor = Infinity;
  for (let i = 0; i < n; i++) if (y[i] < floor) floor = y[i];
  let nc = 0;
  let i = 1;
  while (i < n - 1) {
    if (y[i] > y[i - 1]) {
      let j = i;
      while (j + 1 < n - 1 && y[j + 1] === y[i]) j++;
      if (y[j + 1] < y[i]) {
        const peak = (i + j) >>> 1;
        const p = y[peak] - floor >= minProminence ? prominenceAt(y, n, peak) : -1;
        if (p >= minProminence && p >= 0) {
          cand[nc] = peak;
          prom[nc] = p;
          done[nc] = 0;
          nc++;
        }
      }
      i = j + 1;
    } else i++;
  }
  // Repeatedly take the highest remaining candidate and suppress those closer than minDistance.
  let out = 0;
  while (out < outIndex.length) {
    let best = -1;
    for (let k = 0; k < nc; k++) if (!done[k] && (best < 0 || y[cand[k]] > y[cand[best]])) best = k;
    if (best < 0) break;
    outIndex[out] = cand[best];
    outProminence[out] = prom[best];
    out++;
    for (let k = 0; k < nc; k++) if (Math.abs(cand[k] - cand[best]) < minDistance) done[k] = 1;
  }
  return out;
}

/**
 * Prominence of the peak at `peak`: its height minus the higher of the lowest values on each side
 * before the signal rises above the peak (or the end of the data).
 * @param y - values
 * @param n - number of values
 * @param peak - index of a local maximum
 * @returns prominence, in the unit of y
 */
export function prominenceAt(y: ArrayLike<number>, n: number, peak: number): number {
  const h = y[peak];
  let leftMin = h;
  for (let i = peak - 1; i >= 0 && y[i] <= h; i--) if (y[i] < leftMin) leftMin = y[i];
  let rightMin = h;
  for (let i = peak + 1; i < n && y[i] <= h; i++) if (y[i] < rightMin) rightMin = y[i];
  return h - Math.max(leftMin, rightMin);
}

/**
 * Position of a peak refined by an iterated centroid (mean shift): the centroid of counts over the
 * window [c - halfWidth, c + halfWidth] (edge bins weighted by their overlap) becomes the next c,
 * until it moves by less than 1e-3 bins. For a symmetric peak whose neighbours are farther than the
 * window this converges on the peak's centre without assuming its shape; over +-2 sigma its
 * statistical error is about 1.15 sigma / sqrt(N) (N = entries of the peak), near a Gaussian fit's.
 * @param h - counts per bin
 * @param offset - index of bin 0 of this histogram in h
 * @param n - number of bins
 * @param start - starting position, in bins (e.g. the maximum of the smoothed histogram)
 * @param halfWidth - half width of the window, in bins (> 0.5)
 * @param maxIterations - most iterations (20 is plenty)
 * @returns the refined position in bins (bin i's centre is i), NaN when the window holds no counts
 */
export function refinePeakCentroid(h: ArrayLike<number>, offset: number, n: number, start: number, halfWidth: number, maxIterations = 20): number {
  let c = start;
  for (let it = 0; it < maxIterations; it++) {
    const a = c - halfWidth, b = c + halfWidth;
    const i0 = Math.max(0, Math.ceil(a - 0.5)), i1 = Math.min(n - 1, Math.floor(b + 0.5));
    let sw = 0, swx = 0;
    for (let i = i0; i <= i1; i++) {
      // overlap of bin [i - 0.5, i + 0.5] with the window [a, b]
      const w = Math.min(i + 0.5, b) - Math.max(i - 0.5, a);
      if (w <= 0) continue;
      const v = w * h[offset + i];
      sw += v;
      swx += v * i;
    }
    if (!(sw > 0)) return NaN;
    const next = swx / sw;
    const moved = Math.abs(next - c);
    c = next;
    if (moved < 1e-3) break;
  }
  return c;
}
