/** @detcal/plugin-pnccd: the pnCCD detector plugin (default export: its DetectorModule). */
import type { DetectorModule } from '@detcal/core';
import { pnccdPlugin } from './plugin.js';

export { pnccdPlugin, PNCCD_SIMULATION_KINDS } from './plugin.js';
export { pnccdGeometry } from './geometry.js';
export { pnccdLayout } from './layout.js';
export { pnccdConstantTypes } from './constant-types.js';
export { simulatePnccdDark, simulatedCosmicHits, drawPnccdTruth, pnccdDarkTruthArrays, pnccdDarkTruthParameters } from './simulate-dark.js';
export type { PnccdTruth } from './simulate-dark.js';
export { simulatePnccdLight } from './simulate-light.js';
export { pnccdCorrect } from './correct.js';
export { PNCCD_CORRECT_PARAMETERS } from './correct-parameters.js';
export { PNCCD_PHOTON_ENERGY_KEV, PNCCD_RELATIVE_GAIN_SPREAD, PNCCD_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
export { pnccdDark } from './dark.js';
export { PNCCD_DARK_PARAMETERS, PNCCD_DARK_METHOD_PARAMETERS, pnccdLimits } from './dark-parameters.js';
export { addCosmicHits, drawCosmicHits } from './cosmic-hits.js';
export type { CosmicHits } from './cosmic-hits.js';
export { PNCCD_ADC_MAX_ADU, PNCCD_COMMON_MODE_RMS_ADU, PNCCD_COSMICS, PNCCD_SIM_CONDITIONS, PNCCD_STAGE } from './dark-model.js';

/** The plugin module detcal loads: getPlugin() returns the pnCCD plugin. */
export default { getPlugin() { return pnccdPlugin; } } satisfies DetectorModule;
