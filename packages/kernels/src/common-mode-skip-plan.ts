/**
 * Which groups of a common-mode noise pass need their values accumulated again, when the previous pass
 * over the same run already has the statistics of the others. A row segment whose kept median is taken
 * in every frame (its mask is unchanged: MedianCacheUse.reuse) gets the same corrections as in the
 * previous pass, so its pixels' corrected values are the previous pass's, value for value; a pixel whose
 * largest corrected value in the previous pass was not above this pass's cosmic threshold has no hit
 * now either. Such a pixel's statistics (corrected and raw: same values, same frames, same order and the
 * same worker split) are the previous pass's bit for bit, and copying them replaces accumulating them.
 * The pnCCD iteration 3 (cosmic-ray hits) and the ePix100 common-mode iterations change the mask in a
 * few segments only: they correct those segments, and in the others only the pixels with hits.
 *
 * Modes per group: GROUP_FULL (correct and accumulate the segment), GROUP_SPARSE (the kept median; only
 * the candidate pixels, those that may have hits, are corrected and accumulated), GROUP_SKIP (nothing to
 * do but count the kept corrections).
 */
/** Group mode: correct and accumulate every pixel of the segment. */
export const GROUP_FULL = 0;
/** Group mode: the kept median; only the segment's candidate pixels are corrected and accumulated. */
export const GROUP_SPARSE = 1;
/** Group mode: every pixel's statistics come from the previous pass. */
export const GROUP_SKIP = 2;

/** The groups of a pass to accumulate (structured-cloneable: posted to the workers). */
export interface CommonModeSkipPlan {
  /** Per row segment (the median cache's group order): GROUP_FULL, GROUP_SPARSE or GROUP_SKIP. */
  mode: Uint8Array;
  /** Candidate pixels of sparse group g: pixels[start[g]] .. pixels[start[g + 1] - 1] (groups + 1 entries). */
  start: Int32Array;
  /** Candidate pixels (may have cosmic-ray hits), ascending. */
  pixels: Int32Array;
  /** Pixels whose statistics come from the previous pass. */
  taken: number;
  /** The taken raw statistics hold only for u2 blocks (a context fails on others). */
  integerOnly: boolean;
}

/**
 * The plan of a row-segment pass that takes kept medians.
 * @param reuse - per group, 1 where the kept median is taken (MedianCacheUse.reuse)
 * @param rows - rows of a frame
 * @param cols - columns of a frame
 * @param rowLength - pixels per row segment
 * @param thresholdAdu - this pass's cosmic threshold per pixel, if any
 * @param previousMaxAdu - the previous pass's largest corrected value per pixel (needed with a threshold)
 * @returns the plan, or undefined when every group must be accumulated (no kept median, or a threshold without the previous maxima)
 */
export function buildSkipPlan(
  reuse: Uint8Array, rows: number, cols: number, rowLength: number, thresholdAdu?: Float32Array, previousMaxAdu?: Float32Array,
): CommonModeSkipPlan | undefined {
  if (thresholdAdu && !previousMaxAdu) return undefined;
  const nSeg = Math.ceil(cols / rowLength);
  const groups = rows * nSeg;
  if (reuse.length !== groups) return undefined;
  const mode = new Uint8Array(groups);
  const start = new Int32Array(groups + 1);
  const pixels: number[] = [];
  let taken = 0;
  for (let r = 0, g = 0; r < rows; r++) {
    for (let s = 0; s < nSeg; s++, g++) {
      start[g] = pixels.length;
      const p0 = r * cols + s * rowLength, p1 = Math.min(p0 + rowLength, (r + 1) * cols);
      if (reuse[g] !== 1) continue; // GROUP_FULL
      if (thresholdAdu && previousMaxAdu) for (let p = p0; p < p1; p++) if (previousMaxAdu[p] > thresholdAdu[p]) pixels.push(p);
      const candidates = pixels.length - start[g];
      mode[g] = candidates > 0 ? GROUP_SPARSE : GROUP_SKIP;
      taken += p1 - p0 - candidates;
    }
  }
  start[groups] = pixels.length;
  if (taken === 0) return undefined;
  return { mode, start, pixels: Int32Array.from(pixels), taken, integerOnly: false };
}

/** Per-pixel arrays of one result and the previous pass's arrays of the same quantity and type. */
export type TakenArrays = ReadonlyArray<readonly [into: Float32Array, from: Float32Array] | readonly [into: Uint32Array, from: Uint32Array]>;

/**
 * Copies the previous pass's per-pixel values into this pass's arrays for the pixels the plan takes from
 * it: those of skipped groups and the non-candidate pixels of sparse groups (runs between candidates).
 * @param plan - the pass's plan
 * @param rows - rows of a frame
 * @param cols - columns of a frame
 * @param rowLength - pixels per row segment
 * @param arrays - [this pass's array (modified), the previous pass's array] pairs: mean, std, count ...
 */
export function takePrevious(plan: CommonModeSkipPlan, rows: number, cols: number, rowLength: number, arrays: TakenArrays): void {
  const nSeg = Math.ceil(cols / rowLength);
  const copy = (a: number, b: number): void => {
    if (b > a) for (const [into, from] of arrays) into.set(from.subarray(a, b), a);
  };
  for (let r = 0, g = 0; r < rows; r++) {
    for (let s = 0; s < nSeg; s++, g++) {
      if (plan.mode[g] === GROUP_FULL) continue;
      const p0 = r * cols + s * rowLength, p1 = Math.min(p0 + rowLength, (r + 1) * cols);
      let from = p0;
      for (let c = plan.start[g]; c < plan.start[g + 1]; c++) {
        copy(from, plan.pixels[c]);
        from = plan.pixels[c] + 1;
      }
      copy(from, p1);
    }
  }
}
