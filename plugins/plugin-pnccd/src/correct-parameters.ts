/**
 * pnCCD correction parameters, with the defaults of the European XFEL pnCCD correction notebook
 * (pycalibration Correct_pnCCD_NBC, as remembered: the notebook was not in the searchable corpus):
 * split_evt_primary_threshold 4, split_evt_secondary_threshold 3 (noise sigmas),
 * split_evt_mip_threshold 1000 ADU; the common mode as the ePix100 notebook (cm_min_frac 0.25,
 * cm_noise_sigma 5) on the half rows of 512 pixels, the groups of the dark step (psana mode 8 rows).
 */
import type { ParameterSpec } from '@detcal/core';
import { singleGainCorrectParameters } from '@detcal/kernels';

/** Tunable parameters of `detcal correct pnccd`. */
export const PNCCD_CORRECT_PARAMETERS: readonly ParameterSpec[] = singleGainCorrectParameters({
  primarySigma: 4,
  secondarySigma: 3,
  mipAdu: 1000,
  cmMinFrac: 0.25,
  cmNoiseSigma: 5,
  cmAxes: 'row',
});
