/**
 * The Jungfrau correction of one frame, on plain typed arrays: one pass without common mode, or
 * two passes with it. Gain bits map to a stage (0 -> G0, 1 -> G1, 3 -> G2, anything else invalid),
 * the stage's offset is subtracted from the 14-bit adc value and the static bad-pixel flags are
 * written. With common mode, pass 1 also gathers the good G0 values below the threshold per bank,
 * the bank medians come from @detcal/kernels medianBranchFree, and pass 2 subtracts them from G0
 * pixels, converts to the output unit and writes the mask value.
 */
import { BadPixel } from '@detcal/core';
import { medianBranchFree } from '@detcal/kernels';

/** Value of the gain output where the gain bits were invalid (mask has WRONG_GAIN_VALUE). */
export const INVALID_STAGE = 255;

/** Bits of the 14-bit adc value in a Jungfrau raw word (LCLS packs the gain bits above them). */
const ADC_MASK = 0x3fff;

/** Offsets, bad-pixel flags and output factors of one memory cell, [stage][cell][pixel] arrays plus where the cell starts. */
export interface FramePlanes {
  /** Offset per stage, cell and pixel, ADU. */
  offsetAdu: Float32Array;
  /** Static flags per stage, cell and pixel. */
  badPixels: Uint32Array;
  /** ADU -> output unit per stage, cell and pixel; null keeps ADU. */
  scale: Float32Array | null;
  /** Index of (stage 0, this cell, pixel 0): cell x pixels. */
  cellBase: number;
  /** Distance between stages: cells x pixels. */
  stageStride: number;
}

/**
 * One pass without common mode: stage, offset, output unit, flags and mask value.
 * @param raw - raw words of the block (adc in the low 14 bits)
 * @param bits - gain values of the block, same indexing as raw
 * @param o - index of the frame's first pixel in raw / bits / the outputs
 * @param pixels - pixels per frame
 * @param planes - constants of the frame's memory cell
 * @param maskValue - value written where masked
 * @param maskBadPixels - true: every flagged pixel gets maskValue; false: only invalid gain bits
 * @param outData - corrected value in the output unit
 * @param outMask - flags: BadPixelsDark | BadPixelsFF of the stage and cell, WRONG_GAIN_VALUE for invalid bits
 * @param outGain - stage 0 / 1 / 2, INVALID_STAGE for invalid bits
 * @param stageCounts - values per stage, [G0, G1, G2, invalid], incremented
 * @returns values that got maskValue
 */
export function correctFrameDirect(
  raw: Uint16Array | Float32Array, bits: Uint8Array | Uint16Array, o: number, pixels: number, planes: FramePlanes, maskValue: number, maskBadPixels: boolean,
  outData: Float32Array, outMask: Uint32Array, outGain: Uint8Array, stageCounts: Float64Array,
): number {
  const off = planes.offsetAdu, bad = planes.badPixels, base = planes.cellBase, stride = planes.stageStride;
  const scale = planes.scale;
  let n0 = 0, n1 = 0, n2 = 0, nBad = 0, masked = 0;
  for (let p = 0; p < pixels; p++) {
    const i = o + p;
    const b = bits[i];
    const st = b === 0 ? 0 : b === 1 ? 1 : b === 3 ? 2 : 3;
    if (st === 3) {
      outData[i] = maskValue;
      outMask[i] = BadPixel.WRONG_GAIN_VALUE;
      outGain[i] = INVALID_STAGE;
      nBad++;
      masked++;
      continue;
    }
    const k = base + st * stride + p;
    const m = bad[k];
    outMask[i] = m;
    outGain[i] = st;
    if (st === 0) n0++;
    else if (st === 1) n1++;
    else n2++;
    if (maskBadPixels && m !== 0) {
      outData[i] = maskValue;
      masked++;
    } else {
      const v = (raw[i] & ADC_MASK) - off[k];
      outData[i] = scale === null ? v : v * scale[k];
    }
  }
  stageCounts[0] += n0;
  stageCounts[1] += n1;
  stageCounts[2] += n2;
  stageCounts[3] += nBad;
  return masked;
}

/** Common-mode work buffers of one frame: the G0 candidate values of every bank, gathered in pass 1. */
export interface BankCandidates {
  /** Bank index of each pixel of a frame. */
  bankOf: Uint16Array;
  /** One view per bank, each large enough for all the bank's pixels; filled from index 0. */
  values: Float64Array[];
  /** Values gathered per bank in this frame. */
  counts: Int32Array;
  /** Candidates must have |offset-subtracted value| < this, ADU. */
  thresholdAdu: number;
}

