/**
 * AGIPD correction parameters with the defaults of European XFEL production correction
 * (pycalibration AGIPD_Correct_and_Verify; the values of a real run are in
 * shared/real-data/euxfel/cal-metadata-agipd-p900508-r22.yml: force-hg-if-below / force-mg-if-below
 * true with hard thresholds 1000 ADU, common-mode true with cm-dark-fraction 0.15,
 * cm-dark-range [-30, 30], cm-n-itr 4; bad pixels set to NaN).
 */
import type { ParameterSpec } from '@detcal/core';

/** Tunable parameters of `detcal correct agipd`. */
export const AGIPD_CORRECT_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'mask_value', defaultValue: NaN, description: 'value written into pixels with a bad-pixel flag (nan, 0, ...)' },
  { name: 'force_hg_if_below', defaultValue: true, description: 'medium/low-gain values less than hg_hard_threshold above the high-gain offset are taken as high gain' },
  { name: 'hg_hard_threshold', defaultValue: 1000, description: 'ADU above the high-gain offset for force_hg_if_below' },
  { name: 'force_mg_if_below', defaultValue: true, description: 'low-gain values less than mg_hard_threshold above the medium-gain offset are taken as medium gain' },
  { name: 'mg_hard_threshold', defaultValue: 1000, description: 'ADU above the medium-gain offset for force_mg_if_below' },
  { name: 'common_mode', defaultValue: true, description: 'subtract the per-ASIC common mode of dark high-gain pixels from each frame' },
  { name: 'cm_dark_fraction', defaultValue: 0.15, description: 'fewest dark pixels per ASIC, as a fraction, for a common-mode correction' },
  { name: 'cm_dark_range', defaultValue: [-30, 30], description: 'offset-corrected values counted as dark for the common mode, ADU' },
  { name: 'cm_n_itr', defaultValue: 4, description: 'common-mode iterations' },
  { name: 'rel_gain', defaultValue: true, description: 'use RelativeGain (per stage and cell) when the constants have it and no GainKevPerAdu' },
  { name: 'photon_energy_kev', defaultValue: 0, description: 'when > 0 and GainKevPerAdu is known: write photons (keV / photon energy) instead of keV' },
];
