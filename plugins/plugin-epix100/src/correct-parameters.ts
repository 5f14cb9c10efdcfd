/**
 * ePix100 correction parameters, with the defaults of the European XFEL ePix100 correction notebook
 * (pycalibration Correction_ePix100_NBC, as remembered: the notebook was not in the searchable corpus):
 * split_evt_primary_threshold 7, split_evt_secondary_threshold 5 (noise sigmas),
 * split_evt_mip_threshold 1000, cm_min_frac 0.25, cm_noise_sigma 5. The common-mode groups are the
 * rows of each ASIC (384 pixels), as the dark step's NoiseCM passes (cm_axes as there).
 */
import type { ParameterSpec } from '@detcal/core';
import { singleGainCorrectParameters } from '@detcal/kernels';

/** Tunable parameters of `detcal correct epix100`. */
export const EPIX100_CORRECT_PARAMETERS: readonly ParameterSpec[] = singleGainCorrectParameters({
  primarySigma: 7,
  secondarySigma: 5,
  mipAdu: 1000,
  cmMinFrac: 0.25,
  cmNoiseSigma: 5,
  cmAxes: 'row',
});