/**
 * Pass 1 (with common mode): stage, offset subtraction, static flags, and the common-mode candidates
 * (G0, unflagged, |value| < threshold) gathered per bank.
 * @param raw - raw words of the block (adc in the low 14 bits)
 * @param bits - gain values of the block, same indexing as raw
 * @param o - index of the frame's first pixel in raw / bits / the outputs
 * @param pixels - pixels per frame
 * @param planes - constants of the frame's memory cell
 * @param cand - per-bank candidate buffers; counts are reset here
 * @param outAdu - offset-subtracted value, ADU (NaN for invalid gain bits)
 * @param outMask - flags: BadPixelsDark | BadPixelsFF of the stage and cell, WRONG_GAIN_VALUE for invalid bits
 * @param outGain - stage 0 / 1 / 2, INVALID_STAGE for invalid bits
 * @param stageCounts - values per stage, [G0, G1, G2, invalid], incremented
 */
export function subtractOffsetFrame(
  raw: Uint16Array | Float32Array, bits: Uint8Array | Uint16Array, o: number, pixels: number, planes: FramePlanes, cand: BankCandidates,
  outAdu: Float32Array, outMask: Uint32Array, outGain: Uint8Array, stageCounts: Float64Array,
): void {
  const off = planes.offsetAdu, bad = planes.badPixels, base = planes.cellBase, stride = planes.stageStride;
  const bankOf = cand.bankOf, values = cand.values, counts = cand.counts, thr = cand.thresholdAdu;
  counts.fill(0);
  let n0 = 0, n1 = 0, n2 = 0, nBad = 0;
  for (let p = 0; p < pixels; p++) {
    const i = o + p;
    const b = bits[i];
    const st = b === 0 ? 0 : b === 1 ? 1 : b === 3 ? 2 : 3;
    if (st === 3) {
      outAdu[i] = NaN;
      outMask[i] = BadPixel.WRONG_GAIN_VALUE;
      outGain[i] = INVALID_STAGE;
      nBad++;
      continue;
    }
    const k = base + st * stride + p;
    const v = (raw[i] & ADC_MASK) - off[k];
    const m = bad[k];
    outAdu[i] = v;
    outMask[i] = m;
    outGain[i] = st;
    if (st === 0) {
      n0++;
      if (m === 0 && v < thr && v > -thr) {
        const bank = bankOf[p];
        values[bank][counts[bank]++] = v;
      }
    } else if (st === 1) n1++;
    else n2++;
  }
  stageCounts[0] += n0;
  stageCounts[1] += n1;
  stageCounts[2] += n2;
  stageCounts[3] += nBad;
}

/**
 * Common mode of each bank from its gathered candidates, with the rules of @detcal/kernels
 * commonModeBanked (psana): the median (np.median) when there are more than minPixels candidates
 * and |median| < maxCorrAdu, else 0 (bank left alone).
 * @param cand - candidates gathered by subtractOffsetFrame (reordered here)
 * @param minPixels - psana npix_min
 * @param maxCorrAdu - psana cormax, ADU
 * @param out - common mode per bank, ADU
 * @returns banks corrected
 */
export function bankCommonMode(cand: BankCandidates, minPixels: number, maxCorrAdu: number, out: Float32Array): number {
  let corrected = 0;
  for (let b = 0; b < out.length; b++) {
    const n = cand.counts[b];
    let cm = 0;
    if (n > minPixels) {
      const m = medianBranchFree(cand.values[b], n);
      if (Math.abs(m) < maxCorrAdu) {
        cm = m;
        corrected++;
      }
    }
    out[b] = cm;
  }
  return corrected;
}

/**
 * Pass 2: common mode on G0, output unit, mask value; in place on the pass-1 outputs.
 * @param o - index of the frame's first pixel in the outputs
 * @param pixels - pixels per frame
 * @param planes - constants of the frame's memory cell
 * @param cmByBank - common mode per bank, ADU (0 where skipped); null = none
 * @param bankOf - bank index of each pixel of a frame (read only with cmByBank)
 * @param maskValue - value written where masked
 * @param maskBadPixels - true: every flagged pixel gets maskValue; false: only invalid gain bits
 * @param data - pass-1 ADU values in, corrected values out
 * @param mask - pass-1 flags
 * @param gain - pass-1 stages
 * @returns values that got maskValue
 */
export function finishFrame(
  o: number, pixels: number, planes: FramePlanes, cmByBank: Float32Array | null, bankOf: Uint16Array, maskValue: number, maskBadPixels: boolean,
  data: Float32Array, mask: Uint32Array, gain: Uint8Array,
): number {
  const scale = planes.scale, base = planes.cellBase, stride = planes.stageStride;
  let masked = 0;
  for (let p = 0; p < pixels; p++) {
    const i = o + p;
    const st = gain[i];
    if (st === INVALID_STAGE || (maskBadPixels && mask[i] !== 0)) {
      data[i] = maskValue;
      masked++;
      continue;
    }
    let v = data[i];
    if (st === 0 && cmByBank !== null) v -= cmByBank[bankOf[p]];
    data[i] = scale === null ? v : v * scale[base + st * stride + p];
  }
  return masked;
}
