/** @detcal/plugin-epix100: the ePix100 detector plugin (default export: its DetectorModule). */
import type { DetectorModule } from '@detcal/core';
import { epix100Plugin } from './plugin.js';

export { epix100Plugin, EPIX100_SIMULATION_KINDS } from './plugin.js';
export { epix100Geometry, EPIX100_LCLS_ROWS } from './geometry.js';
export { epix100Layout } from './layout.js';
export { epix100ConstantTypes } from './constant-types.js';
export { simulateEpix100Dark, drawEpix100Truth, epix100DarkTruthArrays, epix100DarkTruthParameters } from './simulate-dark.js';
export type { Epix100Truth } from './simulate-dark.js';
export { simulateEpix100Light } from './simulate-light.js';
export { epix100Correct } from './correct.js';
export { EPIX100_CORRECT_PARAMETERS } from './correct-parameters.js';
export { EPIX100_PHOTON_ENERGY_KEV, EPIX100_RELATIVE_GAIN_SPREAD, EPIX100_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
export { epix100Dark } from './dark.js';
export { EPIX100_DARK_PARAMETERS, EPIX100_DARK_METHOD_PARAMETERS, epix100CommonModePasses, epix100Limits } from './dark-parameters.js';
export { EPIX100_ADC_MAX_ADU, EPIX100_COMMON_MODE_RMS_ADU, EPIX100_SIM_CONDITIONS, EPIX100_STAGE } from './dark-model.js';

/** The plugin module detcal loads: getPlugin() returns the ePix100 plugin. */
export default { getPlugin() { return epix100Plugin; } } satisfies DetectorModule;
