/** The pnCCD detector plugin: geometry, EuXFEL raw layout, dark constants, the dark step (euxfel, psana) and the dark simulator. */
import type { DetectorPlugin, SimulateOptions, Simulation } from '@detcal/core';
import { pnccdConstantTypes } from './constant-types.js';
import { pnccdGeometry } from './geometry.js';
import { pnccdLayout } from './layout.js';
import { simulatePnccdDark } from './simulate-dark.js';
import { pnccdDark } from './dark.js';
import { PNCCD_DARK_METHOD_PARAMETERS } from './dark-parameters.js';
import { checkSimulateOptions } from '@detcal/simulator';

/** Simulation kinds the pnCCD plugin supports. */
export const PNCCD_SIMULATION_KINDS: readonly string[] = ['dark'];

/** The pnCCD plugin. Default dark simulation: 200 trains (frames), 419 MB of raw values. */
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
      return simulatePnccdDark(options);
    },
    dark: pnccdDark,
  },
  darkMethods: ['euxfel', 'psana'],
  darkParameters: PNCCD_DARK_METHOD_PARAMETERS,
};
