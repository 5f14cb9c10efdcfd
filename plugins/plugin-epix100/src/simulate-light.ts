/**
 * ePix100 light simulation: @detcal/simulator's single-gain light run (photons split over 1-4 pixels on
 * the dark truth of the same seed) with this detector's geometry, noise, common mode and gains.
 */
import { resolveParameters, type SimulateOptions, type Simulation } from '@detcal/core';
import { simulateSingleGainLight, type SingleGainLightSpec } from '@detcal/simulator';
import { EPIX100_ADC_MAX_ADU, EPIX100_COMMON_MODE_RMS_ADU, EPIX100_SIM_CONDITIONS } from './dark-model.js';
import { EPIX100_CORRECT_PARAMETERS } from './correct-parameters.js';
import { epix100Geometry } from './geometry.js';
import { EPIX100_PHOTON_ENERGY_KEV, EPIX100_RELATIVE_GAIN_SPREAD, EPIX100_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
import { drawEpix100Truth, epix100DarkTruthArrays, epix100DarkTruthParameters } from './simulate-dark.js';

const correctDefaults = resolveParameters(EPIX100_CORRECT_PARAMETERS, {});

/** The ePix100 constants of the single-gain light simulation. */
const EPIX100_LIGHT: SingleGainLightSpec = {
  detector: 'epix100',
  geometry: epix100Geometry,
  conditions: EPIX100_SIM_CONDITIONS,
  photonEnergyKev: EPIX100_PHOTON_ENERGY_KEV,
  gainKevPerAdu: EPIX100_SIM_GAIN_KEV_PER_ADU,
  relativeGainSpread: EPIX100_RELATIVE_GAIN_SPREAD,
  commonModeRmsAdu: EPIX100_COMMON_MODE_RMS_ADU,
  adcMaxAdu: EPIX100_ADC_MAX_ADU,
  splitThresholdsSigma: { primary: correctDefaults.split_evt_primary_threshold as number, secondary: correctDefaults.split_evt_secondary_threshold as number },
  drawTruth: drawEpix100Truth,
  darkTruthArrays: epix100DarkTruthArrays,
  darkTruthParameters: epix100DarkTruthParameters,
};

/** Simulates one ePix100 light run (frames = trains) and returns it with its truth. */
export function simulateEpix100Light(options: SimulateOptions): Simulation {
  return simulateSingleGainLight(EPIX100_LIGHT, options);
}
