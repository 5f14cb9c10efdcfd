/**
 * Jungfrau dark parameters with the defaults of the European XFEL Jungfrau dark notebook
 * (pycalibration: badpixel_threshold_sigma 5, offset_abs_threshold_low [1000, 10000, 10000],
 * offset_abs_threshold_high [8000, 15000, 15000] ADU per gain stage).
 */
import { numberParam, type ParameterSpec, type ParameterValue } from '@detcal/core';
import type { DarkBadPixelLimits } from '@detcal/kernels';

/** Tunable parameters of `detcal dark jungfrau`. */
export const JUNGFRAU_DARK_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'badpixel_threshold_sigma', defaultValue: 5, description: 'offset and noise band around the per-cell median, in stds' },
  { name: 'offset_abs_threshold_low', defaultValue: [1000, 10000, 10000], description: 'lowest good offset per gain stage G0/G1/G2, ADU' },
  { name: 'offset_abs_threshold_high', defaultValue: [8000, 15000, 15000], description: 'highest good offset per gain stage G0/G1/G2, ADU' },
  { name: 'wrong_gain_fraction', defaultValue: 0, description: 'flag WRONG_GAIN_VALUE when more than this fraction of a pixel\'s frames carry another gain value than the run\'s stage' },
];

/** Bad-pixel limits of one gain stage. */
export function jungfrauStageLimits(p: Record<string, ParameterValue>, stage: number): DarkBadPixelLimits {
  const sigma = numberParam(p, 'badpixel_threshold_sigma');
  const lo = p.offset_abs_threshold_low as number[];
  const hi = p.offset_abs_threshold_high as number[];
  return { offsetSigma: sigma, offsetHardAdu: [lo[stage], hi[stage]], noiseSigma: sigma, noiseHardAdu: [0, 0] };
}
