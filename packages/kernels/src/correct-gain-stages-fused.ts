/**
 * The gain-stage correction of correct-gain-stages.ts in one pass over memory: correctGainStagesCpu,
 * asicCommonModeCpu (apply = false) and scaleAndMaskCpu run on one strip of ASIC rows of one frame
 * at a time (AGIPD: 64 x 128 values, 72 kB of outputs), so the common mode and the scale pass find
 * the strip still in cache instead of streaming the whole block through memory three times. The
 * results are those of the three kernels run one after the other, bit for bit.
 */
import { asicCommonModeCpu, type AsicCommonModeOptions } from './asic-common-mode.js';
import { checkGainStageBlock, type GainStageConstants, type GainStageOutput } from './correct-gain-stages.js';

/** BadPixel.VALUE_IS_NAN (bit 11): the corrected value is not a finite number. */
const VALUE_IS_NAN = 1 << 11;

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
    if (commonMode.rows * commonMode.cols !== c.nPixels) throw new Error(`fused gain-stage correction: common-mode frame ${commonMode.rows} x ${commonMode.cols} is not ${c.nPixels} pixels`);
    const { rows, cols, asicRows, asicCols } = commonMode;
    const across = Math.ceil(cols / asicCols);
    const colGroup = new Uint16Array(cols);
    for (let x = 0; x < cols; x++) colGroup[x] = Math.floor(x / asicCols);
    const cmStrip = new Float32Array(across);
    const fullStrip = { ...commonMode, rows: asicRows };
    const lastStrip = { ...commonMode, rows: rows % asicRows || asicRows };
    for (let f = 0; f < nFrames; f++) {
      for (let r0 = 0; r0 < rows; r0 += asicRows) {
        const stripRows = Math.min(asicRows, rows - r0);
        const p0 = r0 * cols, p1 = p0 + stripRows * cols;
        stageRange(analog, digital, cellIds[f], f, p0, p1, c, out);
        const o = f * c.nPixels;
        const stripOpts = stripRows === asicRows ? fullStrip : lastStrip;
        asicCommonModeCpu(out.data.subarray(o + p0, o + p1), out.gain.subarray(o + p0, o + p1), out.mask.subarray(o + p0, o + p1), 1, stripOpts, cmStrip, false);
        scaleRange(cellIds[f], f, p0, p1, c, out, tally, cols, colGroup, cmStrip);
      }
    }
  } else {
    for (let f = 0; f < nFrames; f++) {
      stageRange(analog, digital, cellIds[f], f, 0, c.nPixels, c, out);
      scaleRange(cellIds[f], f, 0, c.nPixels, c, out, tally, 0, undefined, undefined);
    }
  }
  if (counts) {
    counts[0] += nFrames * c.nPixels - tally[0] - tally[1];
    counts[1] += tally[0];
    counts[2] += tally[1];
    counts[3] += tally[2];
  }
}

/** correctGainStagesCpu for pixels [p0, p1) of frame f. */
function stageRange(analog: Uint16Array | Float32Array, digital: Uint16Array | Float32Array, cell: number, f: number, p0: number, p1: number, c: GainStageConstants, out: GainStageOutput): void {
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
    let s = d > thr[k] ? (d > thr[plane + k] ? 2 : 1) : 0;
    if (s === 2 && a - off[plane + k] < mgHard) s = 1;
    if (s > 0 && a - off[k] < hgHard) s = 0;
    data[o + p] = a - off[s * plane + k];
    gain[o + p] = s;
    mask[o + p] = bad[s * plane + k];
  }
}

/**
 * scaleAndMaskCpu for pixels [p0, p1) of frame f; with cm, the common mode of the strip's ASICs
 * (cm[colGroup[column]]) is subtracted first from high-gain good values. tally: [stage 1, stage 2, masked].
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
  colGroup: Uint16Array | undefined,
  cm: Float32Array | undefined,
): void {
  const np = c.nPixels;
  const plane = c.nCells * np;
  const scale = c.scale, unit = c.unitScale === true, maskValue = c.maskValue;
  const data = out.data, mask = out.mask, gain = out.gain;
  const base = cell * np;
  const o = f * np;
  let g1 = 0, g2 = 0, masked = 0;
  let x0 = 0;
  for (let p = p0; p < p1; p++) {
    const i = o + p;
    const s = gain[i];
    let m = mask[i];
    let x = data[i];
    if (cm !== undefined && s === 0 && m === 0) x -= cm[(colGroup as Uint16Array)[x0]];
    if (cols > 0 && ++x0 === cols) x0 = 0;
    const v = unit ? x : x * scale[s * plane + base + p];
    if (s === 1) g1++;
    else if (s === 2) g2++;
    if (v !== v) mask[i] = m |= VALUE_IS_NAN;
    if (m !== 0) {
      data[i] = maskValue;
      masked++;
    } else data[i] = v;
  }
  tally[0] += g1;
  tally[1] += g2;
  tally[2] += masked;
}
