/**
 * `detcal correct epix100`: offset -> common mode (median of each ASIC row, as the dark step) ->
 * relative gain -> split-event pattern classification -> absolute gain (keV), bad pixels set to
 * mask_value. See createSingleGainCorrector in @detcal/kernels for the constants and outputs.
 */
import type { CorrectSetup, Corrector } from '@detcal/core';
import { createSingleGainCorrector } from '@detcal/kernels';
import { EPIX100_CORRECT_PARAMETERS } from './correct-parameters.js';
import { epix100Geometry } from './geometry.js';

/** Sets up the ePix100 correction of one module. */
export function epix100Correct(setup: CorrectSetup): Corrector {
  const a = epix100Geometry.asics;
  return createSingleGainCorrector(setup, { id: 'epix100', bank: { bankRows: a.asicRows, bankCols: a.asicCols }, parameters: EPIX100_CORRECT_PARAMETERS });
}
