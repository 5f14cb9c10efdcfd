/**
 * The gain-stage correction of correct-gain-stages.ts in one pass over memory: correctGainStagesCpu,
 * asicCommonModeCpu (apply = false) and scaleAndMaskCpu run on one strip of ASIC rows of one frame
 * at a time (AGIPD: 64 x 128 values, 72 kB of outputs), so the common mode and the scale pass find
 * the strip still in cache instead of streaming the whole block through memory three times. The
 * stage pass also collects each ASIC's common-mode candidates (high-gain good values that can fall
 * in a dark window), in the order asicCommonModeCpu visits them, so its iterations read a short
 * list instead of four arrays. The results are those of the three kernels, bit for bit.
 */
import type { AsicCommonModeOptions } from './asic-common-mode.js';
import { checkGainStageBlock, type GainStageConstants, type GainStageOutput } from './correct-gain-stages.js';

/** BadPixel.VALUE_IS_NAN (bit 11): the corrected value is not a finite number. */
const VALUE_IS_NAN = 1 << 11;

/** As asicCommonModeCpu: a pass whose correction is below this (ADU) ends the iterations. */
const CONVERGED_ADU = 1e-4;

/**
 * Stage, offset, flags, optional per-ASIC common mode, scale and mask value of one block.
 * @param analog - raw analog values, frame-major (nFrames * nPixels)
 * @param digital - raw digital (gain) values, same layout
 * @param cellIds - memory cell of each frame
 * @param nFrames - frames in the block
 * @param c - the module's constants (c.unitScale: the scale plane is not read)
 * @param out - output buffers: data in final units, mask with VALUE_IS_NAN added where the result is not finite, gain stage
 * @param counts - optional totals, added to: [values in stage 0, 1, 2, masked values]
 * @param commonMode - optional: subtract the per-(frame, ASIC) common mode of high-gain good pixels (rows * cols must be nPixels)
 */
export function correctGainStagesFusedCpu(
  analog: Uint16Array | Float32Array,
  digital: Uint16Array | Float32Array,
  cellIds: Uint16Array,
  nFrames: number,
  c: GainStageConstants,
  out: GainStageOutput,
  counts?: Float64Array,
  commonMode?: AsicCommonModeOptions,
): void {
  checkGainStageBlock(analog, digital, cellIds, nFrames, c, out);
  const tally = new Float64Array(3);
  if (commonMode) {
    const { rows, cols, asicRows, asicCols } = commonMode;
    if (rows * cols !== c.nPixels) throw new Error(`fused gain-stage correction: common-mode frame ${rows} x ${cols} is not ${c.nPixels} pixels`);
    const across = Math.ceil(cols / asicCols);
    const cm = new Float32Array(across);
    const strip: Strip = { candidates: new Float32Array(asicRows * cols), starts: new Int32Array(across), ends: new Int32Array(across), ...candidateWindow(commonMode) };
    for (let f = 0; f < nFrames; f++) {
      for (let r0 = 0; r0 < rows; r0 += asicRows) {
        const r1 = Math.min(rows, r0 + asicRows);
        stageStrip(analog, digital, cellIds[f], f, r0, r1, cols, asicCols, c, out, strip);
        for (let g = 0; g < across; g++) {
          const width = Math.min(cols, (g + 1) * asicCols) - g * asicCols;
          cm[g] = commonModeOf(strip.candidates, strip.starts[g], strip.ends[g], commonMode, commonMode.darkFraction * (r1 - r0) * width);
        }
        scaleRange(cellIds[f], f, r0 * cols, r1 * cols, c, out, tally, cols, asicCols, cm);
      }
    }
  } else {
    for (let f = 0; f < nFrames; f++) scaleRange(cellIds[f], f, 0, stageRange(analog, digital, cellIds[f], f, 0, c.nPixels, c, out), c, out, tally, 0, 0, undefined);
  }
  if (counts) {
    counts[0] += nFrames * c.nPixels - tally[0] - tally[1];
    counts[1] += tally[0];
    counts[2] += tally[1];
    counts[3] += tally[2];
  }
}

