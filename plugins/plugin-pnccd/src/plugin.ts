/** The pnCCD detector plugin: geometry, EuXFEL raw layout, dark constants, the dark step (euxfel, psana), the correction with pattern classification, and the dark and light simulators. */
import type { DetectorPlugin, SimulateOptions, Simulation } from '@detcal/core';
import { pnccdConstantTypes } from './constant-types.js';
import { pnccdGeometry } from './geometry.js';
import { pnccdLayout } from './layout.js';
import { simulatePnccdDark } from './simulate-dark.js';
import { pnccdDark } from './dark.js';
import { PNCCD_DARK_METHOD_PARAMETERS } from './dark-parameters.js';
import { checkSimulateOptions } from '@detcal/simulator';
import { SINGLE_GAIN_CORRECT_CONSTANTS } from '@detcal/kernels';
import { simulatePnccdLight } from './simulate-light.js';
import { pnccdCorrect } from './correct.js';
import { PNCCD_CORRECT_PARAMETERS } from './correct-parameters.js';

/** Simulation kinds the pnCCD plugin supports. */
export const PNCCD_SIMULATION_KINDS: readonly string[] = ['dark', 'light'];

/** The pnCCD plugin. Default simulation: 200 trains (frames), 419 MB of raw values. */
export const pnccdPlugin: DetectorPlugin = {
  id: 'pnccd',
  displayName: 'pnCCD',
  geometry: pnccdGeometry,
  layout: pnccdLayout,
  constantTypes: pnccdConstantTypes,
  simulationKinds: PNCCD_SIMULATION_KINDS,
  simulationDefaults: { cells: 1, trains: 200 },
  steps: {
    simulate(options: SimulateOptions): Simulation {
      checkSimulateOptions('pnccd', options, PNCCD_SIMULATION_KINDS, pnccdGeometry);
      return options.kind === 'light' ? simulatePnccdLight(options) : simulatePnccdDark(options);
    },
    dark: pnccdDark,
    correct: pnccdCorrect,
  },
  darkMethods: ['euxfel', 'psana'],
  darkParameters: PNCCD_DARK_METHOD_PARAMETERS,
  correctConstants: SINGLE_GAIN_CORRECT_CONSTANTS,
  correctParameters: PNCCD_CORRECT_PARAMETERS,
};
