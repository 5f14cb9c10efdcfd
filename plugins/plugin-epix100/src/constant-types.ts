/** Constants an ePix100 dark characterization produces: EuXFEL names ([gain][cell][row][col], singleton axes kept), and LCLS names ([row][col]) for --method psana. */
import type { ConstantType } from '@detcal/core';

const PIXEL = ['row', 'col'] as const;
const PER_GAIN_CELL = ['gain', 'cell', 'row', 'col'] as const;

/** ePix100 dark constants: Offset, Noise, NoiseCM, BadPixelsDark (EuXFEL) and pedestals, pixel_rms, pixel_status (LCLS). */
export const epix100ConstantTypes: readonly ConstantType[] = [
  { name: 'Offset', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark offset per pixel' },
  { name: 'Noise', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise (std over frames) per pixel, common mode included' },
  { name: 'NoiseCM', dtype: 'f4', dims: PER_GAIN_CELL, unit: 'ADU', description: 'dark noise per pixel after common-mode correction (rows of each ASIC)' },
  { name: 'BadPixelsDark', dtype: 'u4', dims: PER_GAIN_CELL, unit: '', description: 'EuXFEL BadPixels flags found in the dark run' },
  { name: 'pedestals', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'LCLS pedestals (psana DarkProc mean of in-gate values)' },
  { name: 'pixel_rms', dtype: 'f4', dims: PIXEL, unit: 'ADU', description: 'LCLS pixel_rms (psana DarkProc rms of in-gate values)' },
  { name: 'pixel_status', dtype: 'u8', dims: PIXEL, unit: '', description: 'LCLS pixel_status bits (psana DarkProc); mask = status == 0' },
];
