/**
 * pnCCD dark parameters. `--method euxfel`: the European XFEL pnCCD dark notebook v2.0
 * (pycalibration Characterize_pnCCD_Dark_NBC): sigma bands of 5 for offset and noise over the
 * module, hard ranges thresholds_offset_hard [1000, 100000] and thresholds_noise_hard
 * [0.001, 3000] ADU (these two taken as the notebook's defaults without a copy of it at hand),
 * and sigmaNoise 10 for the cosmic-ray exclusion.
 * `--method psana`: the LCLS DarkProc defaults (PSANA_DARK_PARAMETERS in @detcal/kernels).
 */
import { numberParam, rangeParam, type ParameterSpec, type ParameterValue } from '@detcal/core';
import { PSANA_DARK_PARAMETERS, type DarkBadPixelLimits } from '@detcal/kernels';

/** Tunable parameters of `detcal dark pnccd --method euxfel`. */
export const PNCCD_DARK_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'thresholds_offset_sigma', defaultValue: 5, description: 'offset band around the module median, in stds of the offsets' },
  { name: 'thresholds_offset_hard', defaultValue: [1000, 100000], description: 'absolute offset range, ADU ([0,0] = off)' },
  { name: 'thresholds_noise_sigma', defaultValue: 5, description: 'noise band around the module median, in stds of the noise values (applied to NoiseCM)' },
  { name: 'thresholds_noise_hard', defaultValue: [0.001, 3000], description: 'absolute noise range, ADU ([0,0] = off)' },
  { name: 'sigma_cosmic', defaultValue: 10, description: 'iteration 3 leaves out values above sigma_cosmic x NoiseCM after offset and common mode (cosmic-ray hits; 0 = off)' },
  { name: 'cm_min_pixels', defaultValue: 10, description: 'a half row needs more good pixels than this to be corrected' },
];

/** Parameters per dark method. */
export const PNCCD_DARK_METHOD_PARAMETERS: Readonly<Record<string, readonly ParameterSpec[]>> = {
  euxfel: PNCCD_DARK_PARAMETERS,
  psana: PSANA_DARK_PARAMETERS,
};

/** Bad-pixel limits from resolved parameters. */
export function pnccdLimits(p: Record<string, ParameterValue>): DarkBadPixelLimits {
  return {
    offsetSigma: numberParam(p, 'thresholds_offset_sigma'),
    offsetHardAdu: rangeParam(p, 'thresholds_offset_hard'),
    noiseSigma: numberParam(p, 'thresholds_noise_sigma'),
    noiseHardAdu: rangeParam(p, 'thresholds_noise_hard'),
  };
}
