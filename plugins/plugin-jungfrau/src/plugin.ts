/** The Jungfrau detector plugin: geometry, EuXFEL raw layout, dark constants and the dark simulator. */
import type { DetectorPlugin, SimulateOptions, Simulation } from '@detcal/core';
import { jungfrauConstantTypes } from './constant-types.js';
import { jungfrauGeometry } from './geometry.js';
import { jungfrauLayout } from './layout.js';
import { simulateJungfrauDark } from './simulate-dark.js';
import { jungfrauDark } from './dark.js';
import { JUNGFRAU_DARK_PARAMETERS } from './dark-parameters.js';
import { checkSimulateOptions } from '@detcal/simulator';

/** Simulation kinds the Jungfrau plugin supports. */
export const JUNGFRAU_SIMULATION_KINDS: readonly string[] = ['dark'];

/** The Jungfrau plugin. Default dark simulation: 1 cell x 200 trains, 315 MB of adc + gain values per run. */
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
      return simulateJungfrauDark(options);
    },
    dark: jungfrauDark,
  },
  darkMethods: ['euxfel'],
  darkParameters: { euxfel: JUNGFRAU_DARK_PARAMETERS },
};