/** Common-mode candidates of one strip: per ASIC column g, candidates[starts[g] .. ends[g]). */
interface Strip {
  candidates: Float32Array;
  starts: Int32Array;
  ends: Int32Array;
  /** Values outside (lo, hi) can fall in no dark window of any iteration. */
  lo: number;
  hi: number;
}

/**
 * Bounds of the values any iteration can count as dark. Iteration k counts (lo + T, hi + T) where
 * T, the mean of the previous window, lies in (k lo, k hi): all windows lie in (min(lo, n lo),
 * max(hi, n hi)). One ADU of margin covers rounding; values kept in excess are only candidates.
 */
function candidateWindow(o: AsicCommonModeOptions): { lo: number; hi: number } {
  const [lo, hi] = o.darkRangeAdu;
  const n = Math.max(1, o.iterations);
  const a = Math.min(lo, n * lo), b = Math.max(hi, n * hi);
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(lo < hi)) return { lo: -Infinity, hi: Infinity };
  return { lo: a - 1 - 1e-6 * Math.abs(a), hi: b + 1 + 1e-6 * Math.abs(b) };
}

/**
 * asicCommonModeCpu's iterations for one ASIC of one frame, on its candidates in row-major order
 * (so the sums are the same); returns the total common mode (what it writes to correctionAdu).
 */
function commonModeOf(values: Float32Array, from: number, to: number, o: AsicCommonModeOptions, need: number): number {
  const [lo, hi] = o.darkRangeAdu;
  let total = 0;
  for (let it = 0; it < o.iterations; it++) {
    let sum = 0, n = 0;
    const l = lo + total, h = hi + total;
    for (let j = from; j < to; j++) {
      // branch-free (a tenth of the values fall outside at random): candidates are finite, so
      // 0 * v adds a zero, and the sum is the one of the values inside
      const v = values[j];
      const inside = (v > l ? 1 : 0) & (v < h ? 1 : 0);
      sum += inside * v;
      n += inside;
    }
    if (n === 0 || n < need) break;
    const cm = sum / n - total;
    total += cm;
    if (Math.abs(cm) < CONVERGED_ADU) break;
  }
  return total;
}

/**
 * correctGainStagesCpu for rows [r0, r1) of frame f, collecting the common-mode candidates of each
 * ASIC column (stage 0, no flag, inside the candidate window) into `strip`.
 */
function stageStrip(
  analog: Uint16Array | Float32Array,
  digital: Uint16Array | Float32Array,
  cell: number,
  f: number,
  r0: number,
  r1: number,
  cols: number,
  asicCols: number,
  c: GainStageConstants,
  out: GainStageOutput,
  strip: Strip,
): void {
  const np = c.nPixels;
  const plane = c.nCells * np;
  const off = c.offsetAdu, thr = c.thresholdsAdu, bad = c.badPixels;
  const hgHard = c.hgHardThresholdAdu, mgHard = c.mgHardThresholdAdu;
  const data = out.data, mask = out.mask, gain = out.gain;
  const base = cell * np;
  const o = f * np;
  const across = strip.starts.length;
  const rowsIn = r1 - r0;
  const cand = strip.candidates, starts = strip.starts, ends = strip.ends;
  const wLo = strip.lo, wHi = strip.hi;
  for (let g = 0; g < across; g++) {
    starts[g] = g * asicCols * rowsIn;
    ends[g] = starts[g];
  }
  for (let r = r0; r < r1; r++) {
    for (let g = 0; g < across; g++) {
      const c0 = r * cols + g * asicCols, c1 = r * cols + Math.min(cols, (g + 1) * asicCols);
      let e = ends[g];
      for (let p = c0; p < c1; p++) {
        const k = base + p;
        const a = analog[o + p];
        const d = digital[o + p];
        if (d > thr[k]) {
          let s = d > thr[plane + k] ? 2 : 1;
          if (s === 2 && a - off[plane + k] < mgHard) s = 1;
          if (a - off[k] < hgHard) s = 0;
          data[o + p] = a - off[s * plane + k];
          gain[o + p] = s;
          const m = bad[s * plane + k];
          mask[o + p] = m;
          if (s === 0 && m === 0) {
            const v = Math.fround(a - off[k]);
            cand[e] = v;
            e += (v > wLo ? 1 : 0) & (v < wHi ? 1 : 0);
          }
        } else {
          const v = Math.fround(a - off[k]);
          data[o + p] = v;
          gain[o + p] = 0;
          const m = bad[k];
          mask[o + p] = m;
          cand[e] = v;
          e += (m === 0 ? 1 : 0) & (v > wLo ? 1 : 0) & (v < wHi ? 1 : 0);
        }
      }
      ends[g] = e;
    }
  }
}

