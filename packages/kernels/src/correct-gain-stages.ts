/**
 * Correction kernels of adaptive-gain detectors whose gain stage is read from a digital value
 * (AGIPD): stage from the digital value against per-(cell, pixel) thresholds, optional force to a
 * lower stage below hard analog thresholds (EuXFEL force-mg-if-below / force-hg-if-below), offset
 * per stage and cell, then a scale per stage and cell (keV per ADU x relative gain, or 1) and the
 * bad-pixel mask. Two kernels so that a common-mode step can run in between on offset-corrected ADU.
 */
import { DetcalError } from '@detcal/core';

/** Constants of one module for {@link correctGainStagesCpu}, each plane [stage][cell][pixel]. */
export interface GainStageConstants {
  /** Memory cells the constants hold. */
  nCells: number;
  /** Pixels per frame. */
  nPixels: number;
  /** Offset per stage (3), cell and pixel, ADU. */
  offsetAdu: Float32Array;
  /** Digital thresholds HG/MG then MG/LG per cell and pixel (2 planes), ADU of the digital value. */
  thresholdsAdu: Float32Array;
  /** Factor applied after the offset per stage, cell and pixel (keV/ADU x relative gain; 1 = stay in ADU). */
  scale: Float32Array;
  /** True when scale is 1 everywhere: kernels that know it skip reading the scale plane (same results). */
  unitScale?: boolean;
  /** Bad-pixel flags per stage, cell and pixel (0 = good). */
  badPixels: Uint32Array;
  /** Medium-gain values with (analog - HG offset) below this go to high gain (force-hg-if-below); -Infinity = off. */
  hgHardThresholdAdu: number;
  /** Low-gain values with (analog - MG offset) below this go to medium gain (force-mg-if-below); -Infinity = off. */
  mgHardThresholdAdu: number;
  /** Value written into masked pixels (NaN by default, as EuXFEL). */
  maskValue: number;
}

/** Output buffers of one block, each nFrames * nPixels long. */
export interface GainStageOutput {
  /** Corrected values: ADU after the first kernel, final units after the second. */
  data: Float32Array;
  /** Bad-pixel flags of the chosen stage (scaleAndMaskCpu adds VALUE_IS_NAN where the result is NaN). */
  mask: Uint32Array;
  /** Gain stage per value: 0 high, 1 medium, 2 low. */
  gain: Uint8Array;
}

/** BadPixel.VALUE_IS_NAN (bit 11): the corrected value is not a finite number. */
const VALUE_IS_NAN = 1 << 11;

/** Throws when constants, ids or outputs do not fit the block. */
export function checkGainStageBlock(analog: ArrayLike<number>, digital: ArrayLike<number>, cellIds: ArrayLike<number>, nFrames: number, c: GainStageConstants, out: GainStageOutput): void {
  const n = nFrames * c.nPixels;
  const plane = c.nCells * c.nPixels;
  if (analog.length < n || digital.length < n) throw new DetcalError('INTERNAL', `gain-stage correction: block holds ${analog.length} values, ${n} expected`);
  if (out.data.length < n || out.mask.length < n || out.gain.length < n) throw new DetcalError('INTERNAL', `gain-stage correction: output buffers shorter than ${n}`);
  if (c.offsetAdu.length !== 3 * plane || c.scale.length !== 3 * plane || c.badPixels.length !== 3 * plane || c.thresholdsAdu.length !== 2 * plane) {
    throw new DetcalError('INTERNAL', `gain-stage correction: constants are not [3][${c.nCells}][${c.nPixels}] / [2][${c.nCells}][${c.nPixels}]`);
  }
  for (let f = 0; f < nFrames; f++) {
    if (cellIds[f] >= c.nCells) throw new DetcalError('BAD_INPUT', `frame ${f} has memory cell ${cellIds[f]} but the constants cover ${c.nCells} cells: use constants taken with at least ${cellIds[f] + 1} cells`);
  }
}

