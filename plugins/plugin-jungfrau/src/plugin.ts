/** The Jungfrau detector plugin: geometry, EuXFEL raw layout, dark constants, correction, and the dark and light simulators. */
import type { DetectorPlugin, SimulateOptions, Simulation } from '@detcal/core';
import { jungfrauConstantTypes } from './constant-types.js';
import { jungfrauGeometry } from './geometry.js';
import { jungfrauLayout } from './layout.js';
import { simulateJungfrauDark } from './simulate-dark.js';
import { simulateJungfrauLight } from './simulate-light.js';
import { jungfrauCorrect } from './correct.js';
import { JUNGFRAU_CORRECT_CONSTANTS, JUNGFRAU_CORRECT_PARAMETERS } from './correct-parameters.js';
import { jungfrauDark } from './dark.js';
import { JUNGFRAU_DARK_PARAMETERS } from './dark-parameters.js';
import { checkSimulateOptions } from '@detcal/simulator';

/** Simulation kinds the Jungfrau plugin supports. */
export const JUNGFRAU_SIMULATION_KINDS: readonly string[] = ['dark', 'light'];

/** The Jungfrau plugin. Default simulation: 1 cell x 200 trains, 315 MB of adc + gain values per run. */
export const jungfrauPlugin: DetectorPlugin = {
  id: 'jungfrau',
  displayName: 'Jungfrau',
  geometry: jungfrauGeometry,
  layout: jungfrauLayout,
  constantTypes: jungfrauConstantTypes,
  simulationKinds: JUNGFRAU_SIMULATION_KINDS,
  simulationDefaults: { cells: 1, trains: 200 },
  steps: {
    simulate(options: SimulateOptions): Simulation {
      checkSimulateOptions('jungfrau', options, JUNGFRAU_SIMULATION_KINDS, jungfrauGeometry);
      return options.kind === 'light' ? simulateJungfrauLight(options) : simulateJungfrauDark(options);
    },
    dark: jungfrauDark,
    correct: jungfrauCorrect,
  },
  darkMethods: ['euxfel'],
  darkParameters: { euxfel: JUNGFRAU_DARK_PARAMETERS },
  correctConstants: JUNGFRAU_CORRECT_CONSTANTS,
  correctParameters: JUNGFRAU_CORRECT_PARAMETERS,
};
