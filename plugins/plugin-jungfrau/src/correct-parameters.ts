/**
 * Parameters and constants of `detcal correct jungfrau`. The common mode follows psana algorithm 7
 * (cmpars typical (7, 3, 200, 10): cormax 200 ADU, npix_min 10), per bank of 256 x 64 pixels, on G0
 * pixels only, with a threshold that keeps photon hits out of the median.
 */
import { DetcalError, resolveParameters, type CorrectConstants, type ParameterSpec, type ParameterValue } from '@detcal/core';

/** Constants the Jungfrau correction needs and uses, all [gain][cell][row][col] as `detcal dark jungfrau` writes them. */
export const JUNGFRAU_CORRECT_CONSTANTS: CorrectConstants = {
  required: ['Offset'],
  optional: ['BadPixelsDark', 'RelativeGain', 'BadPixelsFF'],
};

/** Tunable parameters of the Jungfrau correction. */
export const JUNGFRAU_CORRECT_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'mask_value', defaultValue: NaN, description: 'value written into data where the pixel is masked (NaN, or a number such as 0)' },
  { name: 'mask_bad_pixels', defaultValue: true, description: 'write mask_value into data wherever mask != 0; false: only where the gain bits are invalid (flags stay in mask)' },
  { name: 'photon_energy_kev', defaultValue: 0, description: 'photon energy, keV: > 0 writes data in photons (E / this), 0 writes keV; needs RelativeGain' },
  { name: 'common_mode', defaultValue: false, description: 'subtract a per-frame common mode per bank of 256 x 64 pixels from G0 pixels (psana algorithm 7, banks)' },
  { name: 'cm_threshold_adu', defaultValue: 100, description: 'G0 pixels whose offset-subtracted value is at or beyond +- this stay out of the common-mode median (photon hits), ADU' },
  { name: 'cm_npix_min', defaultValue: 10, description: 'a bank is corrected only with more than this many good G0 pixels below the threshold (psana npix_min)' },
  { name: 'cm_cormax_adu', defaultValue: 200, description: 'a bank is left alone when |common mode| >= this, ADU (psana cormax)' },
];

/** Resolves the correction parameters (mask_value also accepts the text 'nan'); unknown names or wrong kinds are one-line errors. */
export function resolveCorrectParameters(given: Record<string, ParameterValue>): Record<string, ParameterValue> {
  const g = { ...given };
  if (typeof g.mask_value === 'string' && g.mask_value.toLowerCase() === 'nan') g.mask_value = NaN;
  const p = resolveParameters(JUNGFRAU_CORRECT_PARAMETERS, g);
  const check = (name: string, ok: (v: number) => boolean, want: string): void => {
    const v = p[name] as number;
    if (!ok(v)) throw new DetcalError('BAD_INPUT', `parameter ${name}=${v}: expected ${want}`);
  };
  check('photon_energy_kev', (v) => Number.isFinite(v) && v >= 0, 'a number of keV >= 0 (0 = keV output)');
  check('cm_threshold_adu', (v) => v > 0, 'a positive number of ADU (Infinity = no threshold)');
  check('cm_cormax_adu', (v) => v > 0, 'a positive number of ADU (Infinity = no limit)');
  check('cm_npix_min', (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  return p;
}
