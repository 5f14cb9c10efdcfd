/**
 * Bad-pixel flags: the European XFEL BadPixels bits (uint32) and the LCLS pixel_status bits,
 * as enums whose names the CLI accepts (case-insensitive, e.g. `--flag NOISE_OUT_OF_THRESHOLD`).
 */
import { DetcalError } from './errors.js';

/** European XFEL BadPixels bits (European-XFEL/EXtra src/extra/calibration). 0 = good. */
export enum BadPixel {
  OFFSET_OUT_OF_THRESHOLD = 1 << 0,
  NOISE_OUT_OF_THRESHOLD = 1 << 1,
  OFFSET_NOISE_EVAL_ERROR = 1 << 2,
  NO_DARK_DATA = 1 << 3,
  CI_GAIN_OF_OF_THRESHOLD = 1 << 4,
  CI_LINEAR_DEVIATION = 1 << 5,
  CI_EVAL_ERROR = 1 << 6,
  FF_GAIN_EVAL_ERROR = 1 << 7,
  FF_GAIN_DEVIATION = 1 << 8,
  FF_NO_ENTRIES = 1 << 9,
  CI2_EVAL_ERROR = 1 << 10,
  VALUE_IS_NAN = 1 << 11,
  VALUE_OUT_OF_RANGE = 1 << 12,
  GAIN_THRESHOLDING_ERROR = 1 << 13,
  DATA_STD_IS_ZERO = 1 << 14,
  ASIC_STD_BELOW_NOISE = 1 << 15,
  INTERPOLATED = 1 << 16,
  NOISY_ADC = 1 << 17,
  OVERSCAN = 1 << 18,
  NON_SENSITIVE = 1 << 19,
  NON_LIN_RESPONSE_REGION = 1 << 20,
  WRONG_GAIN_VALUE = 1 << 21,
  NON_STANDARD_SIZE = 1 << 22,
  EXPERT_CHOICE = 1 << 23,
  USER1 = 2 ** 30,
  USER2 = 2 ** 31,
}

/** LCLS single-gain dark (DarkProc) pixel_status bits. mask = (status == 0). */
export enum DarkStatus {
  RMS_HIGH = 1,
  RMS_LOW = 2,
  SATURATED = 4,
  COLD = 8,
  MEAN_HIGH = 16,
  MEAN_LOW = 32,
}

/** LCLS det_pixel_status bits (lcls-psana/Detector UtilsPixelStatus): feature and side of the good range. */
export enum PixelStatus {
  F2_MEAN_LOW = 0o1,
  F2_MEAN_HIGH = 0o2,
  F3_STD_LOW = 0o4,
  F3_STD_HIGH = 0o10,
  F6_RESIDUAL_MEDIAN_LOW = 0o20,
  F6_RESIDUAL_MEDIAN_HIGH = 0o40,
  F6_RESIDUAL_MAD_LOW = 0o100,
  F6_RESIDUAL_MAD_HIGH = 0o200,
  F11_MAX_LOW = 0o400,
  F11_MAX_HIGH = 0o1000,
}

type FlagEnum = Record<string, string | number>;

/** The flag set a name belongs to, for the CLI. */
export const FLAG_SETS = { euxfel: BadPixel, 'lcls-dark': DarkStatus, 'lcls-pixel-status': PixelStatus } as const;

/** Named bits of a flag enum, lowest bit first. */
export function flagEntries(flags: FlagEnum): Array<{ name: string; value: number }> {
  return Object.entries(flags)
    .filter(([, v]) => typeof v === 'number')
    .map(([name, value]) => ({ name, value: value as number }))
    .sort((a, b) => a.value - b.value);
}

/** Names of the bits set in `value` (e.g. 3 -> ['OFFSET_OUT_OF_THRESHOLD', 'NOISE_OUT_OF_THRESHOLD']). */
export function flagNames(flags: FlagEnum, value: number): string[] {
  return flagEntries(flags)
    .filter((e) => (value & e.value) >>> 0 === e.value >>> 0 && e.value !== 0)
    .map((e) => e.name);
}

/** Parses 'NAME|NAME', a number, or a comma list of names into a bit mask; unknown names fail naming the valid ones. */
export function parseFlags(flags: FlagEnum, text: string): number {
  let mask = 0;
  for (const part of text.split(/[,|+]/).map((s) => s.trim()).filter(Boolean)) {
    if (/^(0x[0-9a-f]+|0o[0-7]+|\d+)$/i.test(part)) {
      mask = (mask | Number(part)) >>> 0;
      continue;
    }
    const hit = flagEntries(flags).find((e) => e.name.toLowerCase() === part.toLowerCase().replace(/-/g, '_'));
    if (!hit) {
      const valid = flagEntries(flags).map((e) => e.name).join(', ');
      throw new DetcalError('BAD_INPUT', `unknown bad-pixel flag '${part}': use one of ${valid}`);
    }
    mask = (mask | hit.value) >>> 0;
  }
  return mask;
}

/** Counts, for each bit of the enum, the pixels that have it set. */
export function countFlags(flags: FlagEnum, values: ArrayLike<number>): Array<{ name: string; value: number; count: number }> {
  const entries = flagEntries(flags);
  const counts = new Float64Array(entries.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) continue;
    for (let b = 0; b < entries.length; b++) if ((v & entries[b].value) >>> 0 !== 0) counts[b]++;
  }
  return entries.map((e, b) => ({ ...e, count: counts[b] }));
}
