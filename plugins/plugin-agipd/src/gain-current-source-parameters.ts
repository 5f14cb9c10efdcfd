/**
 * Parameters of `detcal gain current-source agipd` with the AGIPD seed's defaults
 * (agipdCalibration rangeScansFitting: maxSpikeWidth 2, minSpikeHeight 300, 3 k-means refinement
 * steps, minDigitalSpacing 600, linearFitDataShrinkFactor 0.3).
 */
import type { ParameterSpec } from '@detcal/core';

/** Tunable parameters of the current-source / pulse-capacitor scan fit. */
export const AGIPD_CS_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'max_spike_width', defaultValue: 2, description: 'widest spike removed (running median over 2w+1 steps), steps' },
  { name: 'min_spike_height', defaultValue: 300, description: 'smallest deviation from the running median that counts as a spike, ADU' },
  { name: 'refinement_steps_count', defaultValue: 3, description: 'iterations of the fast k-means of the digital values' },
  { name: 'min_digital_spacing', defaultValue: 600, description: 'adjacent digital means closer than this: the pixel did not switch, no fit, ADU' },
  { name: 'linear_fit_data_shrink_factor', defaultValue: 0.3, description: 'fraction of each stage\'s samples dropped at both ends before the line fit' },
  { name: 'injected_rows', defaultValue: 'auto', description: 'several runs (pulse capacitor): auto = each row from the run where it switches most, modulo = row % runs === run index' },
  { name: 'layout', defaultValue: 'reference', description: 'output axes: reference = seed names and shapes (3, cells, 128, 512) etc., detcal = [gain][cell][row][col]' },
  { name: 'buffer_mb', defaultValue: 1024, description: 'scan values kept in memory up to this size; larger scans are regrouped through a scratch file, MB' },
  { name: 'cells_per_group', defaultValue: 0, description: 'memory cells fitted and written out together (bounds the memory of the outputs); 0 = auto, 13 cells of a full 512 x 128 module' },
  { name: 'scratch_dir', defaultValue: '', description: 'folder of the scratch file (default: the OS temp folder)' },
];