/**
 * Kernel 1: gain stage, offset and bad-pixel flags; `out.data` receives offset-corrected ADU.
 * @param analog - raw analog values, frame-major (nFrames * nPixels)
 * @param digital - raw digital (gain) values, same layout
 * @param cellIds - memory cell of each frame
 * @param nFrames - frames in the block
 * @param c - the module's constants
 * @param out - output buffers (written, not read)
 */
export function correctGainStagesCpu(analog: Uint16Array | Float32Array, digital: Uint16Array | Float32Array, cellIds: Uint16Array, nFrames: number, c: GainStageConstants, out: GainStageOutput): void {
  checkGainStageBlock(analog, digital, cellIds, nFrames, c, out);
  const np = c.nPixels;
  const plane = c.nCells * np;
  const off = c.offsetAdu, thr = c.thresholdsAdu, bad = c.badPixels;
  const hgHard = c.hgHardThresholdAdu, mgHard = c.mgHardThresholdAdu;
  const data = out.data, mask = out.mask, gain = out.gain;
  for (let f = 0; f < nFrames; f++) {
    const base = cellIds[f] * np;
    const o = f * np;
    for (let p = 0; p < np; p++) {
      const k = base + p;
      const a = analog[o + p];
      const d = digital[o + p];
      let s = d > thr[k] ? (d > thr[plane + k] ? 2 : 1) : 0;
      if (s === 2 && a - off[plane + k] < mgHard) s = 1;
      if (s > 0 && a - off[k] < hgHard) s = 0;
      const v = a - off[s * plane + k];
      data[o + p] = v;
      gain[o + p] = s;
      mask[o + p] = bad[s * plane + k];
    }
  }
}

/**
 * Kernel 2: scale per stage and cell, then the mask value where a flag is set.
 * @param cellIds - memory cell of each frame
 * @param nFrames - frames in the block
 * @param c - the module's constants (scale, maskValue)
 * @param out - buffers from kernel 1 (data scaled in place; mask gains VALUE_IS_NAN where the result is not finite)
 * @param counts - optional totals, added to: [values in stage 0, 1, 2, masked values]
 * @param commonMode - optional common mode to subtract first from high-gain unmasked values: per (frame, group)
 *   values (asicCommonModeCpu's correctionAdu with apply = false) and the group of each pixel
 */
export function scaleAndMaskCpu(
  cellIds: Uint16Array,
  nFrames: number,
  c: GainStageConstants,
  out: GainStageOutput,
  counts?: Float64Array,
  commonMode?: { perFrameAdu: Float32Array; groupOf: Uint16Array; groups: number },
): void {
  const np = c.nPixels;
  const plane = c.nCells * np;
  const scale = c.scale, maskValue = c.maskValue;
  const data = out.data, mask = out.mask, gain = out.gain;
  let g1 = 0, g2 = 0, masked = 0;
  const cm = commonMode?.perFrameAdu, groupOf = commonMode?.groupOf, groups = commonMode?.groups ?? 0;
  for (let f = 0; f < nFrames; f++) {
    const base = cellIds[f] * np;
    const o = f * np;
    const cmBase = f * groups;
    for (let p = 0; p < np; p++) {
      const i = o + p;
      const s = gain[i];
      let x = data[i];
      if (cm !== undefined && s === 0 && mask[i] === 0) x -= cm[cmBase + (groupOf as Uint16Array)[p]];
      const v = x * scale[s * plane + base + p];
      if (s === 1) g1++;
      else if (s === 2) g2++;
      let m = mask[i];
      if (v !== v) mask[i] = m |= VALUE_IS_NAN;
      if (m !== 0) {
        data[i] = maskValue;
        masked++;
      } else data[i] = v;
    }
  }
  if (counts) {
    counts[0] += nFrames * np - g1 - g2;
    counts[1] += g1;
    counts[2] += g2;
    counts[3] += masked;
  }
}
