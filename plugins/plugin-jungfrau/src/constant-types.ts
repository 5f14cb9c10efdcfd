/** Constants a Jungfrau dark characterization produces, in detcal order [gain][cell][row][col]. */
import type { ConstantType } from '@detcal/core';

const PER_GAIN_CELL = ['gain', 'cell', 'row', 'col'] as const;

/**
 * Jungfrau constants: the dark ones (EuXFEL Offset10Hz, Noise10Hz, BadPixelsDark10Hz) and the gain
 * ones the correction uses (EuXFEL RelativeGain10Hz, BadPixelsFF10Hz). RelativeGain is signed ADU per
 * keV (raw = offset + gain x E; G1 and G2 negative, PSI / LCLS convention).
 */
export const jungfrauConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark offset (pedestal) per gain stage and memory cell' },
  { name: 'Noise', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise (std over frames) per gain stage and memory cell' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the dark runs' },
  { name: 'RelativeGain', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU/keV', description: 'gain per gain stage and memory cell, signed ADU per keV (G1, G2 negative); used by correct' },
  { name: 'BadPixelsFF', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the gain (flat-field) characterization; used by correct' },
];
