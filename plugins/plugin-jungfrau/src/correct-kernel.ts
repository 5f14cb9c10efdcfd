/**
 * The two passes of the Jungfrau correction of one frame, on plain typed arrays. Pass 1 maps gain
 * bits to a stage (0 -> G0, 1 -> G1, 3 -> G2, anything else invalid), subtracts the stage's offset
 * from the 14-bit adc value and writes the static bad-pixel flags; with a common-mode buffer it
 * also collects the good G0 values below the threshold there (NaN elsewhere). Pass 2 subtracts the
 * per-bank common mode from G0 pixels, converts to the output unit and writes the mask value.
 */
import { BadPixel } from '@detcal/core';

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
 * Pass 1: stage, offset subtraction, static flags; optional common-mode candidates.
 * @param raw - raw words of the block (adc in the low 14 bits)
 * @param bits - gain values of the block, same indexing as raw
 * @param o - index of the frame's first pixel in raw / bits / the outputs
 * @param pixels - pixels per frame
 * @param planes - constants of the frame's memory cell
 * @param thresholdAdu - common-mode candidates must have |value| < this, ADU
 * @param outAdu - offset-subtracted value, ADU (NaN for invalid gain bits)
 * @param outMask - flags: BadPixelsDark | BadPixelsFF of the stage and cell, WRONG_GAIN_VALUE for invalid bits
 * @param outGain - stage 0 / 1 / 2, INVALID_STAGE for invalid bits
 * @param cmCandidates - per pixel of the frame: the value where G0, unflagged and below the threshold, else NaN; null = no common mode
 * @param stageCounts - values per stage, [G0, G1, G2, invalid], incremented
 */
export function subtractOffsetFrame(
  raw: Uint16Array | Float32Array, bits: Uint8Array | Uint16Array, o: number, pixels: number, planes: FramePlanes, thresholdAdu: number,
  outAdu: Float32Array, outMask: Uint32Array, outGain: Uint8Array, cmCandidates: Float32Array | null, stageCounts: Float64Array,
): void {
  const off = planes.offsetAdu, bad = planes.badPixels, base = planes.cellBase, stride = planes.stageStride;
  let n0 = 0, n1 = 0, n2 = 0, nBad = 0;
  for (let p = 0; p < pixels; p++) {
    const i = o + p;
    const b = bits[i];
    const st = b === 0 ? 0 : b === 1 ? 1 : b === 3 ? 2 : 3;
    if (st === 3) {
      outAdu[i] = NaN;
      outMask[i] = BadPixel.WRONG_GAIN_VALUE;
      outGain[i] = INVALID_STAGE;
      if (cmCandidates !== null) cmCandidates[p] = NaN;
      nBad++;
      continue;
    }
    const k = base + st * stride + p;
    const v = (raw[i] & ADC_MASK) - off[k];
    const m = bad[k];
    outAdu[i] = v;
    outMask[i] = m;
    outGain[i] = st;
    if (st === 0) n0++;
    else if (st === 1) n1++;
    else n2++;
    if (cmCandidates !== null) cmCandidates[p] = st === 0 && m === 0 && v < thresholdAdu && v > -thresholdAdu ? v : NaN;
  }
  stageCounts[0] += n0;
  stageCounts[1] += n1;
  stageCounts[2] += n2;
  stageCounts[3] += nBad;
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
  o: number, pixels: number, planes: FramePlanes, cmByBank: Float32Array | null, bankOf: Uint8Array, maskValue: number, maskBadPixels: boolean,
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
