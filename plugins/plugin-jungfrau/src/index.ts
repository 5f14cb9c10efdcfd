/** @detcal/plugin-jungfrau: the Jungfrau detector plugin (default export: its DetectorModule). */
import type { DetectorModule } from '@detcal/core';
import { jungfrauPlugin } from './plugin.js';

export { jungfrauPlugin, JUNGFRAU_SIMULATION_KINDS } from './plugin.js';
export { jungfrauGeometry } from './geometry.js';
export { jungfrauLayout, jungfrauModuleNumber } from './layout.js';
export { jungfrauConstantTypes } from './constant-types.js';
export { JUNGFRAU_GAIN_BITS, gainStageOfBits } from './gain-bits.js';
export { simulateJungfrauDark } from './simulate-dark.js';
export { drawWrongGainEvents, wrongGainCounts } from './wrong-gain.js';
export type { WrongGainEvents } from './wrong-gain.js';
export { JUNGFRAU_ADC_MAX_ADU, JUNGFRAU_DARK_RUNS, JUNGFRAU_SIM_CONDITIONS, JUNGFRAU_STAGES, JUNGFRAU_WRONG_GAIN } from './dark-model.js';

/** The plugin module detcal loads: getPlugin() returns the Jungfrau plugin. */
export { jungfrauDark, flagWrongGain } from './dark.js';
export { JUNGFRAU_DARK_PARAMETERS, jungfrauStageLimits } from './dark-parameters.js';
export default { getPlugin() { return jungfrauPlugin; } } satisfies DetectorModule;
