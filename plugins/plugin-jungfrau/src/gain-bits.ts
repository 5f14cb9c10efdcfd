/** Jungfrau raw gain values: 0 -> G0, 1 -> G1, 3 -> G2 (2 is an invalid switch; jungfrau_utils maps it to G2). */

/** Raw gain value of each gain stage, index = stage (G0, G1, G2). */
export const JUNGFRAU_GAIN_BITS: readonly number[] = [0, 1, 3];

/** Gain stage of a raw gain value, -1 for an invalid value. */
export function gainStageOfBits(bits: number): number {
  return bits === 0 ? 0 : bits === 1 ? 1 : bits === 3 ? 2 : -1;
}
