/** Constants a pnCCD dark characterization produces (EuXFEL pnCCD dark notebook). */
import type { ConstantType } from '@detcal/core';

const PIXEL = ['row', 'col'] as const;

/** pnCCD dark constants: Offset, Noise, NoiseCM, BadPixelsDark. */
export const pnccdConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'dark offset per pixel (cosmic hits and empty frames excluded)' },
  { name: 'Noise', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'dark noise (std over frames) per pixel, common mode included' },
  { name: 'NoiseCM', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'dark noise per pixel after common-mode correction (half rows of 512 pixels)' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PIXEL, unit: '', description: 'EuXFEL BadPixels flags found in the dark run' },
];
