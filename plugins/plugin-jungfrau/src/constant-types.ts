/** Constants a Jungfrau dark characterization produces, in detcal order [gain][cell][row][col]. */
import type { ConstantType } from '@detcal/core';

const PER_GAIN_CELL = ['gain', 'cell', 'row', 'col'] as const;

/** Jungfrau dark constants (EuXFEL calls them Offset10Hz, Noise10Hz, BadPixelsDark10Hz). */
export const jungfrauConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark offset (pedestal) per gain stage and memory cell' },
  { name: 'Noise', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise (std over frames) per gain stage and memory cell' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the dark runs' },
];