/** correctGainStagesCpu for pixels [p0, p1) of frame f; returns p1. */
function stageRange(analog: Uint16Array | Float32Array, digital: Uint16Array | Float32Array, cell: number, f: number, p0: number, p1: number, c: GainStageConstants, out: GainStageOutput): number {
  const np = c.nPixels;
  const plane = c.nCells * np;
  const off = c.offsetAdu, thr = c.thresholdsAdu, bad = c.badPixels;
  const hgHard = c.hgHardThresholdAdu, mgHard = c.mgHardThresholdAdu;
  const data = out.data, mask = out.mask, gain = out.gain;
  const base = cell * np;
  const o = f * np;
  for (let p = p0; p < p1; p++) {
    const k = base + p;
    const a = analog[o + p];
    const d = digital[o + p];
    if (d > thr[k]) {
      let s = d > thr[plane + k] ? 2 : 1;
      if (s === 2 && a - off[plane + k] < mgHard) s = 1;
      if (a - off[k] < hgHard) s = 0;
      data[o + p] = a - off[s * plane + k];
      gain[o + p] = s;
      mask[o + p] = bad[s * plane + k];
    } else {
      data[o + p] = a - off[k];
      gain[o + p] = 0;
      mask[o + p] = bad[k];
    }
  }
  return p1;
}

/**
 * scaleAndMaskCpu for pixels [p0, p1) of frame f (p0 at the start of a row); with cm, the common
 * mode of the strip's ASIC columns (cm[column / asicCols]) is subtracted first from high-gain good
 * values. tally: [stage 1, stage 2, masked].
 */
function scaleRange(
  cell: number,
  f: number,
  p0: number,
  p1: number,
  c: GainStageConstants,
  out: GainStageOutput,
  tally: Float64Array,
  cols: number,
  asicCols: number,
  cm: Float32Array | undefined,
): void {
  const np = c.nPixels;
  const plane = c.nCells * np;
  const scale = c.scale, unit = c.unitScale === true, maskValue = c.maskValue;
  const data = out.data, mask = out.mask, gain = out.gain;
  const base = cell * np;
  const o = f * np;
  let g1 = 0, g2 = 0, masked = 0;
  for (let q0 = p0, q1 = p0; q0 < p1; q0 = q1) {
    // a run of pixels in one ASIC of one row (or the whole range without common mode)
    let shift = 0;
    if (cm === undefined) q1 = p1;
    else {
      const col = (q0 - p0) % cols;
      const g = Math.floor(col / asicCols);
      q1 = q0 + Math.min(cols, (g + 1) * asicCols) - col;
      shift = cm[g];
    }
    for (let p = q0; p < q1; p++) {
      const i = o + p;
      const s = gain[i];
      let m = mask[i];
      let x = data[i];
      if (s === 0 && m === 0) x -= shift;
      const v = unit ? x : x * scale[s * plane + base + p];
      if (s === 1) g1++;
      else if (s === 2) g2++;
      if (v !== v) mask[i] = m |= VALUE_IS_NAN;
      if (m !== 0) {
        data[i] = maskValue;
        masked++;
      } else data[i] = v;
    }
  }
  tally[0] += g1;
  tally[1] += g2;
  tally[2] += masked;
}
