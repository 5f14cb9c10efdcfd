/**
 * `detcal correct pnccd`: offset -> common mode (median of each half row of 512 pixels, as the dark
 * step) -> relative gain -> split-event pattern classification -> absolute gain when known, bad
 * pixels set to mask_value. See createSingleGainCorrector in @detcal/kernels for constants and outputs.
 */
import type { CorrectSetup, Corrector } from '@detcal/core';
import { createSingleGainCorrector } from '@detcal/kernels';
import { PNCCD_CORRECT_PARAMETERS } from './correct-parameters.js';
import { pnccdGeometry } from './geometry.js';

/** Sets up the pnCCD correction of one module. */
export function pnccdCorrect(setup: CorrectSetup): Corrector {
  const a = pnccdGeometry.asics;
  return createSingleGainCorrector(setup, { id: 'pnccd', bank: { bankRows: a.asicRows, bankCols: a.asicCols }, parameters: PNCCD_CORRECT_PARAMETERS });
}
