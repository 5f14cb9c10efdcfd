/**
 * ePix100 dark parameters. `--method euxfel`: the European XFEL ePix100 dark notebook
 * (pycalibration Characterize_Darks_ePix100_NBC: badpixel_threshold_sigma 5 for offset and noise,
 * statistics per ASIC, CM_N_iterations 2); hard ranges are not used there and are off ([0, 0]).
 * `--method psana`: the LCLS DarkProc defaults (PSANA_DARK_PARAMETERS in @detcal/kernels).
 */
import { DetcalError, numberParam, rangeParam, type ParameterSpec, type ParameterValue } from '@detcal/core';
import { PSANA_DARK_PARAMETERS, type CommonModePass, type DarkBadPixelLimits } from '@detcal/kernels';

/** Tunable parameters of `detcal dark epix100 --method euxfel`. */
export const EPIX100_DARK_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'thresholds_offset_sigma', defaultValue: 5, description: 'offset band around the per-ASIC median, in stds of the ASIC\'s offsets' },
  { name: 'thresholds_offset_hard', defaultValue: [0, 0], description: 'absolute offset range, ADU ([0,0] = off)' },
  { name: 'thresholds_noise_sigma', defaultValue: 5, description: 'noise band around the per-ASIC median, in stds of the ASIC\'s noise values (applied to NoiseCM)' },
  { name: 'thresholds_noise_hard', defaultValue: [0, 0], description: 'absolute noise range, ADU ([0,0] = off)' },
  { name: 'cm_iterations', defaultValue: 2, description: 'common-mode passes, each masking the bad pixels of the previous map (0 = no NoiseCM)' },
  { name: 'cm_axes', defaultValue: 'row', description: 'common-mode groups inside each ASIC: row (384 px), col (354 px) or row,col' },
  { name: 'cm_min_pixels', defaultValue: 10, description: 'a group needs more good pixels than this to be corrected' },
];

/** Parameters per dark method. */
export const EPIX100_DARK_METHOD_PARAMETERS: Readonly<Record<string, readonly ParameterSpec[]>> = {
  euxfel: EPIX100_DARK_PARAMETERS,
  psana: PSANA_DARK_PARAMETERS,
};

/** Bad-pixel limits from resolved parameters. */
export function epix100Limits(p: Record<string, ParameterValue>): DarkBadPixelLimits {
  return {
    offsetSigma: numberParam(p, 'thresholds_offset_sigma'),
    offsetHardAdu: rangeParam(p, 'thresholds_offset_hard'),
    noiseSigma: numberParam(p, 'thresholds_noise_sigma'),
    noiseHardAdu: rangeParam(p, 'thresholds_noise_hard'),
  };
}

/** Common-mode passes of cm_axes ('row', 'col', 'row,col' or 'col,row'). */
export function epix100CommonModePasses(axes: string): CommonModePass[] {
  const parts = axes.split(/[,+ ]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0 || parts.length > 2 || new Set(parts).size !== parts.length || parts.some((s) => s !== 'row' && s !== 'col')) {
    throw new DetcalError('BAD_INPUT', `parameter cm_axes=${axes}: use row, col or row,col`);
  }
  return parts as CommonModePass[];
}
