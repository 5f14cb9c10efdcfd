/** Constants a pnCCD dark characterization produces: EuXFEL pnCCD dark notebook names ([gain][cell][row][col], singleton axes kept) and LCLS names ([row][col]) for --method psana. */
import type { ConstantType } from '@detcal/core';

const PER_GAIN_CELL = ['gain', 'cell', 'row', 'col'] as const;
const PIXEL = ['row', 'col'] as const;

/** pnCCD constants: Offset, Noise, NoiseCM, BadPixelsDark (EuXFEL dark), RelativeGain and pixel_gain (used by correct), pedestals, pixel_rms, pixel_status (LCLS, --method psana). */
export const pnccdConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark offset per pixel (cosmic hits and empty frames excluded)' },
  { name: 'Noise', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise (std over frames) per pixel, common mode included' },
  { name: 'NoiseCM', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise per pixel after common-mode correction (half rows of 512 pixels)' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the dark run' },
  { name: 'RelativeGain', dtype: 'f4', dims: PER_GAIN_CELL, unit: '', description: 'relative gain factor per pixel (flat field), multiplied onto corrected ADU by correct; 1 = nominal' },
  { name: 'pixel_gain', dtype: 'f4', dims: PIXEL, unit: 'keV/ADU', description: 'absolute gain used by correct (per pixel or one value); without it data stay in ADU' },
  { name: 'pedestals', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'LCLS pedestals (psana DarkProc mean of in-gate values)' },
  { name: 'pixel_rms', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'LCLS pixel_rms (psana DarkProc rms of in-gate values)' },
  { name: 'pixel_status', dtype: 'u8', dims: PIXEL, unit: '', description: 'LCLS pixel_status bits (psana DarkProc); mask = status == 0' },
];
