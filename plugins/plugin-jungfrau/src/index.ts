/** @detcal/plugin-jungfrau: the Jungfrau detector plugin (default export: its DetectorModule). */
import type { DetectorModule } from '@detcal/core';
import { jungfrauPlugin } from './plugin.js';

export { jungfrauPlugin, JUNGFRAU_SIMULATION_KINDS } from './plugin.js';
export { jungfrauGeometry } from './geometry.js';
export { jungfrauLayout, jungfrauModuleNumber } from './layout.js';
export { jungfrauConstantTypes } from './constant-types.js';
export { JUNGFRAU_GAIN_BITS, gainStageOfBits } from './gain-bits.js';
export { simulateJungfrauDark } from './simulate-dark.js';
export { simulateJungfrauLight, GAIN_CONVENTION, LIGHT_RUN_STREAM } from './simulate-light.js';
export { drawJungfrauPixelTruth } from './pixel-truth.js';
export type { JungfrauPixelTruth } from './pixel-truth.js';
export { drawJungfrauGainTruth, GAIN_TRUTH_STREAM } from './gain-truth.js';
export type { JungfrauGainTruth } from './gain-truth.js';
export { JungfrauLightFrames, allocateLightTruth } from './light-frames.js';
export type { LightFrameTruth } from './light-frames.js';
export * from './light-model.js';
export { jungfrauCorrect, jungfrauCorrectedDatasets } from './correct.js';
export { prepareJungfrauConstants, CORRECT_DIMS } from './correct-constants.js';
export type { CorrectedUnit, JungfrauCorrectionConstants } from './correct-constants.js';
export { bankCommonMode, correctFrameDirect, finishFrame, subtractOffsetFrame, INVALID_STAGE } from './correct-kernel.js';
export type { BankCandidates, FramePlanes } from './correct-kernel.js';
export { JUNGFRAU_CORRECT_CONSTANTS, JUNGFRAU_CORRECT_PARAMETERS, resolveCorrectParameters } from './correct-parameters.js';
export { drawWrongGainEvents, wrongGainCounts } from './wrong-gain.js';
export type { WrongGainEvents } from './wrong-gain.js';
export { JUNGFRAU_ADC_MAX_ADU, JUNGFRAU_DARK_RUNS, JUNGFRAU_SIM_CONDITIONS, JUNGFRAU_STAGES, JUNGFRAU_WRONG_GAIN } from './dark-model.js';

/** The plugin module detcal loads: getPlugin() returns the Jungfrau plugin. */
export { jungfrauDark, flagWrongGain } from './dark.js';
export { JUNGFRAU_DARK_PARAMETERS, jungfrauStageLimits } from './dark-parameters.js';
export default { getPlugin() { return jungfrauPlugin; } } satisfies DetectorModule;
