/**
 * pnCCD light simulation: @detcal/simulator's single-gain light run (photons split over 1-4 pixels on
 * the dark truth of the same seed) with this detector's geometry, noise, common mode and gains.
 */
import { resolveParameters, type SimulateOptions, type Simulation } from '@detcal/core';
import { simulateSingleGainLight, type SingleGainLightSpec } from '@detcal/simulator';
import { PNCCD_ADC_MAX_ADU, PNCCD_COMMON_MODE_RMS_ADU, PNCCD_SIM_CONDITIONS } from './dark-model.js';
import { PNCCD_CORRECT_PARAMETERS } from './correct-parameters.js';
import { pnccdGeometry } from './geometry.js';
import { PNCCD_PHOTON_ENERGY_KEV, PNCCD_RELATIVE_GAIN_SPREAD, PNCCD_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
import { drawPnccdTruth, pnccdDarkTruthArrays, pnccdDarkTruthParameters } from './simulate-dark.js';

const correctDefaults = resolveParameters(PNCCD_CORRECT_PARAMETERS, {});

/** The pnCCD constants of the single-gain light simulation. */
const PNCCD_LIGHT: SingleGainLightSpec = {
  detector: 'pnccd',
  geometry: pnccdGeometry,
  conditions: PNCCD_SIM_CONDITIONS,
  photonEnergyKev: PNCCD_PHOTON_ENERGY_KEV,
  gainKevPerAdu: PNCCD_SIM_GAIN_KEV_PER_ADU,
  relativeGainSpread: PNCCD_RELATIVE_GAIN_SPREAD,
  commonModeRmsAdu: PNCCD_COMMON_MODE_RMS_ADU,
  adcMaxAdu: PNCCD_ADC_MAX_ADU,
  splitThresholdsSigma: { primary: correctDefaults.split_evt_primary_threshold as number, secondary: correctDefaults.split_evt_secondary_threshold as number },
  drawTruth: drawPnccdTruth,
  darkTruthArrays: pnccdDarkTruthArrays,
  darkTruthParameters: pnccdDarkTruthParameters,
};

/** Simulates one pnCCD light run (frames = trains) and returns it with its truth. */
export function simulatePnccdLight(options: SimulateOptions): Simulation {
  return simulateSingleGainLight(PNCCD_LIGHT, options);
}
