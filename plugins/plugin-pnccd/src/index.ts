/** @detcal/plugin-pnccd: the pnCCD detector plugin (default export: its DetectorModule). */
import type { DetectorModule } from '@detcal/core';
import { pnccdPlugin } from './plugin.js';

export { pnccdPlugin, PNCCD_SIMULATION_KINDS } from './plugin.js';
export { pnccdGeometry } from './geometry.js';
export { pnccdLayout } from './layout.js';
export { pnccdConstantTypes } from './constant-types.js';
export { simulatePnccdDark, simulatedCosmicHits } from './simulate-dark.js';
export { pnccdDark } from './dark.js';
export { PNCCD_DARK_PARAMETERS, PNCCD_DARK_METHOD_PARAMETERS, pnccdLimits } from './dark-parameters.js';
export { addCosmicHits, drawCosmicHits } from './cosmic-hits.js';
export type { CosmicHits } from './cosmic-hits.js';
export { PNCCD_ADC_MAX_ADU, PNCCD_COMMON_MODE_RMS_ADU, PNCCD_COSMICS, PNCCD_SIM_CONDITIONS, PNCCD_STAGE } from './dark-model.js';

/** The plugin module detcal loads: getPlugin() returns the pnCCD plugin. */
export default { getPlugin() { return pnccdPlugin; } } satisfies DetectorModule;
