/** Constants an AGIPD dark characterization produces, in detcal order [gain][cell][row][col]. */
import type { ConstantType } from '@detcal/core';

const PER_GAIN_CELL = ['gain', 'cell', 'row', 'col'] as const;

/** AGIPD dark constants: Offset, Noise, ThresholdsDark, DigitalMean, DigitalStd, BadPixelsDark. */
export const agipdConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark offset of the analog value per gain stage and memory cell' },
  { name: 'Noise', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise (std over frames) of the analog value per gain stage and memory cell' },
  {
    name: 'ThresholdsDark',
    dtype: 'f4',
    dims: ['threshold', 'cell', 'row', 'col'],
    unit: 'ADU',
    description: 'gain-switch thresholds of the digital value: HG/MG and MG/LG (mean of the two stages\' digital means)',
  },
  { name: 'DigitalMean', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'mean of the digital (gain) value per gain stage and memory cell' },
  { name: 'DigitalStd', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'std of the digital (gain) value per gain stage and memory cell' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the dark runs' },
];
