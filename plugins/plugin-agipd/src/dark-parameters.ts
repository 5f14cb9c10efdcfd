/**
 * AGIPD dark parameters with the defaults of the European XFEL AGIPD dark notebook
 * (pycalibration Characterize_AGIPD_Gain_Darks_NBC: thresholds_offset_sigma 3, per-gain hard offset
 * ranges, thresholds_noise_sigma 5, noise range [4, 20] ADU, thresholds_gain_sigma 5).
 */
import { rangeParam, numberParam, type ParameterSpec, type ParameterValue } from '@detcal/core';
import type { DarkBadPixelLimits } from '@detcal/kernels';

/** Tunable parameters of `detcal dark agipd`. */
export const AGIPD_DARK_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'thresholds_offset_sigma', defaultValue: 3, description: 'offset band around the per-cell median, in stds of the offsets' },
  { name: 'thresholds_offset_hard_hg', defaultValue: [3000, 7000], description: 'high-gain offset range, ADU' },
  { name: 'thresholds_offset_hard_mg', defaultValue: [6000, 10000], description: 'medium-gain offset range, ADU' },
  { name: 'thresholds_offset_hard_lg', defaultValue: [6000, 10000], description: 'low-gain offset range, ADU' },
  { name: 'thresholds_noise_sigma', defaultValue: 5, description: 'noise band around the per-cell median, in stds of the noise values' },
  { name: 'thresholds_noise_hard_hg', defaultValue: [4, 20], description: 'high-gain noise range, ADU' },
  { name: 'thresholds_noise_hard_mg', defaultValue: [4, 20], description: 'medium-gain noise range, ADU' },
  { name: 'thresholds_noise_hard_lg', defaultValue: [4, 20], description: 'low-gain noise range, ADU' },
  { name: 'thresholds_gain_sigma', defaultValue: 5, description: 'digital levels of adjacent stages must be this many (summed) stds apart, else GAIN_THRESHOLDING_ERROR' },
];

const STAGE_SUFFIX = ['hg', 'mg', 'lg'] as const;

/** Bad-pixel limits of one gain stage from resolved parameters. */
export function agipdStageLimits(p: Record<string, ParameterValue>, stage: number): DarkBadPixelLimits {
  const g = STAGE_SUFFIX[stage];
  return {
    offsetSigma: numberParam(p, 'thresholds_offset_sigma'),
    offsetHardAdu: rangeParam(p, `thresholds_offset_hard_${g}`),
    noiseSigma: numberParam(p, 'thresholds_noise_sigma'),
    noiseHardAdu: rangeParam(p, `thresholds_noise_hard_${g}`),
  };
}
