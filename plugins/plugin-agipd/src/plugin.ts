/** The AGIPD 1M detector plugin: geometry, EuXFEL raw layout, dark constants and the dark simulator. */
import type { DetectorPlugin, SimulateOptions, Simulation } from '@detcal/core';
import { agipdConstantTypes } from './constant-types.js';
import { agipdGeometry } from './geometry.js';
import { agipdLayout } from './layout.js';
import { simulateAgipdDark } from './simulate-dark.js';
import { agipdDark, agipdDarkToSink } from './dark.js';
import { AGIPD_DARK_PARAMETERS } from './dark-parameters.js';
import { checkSimulateOptions } from '@detcal/simulator';
import { simulateAgipdLight } from './simulate-light.js';
import { AGIPD_CORRECT_CONSTANTS, agipdCorrect } from './correct.js';
import { AGIPD_CORRECT_PARAMETERS } from './correct-parameters.js';
import { AGIPD_CS_GAIN_STEPS } from './gain-steps.js';
import { simulateAgipdCurrentSource } from './simulate-current-source.js';
import { simulateAgipdXray } from './simulate-xray.js';
import { AGIPD_XRAY_GAIN_STEPS } from './gain-xray.js';

/** Simulation kinds the AGIPD plugin supports. */
export const AGIPD_SIMULATION_KINDS: readonly string[] = ['dark', 'light', 'xray', 'current-source', 'pulse-capacitor'];

/** The AGIPD 1M plugin. Default dark simulation: 16 cells x 64 trains = 1024 frames (64 per cell), 268 MB of raw values per run. */
export const agipdPlugin: DetectorPlugin = {
  id: 'agipd',
  displayName: 'AGIPD 1M',
  geometry: agipdGeometry,
  layout: agipdLayout,
  constantTypes: agipdConstantTypes,
  simulationKinds: AGIPD_SIMULATION_KINDS,
  simulationDefaults: { cells: 16, trains: 64 },
  steps: {
    simulate(options: SimulateOptions): Simulation {
      checkSimulateOptions('agipd', options, AGIPD_SIMULATION_KINDS, agipdGeometry);
      if (options.kind === 'current-source' || options.kind === 'pulse-capacitor') return simulateAgipdCurrentSource(options);
      if (options.kind === 'xray') return simulateAgipdXray(options);
      return options.kind === 'light' ? simulateAgipdLight(options) : simulateAgipdDark(options);
    },
    dark: agipdDark,
    darkToSink: agipdDarkToSink,
    gain: { ...AGIPD_XRAY_GAIN_STEPS, ...AGIPD_CS_GAIN_STEPS },
    correct: agipdCorrect,
  },
  darkMethods: ['euxfel'],
  darkParameters: { euxfel: AGIPD_DARK_PARAMETERS },
  correctConstants: AGIPD_CORRECT_CONSTANTS,
  correctParameters: AGIPD_CORRECT_PARAMETERS,
};
