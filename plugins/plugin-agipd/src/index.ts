/** @detcal/plugin-agipd: the AGIPD 1M detector plugin (default export: its DetectorModule). */
import type { DetectorModule } from '@detcal/core';
import { agipdPlugin } from './plugin.js';

export { agipdPlugin, AGIPD_SIMULATION_KINDS } from './plugin.js';
export { agipdGeometry } from './geometry.js';
export { agipdLayout } from './layout.js';
export { agipdConstantTypes } from './constant-types.js';
export { simulateAgipdDark, thresholdsFromDigital, drawAgipdPixelTruth } from './simulate-dark.js';
export { AGIPD_ADC_MAX_ADU, AGIPD_ANALOG_STAGES, AGIPD_DARK_RUNS, AGIPD_DIGITAL_STAGES, AGIPD_SIM_CONDITIONS } from './dark-model.js';

/** The plugin module detcal loads: getPlugin() returns the AGIPD plugin. */
export default { getPlugin() { return agipdPlugin; } } satisfies DetectorModule;
export { agipdDark, agipdDarkToSink, agipdThresholds } from './dark.js';
export { AGIPD_DARK_PARAMETERS, agipdStageLimits } from './dark-parameters.js';
export { simulateAgipdLight, drawAgipdLightTruth, AGIPD_GAIN_MODEL, AGIPD_LIGHT_PHOTON_ENERGY_KEV } from './simulate-light.js';
export { agipdCorrect, agipdPlanes, AGIPD_CORRECT_CONSTANTS } from './correct.js';
export { AGIPD_CORRECT_PARAMETERS } from './correct-parameters.js';
export { AGIPD_CS_GAIN_STEPS } from './gain-steps.js';
export { agipdCurrentSource, agipdCurrentSourceStep } from './gain-current-source.js';
export { AGIPD_CS_PARAMETERS } from './gain-current-source-parameters.js';
export { collectScan, type ScanStore, type ScanStoreOptions } from './gain-current-source-cells.js';
export { agipdCombine, agipdCombineStep, AGIPD_COMBINE_PARAMETERS, AGIPD_COMBINE_INPUTS, AGIPD_DEFAULT_PHOTON_ENERGY_KEV, inOrder } from './gain-combine.js';
export { simulateAgipdCurrentSource, drawAgipdDarkTruth, drawScanTruth, type AgipdDarkTruth, type ScanTruth } from './simulate-current-source.js';
export * from './current-source-model.js';
export { AGIPD_XRAY_MODEL, simulateAgipdXray, xrayDriftAdu } from './simulate-xray.js';
export { AGIPD_XRAY_GAIN_STEPS, agipdXrayGain } from './gain-xray.js';
export { AGIPD_XRAY_PARAMETERS, xraySettings } from './gain-xray-parameters.js';
