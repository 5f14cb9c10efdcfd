/** Constants an ePix100 dark characterization produces: EuXFEL names ([gain][cell][row][col], singleton axes kept), and LCLS names ([row][col]) for --method psana. */
import type { ConstantType } from '@detcal/core';

const PIXEL = ['row', 'col'] as const;
const PER_GAIN_CELL = ['gain', 'cell', 'row', 'col'] as const;

/** ePix100 constants: Offset, Noise, NoiseCM, BadPixelsDark (EuXFEL dark), RelativeGain and pixel_gain (used by correct), pedestals, pixel_rms, pixel_status (LCLS). */
export const epix100ConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark offset per pixel' },
  { name: 'Noise', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise (std over frames) per pixel, common mode included' },
  { name: 'NoiseCM', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise per pixel after common-mode correction (rows of each ASIC)' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the dark run' },
  { name: 'RelativeGain', dtype: 'f4', dims: PER_GAIN_CELL, unit: '', description: 'relative gain factor per pixel (flat field), multiplied onto corrected ADU by correct; 1 = nominal' },
  { name: 'pixel_gain', dtype: 'f4', dims: PIXEL, unit: 'keV/ADU', description: 'absolute gain used by correct (store default 0.06, the LCLS epix100a value)' },
  { name: 'pedestals', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'LCLS pedestals (psana DarkProc mean of in-gate values)' },
  { name: 'pixel_rms', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'LCLS pixel_rms (psana DarkProc rms of in-gate values)' },
  { name: 'pixel_status', dtype: 'u8', dims: PIXEL, unit: '', description: 'LCLS pixel_status bits (psana DarkProc); mask = status == 0' },
];
